"""What a consumer queue can take, how fast it drains, and how long it may wait: on paper.

    python -m api_sqs_devkit.capacity --cdk-out cdk.out [--handler-seconds 0.5] [--region R]
        [--markdown]

Not measured: the intake is the API's throttle on the routes that send to the queue, within
API Gateway's quota of the Region (on a FIFO queue at most the 300 sends a second SQS takes);
the drain rate is what the consumer clears when every invocation takes --handler-seconds for a
batch, a batch being what Lambda's 6 MB invocation payload holds of the queue's largest
messages. The event source's scaling mode (standard, or provisioned pollers) sets the
concurrency and how fast it is reached from idle.
Each figure names what sets it and the AWS quota that bounds it; one table per consumer queue.
Exits 1 when a consumer cannot keep up. Standard library only: anything can build
CapacityInputs from plain numbers (the template's hooks do, from a project's settings), and
api_account_quota and effective_batch_size serve a synth that has no assembly yet.
"""

import argparse
import math
import os
import sys
from dataclasses import dataclass

from .assembly import AssemblyError, Service, read_service
from .ops.arguments import add_cdk_out, number

HOUR = 3600
DAY = 24 * HOUR
# How long one invocation takes for a full batch, unless told: measure yours (the consumer's
# Duration metric, p99) and pass it.
DEFAULT_HANDLER_SECONDS = 0.5

# API Gateway's throttle quota per account and Region, over every HTTP, REST and WebSocket API
# of the account (the rate can be raised through Service Quotas, L-8A5B8E43; the burst follows
# from it): 10,000 requests/s with a burst of 5,000, except in the Regions below, which start
# at 2,500 and 1,250. The one table of them in the devkit.
API_QUOTAS_SOURCE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"
API_QUOTAS_READ = "2026-11-23"
API_ACCOUNT_RATE = 10_000  # requests per second over every API Gateway API of the account
API_ACCOUNT_BURST = 5_000
REDUCED_API_ACCOUNT_RATE = 2_500
REDUCED_API_ACCOUNT_BURST = 1_250
REDUCED_QUOTA_REGIONS = (
    "af-south-1",  # Africa (Cape Town)
    "ap-south-2",  # Asia Pacific (Hyderabad)
    "ap-southeast-3",  # Asia Pacific (Jakarta)
    "ap-southeast-4",  # Asia Pacific (Melbourne)
    "ap-southeast-5",  # Asia Pacific (Malaysia)
    "ap-southeast-7",  # Asia Pacific (Thailand)
    "ca-west-1",  # Canada West (Calgary)
    "eu-central-2",  # Europe (Zurich)
    "eu-south-1",  # Europe (Milan)
    "eu-south-2",  # Europe (Spain)
    "il-central-1",  # Israel (Tel Aviv)
    "me-central-1",  # Middle East (UAE)
    "mx-central-1",  # Mexico (Central)
)
# Lambda's concurrent executions per account and Region, shared by every function: 1,000 by
# default, less in a new account until AWS raises it with use (Service Quotas L-B99A9384).
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
LAMBDA_ACCOUNT_CONCURRENCY = 1_000
LAMBDA_CONCURRENCY_COMMAND = (
    "aws lambda get-account-settings --query AccountLimit.ConcurrentExecutions"
)
LAMBDA_CONCURRENCY_QUOTA_CODE = "L-B99A9384"
# An SQS event source in the standard mode starts 5 concurrent invocations, adds up to 300 a
# minute while messages wait, and runs at most 1,250.
# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
SQS_EVENT_SOURCE_CONCURRENCY = 1_250  # most invocations Lambda runs for one SQS event source
STANDARD_START_CONCURRENCY = 5
STANDARD_SCALE_UP_PER_MINUTE = 300
# In the provisioned mode (ProvisionedPollerConfig; not with a maximum concurrency) each event
# poller reads about 1 MB/s and runs up to 10 concurrent invocations (services-sqs-parameters.
# html); the mapping adds up to 1,000 concurrent invocations a minute and runs up to 20,000
# (AWS News Blog, "AWS Lambda enhances event processing with provisioned mode for SQS
# event-source mapping"). Pollers: at least 2 (2 .. 200), at most 200 by default.
POLLER_CONCURRENCY = 10
POLLER_BYTES_PER_SECOND = 1024 * 1024
PROVISIONED_SCALE_UP_PER_MINUTE = 1_000
PROVISIONED_MAX_CONCURRENCY = 20_000
DEFAULT_MINIMUM_POLLERS = 2
DEFAULT_MAXIMUM_POLLERS = 200
ESM_MODES = ("standard", "provisioned")
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
# A message of this size, unless told (--message-bytes): a small JSON document. Pollers read
# messages of this size (the batch and payload figures hold the queue's largest).
DEFAULT_MESSAGE_BYTES = 1024


