"""Benchmark the local pipeline: messages per second from request to processed, and latency.

    python -m api_sqs_devkit.local.benchmark --cdk-out cdk.out [--messages 300]
        [--batch-sizes 1,10,100] [--route "POST /messages"]

For each batch size, runs the local stack on a copy of the cloud assembly whose consumers take
that batch size (and whose throttles are high enough not to limit intake), sends the messages
from 16 clients to the route and waits until all are processed. Prints one line per batch size.
The figures are the local stack's (moto's SQS is the slowest part), not AWS's.
"""

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from ..assembly import FIFO_MAX_BATCH_SIZE, AssemblyError, read_service
from ..ops.arguments import add_cdk_out
from .harness import LocalStack

UNTHROTTLED = 100000


def assembly_with(cdk_out: Path, directory: Path, batch_size: int | None) -> Path:
    """A copy of the assembly with the consumers' batch size (at most 10 from a FIFO queue, as
    Lambda allows) and no practical throttle."""
    copy = directory / "cdk.out"
    shutil.copytree(cdk_out, copy, ignore=shutil.ignore_patterns("local.log"))
    service = read_service(copy)
    fifo_mappings = {consumer.logical_id for consumer in service.consumers if consumer.queue.fifo}
    template_file = service.template_file
    template = json.loads(template_file.read_text())
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        kind = resource.get("Type")
        if kind == "AWS::Lambda::EventSourceMapping" and batch_size is not None:
            fifo = logical_id in fifo_mappings
            properties["BatchSize"] = min(batch_size, FIFO_MAX_BATCH_SIZE) if fifo else batch_size
        settings = []
        if kind == "AWS::ApiGatewayV2::Stage":
            settings = [properties.get("DefaultRouteSettings", {})]
            settings += properties.get("RouteSettings", {}).values()
        if kind == "AWS::ApiGateway::Stage":
            settings = properties.get("MethodSettings", [])
        if kind == "AWS::ApiGateway::UsagePlan":
            settings = [properties.get("Throttle", {})]
            properties.pop("Quota", None)
        for setting in settings:
            for name in ("ThrottlingRateLimit", "RateLimit"):
                if name in setting:
                    setting[name] = UNTHROTTLED
            for name in ("ThrottlingBurstLimit", "BurstLimit"):
                if name in setting:
                    setting[name] = UNTHROTTLED
    template_file.write_text(json.dumps(template))
    return copy


def run(cdk_out: Path, batch_size: int | None, messages: int, route: str | None) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        copy = assembly_with(cdk_out, Path(directory), batch_size)
        with LocalStack(copy) as stack:
            bodies = [json.dumps({"orderId": str(n)}).encode() for n in range(messages)]
            started = time.monotonic()
            answers = stack.send(bodies, route=route)
            final = stack.settle()
            elapsed = time.monotonic() - started
    return {
        "batch_size": batch_size,
        "accepted": answers.count(200),
        "processed": final["processed"],
        "per_second": final["processed"] / elapsed,
        "p50_ms": final["latency_p50_ms"],
        "p99_ms": final["latency_p99_ms"],
    }


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(
        prog="python -m api_sqs_devkit.local.benchmark", description=__doc__.splitlines()[0]
    )
    add_cdk_out(arguments)
    arguments.add_argument("--messages", type=int, default=300, help="messages per run (300)")
    arguments.add_argument("--batch-sizes", default="1,10,100", help="comma-separated (1,10,100)")
    arguments.add_argument("--route", help="the route to send to (default: the first)")
    options = arguments.parse_args(argv)
    try:
        batch_sizes = [int(size) for size in options.batch_sizes.split(",")]
    except ValueError:
        arguments.error(f"--batch-sizes must be whole numbers, not {options.batch_sizes!r}")
    if any(not 1 <= size <= 10000 for size in batch_sizes) or options.messages < 1:
        arguments.error("batch sizes must be 1 to 10000 and --messages at least 1")
    try:
        service = read_service(options.cdk_out)
    except AssemblyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if service.consumers and all(consumer.queue.fifo for consumer in service.consumers):
        capped = [min(size, FIFO_MAX_BATCH_SIZE) for size in batch_sizes]
        if capped != batch_sizes:
            print(f"FIFO queues: batches of at most {FIFO_MAX_BATCH_SIZE}, as Lambda allows")
        batch_sizes = list(dict.fromkeys(capped))
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(f"{'batch size':>10}  {'messages':>8}  {'msg/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}")
    for batch_size in batch_sizes:
        try:
            result = run(options.cdk_out.resolve(), batch_size, options.messages, options.route)
        except (KeyError, RuntimeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(
            f"{result['batch_size']:>10}  {result['processed']:>8}  {result['per_second']:>7.1f}"
            f"  {result['p50_ms']:>7}  {result['p99_ms']:>7}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
