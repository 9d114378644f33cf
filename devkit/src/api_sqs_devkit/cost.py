"""What a service costs a month, and per million messages, by AWS service: on paper.

    python -m api_sqs_devkit.cost --cdk-out cdk.out [--rate 100 --rate 10] [--handler-seconds 0.5]
        [--message-bytes 1024] [--region R] [--prices FILE] [--markdown]

Not measured: at each rate (messages a second, sustained all month; by default the intake the
API's throttle allows and a tenth of it) every message is one API request, one SQS send, its
share of receives, deletes, invocations and log lines, and with an idempotency table two
DynamoDB writes. What does not grow with the rate (KMS keys and the queue's data keys, alarms,
idle polling, provisioned pollers) is listed apart. Prices are us-east-1's first pricing tier,
from prices.json beside this module (each with its source and the date it was read); --prices
FILE overrides some or all of them. Free tier, data transfer, X-Ray and NAT are left out.

Standard library only: the template's hooks build CostInputs from a render's settings,
without a synth, and quote the Markdown beside the capacity table:

    from api_sqs_devkit.cost import CostInputs, markdown

    inputs = CostInputs(api_kind="http", api_rate_limit=100, fifo=False, batch_size=10,
                        max_message_bytes=262_144, memory_mb=256, architecture="arm64",
                        max_concurrency=10, kms=True, kms_keys=3, idempotency=True, alarms=6)
    print(markdown(inputs))  # at 100 and 10 messages/s
"""

import argparse
import json
import math
import sys
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from .assembly import AssemblyError, Service, read_service
from .capacity import (
    DEFAULT_HANDLER_SECONDS,
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_MESSAGE_BYTES,
    ESM_MODES,
    POLLER_BYTES_PER_SECOND,
    POLLER_CONCURRENCY,
    SQS_FIFO_SEND_RATE,
    CapacityInputs,
    add_region,
    add_workload,
    api_account_quota,
    effective_batch_size,
    pollers,
    resolve_region,
)
from .ops.arguments import add_cdk_out, number

# AWS's pricing calculator counts a month as 730 hours.
HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
GIB = 1024**3
MILLION = 1_000_000

# SQS bills every 64 KB chunk of a request's payload as one request; the event source mapping
# receives up to 10 messages a ReceiveMessage and deletes up to 10 a DeleteMessageBatch.
SQS_CHUNK_BYTES = 64 * 1024
SQS_MESSAGES_PER_RECEIVE = 10
SQS_MESSAGES_PER_DELETE = 10
# An HTTP API meters a request in 512 KB increments; a REST API bills a request as one.
HTTP_API_METER_BYTES = 512 * 1024
# Lambda long-polls an idle queue: assumed one ReceiveMessage a poller every 20 s (SQS's
# longest wait). The standard mode keeps 5 pollers at low traffic, and can go down to 2, but
# not when the event source has a maximum concurrency (services-sqs-scaling.html); the
# provisioned mode keeps its minimum pollers.
LONG_POLL_SECONDS = 20
IDLE_POLLERS = 5
IDLE_POLLERS_WITHOUT_MAXIMUM_CONCURRENCY = 2
# SQS's estimate of the KMS requests of a queue with a customer-managed key, per billing
# period B: B / reuse period x (2 x producing principals + consuming principals)
# (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/
# sqs-key-management.html). Here one producer (API Gateway's role) and one consumer (the
# consumer's role); SQS's own moves to the dead-letter queue are not counted.
KMS_PRODUCING_PRINCIPALS = 1
KMS_CONSUMING_PRINCIPALS = 1
# Powertools' idempotency writes each message's record twice: put as INPROGRESS (conditional),
# then updated to COMPLETED; a record (key, status, expirations, the result) stays under 1 KB.
IDEMPOTENCY_WRITES_PER_MESSAGE = 2
# Log bytes, measured on lines shaped as a deployed stage writes them (JSON, realistic ids,
# an IAM caller, a three-field body), with len(json.dumps(line).encode()):
# - the access log line of one request, from the template's ACCESS_LOG_FORMAT of
#   http_api/infrastructure.py (13 fields: 408 bytes) and rest_api/infrastructure.py (16 fields:
#   478 bytes);
# - per invocation, Lambda's platform lines in the JSON log format with X-Ray tracing
#   (platform.start 291, platform.runtimeDone 515, platform.report 386) and Powertools'
#   metrics line (EMF, MessagesFailed and MessagesProcessed: 288): 1,480 bytes;
# - per message, the "Processed message" line of business_logic.py as Powertools' Logger
#   writes it (with the Lambda context, correlation id and trace id): 627 bytes.
ACCESS_LOG_BYTES = {"http": 408, "rest": 478}
INVOCATION_LOG_BYTES = 291 + 515 + 386 + 288
MESSAGE_LOG_BYTES = 627
API_KINDS = ("http", "rest")
ARCHITECTURES = ("x86_64", "arm64")