@dataclass(frozen=True)
class ApiQuota:
    """API Gateway's throttle quota of an account in a Region."""

    rate: int  # requests per second, over every API of the account in the Region
    burst: int
    region: str | None
    region_known: bool  # False: no Region given, the quota is the common one

    @property
    def reduced(self) -> bool:
        return self.rate < API_ACCOUNT_RATE


def api_account_quota(region: str | None) -> ApiQuota:
    """API Gateway's default throttle quota per account in `region` (None: not known, the
    quota most Regions have). Standard library only: a synth can check its throttle with it."""
    code = (region or "").strip().lower() or None
    if code in REDUCED_QUOTA_REGIONS:
        return ApiQuota(REDUCED_API_ACCOUNT_RATE, REDUCED_API_ACCOUNT_BURST, code, True)
    return ApiQuota(API_ACCOUNT_RATE, API_ACCOUNT_BURST, code, code is not None)


def effective_batch_size(batch_size: int, max_message_bytes: int) -> int:
    """The messages one invocation takes at most when they are the queue's largest: the batch
    size, unless Lambda's 6 MB invocation payload holds fewer records of max_message_bytes."""
    fit = LAMBDA_PAYLOAD_BYTES // (max_message_bytes + RECORD_ENVELOPE_BYTES)
    return max(1, min(batch_size, fit))


def pollers(minimum: int | None, maximum: int | None) -> tuple[int, int]:
    """(minimum, maximum) provisioned event pollers: those set, AWS's defaults for None."""
    return (
        DEFAULT_MINIMUM_POLLERS if minimum is None else minimum,
        DEFAULT_MAXIMUM_POLLERS if maximum is None else maximum,
    )


def add_workload(arguments: argparse.ArgumentParser) -> None:
    """The options of what the service's work is like: the handler's time, a message's size."""
    arguments.add_argument(
        "--handler-seconds",
        type=number(float, 0.001),
        default=DEFAULT_HANDLER_SECONDS,
        help=f"how long one invocation (a full batch) takes ({DEFAULT_HANDLER_SECONDS})",
    )
    arguments.add_argument(
        "--message-bytes",
        type=number(int, 1),
        default=DEFAULT_MESSAGE_BYTES,
        help=f"the size of a typical message ({DEFAULT_MESSAGE_BYTES})",
    )


