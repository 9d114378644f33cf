"""End to end on this machine: requests in, through the queue, into the handler.

Synthesizes the stack into a temporary cloud assembly, starts the local stack on it, and checks
that nothing is lost: every good message processed exactly once, every poison message in the
DLQ after exactly the configured number of receives, refused requests refused.
"""

import json
import time

import pytest

from {{ cookiecutter.__package_name }}.local.harness import LocalStack, synthesize
from {{ cookiecutter.__package_name }}.settings import Settings

GOOD, POISON = 20, 3
# Low enough for one machine to exceed whatever its speed: 2 requests a second, a burst of 4.
THROTTLE = 2


def start(tmp_path_factory, **settings):
    cdk_out = synthesize(tmp_path_factory.mktemp("cdk.out"), **settings)
    stack = LocalStack(cdk_out, visibility_timeout=3)
    yield stack
    assert stack.close() == 0, "the local stack did not stop cleanly on SIGTERM"


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The stack as cdk.json configures it."""
    yield from start(tmp_path_factory)


@pytest.fixture(scope="module")
def throttled(settings) -> Settings:
    return Settings.from_values({**vars(settings), "api_throttling": THROTTLE})


@pytest.fixture(scope="module")
def throttled_local(tmp_path_factory):
    yield from start(tmp_path_factory, api_throttling=THROTTLE)


def test_nothing_is_lost_and_nothing_duplicated(local, settings):
    good = [json.dumps({"order": n}).encode() for n in range(GOOD)]
    poison = [b"not json", b"[1, 2]", b'"text"'][:POISON]
    assert local.send(good + poison) == [200] * (GOOD + POISON)
    final = local.settle()
    assert final["accepted"] == GOOD + POISON
    assert final["processed"] == GOOD  # each good message exactly once
    assert final["in_dlq"] == POISON
    # Each poison message failed once per receive, and moved after the last one.
    assert final["failed"] == POISON * settings.dlq_retries
{%- if cookiecutter.api_auth != "none" %}


def test_requests_without_valid_credentials_are_refused(local):
{%- if cookiecutter.api_auth == "iam" %}
    refused = 403
    forged = (
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/execute-api/aws4_request,"
        " SignedHeaders=host, Signature=" + "0" * 64
    )
{%- else %}
    refused = 401
    forged = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
{%- endif %}
    plain = {"Content-Type": "application/json"}
    before = local.stats()["accepted"]
    assert local.post(b"{}", plain) == refused
    assert local.post(b"{}", {**plain, "Authorization": forged}) == refused
    assert local.stats()["accepted"] == before
{%- endif %}


def test_a_burst_above_the_throttle_is_answered_with_429(throttled_local, throttled):
    started = time.monotonic()
    answers = throttled_local.send([b'{"burst": true}'] * 30)
    elapsed = time.monotonic() - started
    assert set(answers) <= {200, 429}
    accepted = answers.count(200)
    assert accepted >= throttled.api_burst
    assert accepted <= throttled.api_burst + throttled.api_throttling * elapsed + 1
    assert throttled_local.stats()["accepted"] == accepted
    assert throttled_local.settle()["processed"] == accepted