SHIPPED_PRICES = "prices.json"
PRICE_FIELDS = {"usd", "per", "unit", "source"}


class PricesError(Exception):
    """A prices file that cannot be used; str() is one line: which file, what is wrong."""


@dataclass(frozen=True)
class Prices:
    """Prices by name ("sqs.standard_request" ...), each {"usd", "per", "unit", "source"}."""

    entries: dict[str, dict]
    region: str
    read: str
    overridden: tuple[str, ...] = ()  # the names a user's file set
    file: str | None = None  # that file

    def __getitem__(self, name: str) -> float:
        """USD for one unit."""
        entry = self.entries[name]
        return entry["usd"] / entry["per"]


def load_prices(path: str | Path | None = None) -> Prices:
    """The shipped prices, with those of the file at `path` (same shape; any subset of the
    entries, any subset of their fields) over them. Raises PricesError."""
    shipped = json.loads(resources.files(__package__).joinpath(SHIPPED_PRICES).read_text())
    entries = {name: dict(entry) for name, entry in shipped["prices"].items()}
    if path is None:
        return Prices(entries, shipped["region"], shipped["read"])
    try:
        given = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise PricesError(f"{path}: cannot read it ({error.strerror or error})") from None
    except ValueError as error:
        raise PricesError(f"{path}: not JSON ({error})") from None
    if not isinstance(given, dict) or not isinstance(given.get("prices"), dict):
        raise PricesError(f'{path}: expected an object with "prices": {{name: {{"usd": ...}}}}')
    for name, entry in given["prices"].items():
        where = f'{path}: "prices"."{name}"'
        if name not in entries:
            raise PricesError(f"{where}: no such price; known: {', '.join(sorted(entries))}")
        if not isinstance(entry, dict) or not entry or set(entry) - PRICE_FIELDS:
            raise PricesError(f"{where}: expected an object of {', '.join(sorted(PRICE_FIELDS))}")
        for key, low in (("usd", 0), ("per", 1)):
            if key in entry and not (
                isinstance(entry[key], (int, float))
                and not isinstance(entry[key], bool)
                and math.isfinite(entry[key])
                and entry[key] >= low
            ):
                raise PricesError(f"{where}: {key} must be a number of at least {low}")
        entries[name].update(entry)
    return Prices(
        entries,
        str(given.get("region", shipped["region"])),
        str(given.get("read", shipped["read"])),
        tuple(sorted(given["prices"])),
        str(path),
    )


