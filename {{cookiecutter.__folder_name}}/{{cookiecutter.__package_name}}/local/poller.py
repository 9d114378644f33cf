"""The event source mapping: batches from the queue to the handler, partial failures back.

Up to `max_concurrency` batches are in the handler at once, each in a worker process of its own
(as each Lambda invocation has an execution environment of its own).
"""

import importlib
import logging
import multiprocessing
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from .pipeline import LocalPipeline

log = logging.getLogger("local")
# Worker processes beyond this would only compete for the machine's cores.
MOST_LOCAL_WORKERS = 8
IDLE_PAUSE_SECONDS = 0.2

_handler = None


@dataclass
class LocalContext:
    """The parts of a Lambda context the handler's tooling reads."""

    function_name: str = "local-consumer"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:local-consumer"
    aws_request_id: str = ""


def _load_handler(handler_dir: str, handler: str, environment: dict[str, str]) -> None:
    global _handler
    os.environ.update(environment)
    sys.path.insert(0, handler_dir)
    module_name, function_name = handler.rsplit(".", 1)
    _handler = getattr(importlib.import_module(module_name), function_name)


def _invoke(event: dict) -> dict:
    return _handler(event, LocalContext(aws_request_id=str(uuid.uuid4())))


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
        environment = {
            **pipeline.environment,
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
            "POWERTOOLS_METRICS_DISABLED": "true",  # no CloudWatch to read the metrics
        }
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers,
            # A fresh interpreter per worker, as Lambda starts one; forking this threaded
            # process could copy held locks.
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_load_handler,
            initargs=(str(pipeline.handler_dir), pipeline.handler, environment),
        )
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.run, name=f"poller-{n}", daemon=True)
            for n in range(self.workers)
        ]

    def start(self) -> None:
        # Start every worker (and import the handler) before the first message, so cold
        # starts do not outlast a short visibility timeout.
        list(self.pool.map(time.sleep, [0.5] * self.workers))
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=10)
        self.pool.shutdown(cancel_futures=True)

    def receive_batch(self) -> list[dict]:
        """Up to batch_size messages; once one arrives, wait at most the batching window for
        the rest (no window: hand over what one receive got)."""
        size = self.pipeline.batch_size
        batch: list[dict] = []
        deadline = None
        while not self.stopping.is_set() and len(batch) < size:
            # Short polls and a pause when empty: moto serves long polls by looping, which would
            # slow every other call to it.
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, size - len(batch)),
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
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

    def run(self) -> None:
        region = self.sqs.meta.region_name
        while not self.stopping.is_set():
            batch = self.receive_batch()
            if not batch:
                continue
            started = time.monotonic()
            try:
                response = self.pool.submit(
                    _invoke, sqs_event(batch, self.queue_arn, region)
                ).result()
                failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            except Exception as error:  # an invocation error: the whole batch returns
                log.error("batch of %d failed as a whole: %s", len(batch), error)
                failed = {m["MessageId"] for m in batch}
            done = [m for m in batch if m["MessageId"] not in failed]
            finished_ms = time.time() * 1000
            for start in range(0, len(done), 10):
                entries = [
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ]
                self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            self.stats.count("processed", len(done))
            self.stats.latencies(finished_ms - int(m["Attributes"]["SentTimestamp"]) for m in done)
            self.stats.count("failed", len(failed))
            log.info(
                "batch: %d messages, %d processed, %d failed (back to the queue), %.0f ms",
                len(batch),
                len(done),
                len(failed),
                (time.monotonic() - started) * 1000,
            )
