"""End to end on this machine: this service's stack, synthesized, run by the local stack
(api-sqs-devkit): requests in, through the queue, into the business logic.

Checks that nothing is lost: every good message processed exactly once, and what the business
logic refuses in the dead-letter queue after the configured number of receives.
"""

import json
import os
import subprocess
import sys

import pytest
from api_sqs_devkit.local.harness import LocalStack

from ..conftest import PROJECT_ROOT

GOOD = 10


@pytest.fixture(scope="module")
def local(tmp_path_factory, context):
    """The stack as cdk.json configures it, synthesized by app.py as `cdk synth` runs it."""
    cdk_out = tmp_path_factory.mktemp("cdk.out")
    # The emulator finds each function's code through the assembly's asset metadata.
    synth_context = {**context, "aws:cdk:enable-asset-metadata": True}
    environment = {
        **os.environ,
        "CDK_OUTDIR": str(cdk_out),
        "CDK_CONTEXT_JSON": json.dumps(synth_context),
    }
    subprocess.run(
        [sys.executable, "app.py"], cwd=PROJECT_ROOT, env=environment, check=True, timeout=300
    )
    # Messages come back after one second, so a refused one reaches the DLQ in seconds; two
    # execution environments start faster than the stack's concurrency would.
    with LocalStack(cdk_out, visibility_timeout=1, environments=2) as stack:
        yield stack


def test_every_good_message_is_processed_once(local):
    good = [json.dumps({"order": n}).encode() for n in range(GOOD)]
    assert local.send(good) == [200] * GOOD
    final = local.settle()
    assert final["processed"] == final["accepted"] >= GOOD
    assert final["in_dlq"] == 0
{%- if cookiecutter.api_type == "http" %}


def test_a_message_the_business_logic_refuses_ends_in_the_dlq(local, settings):
    before = local.settle()
    assert local.post(b'"not an object"') == 200
    final = local.settle(timeout=60)
    assert final["in_dlq"] == before["in_dlq"] + 1
    # It failed once per receive, and moved after the last one.
    assert final["failed"] == before["failed"] + settings.dlq_retries
{%- else %}


def test_a_body_the_schema_refuses_never_reaches_the_queue(local):
    before = local.settle()
    # message_schema.json takes JSON objects only: what the business logic can process.
    for body in (b"not json", b"[1, 2]", b'"text"'):
        assert local.call(body) == (400, {"message": "Invalid request body"})
    assert local.settle()["accepted"] == before["accepted"]
{%- endif %}
