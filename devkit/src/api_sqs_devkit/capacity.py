"""What a consumer queue can take, how fast it drains, and how long it may wait: on paper.

    python -m api_sqs_devkit.capacity --cdk-out cdk.out [--handler-seconds 0.5] [--markdown]

Not measured: the intake is the API's throttle on the routes that send to the queue (on a FIFO
queue at most the 300 sends a second SQS takes), the drain rate is what the consumer clears when
every invocation takes --handler-seconds for a full batch; a batch of the queue's largest
messages is held against Lambda's 6 MB invocation payload.
Each figure names what sets it and the AWS quota that bounds it; one table per consumer queue.
Exits 1 when a consumer cannot keep up. Standard library only: anything can build
CapacityInputs from plain numbers (the template's hooks do, from a project's settings).
"""

import argparse
import math
import sys
from dataclasses import dataclass

from .assembly import AssemblyError, Service, read_service
from .ops.arguments import add_cdk_out, number

HOUR = 3600
DAY = 24 * HOUR
# How long one invocation takes for a full batch, unless told: measure yours (the consumer's
# Duration metric, p99) and pass it.
DEFAULT_HANDLER_SECONDS = 0.5

# AWS's default quotas per account and region (most can be raised through Service Quotas).
API_ACCOUNT_RATE = 10_000  # requests per second over every API Gateway API of the account
API_ACCOUNT_BURST = 5_000
LAMBDA_ACCOUNT_CONCURRENCY = 1_000  # concurrent executions shared by every function
SQS_EVENT_SOURCE_CONCURRENCY = 1_250  # most invocations Lambda runs for one SQS event source
SQS_IN_FLIGHT = 120_000  # received, not yet deleted messages of a queue
SQS_MAX_RETENTION_DAYS = 14
LAMBDA_MAX_BATCHING_WINDOW = 300
# AWS's advice for a queue a function reads: a visibility timeout of at least six times the
# function's timeout plus the batching window, so batches retried after throttling stay hidden.
VISIBILITY_FACTOR = 6
# A FIFO queue takes 300 SendMessage calls per second without batching; API Gateway sends one
# message a call, and high throughput mode is not enabled.
SQS_FIFO_SEND_RATE = 300
# SQS's MaximumMessageSize when a queue sets none.
DEFAULT_MAX_MESSAGE_BYTES = 262_144
# Lambda's payload for a synchronous invocation (6 MB): one batch's event must fit in it.
LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024
# What a record adds to its message in the event, about: message id, receipt handle, system
# attributes, MD5s, ARN and region (the message attributes count in the message's size). A body
# JSON must escape (quotes, control or non-ASCII characters) takes more than its size.
RECORD_ENVELOPE_BYTES = 1024


@dataclass(frozen=True)
class CapacityInputs:
    """Everything the figures of one consumer queue depend on, as plain numbers."""

    api_rate_limit: float  # requests per second the API lets through to the queue, sustained
    api_burst_limit: int
    batch_size: int
    batching_window_seconds: int
    max_concurrency: int | None  # the event source's maximum concurrency; None: not set
    consumer_timeout_seconds: int
    visibility_timeout_seconds: int
    queue_retention_seconds: int
    max_receive_count: int | None  # receives before the dead-letter queue; None: no DLQ
    handler_seconds: float = DEFAULT_HANDLER_SECONDS  # one invocation, a full batch
    fifo: bool = False  # a FIFO queue: SQS's send quota bounds the intake
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES  # the queue's MaximumMessageSize

    def __post_init__(self) -> None:
        if not self.handler_seconds > 0:
            raise ValueError(f"handler_seconds={self.handler_seconds}: must be above 0")
        if self.batch_size < 1:
            raise ValueError(f"batch_size={self.batch_size}: must be at least 1")

    @classmethod
    def from_service(
        cls, service: Service, handler_seconds: float = DEFAULT_HANDLER_SECONDS
    ) -> dict[str, "CapacityInputs"]:
        """One per consumer, by its queue's name (and function's, when consumers share a
        queue). The routes that send to the queue together make its intake: each route has
        the stage's throttle, or its own."""
        queue_names = [consumer.queue.name for consumer in service.consumers]
        plans = {}
        for consumer in service.consumers:
            queue = consumer.queue
            routes = [route for route in service.api.routes if route.queue.name == queue.name]
            rate = sum(
                service.api.rate_limit if route.rate_limit is None else route.rate_limit
                for route in routes
            )
            burst = sum(
                service.api.burst_limit if route.burst_limit is None else route.burst_limit
                for route in routes
            )
            name = queue.name
            if queue_names.count(name) > 1:
                name += f" ({consumer.function_name})"
            plans[name] = cls(
                api_rate_limit=min(rate, API_ACCOUNT_RATE),
                api_burst_limit=min(burst, API_ACCOUNT_BURST),
                batch_size=consumer.batch_size,
                batching_window_seconds=consumer.batching_window_seconds,
                max_concurrency=consumer.max_concurrency,
                consumer_timeout_seconds=consumer.timeout_seconds,
                # SQS's defaults when the template sets none.
                visibility_timeout_seconds=int(queue.attributes.get("VisibilityTimeout", 30)),
                queue_retention_seconds=int(
                    queue.attributes.get("MessageRetentionPeriod", 4 * DAY)
                ),
                max_receive_count=queue.max_receive_count,
                handler_seconds=handler_seconds,
                fifo=queue.fifo,
                max_message_bytes=int(
                    queue.attributes.get("MaximumMessageSize", DEFAULT_MAX_MESSAGE_BYTES)
                ),
            )
        return plans


