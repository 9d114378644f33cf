"""The service's settings: their rules, the names of its resources, what is derived from them.

The same rules check the answers at render and cdk.json at every synth, with the same one-line
message. An option's rules live in its unit's settings module (`units` below). Standard library
and api_sqs_devkit only: the render loads it before the CDK is installed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from types import ModuleType
from typing import Any

from api_sqs_devkit.capacity import (
    DEFAULT_MINIMUM_POLLERS,
    LAMBDA_PAYLOAD_BYTES,
    POLLER_CONCURRENCY,
    RECORD_ENVELOPE_BYTES,
    REDUCED_QUOTA_REGIONS,
    api_account_quota,
    effective_batch_size,
    pollers,
)
from api_sqs_devkit.settings import (
    SettingError,
    burst,
    choice,
    integer,
    name_length_error,
    parse_all,
    refuse_unused,
    stage_values,
    text,
    text_list,
)

# Consumer Lambda timeout: 30 s, or 0.1 s per message of the fullest batch one invocation gets
# (Lambda's 6 MB payload may hold fewer than batch_size) when that is longer (up to
# Lambda's 900 s), so a large batch is not cut off. The queue's visibility timeout is derived
# from it (AWS advises 6 x).
MIN_CONSUMER_TIMEOUT_SECONDS = 30
SECONDS_PER_MESSAGE = 0.1
MAX_CONSUMER_TIMEOUT_SECONDS = 900
# A standard queue keeps a message's original enqueue time when it moves to the DLQ, so the DLQ
# keeps messages for the longest period SQS allows; a shorter one would drop failures unseen.
DLQ_RETENTION_DAYS = 14
# Throttled receives count as receives: fewer than this and a busy consumer can send good
# messages to the DLQ.
RECOMMENDED_MIN_DLQ_RETRIES = 5
# Lambda reads at most 10 messages per batch from a standard queue without a batching window.
MAX_BATCH_WITHOUT_WINDOW = 10
MAX_BATCHING_WINDOW_SECONDS = 300
DAY_SECONDS = 24 * 60 * 60
# Stages deployed hardened: queues kept when the stack is deleted, termination protection on,
# logs kept a year.
PRODUCTION_STAGES = ("prod", "production")
# The backlog alarm fires when the oldest message has waited this share of the queue's retention:
# early enough to fix the consumer before messages expire.
OLDEST_MESSAGE_ALARM_FRACTION = 0.25
# The consumer function's memory and architecture (consumer/infrastructure.py builds it; the
# cost quoted at render prices them).
CONSUMER_MEMORY_MB = 256
CONSUMER_ARCHITECTURE = "arm64"
# Every project's cdk.json lists these stages beside the one answered at render: the render checks
# the resource names of each.
STAGES_OF_EVERY_PROJECT = ("prod",)

# AWS name limits of every resource named after project_name and stage (the units' settings
# modules name the resources of their options).
NAME_LIMITS = {
    "stack": 128,
    "queue": 80,
    "dlq": 80,
    "consumer_function": 64,
    "key_alias": 256,
    "access_log_group": 512,
    "alarm_topic": 256,
    "alarm_key_alias": 256,
    "logs_key_alias": 256,
}

RULES = {
    "project_name": text(
        r"[a-z][a-z0-9]*(-[a-z0-9]+)*",
        "must be lowercase letters, digits and single hyphens, start with a letter"
        " and not end with a hyphen",
    ),
    "stage": text(
        r"[a-z][a-z0-9]*", "must be lowercase letters and digits, starting with a letter"
    ),
    "api_throttling": integer(1, 10000, " requests per second"),
    "queue_retention": integer(1, 14, " days"),
    "batch_size": integer(1, 10000, " messages"),
    "dlq_retries": integer(1, 1000, " receives"),
    # How Lambda scales its polling of the queue: "standard" (Lambda's own scaling, bounded by
    # lambda_concurrency) or "provisioned" (event pollers between minimum_pollers and
    # maximum_pollers, paid for while they run). AWS refuses a maximum concurrency together
    # with provisioned pollers: each mode takes its own settings only.
    "esm_mode": choice("standard", "provisioned"),
    "lambda_concurrency": integer(2, 1000, " concurrent invocations", optional=True),
    "minimum_pollers": integer(2, 200, " event pollers", optional=True),
    "maximum_pollers": integer(2, 2000, " event pollers", optional=True),
    # SQS takes messages of up to 1 MiB; the body and the envelope's attributes count.
    "max_message_kib": integer(1, 1024, " KiB"),
    # Web origins whose scripts may call the API (CORS); none by default.
    "cors_origins": text_list(
        r"\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?",
        "must be origins such as https://app.example.com (scheme, host and port only), or *",
    ),
    "alarm_email": text(
        r"[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}",
        "must be one e-mail address, or empty for no alarm e-mails",
        optional=True,
    ),
}

SETTING_NAMES = tuple(RULES)


@dataclass(frozen=True)
class ResourceNames:
    """Physical names of the resources, all derived from project_name and stage."""

    stack: str
    queue: str
    dlq: str
    consumer_function: str
    key_alias: str
    access_log_group: str
    alarm_topic: str
    alarm_key_alias: str
    logs_key_alias: str

    @classmethod
    def of(cls, project_name: str, stage: str, units: Sequence[ModuleType] = ()) -> ResourceNames:
        """The names; a unit's settings module may name some of them its own way."""
        prefix = f"{project_name}-{stage}"
        names = cls(
            stack=f"{prefix}-queue-stack",
            queue=f"{prefix}-queue",
            dlq=f"{prefix}-dlq",
            consumer_function=f"{prefix}-consumer",
            key_alias=f"alias/{prefix}-queue-key",
            access_log_group=f"/aws/apigateway/{prefix}/access",
            alarm_topic=f"{prefix}-alarms",
            alarm_key_alias=f"alias/{prefix}-alarms-key",
            logs_key_alias=f"alias/{prefix}-logs-key",
        )
        own = {f.name for f in fields(cls)}
        for unit in units:
            if hasattr(unit, "resource_names"):
                renamed = unit.resource_names(prefix)
                names = replace(names, **{k: v for k, v in renamed.items() if k in own})
        return names


