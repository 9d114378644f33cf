"""The event source mapping: batches from the queue to the handler, partial failures back.

Up to `max_concurrency` batches are in the handler at once, each in an execution environment of
its own: a worker process that imports the handler once, like a warm Lambda environment, and is
replaced when an invocation crashes it or runs past the function's timeout.
"""

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

from .pipeline import LocalPipeline

log = logging.getLogger("local")
# Environments beyond this would only compete for the machine's cores.
MOST_LOCAL_WORKERS = 8
IDLE_PAUSE_SECONDS = 0.2
# A fresh interpreter per environment, as Lambda starts one; forking this threaded process
# could copy locks other threads hold.
SPAWN = multiprocessing.get_context("spawn")


@dataclass
class LocalContext:
    """The parts of a Lambda context the handler's tooling reads."""

    function_name: str = "local-consumer"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:local-consumer"
    aws_request_id: str = ""


def _serve(connection, handler_dir: str, handler: str, environment: dict[str, str]) -> None:
    """An execution environment: import the handler once, then run one event at a time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    os.environ.update(environment)
    sys.path.insert(0, handler_dir)
    module_name, function_name = handler.rsplit(".", 1)
    function = getattr(importlib.import_module(module_name), function_name)
    connection.send("ready")
    while True:
        event = connection.recv()
        try:
            connection.send(("ok", function(event, LocalContext(aws_request_id=str(uuid.uuid4())))))
        except Exception as error:  # an invocation error, as Lambda reports one
            connection.send(("error", f"{type(error).__name__}: {error}"))


class InvocationFailed(Exception):
    """The invocation did not return a response: an error, a crash or a timeout."""


class ExecutionEnvironment:
    def __init__(self, pipeline: LocalPipeline, environment: dict[str, str]) -> None:
        self.arguments = (str(pipeline.handler_dir), pipeline.handler, environment)
        self.timeout = pipeline.timeout_seconds
        self.start()

    def start(self) -> None:
        self.connection, child = SPAWN.Pipe()
        self.process = SPAWN.Process(target=_serve, args=(child, *self.arguments), daemon=True)
        self.process.start()
        if not self.connection.poll(60) or self.connection.recv() != "ready":
            self.stop()
            raise InvocationFailed("the handler did not load (see the lines above)")

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def invoke(self, event: dict) -> dict:
        """The handler's response; InvocationFailed on an error, a crash or a timeout (after
        the last two the environment is replaced, as Lambda replaces one)."""
        try:
            self.connection.send(event)
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
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


class Poller:
    def __init__(self, pipeline: LocalPipeline, sqs, queue_url: str, stats) -> None:
        self.pipeline, self.sqs, self.queue_url, self.stats = pipeline, sqs, queue_url, stats
        self.queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.workers = min(pipeline.max_concurrency, MOST_LOCAL_WORKERS)
        self.environment = {
            **pipeline.environment,
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
            "POWERTOOLS_METRICS_DISABLED": "true",  # no CloudWatch to read the metrics
        }
        # moto's SQS is not safe for concurrent receives (it can hand one message to two
        # callers), so receives go one at a time; the handlers still run concurrently.
        self.receiving = threading.Lock()
        self.stopping = threading.Event()
        self.environments: list[ExecutionEnvironment] = []
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        # Every environment imports the handler before the first message arrives, so cold
        # starts do not outlast a short visibility timeout.
        for number in range(self.workers):
            environment = ExecutionEnvironment(self.pipeline, self.environment)
            self.environments.append(environment)
            thread = threading.Thread(
                target=self.run, args=(environment,), name=f"poller-{number}", daemon=True
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
        with self.receiving:
            return self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=count,
                WaitTimeSeconds=0,  # moto serves long polls by looping: short polls are kinder
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])

    def receive_batch(self) -> list[dict]:
        """Up to batch_size messages; once one arrives, wait at most the batching window for
        the rest (no window: hand over what one receive got)."""
        size = self.pipeline.batch_size
        batch: list[dict] = []
        deadline = None
        while not self.stopping.is_set() and len(batch) < size:
            received = self.receive(min(10, size - len(batch)))
            if not received and not batch:
                self.stopping.wait(IDLE_PAUSE_SECONDS)
                return []
            if received and deadline is None:
                deadline = time.monotonic() + self.pipeline.batching_window_seconds
            batch += received
            if time.monotonic() >= deadline:
                break
            if not received:
                self.stopping.wait(0.05)
        return batch

    def run(self, environment: ExecutionEnvironment) -> None:
        while not self.stopping.is_set():
            try:
                self.process_one_batch(environment)
            except Exception:  # SQS unreachable, say: keep polling, as Lambda does
                if not self.stopping.is_set():
                    log.exception("polling failed; retrying in 1 s")
                    self.stopping.wait(1)

    def process_one_batch(self, environment: ExecutionEnvironment) -> None:
        batch = self.receive_batch()
        if not batch:
            return
        started = time.monotonic()
        region = self.sqs.meta.region_name
        try:
            response = environment.invoke(sqs_event(batch, self.queue_arn, region))
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except InvocationFailed as error:  # the whole batch returns to the queue
            if self.stopping.is_set():
                return
            log.error("batch of %d failed as a whole: %s", len(batch), error)
            failed = {m["MessageId"] for m in batch}
        done = [m for m in batch if m["MessageId"] not in failed]
        finished_ms = time.time() * 1000
        deleted = set()
        for start in range(0, len(done), 10):
            entries = [
                {"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]}
                for m in done[start : start + 10]
            ]
            answer = self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            deleted |= {entry["Id"] for entry in answer.get("Successful", [])}
        processed = [m for m in done if m["MessageId"] in deleted]
        self.stats.count("processed", len(processed))
        self.stats.latencies(finished_ms - int(m["Attributes"]["SentTimestamp"]) for m in processed)
        self.stats.count("failed", len(failed))
        log.info(
            "batch: %d messages, %d processed, %d failed (back to the queue), %.0f ms",
            len(batch),
            len(processed),
            len(failed),
            (time.monotonic() - started) * 1000,
        )