@dataclass(frozen=True)
class Capacity:
    """The figures that follow from one consumer queue's inputs."""

    inputs: CapacityInputs

    @property
    def intake_per_second(self) -> float:
        """What the API lets through, or on a FIFO queue at most what SQS takes."""
        if self.fifo_bounds_intake:
            return SQS_FIFO_SEND_RATE
        return self.inputs.api_rate_limit

    @property
    def fifo_bounds_intake(self) -> bool:
        return self.inputs.fifo and self.inputs.api_rate_limit > SQS_FIFO_SEND_RATE

    @property
    def batch_bytes(self) -> int:
        """A full batch of the largest messages, as Lambda's event holds it."""
        return self.inputs.batch_size * (self.inputs.max_message_bytes + RECORD_ENVELOPE_BYTES)

    @property
    def largest_messages_per_invocation(self) -> int:
        """How many of the largest messages one invocation takes: the batch size, unless
        Lambda's payload limit holds fewer (Lambda then invokes with fewer)."""
        fit = LAMBDA_PAYLOAD_BYTES // (self.inputs.max_message_bytes + RECORD_ENVELOPE_BYTES)
        return min(self.inputs.batch_size, fit)

    @property
    def concurrency(self) -> int:
        """Invocations at once: the maximum concurrency, or without one the account's."""
        wanted = self.inputs.max_concurrency or LAMBDA_ACCOUNT_CONCURRENCY
        return min(wanted, SQS_EVENT_SOURCE_CONCURRENCY)

    @property
    def drain_per_second(self) -> float:
        return self.concurrency * self.inputs.batch_size / self.inputs.handler_seconds

    @property
    def headroom_per_second(self) -> float:
        return self.drain_per_second - self.intake_per_second

    @property
    def advised_visibility_timeout(self) -> int:
        return (
            VISIBILITY_FACTOR * self.inputs.consumer_timeout_seconds
            + self.inputs.batching_window_seconds
        )

    def drain_seconds(self, backlog: float, *, intake_continues: bool) -> float:
        """How long a backlog takes to clear; infinite when it cannot."""
        rate = self.headroom_per_second if intake_continues else self.drain_per_second
        return backlog / rate if rate > 0 else math.inf

    @property
    def max_downtime_seconds(self) -> float:
        """How long the consumer may stop with the API at full intake, so that once it is back
        even the oldest message is processed before the queue's retention expires it: the
        downtime T and the catch-up I*T/(D-I) must fit in the retention R, so T <= R(D-I)/D."""
        if self.headroom_per_second <= 0:
            return 0.0
        return (
            self.inputs.queue_retention_seconds * self.headroom_per_second / self.drain_per_second
        )

    @property
    def keeps_up(self) -> bool:
        return self.headroom_per_second > 0

    @property
    def warnings(self) -> list[str]:
        inputs = self.inputs
        found = []
        if not self.keeps_up:
            taker = "the FIFO queue takes" if self.fifo_bounds_intake else "the API accepts"
            found.append(
                f"the consumer drains {self.drain_per_second:g} messages/s, not more than the"
                f" {self.intake_per_second:g} {taker}: at full intake the backlog grows"
                " until messages expire. Raise the maximum concurrency or the batch size, or"
                " make the handler faster"
            )
        in_flight = self.concurrency * inputs.batch_size
        if in_flight > SQS_IN_FLIGHT:
            found.append(
                f"{in_flight} messages in flight at full concurrency: a queue allows"
                f" {SQS_IN_FLIGHT}; lower the batch size or the maximum concurrency"
            )
        if inputs.handler_seconds > inputs.consumer_timeout_seconds:
            found.append(
                f"an invocation of {inputs.handler_seconds:g} s is longer than the consumer's"
                f" timeout ({inputs.consumer_timeout_seconds} s): every batch would fail"
            )
        if inputs.visibility_timeout_seconds < self.advised_visibility_timeout:
            found.append(
                f"the queue's visibility timeout ({inputs.visibility_timeout_seconds} s) is"
                f" below {VISIBILITY_FACTOR} x the consumer's timeout plus"
                f" the batching window ({self.advised_visibility_timeout} s): a batch retried"
                " after throttling can be received again while it is processed"
            )
        return found

    def rows(self) -> list[tuple[str, str, str]]:
        """(figure, value, what sets it and the AWS quota that bounds it)"""
        inputs = self.inputs
        hour_of_intake = self.intake_per_second * HOUR
        once_stopped = duration(self.drain_seconds(hour_of_intake, intake_continues=False))
        going_on = duration(self.drain_seconds(hour_of_intake, intake_continues=True))
        concurrency_bound = (
            "maximum concurrency"
            if inputs.max_concurrency
            else "concurrency (no maximum set: the account's)"
        )
        window = inputs.batching_window_seconds
        if self.fifo_bounds_intake:
            intake = (
                f"{SQS_FIFO_SEND_RATE} messages/s, bounded by the FIFO queue (the API lets"
                f" {inputs.api_rate_limit:g} through, bursts of {inputs.api_burst_limit})"
            )
        else:
            intake = f"{self.intake_per_second:g} messages/s (bursts of {inputs.api_burst_limit})"
        intake_bound = (
            f"the API's throttling of the routes to the queue; API Gateway allows"
            f" {API_ACCOUNT_RATE} requests/s per account and region, shared by all its APIs"
        )
        drain_bound = (
            f"{concurrency_bound} x batch size / handler time; Lambda allows"
            f" {LAMBDA_ACCOUNT_CONCURRENCY} concurrent executions per account and region"
            f" (shared) and {SQS_EVENT_SOURCE_CONCURRENCY} per SQS event source"
        )
        waits = f"up to {window} s" if window else "not at all: batches go as messages arrive"
        if inputs.fifo:
            intake_bound += (
                f"; a FIFO queue takes {SQS_FIFO_SEND_RATE} SendMessage calls/s (API Gateway"
                " sends one message a call; high throughput mode is not enabled): sends above"
                " it are throttled by SQS"
            )
            drain_bound += (
                "; a FIFO queue has one batch of a message group in flight at a time, so the"
                " concurrency is also at most the number of message groups with messages"
            )
            waits = "not at all: Lambda has no batching window on a FIFO queue"
        per_record = inputs.max_message_bytes + RECORD_ENVELOPE_BYTES
        largest = self.largest_messages_per_invocation
        if largest < inputs.batch_size:
            batch = (
                f"{largest} of them in one invocation, not {inputs.batch_size}:"
                f" {inputs.batch_size} x {per_record} bytes ({mebibytes(self.batch_bytes)}) is"
                f" above Lambda's {mebibytes(LAMBDA_PAYLOAD_BYTES)}"
            )
        else:
            batch = (
                f"fits in one invocation: {inputs.batch_size} x {per_record} bytes"
                f" ({mebibytes(self.batch_bytes)}) of Lambda's {mebibytes(LAMBDA_PAYLOAD_BYTES)}"
            )
        if inputs.max_receive_count is None:
            failed = f"received again after {inputs.visibility_timeout_seconds} s until it expires"
        else:
            failed = (
                f"received again after {inputs.visibility_timeout_seconds} s,"
                f" {inputs.max_receive_count} receives in all, then moved to the dead-letter queue"
            )
        return [
            ("sustained intake", intake, intake_bound),
            (
                "drain rate",
                f"{self.drain_per_second:g} messages/s"
                f" ({self.concurrency} x {inputs.batch_size} / {inputs.handler_seconds:g} s)",
                drain_bound,
            ),
            (
                "backlog of one hour at full intake",
                f"{hour_of_intake:g} messages: drained in {once_stopped} once intake stops,"
                f" {going_on} while it goes on at full rate",
                f"drain rate and headroom; a queue holds any backlog, with at most"
                f" {SQS_IN_FLIGHT} messages in flight",
            ),
            (
                "consumer may be down for",
                f"{duration(self.max_downtime_seconds)} at full intake, before a message expires",
                f"the queue's retention ({inputs.queue_retention_seconds / DAY:g} days, SQS"
                f" allows {SQS_MAX_RETENTION_DAYS}) and the headroom",
            ),
            (
                "a batch waits to fill",
                waits,
                f"the batching window; Lambda allows {LAMBDA_MAX_BATCHING_WINDOW} s",
            ),
            (
                "a batch of the largest messages",
                batch,
                "batch size x (the queue's MaximumMessageSize + about"
                f" {RECORD_ENVELOPE_BYTES} bytes a record for its ids and attributes in the"
                f" event); Lambda's synchronous invocation payload is {LAMBDA_PAYLOAD_BYTES}"
                " bytes",
            ),
            (
                "a failed message",
                failed,
                "the queue's visibility timeout and the redrive policy's maxReceiveCount; AWS"
                f" advises a visibility timeout of at least {VISIBILITY_FACTOR}"
                " x the consumer's timeout plus the batching window:"
                f" {self.advised_visibility_timeout} s",
            ),
        ]


def mebibytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def duration(seconds: float) -> str:
    if math.isinf(seconds):
        return "never"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * HOUR:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * HOUR:
        return f"{seconds / HOUR:.1f} h"
    return f"{seconds / DAY:.1f} days"


def markdown(capacity: Capacity) -> str:
    lines = ["| figure | value | set by, and bounded by |", "|---|---|---|"]
    lines += [f"| {figure} | {value} | {bound} |" for figure, value, bound in capacity.rows()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cdk_out(arguments)
    arguments.add_argument(
        "--handler-seconds",
        type=number(float, 0.001),
        default=DEFAULT_HANDLER_SECONDS,
        help=f"how long one invocation (a full batch) takes ({DEFAULT_HANDLER_SECONDS})",
    )
    arguments.add_argument("--markdown", action="store_true", help="print Markdown tables")
    options = arguments.parse_args(argv)
    try:
        service = read_service(options.cdk_out)
    except AssemblyError as error:
        sys.exit(f"error: {error}")
    plans = CapacityInputs.from_service(service, options.handler_seconds)
    if not plans:
        sys.exit(f"error: stack {service.stack_name} has no consumer of a queue: nothing to plan")
    capacities = {name: Capacity(inputs) for name, inputs in plans.items()}
    if options.markdown:
        tables = [markdown(capacity) for capacity in capacities.values()]
        if len(capacities) > 1:
            tables = [
                f"Queue `{name}`:\n\n{table}"
                for name, table in zip(capacities, tables, strict=True)
            ]
        print("\n\n".join(tables))
    else:
        for name, capacity in capacities.items():
            print(
                f"{service.stack_name}, queue {name}, one invocation taking"
                f" {options.handler_seconds:g} s:"
            )
            for figure, value, bound in capacity.rows():
                print(f"  {figure + ':':<36} {value}\n  {'':<36} ({bound})")
    for name, capacity in capacities.items():
        for warning in capacity.warnings:
            print(f"warning: {name}: {warning}", file=sys.stderr)
    return 0 if all(capacity.keeps_up for capacity in capacities.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