@dataclass(frozen=True)
class AlarmThresholds:
    """When each alarm fires. Change them here; the README's runbook explains each alarm."""

    oldest_message_age_seconds: int
    dlq_messages: int = 1
    consumer_errors: int = 1
    consumer_throttles: int = 1
    api_5xx: int = 1
    api_4xx_percent: float = 5.0
    api_4xx_min_requests: int = 20
    api_4xx_periods: int = 3
    period_minutes: int = 5


def name_error(
    project_name: str, stage: str, units: Sequence[ModuleType] = (), note: str = ""
) -> SettingError | None:
    """The first name of the service or its units longer than AWS allows; None if all fit."""
    names, limits = dict(vars(ResourceNames.of(project_name, stage, units))), dict(NAME_LIMITS)
    for unit in units:
        if hasattr(unit, "resource_names"):
            names |= unit.resource_names(f"{project_name}-{stage}")
            limits |= unit.NAME_LIMITS
    parts = {"project_name": project_name, "stage": stage}
    return name_length_error(names, limits, parts, note)


def unit_errors(values: Mapping[str, Any], units: Sequence[ModuleType]) -> list[SettingError]:
    """What the units' own rules refuse of the values (answers at render, a stage's values at
    synth): those of one option, and those of the service's settings that an option limits."""
    return [e for unit in units for e in getattr(unit, "answer_errors", lambda _: [])(values)]