@dataclass(frozen=True)
class CostInputs:
    """Everything the cost of one consumer queue depends on, as plain numbers.

    api_kind: "http" or "rest" (the API type prices its requests).
    api_rate_limit: the API's throttle of the routes to the queue, requests a second; with
        region and fifo it sets the default rates (the sustained intake and a tenth of it).
    region: the Region, for API Gateway's quota (prices stay us-east-1's); None: not known.
    fifo: a FIFO queue (its requests cost more; it takes 300 sends a second).
    batch_size, batching_window_seconds: the event source's batching.
    max_message_bytes: the queue's MaximumMessageSize (what Lambda's 6 MB payload holds).
    message_bytes: the size of a typical message (SQS, HTTP API and DynamoDB meter by size).
    memory_mb, architecture ("x86_64" | "arm64"): the consumer's, for its GB-seconds.
    handler_seconds: how long one invocation takes.
    max_concurrency: the event source's maximum concurrency (None: none; fewer idle pollers).
    esm_mode ("standard" | "provisioned"), minimum_pollers, maximum_pollers (None: AWS's
        defaults, 2 and 200): the event source's scaling mode and its provisioned pollers.
    kms: the queue is encrypted with a customer-managed KMS key (SQS's data key requests);
        kms_data_key_reuse_seconds: its KmsDataKeyReusePeriodSeconds.
    kms_keys: customer-managed KMS keys of the stack (key-months); alarms: CloudWatch alarms.
    idempotency: the consumer records each message in a DynamoDB on-demand table.
    messages_per_invocation: the messages one invocation takes; None: what a rate fills (see
        Estimate.messages_per_invocation).
    access_log_bytes (None: the API kind's measured line), invocation_log_bytes,
        message_log_bytes: the log bytes of a request, an invocation and a message.
    """

    api_kind: str = "http"
    api_rate_limit: float = 100
    region: str | None = None
    fifo: bool = False
    batch_size: int = 10
    batching_window_seconds: int = 0
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    message_bytes: int = DEFAULT_MESSAGE_BYTES
    memory_mb: int = 128
    architecture: str = "x86_64"
    handler_seconds: float = DEFAULT_HANDLER_SECONDS
    max_concurrency: int | None = None
    esm_mode: str = "standard"
    minimum_pollers: int | None = None
    maximum_pollers: int | None = None
    kms: bool = False
    kms_data_key_reuse_seconds: int = 300
    kms_keys: int = 0
    alarms: int = 0
    idempotency: bool = False
    messages_per_invocation: float | None = None
    access_log_bytes: int | None = None
    invocation_log_bytes: int = INVOCATION_LOG_BYTES
    message_log_bytes: int = MESSAGE_LOG_BYTES

    def __post_init__(self) -> None:
        for name, allowed in (
            ("api_kind", API_KINDS),
            ("architecture", ARCHITECTURES),
            ("esm_mode", ESM_MODES),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"{name}={getattr(self, name)!r}: must be one of {', '.join(allowed)}"
                )
        for name, low in (
            ("api_rate_limit", 0),
            ("batch_size", 1),
            ("max_message_bytes", 1),
            ("message_bytes", 1),
            ("memory_mb", 128),
            ("kms_data_key_reuse_seconds", 60),
            ("kms_keys", 0),
            ("alarms", 0),
        ):
            if not getattr(self, name) >= low:
                raise ValueError(f"{name}={getattr(self, name)}: must be at least {low}")
        if not self.handler_seconds > 0:
            raise ValueError(f"handler_seconds={self.handler_seconds}: must be above 0")
        if self.messages_per_invocation is not None and not self.messages_per_invocation >= 1:
            raise ValueError(
                f"messages_per_invocation={self.messages_per_invocation}: must be at least 1"
            )

    @property
    def pollers(self) -> tuple[int, int]:
        """(minimum, maximum) provisioned pollers, AWS's defaults filled in."""
        return pollers(self.minimum_pollers, self.maximum_pollers)

    @property
    def intake_per_second(self) -> float:
        """What the API lets through to the queue, within the Region's quota (on a FIFO queue
        at most the 300 sends a second SQS takes): the default rate."""
        rate = min(self.api_rate_limit, api_account_quota(self.region).rate)
        return min(rate, SQS_FIFO_SEND_RATE) if self.fifo else rate

    @property
    def default_rates(self) -> tuple[float, float]:
        return (self.intake_per_second, self.intake_per_second / 10)

    @classmethod
    def from_service(
        cls,
        service: Service,
        handler_seconds: float = DEFAULT_HANDLER_SECONDS,
        message_bytes: int = DEFAULT_MESSAGE_BYTES,
        region: str | None = None,
    ) -> "CostInputs":
        """The stack's one consumer queue as its cloud assembly describes it; the KMS keys and
        alarms are the template's AWS::KMS::Key and AWS::CloudWatch::Alarm resources."""
        if len(service.consumers) != 1:
            raise ValueError(
                f"stack {service.stack_name} has {len(service.consumers)} consumers of queues:"
                " cost prices a service with one"
            )
        (consumer,) = service.consumers
        (plan,) = CapacityInputs.from_service(
            service, handler_seconds, region, message_bytes
        ).values()
        return cls(
            api_kind=service.api.kind,
            api_rate_limit=plan.api_rate_limit,
            region=plan.region,
            fifo=plan.fifo,
            batch_size=plan.batch_size,
            batching_window_seconds=plan.batching_window_seconds,
            max_message_bytes=plan.max_message_bytes,
            message_bytes=message_bytes,
            memory_mb=consumer.memory_mb,
            architecture=consumer.architecture,
            handler_seconds=handler_seconds,
            max_concurrency=plan.max_concurrency,
            esm_mode=plan.esm_mode,
            minimum_pollers=plan.minimum_pollers,
            maximum_pollers=plan.maximum_pollers,
            kms=consumer.queue.customer_managed_key,
            kms_data_key_reuse_seconds=consumer.queue.kms_data_key_reuse_seconds,
            kms_keys=service.resource_counts.get("AWS::KMS::Key", 0),
            alarms=service.resource_counts.get("AWS::CloudWatch::Alarm", 0),
            idempotency=any(table.billing_mode == "PAY_PER_REQUEST" for table in service.tables),
        )


