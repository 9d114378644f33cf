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
{%- if cookiecutter.api_type == "rest" %}
    """The stack as cdk.json configures it, with room for the tests' requests if it has API keys."""
    yield from start(tmp_path_factory, api_key_rate_limit=1000, api_key_daily_quota=1000)
{%- else %}
    """The stack as cdk.json configures it."""
    yield from start(tmp_path_factory)
{%- endif %}


@pytest.fixture(scope="module")
def throttled(settings) -> Settings:
    return Settings.from_values({**vars(settings), "api_throttling": THROTTLE})


@pytest.fixture(scope="module")
def throttled_local(tmp_path_factory):
    yield from start(tmp_path_factory, api_throttling=THROTTLE)


{%- if cookiecutter.api_type == "http" %}


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


def test_success_answers_the_message_id_as_json(local):
    status, answer = local.call(b'{"order": "answer"}')
    assert status == 200
    assert set(answer) == {"MessageId", "MD5OfMessageBody"}
    local.settle()
{%- else %}


def test_nothing_is_lost_nothing_duplicated_and_invalid_bodies_never_queued(local):
    good = [json.dumps({"order": n}).encode() for n in range(GOOD)]
    # The default schema takes JSON objects only: what the default business logic can process.
    invalid = [b"not json", b"[1, 2]", b'"text"', b""]
    answers = local.send(good + invalid)
    assert answers == [200] * GOOD + [400] * len(invalid)
    final = local.settle()
    assert final["accepted"] == GOOD
    assert final["processed"] == GOOD  # each good message exactly once
    assert final["failed"] == final["in_dlq"] == 0


def test_success_answers_the_message_id_as_json_and_any_character_arrives(local):
    status, answer = local.call(json.dumps({"text": "a&b=c+d %20 é ✓ \\n"}).encode())
    assert status == 200
    assert set(answer) == {"messageId"}
    assert local.settle()["processed"] >= 1


def test_a_body_of_another_content_type_is_refused(local):
    headers = local.headers(b"x=1", content_type="application/x-www-form-urlencoded")
    assert local.call(b"x=1", headers) == (415, {"message": "Unsupported Media Type"})
{%- endif %}
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
{%- if cookiecutter.api_type == "rest" %}


@pytest.fixture(scope="module")
def keyed_local(tmp_path_factory):
    """API keys on: 1 request per second per key (a burst of 2), 3 a day."""
    yield from start(tmp_path_factory, api_keys=True, api_key_rate_limit=1, api_key_daily_quota=3)


def test_requests_without_the_api_key_are_refused(keyed_local):
    headers = {k: v for k, v in keyed_local.headers(b"{}").items() if k != "x-api-key"}
    assert keyed_local.call(b"{}", headers) == (403, {"message": "Forbidden"})
    assert keyed_local.call(b"{}", {**headers, "x-api-key": "guess"})[0] == 403


def test_an_api_key_is_held_to_its_rate_and_daily_quota(keyed_local):
    answers = keyed_local.send([b'{"keyed": true}'] * 4)
    assert sorted(answers) == [200, 200, 429, 429]  # the key's burst is 2
    time.sleep(1.2)  # one more token: the third and last request of the day
    assert keyed_local.post(b'{"keyed": true}') == 200
    time.sleep(1.2)
    assert keyed_local.call(b'{"keyed": true}') == (429, {"message": "Limit Exceeded"})
    assert keyed_local.settle()["processed"] == 3
{%- endif %}