def scaling_errors(values: Mapping[str, Any]) -> list[SettingError]:
    """Settings of the other scaling mode than esm_mode's: AWS refuses a maximum concurrency
    with provisioned pollers, and pollers without provisioned mode would do nothing."""
    mode = values.get("esm_mode")
    if mode == "provisioned" and values.get("lambda_concurrency") not in (None, ""):
        return [
            SettingError(
                "lambda_concurrency",
                values["lambda_concurrency"],
                "a maximum concurrency, which AWS refuses with esm_mode=provisioned; set it to"
                " null (maximum_pollers bounds the consumer's concurrency)",
            )
        ]
    if mode == "standard":
        return [
            SettingError(name, values[name], "event pollers are set with esm_mode=provisioned only")
            for name in ("minimum_pollers", "maximum_pollers")
            if values.get(name) not in (None, "")
        ][:1]
    low, high = values.get("minimum_pollers"), values.get("maximum_pollers")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        return [SettingError("minimum_pollers", low, f"must not be above maximum_pollers={high}")]
    return []


def maximum_pollers_for(concurrency: int) -> int:
    """The pollers that give a provisioned event source `concurrency` invocations at once: what
    a render answered with esm_mode=provisioned writes for lambda_concurrency."""
    return max(DEFAULT_MINIMUM_POLLERS, math.ceil(concurrency / POLLER_CONCURRENCY))


