"""Counts for GET /_local/stats: per queue and in total; the depths come from SQS itself."""

import threading
from collections import defaultdict

from .sqs import LocalQueue

# deduplicated: sends a FIFO queue accepted as duplicates and does not deliver.
COUNTS = ("accepted", "processed", "failed", "deduplicated")


def percentile(ordered: list[float], share: float) -> int:
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))]) if ordered else 0


class Stats:
    def __init__(self, sqs, queues: dict[str, LocalQueue], consumed: list[str]) -> None:
        """queues: every local queue by logical id; consumed: the logical ids of the queues a
        consumer reads (their dead-letter queues are counted with them)."""
        self.sqs = sqs
        self.queues = [queues[logical_id] for logical_id in consumed]
        self.dead_letters = {
            local.queue.name: queues[local.queue.dead_letter.logical_id]
            for local in self.queues
            if local.queue.dead_letter
        }
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
        self.latencies_ms: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()

    def count(self, queue_name: str, name: str, amount: int = 1) -> None:
        with self.lock:
            self.counts[queue_name][name] += amount

    def latencies(self, queue_name: str, milliseconds) -> None:
        with self.lock:
            self.latencies_ms[queue_name].extend(milliseconds)

    def depth(self, url: str, *names: str) -> list[int]:
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names))
        return [int(attributes["Attributes"][name]) for name in names]

    def snapshot(self) -> dict:
        """Totals at the top, then each consumed queue's own figures under "queues"."""
        with self.lock:
            counts = {name: dict(values) for name, values in self.counts.items()}
            latencies = {name: sorted(values) for name, values in self.latencies_ms.items()}
        per_queue = {}
        for local in self.queues:
            name = local.queue.name
            in_queue, in_flight = self.depth(
                local.url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"
            )
            dead_letter = self.dead_letters.get(name)
            (in_dlq,) = (
                self.depth(dead_letter.url, "ApproximateNumberOfMessages") if dead_letter else (0,)
            )
            per_queue[name] = {
                **counts.get(name, dict.fromkeys(COUNTS, 0)),
                "latency_p50_ms": percentile(latencies.get(name, []), 0.5),
                "latency_p99_ms": percentile(latencies.get(name, []), 0.99),
                "in_queue": in_queue,
                "in_flight": in_flight,
                "in_dlq": in_dlq,
            }
        every = sorted(value for values in latencies.values() for value in values)
        totals = {
            name: sum(figures[name] for figures in per_queue.values())
            for name in (*COUNTS, "in_queue", "in_flight", "in_dlq")
        }
        # Messages accepted for a queue no consumer reads still count as accepted.
        totals["accepted"] += sum(
            values["accepted"] for name, values in counts.items() if name not in per_queue
        )
        return {
            **totals,
            "latency_p50_ms": percentile(every, 0.5),
            "latency_p99_ms": percentile(every, 0.99),
            "queues": per_queue,
        }
