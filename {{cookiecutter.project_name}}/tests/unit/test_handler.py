"""The consumer's handler, called with real SQS events: good and poison messages in one batch."""

import json
import sys
import time
import uuid
from pathlib import Path

import pytest
from api_sqs_devkit.local.poller import LocalContext

import handler

PROJECT_ROOT = Path(__file__).parents[2]


def sqs_record(body: str) -> dict:
    """One record as Lambda delivers it from a standard SQS queue."""
    message_id = str(uuid.uuid4())
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEB{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1700000000000",
            "SenderId": "AROAEXAMPLE:apigateway",
            "ApproximateFirstReceiveTimestamp": "1700000000001",
        },
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:queue",
        "awsRegion": "eu-west-1",
    }


def invoke(*bodies: str) -> tuple[list[dict], dict]:
    records = [sqs_record(body) for body in bodies]
    context = LocalContext(
        function_name="consumer",
        memory_limit_in_mb=256,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:consumer",
        aws_request_id=str(uuid.uuid4()),
        deadline_ms=time.time() * 1000 + 30_000,
    )
    return records, handler.handler({"Records": records}, context)


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
    assert failed_ids(response) == [records[1]["messageId"]]


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
    invoke(json.dumps({"order": 1}), "poison", json.dumps({"order": 3}))
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


def test_business_logic_gets_the_parsed_body(monkeypatch):
    seen = []
    monkeypatch.setattr(handler, "process_message", seen.append)
    invoke(json.dumps({"order": 7, "items": ["a"]}))
    assert seen == [{"order": 7, "items": ["a"]}]


def test_handler_is_tested_against_the_powertools_version_the_layer_pins():
    from {{ cookiecutter.__package_name }}.consumer.infrastructure import POWERTOOLS_VERSION

    pins = (PROJECT_ROOT / "requirements-dev.txt").read_text().split()
    assert f"aws-lambda-powertools=={POWERTOOLS_VERSION}" in pins
