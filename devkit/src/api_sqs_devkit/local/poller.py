"""The event source mappings: batches from each queue to its function, partial failures back.

Each consumer has execution environments of its own, up to its maximum concurrency: a worker
process that imports the function's handler once from the function's asset folder, like a warm
Lambda environment, and is replaced when an invocation crashes it or runs past the function's
timeout. A process per environment keeps consumers apart: two functions may both have modules
named `handler` and `business_logic` without one importing the other's.
"""

import base64
import contextlib
import importlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass

from ..assembly import Consumer
from .sqs import LocalQueue

log = logging.getLogger("local")
# Environments beyond this, per consumer, would only compete for the machine's cores.
MOST_LOCAL_WORKERS = 8
IDLE_PAUSE_SECONDS = 0.2
# A fresh interpreter per environment, as Lambda starts one; forking this threaded process
# could copy locks other threads hold.
SPAWN = multiprocessing.get_context("spawn")


@dataclass
class LocalContext:
    """The parts of a Lambda context handlers and their tooling read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    deadline_ms: float = 0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.deadline_ms - time.time() * 1000))


def _serve(connection, code_dir: str, handler: str, environment: dict, context: dict) -> None:
    """An execution environment: import the handler once, then run one event at a time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    os.environ.update(environment)
    sys.path.insert(0, code_dir)
    module_name, function_name = handler.rsplit(".", 1)
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:  # noqa: BLE001 - reported as Lambda reports an init error
        connection.send(("init-error", f"{type(error).__name__}: {error}"))
        return
    connection.send(("ready", None))
    while True:
        event, timeout = connection.recv()
        invocation = LocalContext(
            **context,
            aws_request_id=str(uuid.uuid4()),
            deadline_ms=time.time() * 1000 + timeout * 1000,
        )
        try:
            connection.send(("ok", function(event, invocation)))
        except Exception as error:  # noqa: BLE001 - an invocation error, as Lambda reports one
            connection.send(("error", f"{type(error).__name__}: {error}"))


class InvocationFailed(Exception):
    """The invocation did not return a response: an error, a crash or a timeout."""


class ExecutionEnvironment:
    def __init__(self, consumer: Consumer, environment: dict[str, str], region: str) -> None:
        context = {
            "function_name": consumer.function_name,
            "memory_limit_in_mb": consumer.memory_mb,
            "invoked_function_arn": (
                f"arn:aws:lambda:{region}:123456789012:function:{consumer.function_name}"
            ),
            "log_group_name": f"/aws/lambda/{consumer.function_name}",
        }
        self.arguments = (str(consumer.code_dir), consumer.handler, environment, context)
        self.timeout = consumer.timeout_seconds
        self.name = consumer.function_name
        self.launch()

    def start(self) -> None:
        self.launch()
        self.wait_until_loaded()

    def launch(self) -> None:
        """Start the environment's process, which imports the handler."""
        self.connection, child = SPAWN.Pipe()
        self.process = SPAWN.Process(target=_serve, args=(child, *self.arguments), daemon=True)
        self.process.start()

    def wait_until_loaded(self) -> None:
        status, detail = "crash", "the environment exited while loading"
        if self.connection.poll(60):
            with contextlib.suppress(EOFError, OSError):
                status, detail = self.connection.recv()
        if status != "ready":
            self.stop()
            raise InvocationFailed(
                f"{self.name}: its handler did not load: {detail} (the function runs with this"
                " Python's packages: install what its layers provide, e.g. the project's dev"
                " requirements)"
            )

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def invoke(self, event: dict) -> object:
        """The handler's response; InvocationFailed on an error, a crash or a timeout (after
        the last two the environment is replaced, as Lambda replaces one)."""
        try:
            self.connection.send((event, self.timeout))
            answered = self.connection.poll(self.timeout)
            status, result = self.connection.recv() if answered else ("timeout", None)
        except (EOFError, OSError) as error:
            status, result = "crash", f"the environment died ({error or 'no answer'})"
        if status == "timeout":
            self.restart()
            raise InvocationFailed(f"timed out after {self.timeout} s")
        if status == "crash":
            self.restart()
        if status != "ok":
            raise InvocationFailed(result)
        return result


