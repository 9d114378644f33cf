"""FIFO queues locally. In this process against moto: what SQS does and moto does not (a
deduplication id remembered for five minutes even once its message is deleted, a duplicate
answered with the first send's MessageId, sequence numbers that grow), and what Lambda's event
source mapping does with a FIFO queue (its system attributes, no batching window, one batch of
a message group at a time). End to end: an HTTP API with IAM authorization sending to a FIFO
queue with message attributes, and a consumer writing to the stack's DynamoDB table."""

import hashlib
import itertools
import json
import os
import re
import time
from dataclasses import replace

import boto3
import pytest
from api_sqs_devkit.assembly import LOCAL_ACCOUNT, Queue, read_service
from api_sqs_devkit.local.poller import Poller, sqs_event
from api_sqs_devkit.local.sqs import (
    DEDUPLICATION_SECONDS,
    LocalQueue,
    SqsError,
    attributes_md5,
    create_queues,
    send_message,
)
from assemblies import (
    STACK,
    FixtureQueue,
    FixtureRoute,
    FixtureTable,
    attempts,
    logical_id,
    write_assembly,
)
from moto import mock_aws


@pytest.fixture
def sqs():
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


@pytest.fixture
def ledger(sqs, tmp_path):
    """The local FIFO queue (content-based deduplication, as the template makes it) and its
    consumer."""
    queue = FixtureQueue(
        "ledger", fifo=True, deduplication_scope="queue", fifo_throughput_limit="perQueue"
    )
    service = read_service(write_assembly(tmp_path, queues=[queue]))
    (consumer,) = service.consumers
    return create_queues(sqs, service)[consumer.queue.logical_id], consumer


def send(sqs, queue: LocalQueue, body: str, group: str = "g", **more) -> object:
    return send_message(sqs, queue, {"MessageBody": body, "MessageGroupId": group, **more})


def bodies(sqs, queue: LocalQueue) -> list[str]:
    """What a receive gets, deleted at once."""
    messages = sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
    return [message["Body"] for message in messages]


def test_fifo_queues_are_created_with_their_attributes(sqs, ledger):
    queue, _ = ledger
    attributes = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["All"])
    names = ("FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")
    assert {name: attributes["Attributes"][name] for name in names} == {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "true",
        "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue",
    }
    dead_letter_url = sqs.get_queue_url(QueueName=queue.queue.dead_letter.name)["QueueUrl"]
    assert dead_letter_url.endswith("demo-dev-ledger-dlq.fifo")


def test_a_duplicate_is_accepted_with_the_first_message_id_and_not_delivered(sqs, ledger):
    """SQS: a message with a deduplication id already sent is "accepted successfully but not
    delivered during the 5-minute deduplication interval", even once the first is deleted."""
    queue, _ = ledger
    now = [1000.0]
    queue.ledger.clock = lambda: now[0]
    first = send(sqs, queue, "first", MessageDeduplicationId="key-1")
    again = send(sqs, queue, "again", MessageDeduplicationId="key-1")
    assert (again.message_id, again.sequence_number) == (first.message_id, first.sequence_number)
    assert again.duplicate and not first.duplicate
    assert again.md5_of_body == hashlib.md5(b"again").hexdigest()  # what the SDK checks
    assert bodies(sqs, queue) == ["first"]  # received and deleted
    now[0] += DEDUPLICATION_SECONDS - 1
    assert send(sqs, queue, "later", MessageDeduplicationId="key-1").duplicate
    assert bodies(sqs, queue) == []
    now[0] += 1  # five minutes after the first send: a new message
    fresh = send(sqs, queue, "fresh", MessageDeduplicationId="key-1")
    assert not fresh.duplicate and fresh.message_id != first.message_id
    assert bodies(sqs, queue) == ["fresh"]


