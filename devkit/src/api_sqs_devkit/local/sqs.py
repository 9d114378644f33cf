"""SQS on this machine: moto's server, the stack's queues in it, and SendMessage as SQS itself
takes it from an API Gateway integration (a form, or the HTTP API's parameters), with SQS's own
rules and answers."""

import base64
import hashlib
import json
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field, replace
from xml.sax.saxutils import escape

from botocore.exceptions import ClientError

from ..assembly import Queue, Service

# SQS takes these characters only (https://www.w3.org/TR/xml/#charsets); moto takes any.
REFUSED_CHARACTER = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
DEFAULT_MAXIMUM_MESSAGE_SIZE = 262144
SQS_XMLNS = "http://queue.amazonaws.com/doc/2012-11-05/"
MAX_MESSAGE_ATTRIBUTES = 10
# How long a FIFO queue remembers a deduplication id.
DEDUPLICATION_SECONDS = 300


class SqsServerFailed(Exception):
    """moto's server did not start."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sqs_server() -> tuple[subprocess.Popen, str]:
    """moto's server in a process of its own (it serves long polls by looping: kept off the
    gateway's process); its endpoint."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches the emulator, which stops moto last
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            return server, endpoint
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.kill()
    raise SqsServerFailed("moto's SQS server did not start (is moto[server] installed?)")


@dataclass(frozen=True)
class Sent:
    message_id: str
    md5_of_body: str
    md5_of_attributes: str | None
    sequence_number: str | None
    request_id: str
    duplicate: bool = False  # a FIFO queue took it as a duplicate: accepted, not delivered


class FifoLedger:
    """What SQS keeps for a FIFO queue and moto does not: each deduplication id for five
    minutes even once its message is deleted (moto forgets it then), with the answer its first
    send got (SQS accepts a duplicate with that MessageId and SequenceNumber and does not
    deliver it), and sequence numbers that grow with each message (moto draws them at random,
    and only for an explicit deduplication id)."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.Lock()  # one send at a time: the ledger and moto agree on order
        self.first_sends: dict[tuple[str | None, str], tuple[float, Sent]] = {}
        self.sequence_numbers: dict[str, str] = {}  # message id -> its sequence number
        self.last_sequence_number = 0

    def next_sequence_number(self) -> str:
        """20 digits, as SQS's are; from the clock, so they grow across runs too."""
        self.last_sequence_number = max(self.last_sequence_number + 1, time.time_ns() * 10)
        return str(self.last_sequence_number)

    def forget_expired(self, now: float) -> None:
        while self.first_sends:
            key, (sent_at, _) = next(iter(self.first_sends.items()))
            if now - sent_at < DEDUPLICATION_SECONDS:
                return  # kept in the order they were sent: the rest are younger
            del self.first_sends[key]


@dataclass(frozen=True)
class LocalQueue:
    queue: Queue
    url: str
    arn: str
    ledger: FifoLedger = field(default_factory=FifoLedger, compare=False, repr=False)

    @property
    def maximum_message_size(self) -> int:
        return int(self.queue.attributes.get("MaximumMessageSize", DEFAULT_MAXIMUM_MESSAGE_SIZE))