def sqs_event(messages: list[dict], queue_arn: str, region: str) -> dict:
    """The event Lambda builds from received SQS messages."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {
                    name: lambda_attribute(value)
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message["MD5OfBody"],
                "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def lambda_attribute(value: dict) -> dict:
    """A message attribute as Lambda's SQS event spells it: camelCase, binary in base64, the
    value it does not have left out (a String or Number has no binaryValue)."""
    attribute = {}
    if value.get("StringValue") is not None:
        attribute["stringValue"] = value["StringValue"]
    if value.get("BinaryValue") is not None:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return {
        **attribute,
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": value.get("BinaryListValues", []),
        "dataType": value.get("DataType"),
    }


def failed_items(response: object, batch: list[dict]) -> set[str] | None:
    """The message ids a partial batch response reports failed; None when the response is
    malformed, which Lambda treats as the whole batch failing."""
    if response is None:
        return set()
    if not isinstance(response, dict):
        return None
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    ids = {message["MessageId"] for message in batch}
    failed = set()
    for failure in failures if isinstance(failures, list) else [None]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in ids:
            return None
        failed.add(identifier)
    return failed


class Poller:
    """One consumer's event source mapping."""

    def __init__(
        self,
        consumer: Consumer,
        sqs,
        queue: LocalQueue,
        stats,
        environment: dict[str, str],
        most_environments: int = MOST_LOCAL_WORKERS,
    ) -> None:
        self.consumer, self.sqs, self.queue, self.stats = consumer, sqs, queue, stats
        self.region = sqs.meta.region_name
        self.workers = min(consumer.max_concurrency or most_environments, most_environments)
        self.environment = environment
        # moto's SQS is not safe for concurrent receives (it can hand one message to two
        # callers), so receives go one at a time; the handlers still run concurrently.
        self.receiving = threading.Lock()
        self.stopping = threading.Event()
        self.environments: list[ExecutionEnvironment] = []
        self.threads: list[threading.Thread] = []

    def start_environments(self) -> None:
        """Every environment imports the handler before the first message arrives, so cold
        starts do not outlast a short visibility timeout. They load side by side."""
        for _ in range(self.workers):
            self.environments.append(
                ExecutionEnvironment(self.consumer, self.environment, self.region)
            )
        for environment in self.environments:
            environment.wait_until_loaded()

    def start(self) -> None:
        for number, environment in enumerate(self.environments):
            thread = threading.Thread(
                target=self.run,
                args=(environment,),
                name=f"{self.consumer.function_name}-{number}",
                daemon=True,
            )
            self.threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for environment in self.environments:
            environment.stop()  # an invocation under way ends here, as on a Lambda shutdown
        for thread in self.threads:
            thread.join(timeout=10)

    def receive(self, count: int) -> list[dict]:
        """Messages with every system attribute (a FIFO queue's MessageGroupId,
        MessageDeduplicationId and SequenceNumber among them, as Lambda passes them) and every
        message attribute. From a FIFO queue moto holds back a message group while a message
        of it is in flight (received, not yet deleted), as SQS does: one batch of a group at a
        time, in order."""
        with self.receiving:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue.url,
                MaxNumberOfMessages=count,
                WaitTimeSeconds=0,  # moto serves long polls by looping: short polls are kinder
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
        if self.queue.queue.fifo:
            numbers = self.queue.ledger.sequence_numbers
            for message in messages:
                attributes = message.setdefault("Attributes", {})
                if message["MessageId"] in numbers:  # sent through the gateway: SQS's number
                    attributes["SequenceNumber"] = numbers[message["MessageId"]]
        return messages

    @property
    def batching_window_seconds(self) -> int:
        """Lambda has no batching window on a FIFO queue."""
        return 0 if self.queue.queue.fifo else self.consumer.batching_window_seconds

    def receive_batch(self) -> list[dict]:
        """Up to the batch size; once one message arrives, wait at most the batching window
        for the rest (no window: hand over what one receive got)."""
        size = self.consumer.batch_size
        batch: list[dict] = []
        deadline = None
        while not self.stopping.is_set() and len(batch) < size:
            received = self.receive(min(10, size - len(batch)))
            if not received and not batch:
                self.stopping.wait(IDLE_PAUSE_SECONDS)
                return []
            if received and deadline is None:
                deadline = time.monotonic() + self.batching_window_seconds
            batch += received
            if time.monotonic() >= deadline:
                break
            if not received:
                self.stopping.wait(0.05)
        # A window longer than the visibility timeout receives a message again: keep it once,
        # with its newest receipt handle (the older one no longer deletes it).
        return list({message["MessageId"]: message for message in batch}.values())

    def run(self, environment: ExecutionEnvironment) -> None:
        while not self.stopping.is_set():
            try:
                self.process_one_batch(environment)
            except Exception:  # SQS unreachable, say: keep polling, as Lambda does
                if not self.stopping.is_set():
                    log.exception(
                        "%s: polling failed; retrying in 1 s", self.consumer.function_name
                    )
                    self.stopping.wait(1)

    def process_one_batch(self, environment: ExecutionEnvironment) -> None:
        batch = self.receive_batch()
        if not batch:
            return
        started = time.monotonic()
        name = self.consumer.function_name
        all_ids = {message["MessageId"] for message in batch}
        try:
            response = environment.invoke(sqs_event(batch, self.queue.arn, self.region))
            failed = set()
            if self.consumer.report_batch_item_failures:
                failed = failed_items(response, batch)
                if failed is None:
                    log.error("%s: malformed batchItemFailures; the whole batch failed", name)
                    failed = all_ids
        except InvocationFailed as error:  # the whole batch returns to the queue
            if self.stopping.is_set():
                return
            log.error("%s: batch of %d failed as a whole: %s", name, len(batch), error)
            failed = all_ids
        done = [message for message in batch if message["MessageId"] not in failed]
        finished_ms = time.time() * 1000
        deleted = set()
        for start in range(0, len(done), 10):
            entries = [
                {"Id": message["MessageId"], "ReceiptHandle": message["ReceiptHandle"]}
                for message in done[start : start + 10]
            ]
            answer = self.sqs.delete_message_batch(QueueUrl=self.queue.url, Entries=entries)
            deleted |= {entry["Id"] for entry in answer.get("Successful", [])}
        processed = [message for message in done if message["MessageId"] in deleted]
        for message_id in deleted:
            self.queue.ledger.sequence_numbers.pop(message_id, None)
        queue_name = self.queue.queue.name
        self.stats.count(queue_name, "processed", len(processed))
        self.stats.latencies(
            queue_name,
            [finished_ms - int(message["Attributes"]["SentTimestamp"]) for message in processed],
        )
        self.stats.count(queue_name, "failed", len(failed))
        log.info(
            "%s: batch of %d, %d processed, %d failed (back to the queue), %.0f ms",
            name,
            len(batch),
            len(processed),
            len(failed),
            (time.monotonic() - started) * 1000,
        )