def default_region() -> str | None:
    """The Region AWS's tools would use here: AWS_REGION, else what boto3's default session
    resolves (AWS_DEFAULT_REGION, the profile's), if boto3 is installed; None otherwise."""
    if os.environ.get("AWS_REGION"):
        return os.environ["AWS_REGION"]
    try:
        import boto3  # noqa: PLC0415 - optional: capacity needs the standard library only
    except ImportError:
        return None
    try:
        return boto3.session.Session().region_name
    except Exception:  # noqa: BLE001 - a broken configuration: the Region is just not known
        return None


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
    region: str | None = None  # None: not known (the common API Gateway quota)
    esm_mode: str = "standard"  # "standard" | "provisioned" (ProvisionedPollerConfig)
    minimum_pollers: int | None = None  # provisioned mode; None: AWS's default, 2
    maximum_pollers: int | None = None  # provisioned mode; None: AWS's default, 200
    message_bytes: int = DEFAULT_MESSAGE_BYTES  # a typical message, for the pollers' throughput

    def __post_init__(self) -> None:
        if not self.handler_seconds > 0:
            raise ValueError(f"handler_seconds={self.handler_seconds}: must be above 0")
        if self.batch_size < 1:
            raise ValueError(f"batch_size={self.batch_size}: must be at least 1")
        if self.esm_mode not in ESM_MODES:
            raise ValueError(f"esm_mode={self.esm_mode!r}: must be one of {', '.join(ESM_MODES)}")
        if self.esm_mode == "provisioned" and self.max_concurrency is not None:
            raise ValueError(
                f"max_concurrency={self.max_concurrency} with esm_mode='provisioned': Lambda"
                " takes a maximum concurrency or provisioned pollers, not both"
            )
        if self.minimum_pollers is not None and self.minimum_pollers < 1:
            raise ValueError(f"minimum_pollers={self.minimum_pollers}: must be at least 1")
        if self.maximum_pollers is not None and self.maximum_pollers < self.pollers[0]:
            raise ValueError(
                f"maximum_pollers={self.maximum_pollers}: must be at least the minimum"
                f" ({self.pollers[0]})"
            )

    @property
    def pollers(self) -> tuple[int, int]:
        """(minimum, maximum) event pollers of the provisioned mode, AWS's defaults filled in."""
        return pollers(self.minimum_pollers, self.maximum_pollers)

    @classmethod
    def from_service(
        cls,
        service: Service,
        handler_seconds: float = DEFAULT_HANDLER_SECONDS,
        region: str | None = None,
        message_bytes: int = DEFAULT_MESSAGE_BYTES,
    ) -> dict[str, "CapacityInputs"]:
        """One per consumer, by its queue's name (and function's, when consumers share a
        queue). The routes that send to the queue together make its intake: each route has
        the stage's throttle, or its own, within the Region's quota (`region`, else the
        stack's own when it is environment-bound)."""
        region = region or service.region
        quota = api_account_quota(region)
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
                api_rate_limit=min(rate, quota.rate),
                api_burst_limit=min(burst, quota.burst),
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
                region=region,
                esm_mode=consumer.esm_mode,
                minimum_pollers=consumer.minimum_pollers,
                maximum_pollers=consumer.maximum_pollers,
                message_bytes=message_bytes,
            )
        return plans