@dataclass(frozen=True)
class Estimate:
    """The cost at one rate: USD a month, by line; per_million is the usage lines' cost of a
    million messages."""

    rate: float  # messages a second, all month
    messages_per_invocation: float
    usage: dict[str, float] = field(default_factory=dict)  # grows with the rate
    fixed: dict[str, float] = field(default_factory=dict)  # does not

    @property
    def messages(self) -> float:
        return self.rate * SECONDS_PER_MONTH

    @property
    def per_million(self) -> dict[str, float]:
        if not self.messages:
            return {line: 0.0 for line in self.usage}
        return {line: usd / self.messages * MILLION for line, usd in self.usage.items()}

    @property
    def total(self) -> float:
        return sum(self.usage.values()) + sum(self.fixed.values())


def messages_per_invocation(inputs: CostInputs, rate: float) -> float:
    """What one invocation takes at `rate`: what arrives while a batch gathers (the batching
    window, or without one the previous invocation's handler time), at least 1, at most the
    effective batch (the batch size, or fewer of the largest messages under Lambda's 6 MB)."""
    if inputs.messages_per_invocation is not None:
        return inputs.messages_per_invocation
    batch = effective_batch_size(inputs.batch_size, inputs.max_message_bytes)
    gather = inputs.batching_window_seconds or inputs.handler_seconds
    return min(batch, max(1.0, rate * gather))


def idle_pollers(inputs: CostInputs) -> int:
    if inputs.esm_mode == "provisioned":
        return inputs.pollers[0]
    return IDLE_POLLERS if inputs.max_concurrency else IDLE_POLLERS_WITHOUT_MAXIMUM_CONCURRENCY


def kms_requests_per_month(inputs: CostInputs) -> float:
    principals = 2 * KMS_PRODUCING_PRINCIPALS + KMS_CONSUMING_PRINCIPALS
    return SECONDS_PER_MONTH / inputs.kms_data_key_reuse_seconds * principals


