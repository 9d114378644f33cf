"""Run the pipeline locally: SQS (moto), the API, and the event source mapping.

    python -m {{ cookiecutter.__package_name }}.local --port 8080 [--visibility-timeout 2]

Every setting comes from the synthesized template (run `cdk synth` first). Stop with Ctrl-C.
"""

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import boto3

{% if cookiecutter.api_type == "rest" -%}
from .gateway import API_KEY_HEADER, LOCAL_CREDENTIALS, REGION, TOKEN_AUTHORIZATION, Gateway
{% else -%}
from .gateway import LOCAL_CREDENTIALS, REGION, TOKEN_AUTHORIZATION, Gateway
{% endif -%}
from .pipeline import LocalPipeline, NotSynthesized
from .poller import InvocationFailed, Poller

log = logging.getLogger("local")
API_TYPE = "{{ cookiecutter.api_type | upper }} API"


class Stats:
    """Counts for GET /_local/stats; the queue depths come from SQS itself."""

    def __init__(self, sqs, queue_url: str, dlq_url: str) -> None:
        self.sqs, self.queue_url, self.dlq_url = sqs, queue_url, dlq_url
        self.counts = {"accepted": 0, "processed": 0, "failed": 0}
        self.latencies_ms: list[float] = []  # from enqueued to processed, per message
        self.lock = threading.Lock()

    def count(self, name: str, amount: int = 1) -> None:
        with self.lock:
            self.counts[name] += amount

    def latencies(self, milliseconds) -> None:
        with self.lock:
            self.latencies_ms.extend(milliseconds)

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            counts = dict(self.counts)
            latencies = sorted(self.latencies_ms)
        queue = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        dlq = self.sqs.get_queue_attributes(
            QueueUrl=self.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return {
            **counts,
            "latency_p50_ms": percentile(latencies, 0.5),
            "latency_p99_ms": percentile(latencies, 0.99),
            "in_queue": int(queue["ApproximateNumberOfMessages"]),
            "in_flight": int(queue["ApproximateNumberOfMessagesNotVisible"]),
            "in_dlq": int(dlq["ApproximateNumberOfMessages"]),
        }


def percentile(ordered: list[float], share: float) -> int:
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))]) if ordered else 0


def start_sqs_server() -> tuple[subprocess.Popen, str]:
    """moto's server in a process of its own (it long-polls by looping: kept off this one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C stops this process, which then stops moto last
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            return server, endpoint
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("error: moto's SQS server did not start")


def create_queues(sqs, pipeline: LocalPipeline, visibility_timeout: int | None) -> tuple[str, str]:
    dlq_url = sqs.create_queue(QueueName=pipeline.dlq_name, Attributes=pipeline.dlq_attributes)[
        "QueueUrl"
    ]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    attributes = dict(pipeline.queue_attributes)
    attributes["RedrivePolicy"] = json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": pipeline.max_receive_count}
    )
    if visibility_timeout is not None:
        attributes["VisibilityTimeout"] = str(visibility_timeout)
    queue_url = sqs.create_queue(QueueName=pipeline.queue_name, Attributes=attributes)["QueueUrl"]
    return queue_url, dlq_url


def how_to_call(pipeline: LocalPipeline, url: str, gateway: Gateway) -> str:
    data = "--header 'Content-Type: application/json' --data '{\"orderId\": \"1234\"}'"
{%- if cookiecutter.api_type == "rest" %}
    if gateway.api_key:
        data += f" --header '{API_KEY_HEADER}: {gateway.api_key}'"
{%- endif %}
    if pipeline.authorization == "AWS_IAM":
        return (
            f"curl {url} --aws-sigv4 'aws:amz:{REGION}:execute-api'"
            f" --user '{LOCAL_CREDENTIALS.access_key}:{LOCAL_CREDENTIALS.secret_key}' {data}"
        )
    if pipeline.authorization == TOKEN_AUTHORIZATION:
        return f"curl {url} --header 'Authorization: Bearer {gateway.jwt.token()}' {data}"
    return f"curl {url} {data}"


def print_banner(pipeline: LocalPipeline, gateway: Gateway, poller: Poller) -> None:
    url = f"http://127.0.0.1:{gateway.server_port}{pipeline.route_path}"
    lines = [
        f"Local {pipeline.queue_name} pipeline ({API_TYPE}): {pipeline.route_method} {url}",
        f"  call it:  {how_to_call(pipeline, url, gateway)}",
    ]
    if pipeline.authorization == TOKEN_AUTHORIZATION:
        audiences = ", ".join(pipeline.jwt_audiences) or "any"
        lines.append(
            f"  jwt key:  HS256 {gateway.jwt.key.hex()} (issuer {pipeline.jwt_issuer},"
            f" audience {audiences})"
        )
{%- if cookiecutter.api_type == "rest" %}
    if pipeline.usage_plan:
        plan = pipeline.usage_plan
        lines.append(
            f"  api key:  {gateway.api_key} ({plan.rate_limit:g} requests/s, burst"
            f" {plan.burst_limit}, {plan.daily_quota} a day)"
        )
    lines.append("  bodies:   checked against the API's JSON schema (400 if they do not match)")
{%- endif %}
    lines += [
        f"  stats:    curl http://127.0.0.1:{gateway.server_port}/_local/stats",
        f"  consumer: batches of {pipeline.batch_size}, {poller.workers} at once;"
        f" a message goes to {pipeline.dlq_name} after {pipeline.max_receive_count} receives",
    ]
    print("\n".join(lines), flush=True)


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (8080)")
    arguments.add_argument(
        "--visibility-timeout",
        type=int,
        help="seconds a failed message stays invisible before its retry (default: the stack's)",
    )
    arguments.add_argument("--cdk-out", type=Path, default=Path("cdk.out"), help="cloud assembly")
    options = arguments.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    try:
        pipeline = LocalPipeline.from_cloud_assembly(options.cdk_out)
    except NotSynthesized as error:
        sys.exit(f"error: {error}")
    os.environ.update(
        AWS_ACCESS_KEY_ID=LOCAL_CREDENTIALS.access_key,
        AWS_SECRET_ACCESS_KEY=LOCAL_CREDENTIALS.secret_key,
        AWS_DEFAULT_REGION=REGION,
    )
    # Handlers first: a stop asked for during start-up still cleans up everything started.
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    sqs_server, endpoint = start_sqs_server()
    poller = gateway = serving = None
    try:
        sqs = boto3.client("sqs", region_name=REGION, endpoint_url=endpoint)
        queue_url, dlq_url = create_queues(sqs, pipeline, options.visibility_timeout)
        stats = Stats(sqs, queue_url, dlq_url)
        try:
            gateway = Gateway(options.port, pipeline, sqs, queue_url, stats)
        except OSError as error:
            sys.exit(f"error: cannot listen on 127.0.0.1:{options.port}: {error.strerror}")
        poller = Poller(pipeline, sqs, queue_url, stats)
        try:
            poller.start()
        except InvocationFailed as error:
            sys.exit(f"error: {error}")
        serving = threading.Thread(target=gateway.serve_forever, daemon=True)
        serving.start()
        print_banner(pipeline, gateway, poller)
        stop.wait()
        log.info("stopping")
    finally:
        if serving:
            gateway.shutdown()
        if gateway:
            gateway.server_close()
        if poller:
            poller.stop()
        sqs_server.terminate()
        sqs_server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