def create_queues(
    sqs, service: Service, visibility_timeout: int | None = None
) -> dict[str, LocalQueue]:
    """Every queue of the stack, dead-letter queues first; by logical id. The visibility
    timeout, when given, replaces the one of each queue a consumer reads."""
    consumed = {consumer.queue.logical_id for consumer in service.consumers}
    created: dict[str, LocalQueue] = {}

    def create(queue: Queue) -> LocalQueue:
        if queue.logical_id in created:
            return created[queue.logical_id]
        attributes = dict(queue.attributes)
        if queue.dead_letter:
            dead_letter = create(queue.dead_letter)
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": dead_letter.arn, "maxReceiveCount": queue.max_receive_count}
            )
        if visibility_timeout is not None and queue.logical_id in consumed:
            attributes["VisibilityTimeout"] = str(visibility_timeout)
        url = sqs.create_queue(QueueName=queue.name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        created[queue.logical_id] = LocalQueue(queue, url, arn)
        return created[queue.logical_id]

    for queue in service.queues:
        create(queue)
    return created


class SqsError(Exception):
    """SendMessage refused, as SQS answers it."""

    def __init__(self, code: str, message: str, status: int = 400, sender: bool = True) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.type = "Sender" if sender else "Receiver"


def form_to_send_message(form: list[tuple[str, str]]) -> dict:
    """SendMessage's parameters from a decoded query-protocol form (Action=SendMessage&...),
    as boto3 names them; SqsError for what SQS refuses before looking at the queue."""
    parameters = dict(form)
    action = parameters.get("Action")
    if action is None:
        raise SqsError("MissingAction", "The request must contain the parameter Action.")
    if action != "SendMessage":
        raise SqsError("InvalidAction", f"The action {action} is not valid for this endpoint.")
    request: dict = {}
    if "MessageBody" in parameters:
        request["MessageBody"] = parameters["MessageBody"]
    for name in ("MessageGroupId", "MessageDeduplicationId"):
        if name in parameters:
            request[name] = parameters[name]
    if "DelaySeconds" in parameters:
        try:
            request["DelaySeconds"] = int(parameters["DelaySeconds"])
        except ValueError:
            raise SqsError(
                "InvalidParameterValue",
                f"Value {parameters['DelaySeconds']} for parameter DelaySeconds is invalid.",
            ) from None
    for prefix, target in (
        ("MessageAttribute", "MessageAttributes"),
        ("MessageSystemAttribute", "MessageSystemAttributes"),
    ):
        attributes = form_attributes(parameters, prefix)
        if attributes:
            request[target] = attributes
    return request


def form_attributes(parameters: dict[str, str], prefix: str) -> dict[str, dict]:
    """MessageAttribute.N.Name / .Value.DataType / .Value.StringValue / .Value.BinaryValue."""
    attributes: dict[str, dict] = {}
    numbers = sorted(
        {
            int(match.group(1))
            for key in parameters
            if (match := re.fullmatch(rf"{prefix}\.(\d+)\.Name", key))
        }
    )
    for number in numbers:
        base = f"{prefix}.{number}"
        name = parameters[f"{base}.Name"]
        value: dict = {"DataType": parameters.get(f"{base}.Value.DataType", "")}
        if f"{base}.Value.StringValue" in parameters:
            value["StringValue"] = parameters[f"{base}.Value.StringValue"]
        if f"{base}.Value.BinaryValue" in parameters:
            try:
                value["BinaryValue"] = base64.b64decode(
                    parameters[f"{base}.Value.BinaryValue"], validate=True
                )
            except ValueError:
                raise SqsError(
                    "InvalidParameterValue",
                    f"The binary value of message attribute {name} is not valid base64.",
                ) from None
        attributes[name] = value
    return attributes


def check_message(request: dict, queue: LocalQueue) -> None:
    """What SQS does that moto does not: a body is needed; characters outside SQS's set are
    replaced with U+FFFD, as SQS stores them, unless none is valid (then it refuses the
    message); at most 10 message attributes, none of them empty; the body and attributes
    together must fit the queue's maximum size."""
    body = request.get("MessageBody")
    if not body:
        raise SqsError("MissingParameter", "The request must contain the parameter MessageBody.")
    attributes = request.get("MessageAttributes", {})
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise SqsError(
            "InvalidParameterValue",
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum"
            f" [{MAX_MESSAGE_ATTRIBUTES}].",
        )
    for name, value in attributes.items():
        kind = value.get("DataType", "").split(".")[0]
        held = value.get("BinaryValue") if kind == "Binary" else value.get("StringValue")
        if kind in ("Binary", "Number", "String") and not held:
            raise SqsError(
                "InvalidParameterValue",
                f"Message (user) attribute '{name}' must contain a non-empty value of type"
                f" '{kind}'.",
            )
    replaced = REFUSED_CHARACTER.sub("\ufffd", body)
    if replaced != body and not REFUSED_CHARACTER.sub("", body):
        raise SqsError(
            "InvalidMessageContents",
            "Invalid binary character was found in the message body, and no valid one: the set"
            " of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD |"
            " #x10000 to #x10FFFF",
        )
    request["MessageBody"] = body = replaced
    size = len(body.encode("utf-8"))
    for name, value in attributes.items():
        size += len(name.encode()) + len(value.get("DataType", "").encode())
        size += len(value.get("StringValue", "").encode()) + len(value.get("BinaryValue", b""))
        for text in (name, value.get("StringValue", "")):
            if REFUSED_CHARACTER.search(text):
                raise SqsError(
                    "InvalidParameterValue",
                    f"Message attribute {name} contains characters SQS does not accept.",
                )
    if size > queue.maximum_message_size:
        raise SqsError(
            "InvalidParameterValue",
            "One or more parameters are invalid. Reason: Message must be shorter than"
            f" {queue.maximum_message_size} bytes.",
        )


def attributes_md5(attributes: dict[str, dict]) -> str | None:
    """MD5OfMessageAttributes as SQS computes it: over the attributes sorted by name, each
    name, data type and value with its length (4 bytes, big-endian) before it, and a byte for
    the value's kind (1 text, 2 binary) before the value."""
    if not attributes:
        return None
    digest = hashlib.md5()

    def add(data: bytes) -> None:
        digest.update(struct.pack(">I", len(data)) + data)

    for name in sorted(attributes):
        value = attributes[name]
        add(name.encode())
        add(value.get("DataType", "").encode())
        if value.get("BinaryValue") is not None:
            digest.update(b"\x02")
            add(value["BinaryValue"])
        else:
            digest.update(b"\x01")
            add(value.get("StringValue", "").encode())
    return digest.hexdigest()


def send_message(sqs, queue: LocalQueue, request: dict) -> Sent:
    """Send to moto after SQS's own checks; SqsError when refused."""
    check_message(request, queue)
    if queue.queue.fifo:
        return send_to_fifo(sqs, queue, request)
    return send_to_moto(sqs, queue, request)


def send_to_fifo(sqs, queue: LocalQueue, request: dict) -> Sent:
    """A FIFO queue's send, with its deduplication as SQS does it (see FifoLedger). Without a
    deduplication id a queue with content-based deduplication uses the SHA-256 of the body,
    which is given to moto explicitly: moto then keeps it and numbers the message."""
    attributes = queue.queue.attributes
    if (
        "MessageDeduplicationId" not in request
        and attributes.get("ContentBasedDeduplication") == "true"
    ):
        request["MessageDeduplicationId"] = hashlib.sha256(
            request["MessageBody"].encode("utf-8")
        ).hexdigest()
    group, deduplication_id = request.get("MessageGroupId"), request.get("MessageDeduplicationId")
    per_group = attributes.get("DeduplicationScope") == "messageGroup"
    key = (group if per_group else None, deduplication_id)
    ledger = queue.ledger
    with ledger.lock:
        now = ledger.clock()
        ledger.forget_expired(now)
        first = ledger.first_sends.get(key) if group and deduplication_id else None
        if first:
            _, sent = first
            return replace(
                sent,
                md5_of_body=hashlib.md5(request["MessageBody"].encode("utf-8")).hexdigest(),
                md5_of_attributes=attributes_md5(request.get("MessageAttributes", {})),
                request_id=str(uuid.uuid4()),
                duplicate=True,
            )
        sent = send_to_moto(sqs, queue, request)  # moto refuses a send without a group id
        sent = replace(sent, sequence_number=ledger.next_sequence_number())
        ledger.sequence_numbers[sent.message_id] = sent.sequence_number
        ledger.first_sends[key] = (now, sent)
        return sent


def send_to_moto(sqs, queue: LocalQueue, request: dict) -> Sent:
    """SendMessage to moto; its refusal as SqsError, with SQS's code and message."""
    try:
        answer = sqs.send_message(QueueUrl=queue.url, **request)
    except ClientError as error:
        details = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        raise SqsError(
            details.get("Code", "InternalError").split(".")[-1],
            details.get("Message", str(error)),
            status,
            sender=status < 500,
        ) from None
    return Sent(
        message_id=answer["MessageId"],
        md5_of_body=answer.get("MD5OfMessageBody") or hashlib.md5(b"").hexdigest(),
        md5_of_attributes=answer.get("MD5OfMessageAttributes"),
        sequence_number=answer.get("SequenceNumber"),
        request_id=str(uuid.uuid4()),
    )


def json_answer(sent: Sent) -> dict:
    """SendMessage's answer to a query-protocol request that accepts JSON (a REST API
    integration sends Accept: application/json)."""
    return {
        "SendMessageResponse": {
            "ResponseMetadata": {"RequestId": sent.request_id},
            "SendMessageResult": {
                "MD5OfMessageAttributes": sent.md5_of_attributes,
                "MD5OfMessageBody": sent.md5_of_body,
                "MD5OfMessageSystemAttributes": None,
                "MessageId": sent.message_id,
                "SequenceNumber": sent.sequence_number,
            },
        }
    }


def json_error(error: SqsError) -> dict:
    return {
        "Error": {"Code": error.code, "Message": error.message, "Type": error.type},
        "RequestId": str(uuid.uuid4()),
    }


def xml_answer(sent: Sent) -> str:
    """SendMessage's answer in the query protocol's XML (what an HTTP API's SQS-SendMessage
    integration hands back to the client)."""
    optional = "".join(
        f"<{name}>{escape(value)}</{name}>"
        for name, value in (
            ("MD5OfMessageAttributes", sent.md5_of_attributes),
            ("SequenceNumber", sent.sequence_number),
        )
        if value
    )
    return (
        f'<?xml version="1.0"?><SendMessageResponse xmlns="{SQS_XMLNS}"><SendMessageResult>'
        f"<MessageId>{sent.message_id}</MessageId><MD5OfMessageBody>{sent.md5_of_body}"
        f"</MD5OfMessageBody>{optional}</SendMessageResult><ResponseMetadata><RequestId>"
        f"{sent.request_id}</RequestId></ResponseMetadata></SendMessageResponse>"
    )


def xml_error(error: SqsError) -> str:
    return (
        f'<?xml version="1.0"?><ErrorResponse xmlns="{SQS_XMLNS}"><Error><Type>{error.type}'
        f"</Type><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
        f"<Detail/></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