def test_content_based_deduplication_is_on_the_body(sqs, ledger):
    queue, _ = ledger
    first = send(sqs, queue, '{"order": 1}', group="a")
    again = send(sqs, queue, '{"order": 1}', group="b")  # another group: the queue's scope
    other = send(sqs, queue, '{"order": 2}', group="a")
    assert again.duplicate and again.message_id == first.message_id
    assert not other.duplicate
    messages = sqs.receive_message(
        QueueUrl=queue.url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert [message["Body"] for message in messages] == ['{"order": 1}', '{"order": 2}']
    assert messages[0]["Attributes"]["MessageDeduplicationId"] == (
        hashlib.sha256(b'{"order": 1}').hexdigest()
    )


def test_sqs_refuses_a_fifo_send_without_a_group_or_a_deduplication_id(sqs, ledger):
    queue, _ = ledger
    with pytest.raises(SqsError) as refused:
        send_message(sqs, queue, {"MessageBody": "no group"})
    assert (refused.value.code, refused.value.message) == (
        "MissingParameter",
        "The request must contain the parameter MessageGroupId.",
    )
    plain = Queue("Plain", "plain.fifo", True, {"FifoQueue": "true"}, None, None)
    url = sqs.create_queue(QueueName="plain.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    with pytest.raises(SqsError, match="ContentBasedDeduplication enabled or Message"):
        send(sqs, LocalQueue(plain, url, "arn:plain"), "no deduplication id")


def test_sequence_numbers_grow_and_reach_the_handler_with_the_group_and_deduplication_id(
    sqs, ledger
):
    queue, consumer = ledger
    sent = [send(sqs, queue, f"m{n}", group="g") for n in range(5)]
    assert all(len(item.sequence_number) == 20 for item in sent)
    numbers = [int(item.sequence_number) for item in sent]
    assert numbers == sorted(set(numbers))
    batch = Poller(consumer, sqs, queue, None, {}).receive(10)
    records = sqs_event(batch, queue.arn, "us-east-1")["Records"]
    assert [record["body"] for record in records] == [f"m{n}" for n in range(5)]
    for record, item in zip(records, sent, strict=True):
        assert record["attributes"]["SequenceNumber"] == item.sequence_number
        assert record["attributes"]["MessageGroupId"] == "g"
        assert record["attributes"]["MessageDeduplicationId"] == (
            hashlib.sha256(record["body"].encode()).hexdigest()
        )


def test_a_message_group_is_held_back_while_a_message_of_it_is_in_flight(sqs, ledger):
    queue, consumer = ledger
    for body in ("a1", "a2", "b1", "a3", "b2"):
        send(sqs, queue, body, group=body[0])
    poller = Poller(consumer, sqs, queue, None, {})
    first = poller.receive(2)
    assert [message["Body"] for message in first] == ["a1", "a2"]
    assert [message["Body"] for message in poller.receive(10)] == ["b1", "b2"]  # no a3
    assert poller.receive(10) == []
    for message in first:
        sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
    assert [message["Body"] for message in poller.receive(10)] == ["a3"]


def test_there_is_no_batching_window_on_a_fifo_queue(sqs, ledger):
    queue, consumer = ledger
    windowed = replace(consumer, batching_window_seconds=5)
    assert Poller(windowed, sqs, queue, None, {}).batching_window_seconds == 0
    standard = replace(queue, queue=replace(queue.queue, fifo=False))
    assert Poller(windowed, sqs, standard, None, {}).batching_window_seconds == 5


def test_the_md5_of_message_attributes_is_sqs_s(sqs):
    url = sqs.create_queue(QueueName="plain")["QueueUrl"]
    attributes = {
        "request-id": {"DataType": "String", "StringValue": "r-1 é"},
        "received-at": {"DataType": "Number", "StringValue": "1700000000000"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }
    answer = sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    assert attributes_md5(attributes) == answer["MD5OfMessageAttributes"]


def test_message_attributes_reach_the_handler_in_lambda_s_shape():
    message = {
        "MessageId": "m",
        "ReceiptHandle": "r",
        "Body": "{}",
        "MD5OfBody": "x",
        "MessageAttributes": {
            "received-at": {"DataType": "Number", "StringValue": "1700000000000"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    }
    (record,) = sqs_event([message], "arn:q", "us-east-1")["Records"]
    assert record["messageAttributes"] == {
        "received-at": {
            "stringValue": "1700000000000",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Number",
        },
        "blob": {
            "binaryValue": "AAE=",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        },
    }


# -- end to end: an HTTP API with IAM authorization, a FIFO queue, a table ----------------------

HTTP_ATTRIBUTES = json.dumps(
    {
        "request-id": {"DataType": "String", "StringValue": "${context.requestId}"},
        "received-at": {"DataType": "Number", "StringValue": "${context.requestTimeEpoch}"},
        "caller": {"DataType": "String", "StringValue": "${context.identity.userArn}"},
    }
)
TABLE_NAME = f"{STACK}-{logical_id(STACK, 'IdempotencyTable')}"
LEDGER = "demo-dev-ledger.fifo"


@pytest.fixture(scope="module")
def stack(local_stack):
    return local_stack(
        api="http",
        auth="iam",
        # Batches of 2 from 2 environments: several batches in flight, of different groups.
        queues=[FixtureQueue("ledger", fifo=True, batch_size=2, table="idempotency")],
        tables=[FixtureTable("idempotency")],
        routes=[
            FixtureRoute(
                "/ledger",
                "ledger",
                parameters={
                    "MessageGroupId": "$request.header.X-Group",
                    "MessageDeduplicationId": "$request.header.Idempotency-Key",
                    "MessageAttributes": HTTP_ATTRIBUTES,
                },
            ),
            FixtureRoute("/ungrouped", "ledger"),
        ],
    )


def post(stack, body: str, group: str = "g", key: str | None = None, route="/ledger"):
    """Status and the MessageId of SQS's answer (or its error code)."""
    headers = {**stack.headers(body.encode(), route=route), "X-Group": group}
    if key:
        headers["Idempotency-Key"] = key
    status, answer = stack.call(body.encode(), headers, route=route)
    found = re.search(r"<(?:MessageId|Code)>([^<]+)<", answer)
    return status, found.group(1) if found else answer


def records_of(stack, body_prefix: str) -> list[dict]:
    return [r for r in attempts(stack.record_dir) if r["body"].startswith(body_prefix)]


def test_attributes_and_fifo_system_attributes_reach_the_handler(stack):
    before = int(time.time() * 1000)
    assert post(stack, "attrs-1", group="attrs")[0] == 200
    after = int(time.time() * 1000)
    stack.settle(timeout=60)
    (record,) = records_of(stack, "attrs-1")
    attributes = record["messageAttributes"]
    assert set(attributes) == {"request-id", "received-at", "caller"}
    assert attributes["received-at"]["dataType"] == "Number"
    assert before <= int(attributes["received-at"]["stringValue"]) <= after
    assert attributes["caller"] == {
        "stringValue": f"arn:aws:iam::{LOCAL_ACCOUNT}:user/local",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert len(attributes["request-id"]["stringValue"]) == 36
    system = record["attributes"]
    assert system["MessageGroupId"] == "attrs"
    assert system["MessageDeduplicationId"] == hashlib.sha256(b"attrs-1").hexdigest()
    assert len(system["SequenceNumber"]) == 20


def test_a_repeated_idempotency_key_is_one_message(stack):
    before = stack.stats()["queues"][LEDGER]
    first = post(stack, "idem-first", key="key-1")
    assert first[0] == 200
    assert post(stack, "idem-again", key="key-1") == first
    stack.settle(timeout=60)
    # Still a duplicate once the first is processed and deleted.
    assert post(stack, "idem-later", key="key-1") == first
    assert [r["body"] for r in records_of(stack, "idem-")] == ["idem-first"]
    (record,) = records_of(stack, "idem-")
    assert record["attributes"]["MessageDeduplicationId"] == "key-1"
    now = stack.stats()["queues"][LEDGER]
    assert now["deduplicated"] == before["deduplicated"] + 2
    assert now["accepted"] == before["accepted"] + 1


def test_without_a_key_the_same_body_is_one_message(stack):
    first = post(stack, "same body", group="one")
    assert post(stack, "same body", group="other") == first
    stack.settle(timeout=60)
    assert len(records_of(stack, "same body")) == 1


def test_sqs_refuses_a_fifo_send_without_a_group_id(stack):
    status, answer = stack.call(b"ungrouped", route="/ungrouped")
    assert status == 400
    assert "<Code>MissingParameter</Code>" in answer
    assert "The request must contain the parameter MessageGroupId." in answer


def test_each_group_is_processed_in_order_one_batch_at_a_time(stack):
    sent = {"order-a": [], "order-b": []}
    for n in range(6):
        for group in sent:
            body = f"{group}-{n} slow"
            assert post(stack, body, group=group)[0] == 200
            sent[group].append(body)
    stack.settle(timeout=60)
    for group, bodies in sent.items():
        records = records_of(stack, group)
        assert [r["body"] for r in records] == bodies
        invocations = {}  # one group's batches never overlap
        for record in records:
            start, end = invocations.get(record["invocation"], (record["started"], 0))
            invocations[record["invocation"]] = (start, max(end, record["finished"]))
        spans = sorted(invocations.values())
        assert all(later[0] >= earlier[1] for earlier, later in itertools.pairwise(spans))


def test_a_retried_message_holds_back_the_rest_of_its_group_only(stack):
    """The handler fails a message once, and with it the rest of its FIFO batch: the next
    messages of its group wait for its retry and are processed after it, in order, while
    another group goes on."""
    before = stack.stats()["queues"][LEDGER]
    sends = [("hold-1", "hold"), ("hold-2 once", "hold"), ("hold-3", "hold")]
    for body, group in sends + [("free-1", "free"), ("free-2", "free")]:
        assert post(stack, body, group=group)[0] == 200
    final = stack.settle(timeout=60)["queues"][LEDGER]
    assert final["in_dlq"] == before["in_dlq"]
    held = records_of(stack, "hold-")
    done = [r for r in held if r["outcome"] == "processed"]
    assert [r["body"] for r in done] == ["hold-1", "hold-2 once", "hold-3"]
    (failed,) = [r for r in held if r["body"] == "hold-2 once" and r["outcome"] == "failed"]
    assert done[1]["attributes"]["ApproximateReceiveCount"] == "2"
    assert done[2]["started"] > failed["finished"]  # hold-3 waited for the retry
    assert [r["body"] for r in records_of(stack, "free-")] == ["free-1", "free-2"]


def test_the_handler_writes_to_the_stack_s_table_in_moto(stack):
    assert "TABLE_NAME" not in os.environ  # the handler's environment is its own
    assert post(stack, "table-1", group="table")[0] == 200
    stack.settle(timeout=60)
    (record,) = records_of(stack, "table-1")
    dynamodb = stack.client("dynamodb")
    item = dynamodb.get_item(TableName=TABLE_NAME, Key={"id": {"S": record["messageId"]}})
    assert item["Item"]["body"] == {"S": "table-1"}
    assert int(item["Item"]["expiration"]["N"]) > time.time()
    assert dynamodb.describe_time_to_live(TableName=TABLE_NAME)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expiration",
    }
    table = dynamodb.describe_table(TableName=TABLE_NAME)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert f"table:    {TABLE_NAME}: key id (HASH), time to live in expiration" in stack.banner