@dataclass(frozen=True)
class Settings:
    project_name: str
    stage: str
    api_throttling: int
    queue_retention: int
    batch_size: int
    dlq_retries: int
    esm_mode: str
    lambda_concurrency: int | None
    minimum_pollers: int | None
    maximum_pollers: int | None
    max_message_kib: int
    cors_origins: tuple[str, ...]
    alarm_email: str
    # The settings modules of the project's units: their names, and their rules of the values.
    units: tuple[ModuleType, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def from_values(cls, values: Mapping[str, Any], units: Sequence[ModuleType] = ()) -> Settings:
        """The values, checked with their rules, the units' and the names they make;
        SettingError if not."""
        settings = cls(**parse_all(RULES, values), units=tuple(units))
        errors = [name_error(settings.project_name, settings.stage, units), *scaling_errors(values)]
        for error in errors + unit_errors(values, units):
            if error:
                raise error
        return settings

    @property
    def warnings(self) -> list[str]:
        """Legal values that are likely mistakes, one line each."""
        found = []
        if self.dlq_retries < RECOMMENDED_MIN_DLQ_RETRIES:
            found.append(
                f"dlq_retries={self.dlq_retries}: throttled receives count as receives too;"
                f" below {RECOMMENDED_MIN_DLQ_RETRIES} a busy consumer can send good messages"
                " to the dead-letter queue"
            )
        # Lambda hands a batch over in one synchronous invocation, of at most 6 MB with the
        # event around each message (the figures of `make capacity`).
        per_message = self.max_message_bytes + RECORD_ENVELOPE_BYTES
        if self.batch_size * per_message > LAMBDA_PAYLOAD_BYTES:
            found.append(
                f"batch_size={self.batch_size} x max_message_kib={self.max_message_kib}: a batch"
                f" of the largest messages is {self.batch_size * per_message / 2**20:.1f} MiB with"
                " Lambda's event around them, above its 6 MB invocation payload; Lambda hands"
                f" them over {LAMBDA_PAYLOAD_BYTES // per_message} at a time"
            )
        if "*" in self.cors_origins:
            found.append(
                "cors_origins=*: the scripts of any web site may call the API from a visitor's"
                " browser"
            )
        return found

    def quota_warnings(self, region: str | None) -> list[str]:
        """The throttle above API Gateway's default account quota in the Region the stage
        deploys to (None: not known; then above the lowest any Region has)."""
        quota = api_account_quota(region)
        if not quota.region_known:
            quota = api_account_quota(REDUCED_QUOTA_REGIONS[0])
            where = f"in Regions such as {', '.join(REDUCED_QUOTA_REGIONS[:3])} (10,000 in most)"
        else:
            where = f"in {quota.region}"
        if self.api_throttling <= quota.rate and self.api_burst <= quota.burst:
            return []
        return [
            f"api_throttling={self.api_throttling} (burst {self.api_burst}) is above API"
            f" Gateway's default quota of {quota.rate} requests/s (burst {quota.burst}) per"
            f" account {where}, shared by every API of the account: request an increase in"
            " Service Quotas, or lower it"
        ]

    @property
    def pollers(self) -> tuple[int, int]:
        """(minimum, maximum) provisioned event pollers: those set, or AWS's defaults."""
        return pollers(self.minimum_pollers, self.maximum_pollers)

    @property
    def effective_batch_size(self) -> int:
        """Messages one invocation takes: the batch size, unless Lambda's 6 MB payload holds fewer
        of the largest messages."""
        return effective_batch_size(self.batch_size, self.max_message_bytes)

    @property
    def names(self) -> ResourceNames:
        return ResourceNames.of(self.project_name, self.stage, self.units)

    @property
    def max_message_bytes(self) -> int:
        return self.max_message_kib * 1024

    @property
    def name_prefix(self) -> str:
        """What every resource name of this stage starts with."""
        return f"{self.project_name}-{self.stage}"

    @property
    def api_burst(self) -> int:
        """Requests the API absorbs at once above the steady rate: two seconds' worth."""
        return burst(self.api_throttling)

    @property
    def batching_window_seconds(self) -> int:
        """Batches above 10 need a window; it is the time the throttle needs to fill one."""
        if self.batch_size <= MAX_BATCH_WITHOUT_WINDOW:
            return 0
        fill_time = math.ceil(self.batch_size / self.api_throttling)
        return min(max(fill_time, 1), MAX_BATCHING_WINDOW_SECONDS)

    @property
    def consumer_timeout_seconds(self) -> int:
        budget = math.ceil(self.effective_batch_size * SECONDS_PER_MESSAGE)
        return min(max(MIN_CONSUMER_TIMEOUT_SECONDS, budget), MAX_CONSUMER_TIMEOUT_SECONDS)

    @property
    def visibility_timeout_seconds(self) -> int:
        return 6 * self.consumer_timeout_seconds + self.batching_window_seconds

    @property
    def is_production(self) -> bool:
        """Production stages are hardened (see PRODUCTION_STAGES)."""
        return self.stage in PRODUCTION_STAGES

    @property
    def alarm_thresholds(self) -> AlarmThresholds:
        retention_seconds = self.queue_retention * DAY_SECONDS
        return AlarmThresholds(
            oldest_message_age_seconds=int(retention_seconds * OLDEST_MESSAGE_ALARM_FRACTION),
        )


def setting_names(units: Sequence[ModuleType] = ()) -> tuple[str, ...]:
    """The settings this project reads (those its cdk.json has): the service's, its units'."""
    names = [*SETTING_NAMES, "stages", "observability"]
    for unit in units:
        names += [name for name in getattr(unit, "RULES", {}) if name not in names]
    return tuple(names)


def project_values(context: Mapping[str, Any], units: Sequence[ModuleType] = ()) -> dict[str, Any]:
    """The values of the stage the context names, once nothing is set that this project does not
    read (it would silently do nothing)."""
    used = setting_names(units)
    refuse_unused(context, used)
    stage = RULES["stage"]("stage", context.get("stage"))
    per_stage = [name for name in used if name not in ("project_name", "stage", "stages")]
    return stage_values(context, stage, per_stage)


def settings_of_stage(
    context: Mapping[str, Any], stage: str | None = None, units: Sequence[ModuleType] = ()
) -> Settings:
    """The settings of a stage in the context (None: the context's own "stage")."""
    stage = RULES["stage"]("stage", stage or context.get("stage"))
    return Settings.from_values(stage_values(context, stage) | {"stage": stage}, units)
