"""A REST API with IAM authorization end to end: the methods' own mapping templates applied,
request validation, integration responses, API keys of a usage plan, and SQS's refusals mapped
as the deployed method maps them."""

import json
import time

import pytest
from assemblies import FixtureQueue, FixtureRoute, processed

# A user adding a message attribute and reading the context, as the README suggests.
WITH_ATTRIBUTES = (
    "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
    "&MessageAttribute.1.Name=requestId&MessageAttribute.1.Value.DataType=String"
    "&MessageAttribute.1.Value.StringValue=$util.urlEncode($context.requestId)"
    "&MessageAttribute.2.Name=caller&MessageAttribute.2.Value.DataType=String"
    "&MessageAttribute.2.Value.StringValue=$util.urlEncode($context.identity.caller)"
    "&MessageAttribute.3.Name=trace&MessageAttribute.3.Value.DataType=String"
    "&MessageAttribute.3.Value.StringValue=$util.urlEncode($input.params('X-Trace'))"
)
# Regressions a deploy would show: the body not URL-encoded, a template that does not parse.
NOT_ENCODED = "Action=SendMessage&MessageBody=$input.body"
BROKEN = "Action=SendMessage&MessageBody=$util.urlEncode($input.body"
TRICKY = json.dumps(
    {"text": "a&b=c+d %20 %zz é ✓ \\n\n\t \u2028 😀 'q' \"dq\" <x/>"}, ensure_ascii=False
)


@pytest.fixture(scope="module")
def stack(local_stack):
    return local_stack(
        api="rest",
        auth="iam",
        queues=[
            FixtureQueue("orders"),
            FixtureQueue("plain", report_batch_item_failures=False, max_concurrency=1),
            FixtureQueue("small", maximum_message_size=1024, max_concurrency=1),
            FixtureQueue("ordered", fifo=True, max_concurrency=1),
        ],
        routes=[
            FixtureRoute("/orders", "orders"),
            FixtureRoute("/attributes", "orders", request_template=WITH_ATTRIBUTES, schema=None),
            FixtureRoute("/unencoded", "orders", request_template=NOT_ENCODED),
            FixtureRoute("/broken", "orders", request_template=BROKEN),
            FixtureRoute("/plain", "plain"),
            FixtureRoute("/small", "small", schema=None),
            FixtureRoute("/ordered", "ordered"),
            FixtureRoute("/keyed", "orders", api_key_required=True),
        ],
        usage_plan=(1, 2, 3),  # 1 request per second per key, a burst of 2, 3 a day
    )


def records_of(stack) -> list[dict]:
    return processed(stack.record_dir)


def test_the_method_s_template_delivers_any_body_byte_identical(stack):
    status, answer = stack.call(TRICKY.encode(), route="/orders")
    assert status == 200
    assert set(answer) == {"messageId"}  # the integration response's template
    stack.settle(timeout=60)
    assert TRICKY in [record["body"] for record in records_of(stack)]


def test_a_template_without_url_encoding_mangles_the_body_as_aws_would(stack):
    body = json.dumps({"text": "fish&chips=1+1"}).encode()
    assert stack.post(body, route="/unencoded") == 200
    stack.settle(timeout=60)
    # SQS decodes the form: the body ends at the first & and its + became a space.
    assert '{"text": "fish' in [record["body"] for record in records_of(stack)]


def test_message_attributes_the_template_adds_arrive(stack):
    body = b'{"with": "attributes"}'
    headers = {**stack.headers(body, route="/attributes"), "X-Trace": "trace-42"}
    # X-Trace is added after signing: an unsigned header does not break SigV4.
    assert stack.post(body, headers, route="/attributes") == 200
    stack.settle(timeout=60)
    (record,) = [r for r in records_of(stack) if r["body"] == '{"with": "attributes"}']
    attributes = {name: value["stringValue"] for name, value in record["messageAttributes"].items()}
    assert attributes["caller"] == "testing" and attributes["trace"] == "trace-42"
    assert len(attributes["requestId"]) == 36


def test_a_template_that_does_not_parse_is_a_500_and_nothing_is_queued(stack):
    before = stack.stats()["accepted"]
    assert stack.call(b"{}", route="/broken") == (500, {"message": "Internal server error"})
    assert stack.stats()["accepted"] == before
    assert "/broken: execution failed due to configuration error" in stack.log()
    assert "WARNING:  a mapping template does not parse, POST /broken" in stack.banner


def test_without_partial_batch_responses_the_response_is_ignored(stack):
    """The plain consumer's event source mapping does not report batch item failures: what
    the handler returns is ignored, so a "fail" message counts as processed."""
    assert stack.post(b'{"would": "fail"}', route="/plain") == 200
    final = stack.settle(timeout=60)
    assert final["queues"]["demo-dev-plain"]["processed"] == 1
    assert final["queues"]["demo-dev-plain"]["in_dlq"] == 0


