"""From a fresh bake: `cdk synth` with the CLI, then the local stack (api-sqs-devkit) on its
cloud assembly, as `make local` runs it: a user's curl goes through, and routes and consumers
added the way the generated README says run too."""

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from api_sqs_devkit.local.harness import LocalStack

from .bakery import bake_ok, synth

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


def status_of(command: str) -> str:
    """The HTTP status a curl command line gets."""
    written = " --silent --output /dev/null --write-out '%{http_code}'"
    return subprocess.run(command + written, shell=True, capture_output=True, text=True).stdout


def settled(stack: LocalStack, done, timeout: float = 60) -> dict:
    """The stats once done(stats) holds."""
    deadline = time.monotonic() + timeout
    while not done(now := stack.stats()):
        assert time.monotonic() < deadline, now
        time.sleep(0.3)
    return now


def test_signed_curl_is_processed_and_poison_reaches_the_dlq(cookies):
    project = bake_ok(cookies, dlq_retries="2")
    synth(project)  # cdk synth with the CLI, as the README says
    with LocalStack(project / "cdk.out", visibility_timeout=1) as stack:
        curl = [
            "curl", "--silent", stack.url,
            "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", "testing:testing",
            "--header", "Content-Type: application/json",
        ]  # fmt: skip
        good = subprocess.run([*curl, "--data", '{"orderId": "1234"}'], capture_output=True)
        assert b"MessageId" in good.stdout
        poison = subprocess.run([*curl, "--data", "[1, 2]"], capture_output=True)
        assert b"MessageId" in poison.stdout
        assert status_of(f"curl {stack.url} --data '{{}}'") == "403"
        now = settled(stack, lambda now: now["in_dlq"] >= 1 and now["processed"] >= 1)
        assert (now["accepted"], now["processed"], now["in_dlq"]) == (2, 1, 1)
        assert now["failed"] == 2  # dlq_retries receives, then the DLQ


def test_printed_curl_reaches_a_keyed_rest_api_and_invalid_bodies_do_not(cookies):
    project = bake_ok(cookies, api_type="rest", api_keys=True)
    synth(project)
    with LocalStack(project / "cdk.out") as stack:
        (printed,) = re.findall(r"call it:\s+(curl .*)", stack.banner)
        assert f"{stack.base}/dev/messages" in printed
        sent = subprocess.run(printed + " --silent", shell=True, capture_output=True, text=True)
        assert set(json.loads(sent.stdout)) == {"messageId"}
        assert status_of(printed.replace('{"orderId": "1234"}', "[1, 2]")) == "400"
        without_key = re.sub(r" --header 'x-api-key: [^']+'", "", printed)
        assert without_key != printed
        assert status_of(without_key) == "403"
        now = settled(stack, lambda now: now["processed"] >= 1)
        assert (now["accepted"], now["in_dlq"]) == (1, 0)


# What a team adds to stack.py for a second route and consumer, as the generated README says:
# a queue pair of their own, a consumer unit copied from consumer/ with a function name of its
# own, and a route sending to the new queue.
REFUNDS = """
        refunds = MessageQueues(self, "RefundQueues", settings=settings, name="refunds")
        RefundsConsumer(
            self,
            "RefundsConsumer",
            settings=settings,
            queue=refunds.queue,
            service_logs=service_logs,
            observability=observability,
        )
        api.http_api.add_routes(
            path="/refunds",
            methods=[apigwv2.HttpMethod.POST],
            integration=SendToQueueIntegration(
                "SendRefunds",
                queue=refunds.queue,
                role=refunds.send_message_role(self, "RefundsSendRole"),
            ),
            authorizer=HttpIamAuthorizer(),
        )
"""
REFUNDS_IMPORTS = """from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk.aws_apigatewayv2_authorizers import HttpIamAuthorizer

from .api.infrastructure import SendToQueueIntegration
from .refunds.infrastructure import QueueConsumer as RefundsConsumer
"""


def add_refunds(project: Path) -> None:
    package = project / "orders_ingest"
    shutil.copytree(package / "consumer", package / "refunds")
    consumer = package / "refunds/infrastructure.py"
    code = consumer.read_text()
    own_name = 'function_name = f"{settings.name_prefix}-refunds"'
    assert "function_name = settings.names.consumer_function" in code
    consumer.write_text(code.replace("function_name = settings.names.consumer_function", own_name))
    stack = package / "stack.py"
    code = stack.read_text()
    code = code.replace(
        "from .api.infrastructure import", REFUNDS_IMPORTS + "from .api.infrastructure import", 1
    )
    anchor = "        if observability.log_destination_arn:"
    assert anchor in code
    stack.write_text(code.replace(anchor, REFUNDS.lstrip("\n") + "\n" + anchor, 1))


def test_every_route_and_consumer_a_team_adds_runs_locally(cookies):
    project = bake_ok(cookies)
    add_refunds(project)
    synth(project)  # cdk-nag and cfn-lint pass on the extended stack too
    with LocalStack(project / "cdk.out", visibility_timeout=1, environments=2) as stack:
        assert set(stack.routes) == {"POST /messages", "POST /refunds"}
        assert stack.post(b'{"orderId": "1"}', route="/messages") == 200
        assert stack.post(b'{"refundId": "1"}', route="/refunds") == 200
        assert stack.post(b"[1, 2]", route="/refunds") == 200  # refused by the business logic
        now = settled(stack, lambda now: now["processed"] == 2 and now["in_dlq"] == 1)
        queues = now["queues"]
        assert queues["orders-ingest-dev-queue"]["processed"] == 1
        assert queues["orders-ingest-dev-refunds-queue"]["processed"] == 1
        assert queues["orders-ingest-dev-refunds-queue"]["in_dlq"] == 1
        assert queues["orders-ingest-dev-queue"]["in_dlq"] == 0
