"""Message attributes a REST API's mapping template sets, end to end to the handler's event: the
context's values (request id, request time, the IAM caller, the API key's id) and headers the
client may leave out, sent as attributes and as the FIFO deduplication id only when present."""

import time

import pytest
from api_sqs_devkit.assembly import LOCAL_ACCOUNT
from assemblies import FixtureQueue, FixtureRoute, attempts


def attribute(number: int | str, name: str, kind: str, value: str) -> str:
    prefix = f"&MessageAttribute.{number}"
    return f"{prefix}.Name={name}{prefix}.Value.DataType={kind}{prefix}.Value.StringValue={value}"


def optional_header(header: str, name: str) -> str:
    """The attribute only when the client sent the header: SQS refuses an empty one."""
    value = f"$util.urlEncode($input.params('{header}'))"
    # ${n}, not $n: VTL would read $n.Name as a property of $n.
    return (
        f"#if($input.params('{header}') != \"\")"
        f"{attribute('${n}', name, 'String', value)}#set($n = $n + 1)#end"
    )


# What the template's REST integration sends to a FIFO queue, on one line: a newline would end
# up in a form value.
FIFO_TEMPLATE = (
    "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
    "&MessageGroupId=$util.urlEncode($input.params('X-Group'))"
    "#if($input.params('Idempotency-Key') != \"\")"
    "&MessageDeduplicationId=$util.urlEncode($input.params('Idempotency-Key'))#end"
    + attribute(1, "request-id", "String", "$util.urlEncode($context.requestId)")
    + attribute(2, "received-at", "Number", "$context.requestTimeEpoch")
    + attribute(3, "caller", "String", "$util.urlEncode($context.identity.userArn)")
    + attribute(4, "api-key-id", "String", "$util.urlEncode($context.identity.apiKeyId)")
    + "#set($n = 5)"
    + optional_header("traceparent", "traceparent")
    + optional_header("Idempotency-Key", "idempotency-key")
)
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture(scope="module")
def stack(local_stack):
    return local_stack(
        api="rest",
        auth="iam",
        queues=[FixtureQueue("ledger", fifo=True, max_concurrency=1)],
        routes=[
            FixtureRoute("/ledger", "ledger", request_template=FIFO_TEMPLATE, api_key_required=True)
        ],
        usage_plan=(100, 200, 100_000),
    )


def call(stack, body: str, **headers) -> tuple[int, object]:
    signed = stack.headers(body.encode())
    return stack.call(body.encode(), {**signed, "X-Group": "g", **headers})


def record_of(stack, body: str) -> dict:
    (record,) = [r for r in attempts(stack.record_dir) if r["body"] == body]
    return record


def test_the_context_s_values_arrive_as_attributes(stack):
    before = int(time.time() * 1000)
    status, answer = call(stack, '{"plain": true}')
    assert status == 200, answer
    stack.settle(timeout=60)
    attributes = record_of(stack, '{"plain": true}')["messageAttributes"]
    values = {name: value["stringValue"] for name, value in attributes.items()}
    # No traceparent or Idempotency-Key: no attribute for them, and no empty one SQS refuses.
    assert set(values) == {"request-id", "received-at", "caller", "api-key-id"}
    assert {name: value["dataType"] for name, value in attributes.items()} == {
        "request-id": "String",
        "received-at": "Number",
        "caller": "String",
        "api-key-id": "String",
    }
    assert before <= int(values["received-at"]) <= int(time.time() * 1000)
    assert values["caller"] == f"arn:aws:iam::{LOCAL_ACCOUNT}:user/local"
    assert len(values["request-id"]) == 36 and values["api-key-id"]


def test_headers_the_client_sent_arrive_and_the_key_deduplicates(stack):
    headers = {"traceparent": TRACEPARENT, "Idempotency-Key": "order-7"}
    status, first = call(stack, '{"keyed": 1}', **headers)
    assert status == 200, first
    assert call(stack, '{"keyed": 2}', **headers) == (200, first)  # the same message
    stack.settle(timeout=60)
    record = record_of(stack, '{"keyed": 1}')
    values = {name: value["stringValue"] for name, value in record["messageAttributes"].items()}
    assert (values["traceparent"], values["idempotency-key"]) == (TRACEPARENT, "order-7")
    assert len(values) == 6
    assert record["attributes"]["MessageDeduplicationId"] == "order-7"
    assert not [r for r in attempts(stack.record_dir) if r["body"] == '{"keyed": 2}']