@pytest.mark.parametrize(
    ("body", "route"),
    [
        pytest.param(b"not json", "/orders", id="not JSON"),
        pytest.param(b"[1, 2]", "/orders", id="not the model's type"),
        pytest.param(b"", "/orders", id="empty"),
        pytest.param(b'{"a": "\xff"}', "/orders", id="not UTF-8"),
        pytest.param(b"[" * 600 + b"]" * 600, "/orders", id="nested too deep"),
        pytest.param(b'{"a": "\x01"}', "/orders", id="raw control character"),
    ],
)
def test_the_validator_refuses_with_api_gateway_s_400(stack, body, route):
    assert stack.call(body, route=route) == (400, {"message": "Invalid request body"})


def test_a_content_type_without_template_is_415(stack):
    headers = stack.headers(b"x=1", content_type="application/x-www-form-urlencoded")
    assert stack.call(b"x=1", headers, route="/orders") == (
        415,
        {"message": "Unsupported Media Type"},
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param("\ufffe\uffff".encode(), "InvalidMessageContents", id="no valid character"),
        pytest.param(b'{"a": "\xff"}', "InvalidMessageContents", id="not UTF-8, no validator"),
        pytest.param(b"x" * 1025, "InvalidParameterValue", id="above MaximumMessageSize"),
    ],
)
def test_what_sqs_refuses_is_mapped_by_the_integration_response(stack, body, code):
    before = stack.stats()["accepted"]
    assert stack.call(body, route="/small") == (
        400,
        {"message": "The queue refused the message", "code": code},
    )
    assert stack.stats()["accepted"] == before


def test_the_integration_response_may_override_the_status(stack):
    """A FIFO queue without a group id: SQS's MissingParameter, which the method's 400
    template turns into a 500 with $context.responseOverride.status."""
    assert stack.call(b'{"no": "group"}', route="/ordered") == (
        500,
        {"message": "The message could not be queued"},
    )


def test_an_unsigned_request_is_refused_as_api_gateway_does(stack):
    plain = {"Content-Type": "application/json"}
    assert stack.call(b"{}", plain, route="/orders") == (
        403,
        {"message": "Missing Authentication Token"},
    )


def test_a_request_signed_with_another_secret_is_refused(stack):
    good = stack.headers(b"{}", route="/orders")
    secret = stack.credentials
    try:
        from botocore.credentials import Credentials

        stack.credentials = Credentials(secret.access_key, "not-the-secret")
        forged = stack.headers(b"{}", route="/orders")
    finally:
        stack.credentials = secret
    assert forged["Authorization"] != good["Authorization"]
    status, answer = stack.call(b"{}", forged, route="/orders")
    assert status == 403 and "signature we calculated does not match" in answer["message"]
    # The body swapped after signing.
    status, _ = stack.call(b'{"swapped": true}', good, route="/orders")
    assert status == 403


def test_a_path_the_api_does_not_have(stack):
    status, answer = stack.request("POST", f"{stack.base}/dev/nowhere", b"{}")
    assert (status, answer) == (403, {"message": "Missing Authentication Token"})
    status, _ = stack.request("POST", f"{stack.base}/orders", b"{}")  # without the stage
    assert status == 403


def test_requests_without_the_api_key_are_refused(stack):
    headers = stack.headers(b"{}", route="/keyed", api_key=False)
    assert stack.call(b"{}", headers, route="/keyed") == (403, {"message": "Forbidden"})
    guessed = {**headers, "x-api-key": "guess"}  # unsigned header: the signature holds
    assert stack.call(b"{}", guessed, route="/keyed") == (403, {"message": "Forbidden"})


def test_an_api_key_is_held_to_its_rate_and_quota(stack):
    answers = stack.send([b'{"keyed": true}'] * 4, route="/keyed")
    assert sorted(answers) == [200, 200, 429, 429]  # the key's burst is 2
    time.sleep(1.2)  # one more token: the third and last request of the day
    assert stack.post(b'{"keyed": true}', route="/keyed") == 200
    time.sleep(1.2)
    assert stack.call(b'{"keyed": true}', route="/keyed") == (429, {"message": "Limit Exceeded"})
    # Routes without a key are not held to the key's limits.
    assert stack.post(b'{"unkeyed": true}', route="/orders") == 200


def test_without_a_preflight_method_no_cors_header_is_added(stack):
    url = stack.route("/orders")["url"]
    preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
    status, _, answer = stack.exchange("OPTIONS", url, headers=preflight)
    assert (status, answer) == (403, {"message": "Missing Authentication Token"})
    body = b'{"no": "cors"}'
    headers = {**stack.headers(body, route="/orders"), "Origin": "https://app.example.com"}
    status, answer_headers, _ = stack.exchange("POST", url, body, headers)
    assert status == 200
    assert not [name for name in answer_headers if name.startswith("access-control-")]
