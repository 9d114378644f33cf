"""FIFO queues locally, in this process against moto: what SQS does and moto does not (a
deduplication id remembered for five minutes even once its message is deleted, a duplicate
answered with the first send's MessageId, sequence numbers that grow), and what Lambda's event
source mapping does with a FIFO queue (its system attributes, no batching window, one batch of
a message group at a time)."""

import hashlib
from dataclasses import replace

import boto3
import pytest
from api_sqs_devkit.assembly import Queue, read_service
from api_sqs_devkit.local.poller import Poller, sqs_event
from api_sqs_devkit.local.sqs import (
    DEDUPLICATION_SECONDS,
    LocalQueue,
    SqsError,
    attributes_md5,
    create_queues,
    send_message,
)
from assemblies import FixtureQueue, write_assembly
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
