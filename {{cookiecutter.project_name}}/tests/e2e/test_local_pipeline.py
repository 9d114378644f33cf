"""End to end on this machine: this service's stack, synthesized, run by the local stack
(api-sqs-devkit): requests in, through the queue, into the business logic.

Checks that nothing is lost: every good message processed exactly once, with its envelope, a
retried request not processed twice, and what the business logic refuses in the dead-letter
queue after the configured number of receives.
"""

import json
import os
import subprocess
import sys

import pytest
from api_sqs_devkit.local.harness import LocalStack

from ..conftest import PROJECT_ROOT

GOOD = 10
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


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


def processed(local, field: str) -> list[dict]:
    """The business logic's log lines of the messages whose body has this field."""
    lines = [json.loads(line) for line in local.log().splitlines() if line.startswith("{")]
    return [
        line
        for line in lines
        if line.get("message") == "Processed message" and field in line.get("fields", [])
    ]


def post(local, document: dict, **headers: str) -> int:
    body = json.dumps(document).encode()
    return local.post(body, headers={**local.headers(body), **headers})


def test_every_good_message_is_processed_once(local):
    good = [json.dumps({"order": n}).encode() for n in range(GOOD)]
    assert local.send(good) == [200] * GOOD
    final = local.settle()
    assert final["processed"] == final["accepted"] >= GOOD
    assert final["in_dlq"] == 0


def test_the_envelope_reaches_the_business_logic(local):
    assert post(local, {"enveloped": 1}, traceparent=TRACEPARENT) == 200
    local.settle()
    (line,) = processed(local, "enveloped")
    assert line["request_id"]  # API Gateway's id of the request
{%- if cookiecutter.api_auth == "none" %}
    assert line["caller"] == "anonymous"
{%- else %}
    assert line["caller"] and line["caller"] != "anonymous"
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
    assert line["traceparent"] == TRACEPARENT
{%- endif %}
{%- if (cookiecutter.api_type == "rest" and cookiecutter.enable_idempotency) or cookiecutter.queue_type == "fifo" %}


def test_a_retried_request_is_processed_once(local):
    before = local.settle()
    for _ in range(2):  # the client did not get the first answer, and sends it again
        assert post(local, {"retried": 1}, **{"Idempotency-Key": "retry-1"}) == 200
    final = local.settle()
{%- if cookiecutter.queue_type == "fifo" %}
    # FIFO: the queue drops the second within 5 minutes.
    assert final["deduplicated"] == before["deduplicated"] + 1
    assert final["accepted"] == before["accepted"] + 1
{%- else %}
    # A standard queue takes both; the consumer processes the key once.
    assert final["accepted"] == before["accepted"] + 2
{%- endif %}
    assert len(processed(local, "retried")) == 1
{%- if cookiecutter.api_type == "rest" %}
    assert processed(local, "retried")[0]["idempotency_key"] == "retry-1"
{%- endif %}
{%- endif %}
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


def test_a_message_larger_than_the_queue_takes_is_refused_at_the_api(local, settings):
    before = local.settle()
    body = json.dumps({"large": "x" * settings.max_message_bytes}).encode()
    status, answer = local.call(body)
{%- if cookiecutter.api_type == "rest" %}
    too_large = f"The message is larger than the {settings.max_message_kib} KiB this API takes"
    assert (status, answer) == (413, {"message": too_large})
{%- else %}
    # An HTTP API passes SQS's own answer on.
    assert status == 400 and "Message must be shorter than" in str(answer)
{%- endif %}
    assert local.settle()["accepted"] == before["accepted"]


def test_only_the_allowed_web_origins_may_call_the_api(local, context):
    """A browser's preflight and POST from each origin in cors_origins get that origin back
    (or *); another origin is never named (with no origins set, no page may call)."""
    url = local.route()["url"]
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    for origin in [*context["cors_origins"], "https://elsewhere.example.com"]:
        allowed = origin in context["cors_origins"] or "*" in context["cors_origins"]
        _, headers, _ = local.exchange("OPTIONS", url, headers={"Origin": origin, **preflight})
        named = headers.get("access-control-allow-origin")
        assert (named in (origin, "*")) if allowed else named != origin
        if allowed:
            assert "POST" in headers["access-control-allow-methods"]
        body = json.dumps({"from": origin}).encode()
        status, headers, _ = local.exchange(
            "POST", url, body, headers={**local.headers(body), "Origin": origin}
        )
        assert status == 200
        named = headers.get("access-control-allow-origin")
        assert (named in (origin, "*")) if allowed else named != origin
    local.settle()