def line_names(inputs: CostInputs) -> dict[str, str]:
    """Each line's label."""
    pollers = idle_pollers(inputs)
    return {
        "api": f"API Gateway ({inputs.api_kind.upper()} API requests)",
        "sqs": f"SQS requests ({'FIFO' if inputs.fifo else 'standard'}: send, receive, delete)",
        "lambda_requests": "Lambda requests",
        "lambda_duration": (
            f"Lambda duration ({inputs.memory_mb} MB {inputs.architecture},"
            f" {inputs.handler_seconds:g} s an invocation)"
        ),
        "pollers_scaling": "Lambda event pollers above the minimum (provisioned mode)",
        "dynamodb": "DynamoDB writes (idempotency records)",
        "logs": "CloudWatch Logs ingestion",
        "kms_keys": f"KMS keys ({inputs.kms_keys})",
        "kms_requests": (
            f"KMS requests for the queue's data keys (reused {inputs.kms_data_key_reuse_seconds} s)"
        ),
        "alarms": f"CloudWatch alarms ({inputs.alarms})",
        "idle_polling": (
            f"SQS long polling of {pollers} pollers, as if idle all month"
            f" ({'minimum pollers' if inputs.esm_mode == 'provisioned' else 'standard mode'})"
        ),
        "pollers_minimum": f"Lambda event pollers, the minimum ({pollers}) all month",
    }


def estimate(inputs: CostInputs, rate: float, prices: Prices | None = None) -> Estimate:
    """The monthly cost of `rate` messages a second, all month."""
    prices = prices or load_prices()
    per_invocation = messages_per_invocation(inputs, rate)
    messages = rate * SECONDS_PER_MONTH
    invocations = messages / per_invocation
    sqs_price = prices["sqs.fifo_request" if inputs.fifo else "sqs.standard_request"]

    if inputs.api_kind == "http":
        api_requests = math.ceil(inputs.message_bytes / HTTP_API_METER_BYTES)
        api_price = prices["apigateway.http_request"]
    else:
        api_requests = 1
        api_price = prices["apigateway.rest_request"]
    sends = math.ceil(inputs.message_bytes / SQS_CHUNK_BYTES)
    per_receive = min(SQS_MESSAGES_PER_RECEIVE, per_invocation)
    receives = max(1, math.ceil(per_receive * inputs.message_bytes / SQS_CHUNK_BYTES)) / per_receive
    deletes = 1 / min(SQS_MESSAGES_PER_DELETE, per_invocation)
    gb_seconds = inputs.handler_seconds * inputs.memory_mb / 1024
    access_log = (
        ACCESS_LOG_BYTES[inputs.api_kind]
        if inputs.access_log_bytes is None
        else inputs.access_log_bytes
    )
    log_bytes = (
        messages * (access_log + inputs.message_log_bytes)
        + invocations * inputs.invocation_log_bytes
    )
    usage = {
        "api": messages * api_requests * api_price,
        "sqs": messages * (sends + receives + deletes) * sqs_price,
        "lambda_requests": invocations * prices["lambda.request"],
        "lambda_duration": (
            invocations * gb_seconds * prices[f"lambda.{inputs.architecture}_gb_second"]
        ),
    }
    fixed = {}
    if inputs.esm_mode == "provisioned":
        low, high = inputs.pollers
        concurrency = math.ceil(rate * inputs.handler_seconds / per_invocation)
        needed = max(
            math.ceil(concurrency / POLLER_CONCURRENCY),
            math.ceil(rate * inputs.message_bytes / POLLER_BYTES_PER_SECOND),
        )
        busy = min(max(low, needed), high)
        poller_hour = prices["lambda.sqs_event_poller_unit_hour"]
        usage["pollers_scaling"] = (busy - low) * HOURS_PER_MONTH * poller_hour
        fixed["pollers_minimum"] = low * HOURS_PER_MONTH * poller_hour
    if inputs.idempotency:
        usage["dynamodb"] = (
            messages * IDEMPOTENCY_WRITES_PER_MESSAGE * prices["dynamodb.write_request_unit"]
        )
    usage["logs"] = log_bytes / GIB * prices["cloudwatch.logs_ingested_gb"]
    if inputs.kms_keys:
        fixed["kms_keys"] = inputs.kms_keys * prices["kms.key_month"]
    if inputs.kms:
        fixed["kms_requests"] = kms_requests_per_month(inputs) * prices["kms.request"]
    if inputs.alarms:
        fixed["alarms"] = inputs.alarms * prices["cloudwatch.alarm_month"]
    fixed["idle_polling"] = idle_pollers(inputs) * SECONDS_PER_MONTH / LONG_POLL_SECONDS * sqs_price
    return Estimate(rate, per_invocation, usage, fixed)


