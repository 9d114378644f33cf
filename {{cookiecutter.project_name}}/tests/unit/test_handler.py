"""The consumer's handler, called with real SQS events: good and poison messages in one batch,
the envelope each message carries{% if cookiecutter.enable_idempotency %}, and messages delivered more than once{% endif %}."""

import json
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from api_sqs_devkit.local.poller import LocalContext
{%- if cookiecutter.enable_idempotency %}
from moto import mock_aws

# Before the handler is imported: its idempotency store makes its DynamoDB client then. (The
# fixture below stops it after this module.)
AWS = mock_aws()
AWS.start()
{%- endif %}
{% if cookiecutter.enable_idempotency %}
import handler  # noqa: E402 (imported once DynamoDB is mocked)
{%- else %}
import handler
{%- endif %}

PROJECT_ROOT = Path(__file__).parents[2]
{%- if cookiecutter.enable_idempotency %}


@pytest.fixture(autouse=True, scope="module")
def aws_mocked_for_this_module_only():
    yield
    AWS.stop()


@pytest.fixture(autouse=True)
def idempotency_table():
    """A fresh table per test, with the key the deployed table has."""
    import os

    import boto3

    dynamodb = boto3.client("dynamodb")
    name = os.environ["IDEMPOTENCY_TABLE"]
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield
    dynamodb.delete_table(TableName=name)
{%- endif %}


def text(value: str) -> dict:
    return {
        "stringValue": value,
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }


def sqs_record(body: str, message_id: str | None = None, **envelope: str) -> dict:
    """One record as Lambda delivers it from the queue, with the envelope the API sets."""
    message_id = message_id or str(uuid.uuid4())
    attributes = {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1700000000000",
        "SenderId": "AROAEXAMPLE:apigateway",
        "ApproximateFirstReceiveTimestamp": "1700000000001",
    }
{%- if cookiecutter.queue_type == "fifo" %}
    attributes |= {
        "MessageGroupId": envelope.pop("group", "caller/"),
        "MessageDeduplicationId": message_id,
        "SequenceNumber": "18849496460467696128",
    }
{%- endif %}
    message_attributes = {
        "request-id": text(envelope.pop("request_id", str(uuid.uuid4()))),
        "received-at": {**text(envelope.pop("received_at", "1700000000000")), "dataType": "Number"},
        "caller": text(envelope.pop("caller", "anonymous")),
    }
    message_attributes |= {name.replace("_", "-"): text(value) for name, value in envelope.items()}
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEB{message_id}",
        "body": body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:queue",
        "awsRegion": "eu-west-1",
    }


def invoke_records(*records: dict) -> dict:
    context = LocalContext(
        function_name="consumer",
        memory_limit_in_mb=256,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:consumer",
        aws_request_id=str(uuid.uuid4()),
        deadline_ms=time.time() * 1000 + 30_000,
    )
    return handler.handler({"Records": list(records)}, context)


def invoke(*bodies: str) -> tuple[list[dict], dict]:
    records = [sqs_record(body) for body in bodies]
    return records, invoke_records(*records)


def failed_ids(response: dict) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def test_a_batch_of_good_messages_reports_no_failures():
    _, response = invoke(json.dumps({"order": 1}), json.dumps({"order": 2}))
    assert response == {"batchItemFailures": []}


@pytest.mark.parametrize(
    "poison", ["not json at all", json.dumps([1, 2]), json.dumps("text"), ""], ids=repr
)
def test_only_the_poison_message_is_reported_failed(poison):
    records, response = invoke(json.dumps({"order": 1}), poison, json.dumps({"order": 3}))
{%- if cookiecutter.queue_type == "fifo" %}
    # FIFO: the later messages of its group return with it, so that their order holds.
    assert failed_ids(response) == [records[1]["messageId"], records[2]["messageId"]]
{%- else %}
    assert failed_ids(response) == [records[1]["messageId"]]
{%- endif %}
{%- if cookiecutter.queue_type == "fifo" %}


def test_a_failure_holds_back_its_own_message_group_only():
    records = [
        sqs_record(json.dumps({"n": 1}), group="a/"),
        sqs_record("poison", group="a/"),
        sqs_record(json.dumps({"n": 3}), group="b/"),
        sqs_record(json.dumps({"n": 4}), group="a/"),
    ]
    response = invoke_records(*records)
    assert failed_ids(response) == [records[1]["messageId"], records[3]["messageId"]]
{%- endif %}


def emf_metrics(output: str) -> dict[str, float]:
    """The metrics Powertools wrote as CloudWatch embedded metric format lines."""
    found = {}
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            for metric in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                value = document[metric["Name"]]
                found[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return found


def test_processed_and_failed_messages_are_counted(capsys):
    invoke(json.dumps({"order": 1}), json.dumps({"order": 2}), "poison")
    metrics = emf_metrics(capsys.readouterr().out)
    assert metrics["MessagesProcessed"] == 2
    assert metrics["MessagesFailed"] == 1


def test_log_lines_carry_the_message_id_as_correlation_id(capsys):
    # The handler's logger writes to the stdout it found at import time; point it at this test's.
    handler.logger.registered_handler.setStream(sys.stdout)
    records, _ = invoke(json.dumps({"order": 1}), "poison")
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith('{"level"')]
    processed = [line for line in lines if line["message"] == "Processed message"]
    failed = [line for line in lines if line["message"].startswith("Message failed")]
    assert [line["correlation_id"] for line in processed] == [records[0]["messageId"]]
    assert [line["correlation_id"] for line in failed] == [records[1]["messageId"]]


