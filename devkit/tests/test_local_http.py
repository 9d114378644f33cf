"""An HTTP API with a JWT authorizer, three routes and two consumers, end to end on this
machine: each message reaches its own consumer, poison goes to its own DLQ, partial batch
failures, SQS's refusals as the SQS-SendMessage integration hands them back, the local OIDC
issuer, and the token's claims in message attributes."""

import json
import re
import time
import urllib.request

import pytest
from assemblies import HTTP_AUDIENCES, HTTP_ISSUER, FixtureQueue, FixtureRoute, processed
from joserfc import jwt
from joserfc.jwk import RSAKey

# The caller as the JWT authorizer's claims name it, and when the request arrived.
CLAIMS = json.dumps(
    {
        "caller": {"DataType": "String", "StringValue": "${context.authorizer.claims.sub}"},
        "received-at": {"DataType": "Number", "StringValue": "${context.requestTimeEpoch}"},
    }
)


@pytest.fixture(scope="module")
def stack(local_stack):
    return local_stack(
        visibility_timeout=2,  # above the batching window, as AWS requires
        api="http",
        auth="jwt",
        queues=[
            # A window gathers concurrent requests into one batch: partial failures show.
            FixtureQueue("orders", batching_window=1, max_concurrency=1),
            FixtureQueue("refunds", maximum_message_size=1024),
        ],
        routes=[
            FixtureRoute("/orders", "orders"),
            FixtureRoute("/refunds", "refunds"),
            FixtureRoute("/claims", "refunds", parameters={"MessageAttributes": CLAIMS}),
        ],
    )


def bodies_of(stack, consumer: str) -> list[str]:
    return [
        record["body"] for record in processed(stack.record_dir) if record["consumer"] == consumer
    ]


def test_each_message_reaches_its_own_consumer(stack):
    orders = [json.dumps({"order": n}).encode() for n in range(6)]
    refunds = [json.dumps({"refund": n}).encode() for n in range(4)]
    assert stack.send(orders, route="/orders") == [200] * 6
    assert stack.send(refunds, route="/refunds") == [200] * 4
    final = stack.settle(timeout=60)
    assert final["queues"]["demo-dev-orders"]["processed"] >= 6
    assert final["queues"]["demo-dev-refunds"]["processed"] >= 4
    # Both functions have modules named handler and business_logic: each ran its own.
    assert sorted(b for b in bodies_of(stack, "orders") if "order" in b) == sorted(
        body.decode() for body in orders
    )
    assert sorted(b for b in bodies_of(stack, "refunds") if "refund" in b) == sorted(
        body.decode() for body in refunds
    )
    records = processed(stack.record_dir)
    assert {record["function"] for record in records if record["consumer"] == "refunds"} == {
        "demo-dev-refunds-consumer"
    }
    assert {record["eventSourceARN"].rsplit(":", 1)[1] for record in records} == {
        "demo-dev-orders",
        "demo-dev-refunds",
    }


def test_success_is_sqs_s_answer_and_any_text_arrives_unchanged(stack):
    text = json.dumps({"text": "a&b=c+d %20 é ✓ \\n\n\u2028 😀"}, ensure_ascii=False)
    status, answer = stack.call(text.encode(), route="/refunds")
    assert status == 200
    assert "<SendMessageResponse" in answer and "<MessageId>" in answer
    stack.settle(timeout=60)
    assert text in bodies_of(stack, "refunds")


def test_a_failed_item_goes_back_alone_then_to_its_own_dlq(stack):
    before = stack.stats()["queues"]
    batch = [b'{"partial": "ok-1"}', b'{"partial": "fail-1"}', b'{"partial": "ok-2"}']
    assert stack.send(batch, route="/orders") == [200] * 3
    final = stack.settle(timeout=60)
    orders = final["queues"]["demo-dev-orders"]
    assert orders["in_dlq"] == before["demo-dev-orders"]["in_dlq"] + 1
    assert orders["failed"] >= before["demo-dev-orders"]["failed"] + 2  # 2 receives, then DLQ
    assert final["queues"]["demo-dev-refunds"]["in_dlq"] == before["demo-dev-refunds"]["in_dlq"]
    # The good messages of the batch were processed once, not retried with the failed one.
    delivered = bodies_of(stack, "orders")
    assert delivered.count('{"partial": "ok-1"}') == delivered.count('{"partial": "ok-2"}') == 1