def money(usd: float) -> str:
    if 0 < usd < 0.005:
        return "<0.01"
    return f"{usd:,.2f}"


def notes(inputs: CostInputs, estimates: list[Estimate], prices: Prices) -> list[str]:
    """The assumptions, in a few sentences."""
    batches = ", ".join(
        f"{item.messages_per_invocation:g} at {item.rate:g}/s" for item in estimates
    )
    gather = (
        f"the batching window ({inputs.batching_window_seconds} s)"
        if inputs.batching_window_seconds
        else f"one invocation ({inputs.handler_seconds:g} s)"
    )
    access = (
        ACCESS_LOG_BYTES[inputs.api_kind]
        if inputs.access_log_bytes is None
        else inputs.access_log_bytes
    )
    found = [
        f"USD, {prices.region} prices read {prices.read}"
        + (f", {', '.join(prices.overridden)} from {prices.file}" if prices.overridden else "")
        + "; the first pricing tier of each, no free tier; a month of"
        f" {HOURS_PER_MONTH} hours; messages of {inputs.message_bytes} bytes. Per million"
        " messages: the lines that grow with the rate.",
        f"Messages an invocation: what arrives during {gather}, up to the effective batch"
        f" ({batches}); every invocation takes {inputs.handler_seconds:g} s. The event source"
        f" receives and deletes up to {SQS_MESSAGES_PER_RECEIVE} messages a call; idle"
        f" pollers long-poll once every {LONG_POLL_SECONDS} s.",
        f"Logs: {access} bytes a request, {inputs.invocation_log_bytes} an invocation,"
        f" {inputs.message_log_bytes} a message."
        + (
            f" Idempotency: {IDEMPOTENCY_WRITES_PER_MESSAGE} writes of under 1 KB a message."
            if inputs.idempotency
            else ""
        )
        + (
            f" KMS: SQS's estimate with {KMS_PRODUCING_PRINCIPALS} producing and"
            f" {KMS_CONSUMING_PRINCIPALS} consuming principal."
            if inputs.kms
            else ""
        ),
        "Not priced: data transfer, X-Ray, NAT gateways, log and table"
        " storage, retries and the dead-letter queue.",
    ]
    if inputs.region and inputs.region != prices.region:
        found.append(f"Prices in {inputs.region} can differ from {prices.region}'s.")
    return found


def estimates_of(
    inputs: CostInputs, rates: list[float] | None, prices: Prices | None
) -> tuple[list[Estimate], Prices]:
    prices = prices or load_prices()
    rates = list(rates) if rates else list(inputs.default_rates)
    return [estimate(inputs, rate, prices) for rate in rates], prices