def test_a_batch_of_only_poison_messages_is_a_partial_response_not_an_error(capsys):
    # An invocation error would re-drive the batch as a whole and fire the consumer-errors alarm.
    records, response = invoke("poison", json.dumps([1]))
    assert failed_ids(response) == [record["messageId"] for record in records]
    assert emf_metrics(capsys.readouterr().out) == {"MessagesProcessed": 0, "MessagesFailed": 2}


def test_business_logic_gets_the_body_and_the_envelope(monkeypatch):
    seen = []
    monkeypatch.setattr(handler, "process_message", seen.append)
    record = sqs_record(
        json.dumps({"order": 7, "items": ["a"]}),
        request_id="req-1",
        received_at="1700000000123",
        caller="arn:aws:iam::123456789012:user/orders",
        traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        idempotency_key="order-7",
{%- if cookiecutter.queue_type == "fifo" %}
        group="AIDAEXAMPLE/orders",
{%- endif %}
    )
    invoke_records(record)
    (message,) = seen
    assert message.body == {"order": 7, "items": ["a"]}
    assert message.message_id == record["messageId"]
    assert message.request_id == "req-1"
    assert message.received_at == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    assert message.caller == "arn:aws:iam::123456789012:user/orders"
{%- if cookiecutter.api_type == "rest" %}
    assert message.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert message.idempotency_key == "order-7"
    assert message.api_key_id is None  # not sent
{%- endif %}
{%- if cookiecutter.queue_type == "fifo" %}
    assert message.group_id == "AIDAEXAMPLE/orders"
{%- endif %}
{%- if cookiecutter.enable_idempotency %}


def counting(monkeypatch) -> list:
    seen = []
    monkeypatch.setattr(handler, "process_message", lambda message: seen.append(message.body))
    return seen


def test_a_message_delivered_twice_is_processed_once(monkeypatch):
    seen = counting(monkeypatch)
    record = sqs_record(json.dumps({"order": 1}))
    assert invoke_records(record) == {"batchItemFailures": []}
    assert invoke_records(record) == {"batchItemFailures": []}  # SQS delivered it again
    assert seen == [{"order": 1}]
{%- if cookiecutter.api_type == "rest" %}


def test_a_retried_request_with_the_same_idempotency_key_is_processed_once(monkeypatch):
    seen = counting(monkeypatch)
    first = sqs_record(json.dumps({"order": 1}), caller="client-a", idempotency_key="k-1")
    retry = sqs_record(json.dumps({"order": 1}), caller="client-a", idempotency_key="k-1")
    invoke_records(first, retry)
    assert seen == [{"order": 1}]


def test_two_callers_with_the_same_idempotency_key_are_both_processed(monkeypatch):
    seen = counting(monkeypatch)
    invoke_records(
        sqs_record(json.dumps({"from": "a"}), caller="client-a", idempotency_key="k-1"),
        sqs_record(json.dumps({"from": "b"}), caller="client-b", idempotency_key="k-1"),
    )
    assert seen == [{"from": "a"}, {"from": "b"}]


def test_a_key_sent_again_with_another_body_is_refused_not_dropped(monkeypatch):
    seen = counting(monkeypatch)
    first = sqs_record(json.dumps({"order": 1}), caller="client-a", idempotency_key="k-1")
    other = sqs_record(json.dumps({"order": 2}), caller="client-a", idempotency_key="k-1")
    response = invoke_records(first, other)
    assert seen == [{"order": 1}]
    assert failed_ids(response) == [other["messageId"]]  # retried, then in the DLQ
{%- endif %}


def test_a_failed_message_is_processed_again_when_it_returns():
    record = sqs_record(json.dumps({"order": 1}))
    attempts = []

    def fail_once(message):
        attempts.append(message.message_id)
        if len(attempts) == 1:
            raise RuntimeError("downstream unavailable")

    original, handler.process_message = handler.process_message, fail_once
    try:
        assert failed_ids(invoke_records(record)) == [record["messageId"]]
        assert invoke_records(record) == {"batchItemFailures": []}
    finally:
        handler.process_message = original
    assert attempts == [record["messageId"]] * 2
{%- endif %}


def test_handler_is_tested_against_the_powertools_version_the_layer_pins():
    from {{ cookiecutter.__package_name }}.consumer.infrastructure import POWERTOOLS_VERSION

    pins = (PROJECT_ROOT / "requirements-dev.txt").read_text().split()
    assert f"aws-lambda-powertools=={POWERTOOLS_VERSION}" in pins