def test_a_poison_message_reaches_its_own_queue_s_dlq(stack):
    before = stack.stats()["queues"]
    assert stack.post(b'{"poison": "crash"}', route="/refunds") == 200
    final = stack.settle(timeout=60)
    refunds = final["queues"]["demo-dev-refunds"]
    assert refunds["in_dlq"] == before["demo-dev-refunds"]["in_dlq"] + 1
    assert final["queues"]["demo-dev-orders"]["in_dlq"] == before["demo-dev-orders"]["in_dlq"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(b"", "MissingParameter", id="empty body"),
        pytest.param(b"\x01\x02", "InvalidMessageContents", id="no valid character"),
        pytest.param(b'{"a": "\xff\xfe"}', "InvalidMessageContents", id="not UTF-8"),
        pytest.param(b"x" * 1025, "InvalidParameterValue", id="above MaximumMessageSize"),
    ],
)
def test_what_sqs_refuses_comes_back_as_sqs_answers(stack, body, code):
    before = stack.stats()["accepted"]
    status, answer = stack.call(body, route="/refunds")
    assert status == 400
    assert f"<Code>{code}</Code>" in answer and "<ErrorResponse" in answer
    assert stack.stats()["accepted"] == before


def test_a_body_above_api_gateway_s_limit_is_413(stack):
    body = b"x" * (10 * 1024 * 1024 + 1)
    assert stack.call(body, route="/refunds") == (413, {"message": "Request Entity Too Large"})


def test_a_path_the_api_does_not_have_is_404(stack):
    status, answer = stack.request("POST", f"{stack.base}/nowhere", b"{}")
    assert (status, answer) == (404, {"message": "Not Found"})


def test_discovery_and_jwks_are_served_and_name_the_token_s_key(stack):
    discovery = stack.get("/.well-known/openid-configuration")
    assert discovery["issuer"] == HTTP_ISSUER
    with urllib.request.urlopen(discovery["jwks_uri"], timeout=10) as answer:
        keys = json.loads(answer.read())["keys"]
    token = stack.token("/orders")
    header = jwt.decode(token, RSAKey.import_key(keys[0])).header
    assert header["kid"] == keys[0]["kid"] and header["alg"] == "RS256"
    assert all("d" not in key for key in keys)  # public keys only
    claims = jwt.decode(token, RSAKey.import_key(keys[0])).claims
    assert (claims["iss"], claims["aud"]) == (HTTP_ISSUER, HTTP_AUDIENCES[0])


def bearer(token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def test_the_printed_token_passes(stack):
    (printed,) = re.findall(r"token:    (\S+)", stack.banner)
    assert stack.post(b'{"token": "printed"}', bearer(printed), "/orders") == 200


def stranger_token(claims: dict) -> str:
    key = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
    return jwt.encode({"alg": "RS256", "kid": "stranger"}, claims, key)


def tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    return f"{head}.{payload[:-4]}AAAA.{signature}"


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda s: s.token("/orders", exp=int(time.time()) - 5), id="expired"),
        pytest.param(lambda s: s.token("/orders", iss="https://evil.example.com/"), id="wrong iss"),
        pytest.param(lambda s: s.token("/orders", aud="someone-else"), id="wrong aud"),
        pytest.param(
            lambda s: stranger_token(
                {"iss": HTTP_ISSUER, "aud": "my-client", "exp": int(time.time()) + 600}
            ),
            id="unknown kid",
        ),
        pytest.param(lambda s: tampered(s.token("/orders")), id="tampered"),
        pytest.param(lambda s: "", id="no token"),
    ],
)
def test_a_bad_token_is_401_with_api_gateway_s_answer(stack, make_token):
    before = stack.stats()["accepted"]
    headers = bearer(make_token(stack))
    request = urllib.request.Request(
        stack.route("/orders")["url"], data=b"{}", headers=headers, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert json.loads(refused.value.read()) == {"message": "Unauthorized"}
    assert 'error="invalid_token"' in refused.value.headers["www-authenticate"]
    assert stack.stats()["accepted"] == before


def test_the_token_s_subject_arrives_as_a_message_attribute(stack):
    token = stack.token("/claims", sub="user-42")
    assert stack.post(b'{"claims": true}', bearer(token), "/claims") == 200
    stack.settle(timeout=60)
    (record,) = [r for r in processed(stack.record_dir) if r["body"] == '{"claims": true}']
    attributes = record["messageAttributes"]
    assert attributes["caller"]["stringValue"] == "user-42"
    assert attributes["received-at"]["dataType"] == "Number"
    assert int(attributes["received-at"]["stringValue"]) <= time.time() * 1000


def test_without_a_cors_configuration_no_preflight_is_answered_nor_header_added(stack):
    url = stack.route("/orders")["url"]
    preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
    status, _, answer = stack.exchange("OPTIONS", url, headers=preflight)
    assert (status, answer) == (404, {"message": "Not Found"})
    headers = {**stack.headers(route="/orders"), "Origin": "https://app.example.com"}
    status, answer_headers, _ = stack.exchange("POST", url, b'{"no": "cors"}', headers)
    assert status == 200
    assert not [name for name in answer_headers if name.startswith("access-control-")]