def markdown(
    inputs: CostInputs, rates: list[float] | None = None, prices: Prices | None = None
) -> str:
    """Tables of the monthly cost at each rate (default: the intake and a tenth of it) and
    per million messages, by AWS service; the fixed items; the assumptions."""
    estimates, prices = estimates_of(inputs, rates, prices)
    names = line_names(inputs)
    header = "| a month, USD |" + "".join(
        f" {item.rate:g} messages/s | per million |" for item in estimates
    )
    lines = [header, "|---|" + "---:|---:|" * len(estimates)]
    for line in estimates[0].usage:
        lines.append(
            f"| {names[line]} |"
            + "".join(
                f" {money(item.usage[line])} | {money(item.per_million[line])} |"
                for item in estimates
            )
        )
    lines.append(
        "| fixed (below) |"
        + "".join(f" {money(sum(item.fixed.values()))} | |" for item in estimates)
    )
    lines.append(
        "| **in all** |"
        + "".join(
            f" **{money(item.total)}** | **{money(sum(item.per_million.values()))}** |"
            for item in estimates
        )
    )
    fixed = estimates[0].fixed
    lines += ["", "| fixed a month, USD | |", "|---|---:|"]
    lines += [f"| {names[line]} | {money(usd)} |" for line, usd in fixed.items()]
    lines += ["", *notes(inputs, estimates, prices)]
    return "\n".join(lines)


def text(inputs: CostInputs, rates: list[float] | None = None, prices: Prices | None = None) -> str:
    """The same as plain text."""
    estimates, prices = estimates_of(inputs, rates, prices)
    names = line_names(inputs)
    shown = [*estimates[0].usage, *estimates[0].fixed]
    width = max(len(names[line]) for line in shown) + 2

    def row(label: str, usd: float, per_million: float | None = None) -> str:
        million = "" if per_million is None else f" {money(per_million):>8}"
        return f"  {label + ':':<{width}} {money(usd):>10}{million}"

    out = []
    for item in estimates:
        out.append(
            f"At {item.rate:g} messages/s ({item.messages:,.0f} a month), USD a month and per"
            " million messages:"
        )
        out += [row(names[line], usd, item.per_million[line]) for line, usd in item.usage.items()]
        out.append(row("fixed (below)", sum(item.fixed.values())))
        out.append(row("in all", item.total, sum(item.per_million.values())))
    out.append("Fixed, USD a month:")
    out += [row(names[line], usd) for line, usd in estimates[0].fixed.items()]
    out += ["", *notes(inputs, estimates, prices)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cdk_out(arguments)
    arguments.add_argument(
        "--rate",
        type=number(float, 0),
        action="append",
        metavar="N",
        help="messages a second, sustained all month; repeat for more (default: the intake the"
        " API's throttle allows, and a tenth of it)",
    )
    add_workload(arguments)
    add_region(arguments)
    arguments.add_argument(
        "--prices", metavar="FILE", help="prices over the shipped ones (same JSON shape)"
    )
    for name, default in (
        ("access-log", "the API kind's"),
        ("invocation-log", INVOCATION_LOG_BYTES),
        ("message-log", MESSAGE_LOG_BYTES),
    ):
        arguments.add_argument(
            f"--{name}-bytes",
            type=number(int, 0),
            metavar="N",
            help=f"log bytes of one {name.split('-')[0]} ({default})",
        )
    arguments.add_argument("--markdown", action="store_true", help="print Markdown tables")
    options = arguments.parse_args(argv)
    try:
        prices = load_prices(options.prices)
    except PricesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        service = read_service(options.cdk_out)
        region = resolve_region(options.region, service)
        inputs = CostInputs.from_service(
            service, options.handler_seconds, options.message_bytes, region
        )
    except (AssemblyError, ValueError) as error:
        sys.exit(f"error: {error}")
    logs = {
        "access_log_bytes": options.access_log_bytes,
        "invocation_log_bytes": options.invocation_log_bytes,
        "message_log_bytes": options.message_log_bytes,
    }
    inputs = replace(inputs, **{name: value for name, value in logs.items() if value is not None})
    render = markdown if options.markdown else text
    if not options.markdown:
        print(f"{service.stack_name}, the consumer of {service.consumers[0].queue.name}:")
    print(render(inputs, options.rate, prices))
    return 0


if __name__ == "__main__":
    sys.exit(main())