@dataclass(frozen=True)
class Capacity:
    """The figures that follow from one consumer queue's inputs."""

    inputs: CapacityInputs

    @property
    def api_quota(self) -> ApiQuota:
        return api_account_quota(self.inputs.region)

    @property
    def api_rate(self) -> float:
        """What the API lets through to the queue: its throttle, within the Region's quota."""
        return min(self.inputs.api_rate_limit, self.api_quota.rate)

    @property
    def api_burst(self) -> int:
        return min(self.inputs.api_burst_limit, self.api_quota.burst)

    @property
    def intake_per_second(self) -> float:
        """What the API lets through, or on a FIFO queue at most what SQS takes."""
        if self.fifo_bounds_intake:
            return SQS_FIFO_SEND_RATE
        return self.api_rate

    @property
    def fifo_bounds_intake(self) -> bool:
        return self.inputs.fifo and self.api_rate > SQS_FIFO_SEND_RATE

    @property
    def batch_bytes(self) -> int:
        """A full batch of the largest messages, as Lambda's event holds it."""
        return self.inputs.batch_size * (self.inputs.max_message_bytes + RECORD_ENVELOPE_BYTES)

    @property
    def largest_messages_per_invocation(self) -> int:
        """How many of the largest messages one invocation takes: the batch size, unless
        Lambda's payload limit holds fewer (Lambda then invokes with fewer)."""
        return effective_batch_size(self.inputs.batch_size, self.inputs.max_message_bytes)

    @property
    def provisioned(self) -> bool:
        return self.inputs.esm_mode == "provisioned"

    @property
    def concurrency(self) -> int:
        """Invocations at once. Standard mode: the maximum concurrency, or without one the
        account's, within the event source's 1,250. Provisioned mode: 10 per poller at the
        maximum pollers, within the account's and the mode's 20,000."""
        if self.provisioned:
            wanted = self.inputs.pollers[1] * POLLER_CONCURRENCY
            return min(wanted, LAMBDA_ACCOUNT_CONCURRENCY, PROVISIONED_MAX_CONCURRENCY)
        wanted = self.inputs.max_concurrency or LAMBDA_ACCOUNT_CONCURRENCY
        return min(wanted, SQS_EVENT_SOURCE_CONCURRENCY)

    @property
    def invocation_drain_per_second(self) -> float:
        """What the concurrency clears: concurrency x effective batch / handler time."""
        return self.concurrency * self.largest_messages_per_invocation / self.inputs.handler_seconds

    @property
    def poller_drain_per_second(self) -> float:
        """Provisioned mode: what the maximum pollers read of typical messages, at about 1 MB/s
        each (infinite in the standard mode, which has no such figure)."""
        if not self.provisioned:
            return math.inf
        return self.inputs.pollers[1] * POLLER_BYTES_PER_SECOND / self.inputs.message_bytes

    @property
    def pollers_bound_drain(self) -> bool:
        return self.poller_drain_per_second < self.invocation_drain_per_second

    @property
    def drain_per_second(self) -> float:
        return min(self.invocation_drain_per_second, self.poller_drain_per_second)

    @property
    def headroom_per_second(self) -> float:
        return self.drain_per_second - self.intake_per_second

    @property
    def start_concurrency(self) -> int:
        """Invocations at once when messages start arriving on an idle queue: 5 in the standard
        mode, 10 per minimum poller in the provisioned mode (within the ceiling)."""
        if self.provisioned:
            start = self.inputs.pollers[0] * POLLER_CONCURRENCY
        else:
            start = STANDARD_START_CONCURRENCY
        return min(start, self.concurrency)

    @property
    def scale_up_per_minute(self) -> int:
        if self.provisioned:
            return PROVISIONED_SCALE_UP_PER_MINUTE
        return STANDARD_SCALE_UP_PER_MINUTE

    @property
    def needed_concurrency(self) -> int:
        """Invocations at once that drain the full intake, or when the consumer cannot keep up
        all it drains (at most the ceiling)."""
        rate = min(self.intake_per_second, self.drain_per_second)
        needed = math.ceil(
            rate * self.inputs.handler_seconds / self.largest_messages_per_invocation
        )
        return min(max(needed, 1), self.concurrency)

    @property
    def scale_up_seconds(self) -> float:
        """From idle to the concurrency that drains the full intake (or the ceiling)."""
        missing = max(0, self.needed_concurrency - self.start_concurrency)
        return missing / self.scale_up_per_minute * 60

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
            remedy = (
                "Raise the maximum pollers or the batch size, or make the handler faster"
                if self.provisioned
                else "Raise the maximum concurrency or the batch size, or make the handler faster"
            )
            found.append(
                f"the consumer drains {self.drain_per_second:g} messages/s, not more than the"
                f" {self.intake_per_second:g} {taker}: at full intake the backlog grows"
                f" until messages expire. {remedy}"
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

    def intake_bound(self) -> str:
        quota = self.api_quota
        if quota.region_known:
            reduced = " (one of the Regions that start lower)" if quota.reduced else ""
            bound = (
                f"the API's throttling of the routes to the queue; API Gateway allows"
                f" {quota.rate} requests/s (bursts of {quota.burst}) per account in"
                f" {quota.region}{reduced}, shared by all its APIs"
            )
        else:
            bound = (
                f"the API's throttling of the routes to the queue; API Gateway allows"
                f" {API_ACCOUNT_RATE} requests/s per account and region in most Regions,"
                f" shared by all its APIs, and {REDUCED_API_ACCOUNT_RATE} in"
                f" {', '.join(REDUCED_QUOTA_REGIONS)}: the Region is not known, pass --region"
            )
        if self.inputs.api_rate_limit > quota.rate:
            bound += f" (the throttle asks for {self.inputs.api_rate_limit:g}: above the quota)"
        if self.inputs.fifo:
            bound += (
                f"; a FIFO queue takes {SQS_FIFO_SEND_RATE} SendMessage calls/s (API Gateway"
                " sends one message a call; high throughput mode is not enabled): sends above"
                " it are throttled by SQS"
            )
        return bound

    def drain(self) -> tuple[str, str]:
        """The drain row's value and bound."""
        inputs = self.inputs
        batch = self.largest_messages_per_invocation
        value = (
            f"{self.drain_per_second:g} messages/s"
            f" ({self.concurrency} x {batch} / {inputs.handler_seconds:g} s)"
        )
        account = (
            f"Lambda allows {LAMBDA_ACCOUNT_CONCURRENCY} concurrent executions per account and"
            " region (shared; a new account starts with less: read yours with"
            f" `{LAMBDA_CONCURRENCY_COMMAND}`, Service Quotas {LAMBDA_CONCURRENCY_QUOTA_CODE})"
        )
        if self.provisioned:
            low, high = inputs.pollers
            if self.pollers_bound_drain:
                value = (
                    f"{self.drain_per_second:g} messages/s ({high} pollers x about 1 MB/s of"
                    f" messages of {inputs.message_bytes} bytes)"
                )
            bound = (
                f"provisioned mode: {low} to {high} event pollers, each up to"
                f" {POLLER_CONCURRENCY} concurrent invocations and about 1 MB/s of messages"
                f" (concurrency x effective batch / handler time); the mode runs up to"
                f" {PROVISIONED_MAX_CONCURRENCY} invocations at once; {account}"
            )
        else:
            concurrency_bound = (
                "maximum concurrency"
                if inputs.max_concurrency
                else "concurrency (no maximum set: the account's)"
            )
            bound = (
                f"standard mode: {concurrency_bound} x effective batch / handler time; {account}"
                f" and {SQS_EVENT_SOURCE_CONCURRENCY} per SQS event source"
            )
        if inputs.fifo:
            bound += (
                "; a FIFO queue has one batch of a message group in flight at a time, so the"
                " concurrency is also at most the number of message groups with messages"
            )
        return value, bound

    def scale_up(self) -> tuple[str, str]:
        """The scale-up row's value and bound."""
        needed, start = self.needed_concurrency, self.start_concurrency
        what = (
            "drain the full intake"
            if self.keeps_up
            else "drain all it can, not more than the intake"
        )
        if self.scale_up_seconds == 0:
            value = f"none: it starts with {start} concurrent invocations; {needed} {what}"
        else:
            value = (
                f"{duration(self.scale_up_seconds)} from {start} to {needed} concurrent"
                f" invocations, which {what}"
            )
        if self.provisioned:
            bound = (
                f"provisioned mode: the minimum pollers ({self.inputs.pollers[0]}) x"
                f" {POLLER_CONCURRENCY} are ready; Lambda adds up to"
                f" {PROVISIONED_SCALE_UP_PER_MINUTE} concurrent invocations a minute"
            )
        else:
            bound = (
                f"standard mode: Lambda starts {STANDARD_START_CONCURRENCY} concurrent"
                f" invocations and adds up to {STANDARD_SCALE_UP_PER_MINUTE} a minute while"
                " messages wait; provisioned pollers scale faster"
            )
        return value, bound

    def rows(self) -> list[tuple[str, str, str]]:
        """(figure, value, what sets it and the AWS quota that bounds it)"""
        inputs = self.inputs
        hour_of_intake = self.intake_per_second * HOUR
        once_stopped = duration(self.drain_seconds(hour_of_intake, intake_continues=False))
        going_on = duration(self.drain_seconds(hour_of_intake, intake_continues=True))
        window = inputs.batching_window_seconds
        if self.fifo_bounds_intake:
            intake = (
                f"{SQS_FIFO_SEND_RATE} messages/s, bounded by the FIFO queue (the API lets"
                f" {self.api_rate:g} through, bursts of {self.api_burst})"
            )
        else:
            intake = f"{self.intake_per_second:g} messages/s (bursts of {self.api_burst})"
        waits = f"up to {window} s" if window else "not at all: batches go as messages arrive"
        if inputs.fifo:
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
        drain, drain_bound = self.drain()
        scale_up, scale_up_bound = self.scale_up()
        return [
            ("sustained intake", intake, self.intake_bound()),
            ("drain rate", drain, drain_bound),
            ("scale-up from idle", scale_up, scale_up_bound),
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
                " bytes: the drain rate counts what fits",
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


def add_region(arguments: argparse.ArgumentParser) -> None:
    arguments.add_argument(
        "--region",
        help="the Region whose quotas apply (default: the stack's own, then AWS_REGION,"
        " AWS_DEFAULT_REGION or the profile's, if boto3 is installed)",
    )


def resolve_region(given: str | None, service: Service) -> str | None:
    """--region, else the stack's own Region, else what boto3 resolves; None: not known."""
    return given or service.region or default_region()


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cdk_out(arguments)
    add_workload(arguments)
    add_region(arguments)
    arguments.add_argument("--markdown", action="store_true", help="print Markdown tables")
    options = arguments.parse_args(argv)
    try:
        service = read_service(options.cdk_out)
        region = resolve_region(options.region, service)
        plans = CapacityInputs.from_service(
            service, options.handler_seconds, region, options.message_bytes
        )
    except (AssemblyError, ValueError) as error:
        sys.exit(f"error: {error}")
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
