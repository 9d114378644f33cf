"""Benchmark the local pipeline: messages per second from POST to processed, and latency.

    python -m {{ cookiecutter.__package_name }}.local.benchmark [--messages 300] [--batch-sizes 1,10,100]

For each batch size, synthesizes the stack with that batch size (and a throttle high enough not
to limit intake), starts the local stack, posts the messages from 16 clients and waits until all
are processed. Prints one line per batch size. The figures are the local stack's (moto's SQS
is the slowest part), not AWS's.
"""

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from .harness import LocalStack, synthesize


def run(batch_size: int, messages: int) -> dict:
    with tempfile.TemporaryDirectory() as outdir:
        cdk_out = synthesize(Path(outdir), batch_size=batch_size, api_throttling=10000)
        with LocalStack(cdk_out) as stack:
            bodies = [json.dumps({"n": n}).encode() for n in range(messages)]
            started = time.monotonic()
            answers = stack.send(bodies)
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


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--messages", type=int, default=300, help="messages per run (300)")
    arguments.add_argument("--batch-sizes", default="1,10,100", help="comma-separated (1,10,100)")
    options = arguments.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(f"{'batch size':>10}  {'messages':>8}  {'msg/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}")
    for batch_size in (int(size) for size in options.batch_sizes.split(",")):
        result = run(batch_size, options.messages)
        print(
            f"{result['batch_size']:>10}  {result['processed']:>8}  {result['per_second']:>7.1f}"
            f"  {result['p50_ms']:>7}  {result['p99_ms']:>7}",
            flush=True,
        )


if __name__ == "__main__":
    main()
