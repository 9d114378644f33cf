"""The service's settings: the rule each value must follow, and what is derived from them.

This is the one place those rules live. They check the answers when the project is rendered and
the values in cdk.json at every synth, so a bad value gets the same one-line message in both
places. Standard library only: it must load before any dependency is installed.
"""

from __future__ import annotations

import keyword
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Consumer Lambda timeout: 30 s, or 0.1 s per message of a full batch when that is longer (up to
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
# API Gateway's default account-level burst (HTTP and REST APIs).
MAX_BURST = 5000
# Stages deployed hardened: queues kept when the stack is deleted, termination protection on,
# logs kept a year.
PRODUCTION_STAGES = ("prod", "production")
# The backlog alarm fires when the oldest message has waited this share of the queue's retention:
# early enough to fix the consumer before messages expire.
OLDEST_MESSAGE_ALARM_FRACTION = 0.25
# Every project's cdk.json lists these stages beside the one answered at render: the render checks
# the resource names of each.
STAGES_OF_EVERY_PROJECT = ("prod",)

# AWS name limits of every resource named after project_name and stage.
NAME_LIMITS = {
    "stack": 128,
    "queue": 80,
    "dlq": 80,
    "http_api": 128,
    "rest_api": 128,
    "consumer_function": 64,
    "key_alias": 256,
    "access_log_group": 512,
    "usage_plan": 1024,
    "api_key": 1024,
    "alarm_topic": 256,
    "alarm_key_alias": 256,
    "logs_key_alias": 256,
    "flow_log_group": 512,
    "dashboard": 255,
}


class SettingError(ValueError):
    """A value broke its rule. str() is the one line shown to the user; advice says where a
    generated project fixes it."""

    def __init__(self, name: str, value: Any, rule: str, *, advice: str = "") -> None:
        shown = f"{name} is missing" if value is None else f"{name}={value!r}"
        super().__init__(f"{shown}: {rule}")
        self.name = name
        self.advice = advice or f"set it in cdk.json or with -c {name}=VALUE"


def _text(pattern: str, rule: str, *, optional: bool = False) -> Callable[[str, Any], str]:
    """A text setting matching pattern; an optional one may also be empty (or absent)."""
    compiled = re.compile(pattern)

    def parse(name: str, value: Any) -> str:
        if optional and value in (None, ""):
            return ""
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise SettingError(name, value, rule)
        return value

    parse.rule = rule
    parse.optional = optional
    parse.pattern = compiled
    return parse


def _integer(low: int, high: int, unit: str = "") -> Callable[[str, Any], int]:
    rule = f"must be a whole number from {low} to {high}{unit}"

    def parse(name: str, value: Any) -> int:
        if isinstance(value, bool):
            raise SettingError(name, value, rule)
        # Digits from a command line (-c name=5000000); no longer than the largest value.
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value) if len(value) <= len(str(high)) else value
        if not isinstance(value, int) or not low <= value <= high:
            raise SettingError(name, value, rule)
        return value

    parse.rule = rule
    return parse


BOOLEAN_WORDS = dict.fromkeys(("true", "yes", "y", "1"), True) | dict.fromkeys(
    ("false", "no", "n", "0"), False
)


def parse_boolean(name: str, value: Any) -> bool:
    """A yes/no choice: a JSON boolean, or true/false/yes/no/1/0 as text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[value.strip().lower()]
    raise SettingError(name, value, "must be true or false")


parse_boolean.rule = "must be true or false"


def parse_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise SettingError(name, value, f"must be one of {', '.join(choices)}")
    return value


API_TYPE_CHOICES = ("http", "rest")
AUTH_CHOICES = ("iam", "jwt", "none")

RULES: dict[str, Callable[[str, Any], Any]] = {
    "project_name": _text(
        r"[a-z][a-z0-9]*(-[a-z0-9]+)*",
        "must be lowercase letters, digits and single hyphens, start with a letter"
        " and not end with a hyphen",
    ),
    "stage": _text(
        r"[a-z][a-z0-9]*", "must be lowercase letters and digits, starting with a letter"
    ),
    "api_throttling": _integer(1, 10000, " requests per second"),
    "queue_retention": _integer(1, 14, " days"),
    "batch_size": _integer(1, 10000, " messages"),
    "dlq_retries": _integer(1, 1000, " receives"),
    "lambda_concurrency": _integer(2, 1000, " concurrent invocations"),
    "alarm_email": _text(
        r"[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}",
        "must be one e-mail address, or empty for no alarm e-mails",
        optional=True,
    ),
}

SETTING_NAMES = tuple(RULES)

# Settings of a project whose API checks JWTs (api_auth=jwt).
JWT_RULES: dict[str, Callable[[str, Any], Any]] = {
    "jwt_issuer": _text(
        r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?",
        "must be the token issuer's https:// URL",
    ),
    "jwt_audience": _text(
        r"[A-Za-z0-9._:/@+-]+(,[A-Za-z0-9._:/@+-]+)*",
        "must be one or more audiences separated by commas, without spaces",
    ),
}


def _parse_each(
    rules: Mapping[str, Callable[[str, Any], Any]], values: Mapping[str, Any]
) -> tuple[dict, list[SettingError]]:
    """The values that follow their rules, parsed, and an error for each of the others."""
    parsed, errors = {}, []
    for name, parse in rules.items():
        value = values.get(name)
        try:
            if value in (None, "") and not getattr(parse, "optional", False):
                raise SettingError(name, None, parse.rule)
            parsed[name] = parse(name, value)
        except SettingError as error:
            errors.append(error)
    return parsed, errors


def _parse_all(rules: Mapping[str, Callable[[str, Any], Any]], values: Mapping[str, Any]) -> dict:
    """The values, parsed; SettingError for the first that breaks its rule."""
    parsed, errors = _parse_each(rules, values)
    if errors:
        raise errors[0]
    return parsed


@dataclass(frozen=True)
class ResourceNames:
    """Physical names of the resources, all derived from project_name and stage."""

    stack: str
    queue: str
    dlq: str
    http_api: str
    rest_api: str
    consumer_function: str
    key_alias: str
    access_log_group: str
    usage_plan: str
    api_key: str
    alarm_topic: str
    alarm_key_alias: str
    logs_key_alias: str
    flow_log_group: str
    dashboard: str

    @classmethod
    def of(cls, project_name: str, stage: str) -> ResourceNames:
        prefix = f"{project_name}-{stage}"
        return cls(
            stack=f"{prefix}-queue-stack",
            queue=f"{prefix}-queue",
            dlq=f"{prefix}-dlq",
            http_api=f"{prefix}-http-api",
            rest_api=f"{prefix}-rest-api",
            consumer_function=f"{prefix}-consumer",
            key_alias=f"alias/{prefix}-queue-key",
            access_log_group=f"/aws/apigateway/{prefix}/access",
            usage_plan=f"{prefix}-usage-plan",
            api_key=f"{prefix}-first-client",
            alarm_topic=f"{prefix}-alarms",
            alarm_key_alias=f"alias/{prefix}-alarms-key",
            logs_key_alias=f"alias/{prefix}-logs-key",
            flow_log_group=f"/aws/vpc/{prefix}/flow-logs",
            dashboard=f"{prefix}-queue-stack",
        )


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


def _name_length_error(project_name: str, stage: str, note: str = "") -> SettingError | None:
    """The first resource name that project_name and stage make longer than AWS allows, as an
    error blaming the longer of the two (the one to shorten); None when every name fits."""
    for kind, name in vars(ResourceNames.of(project_name, stage)).items():
        limit = NAME_LIMITS[kind]
        if len(name) > limit:
            parts = {"project_name": project_name, "stage": stage}
            blamed = max(parts, key=lambda part: len(parts[part]))
            (other,) = set(parts) - {blamed}
            return SettingError(
                blamed,
                parts[blamed],
                f"with {other} {parts[other]!r} it makes the {kind.replace('_', ' ')} name"
                f" {name!r} {len(name)} characters long; AWS allows {limit}{note}",
            )
    return None


@dataclass(frozen=True)
class Settings:
    project_name: str
    stage: str
    api_throttling: int
    queue_retention: int
    batch_size: int
    dlq_retries: int
    lambda_concurrency: int
    alarm_email: str

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Settings:
        """Check every value against its rule; raise SettingError on the first that breaks it."""
        settings = cls(**_parse_all(RULES, values))
        settings._check_name_lengths()
        return settings

    def _check_name_lengths(self) -> None:
        error = _name_length_error(self.project_name, self.stage)
        if error:
            raise error

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
        return found

    @property
    def names(self) -> ResourceNames:
        return ResourceNames.of(self.project_name, self.stage)

    @property
    def api_burst(self) -> int:
        """Requests the API absorbs at once above the steady rate: two seconds' worth."""
        return min(2 * self.api_throttling, MAX_BURST)

    @property
    def batching_window_seconds(self) -> int:
        """Batches above 10 need a window; it is the time the throttle needs to fill one."""
        if self.batch_size <= MAX_BATCH_WITHOUT_WINDOW:
            return 0
        fill_time = math.ceil(self.batch_size / self.api_throttling)
        return min(max(fill_time, 1), MAX_BATCHING_WINDOW_SECONDS)

    @property
    def consumer_timeout_seconds(self) -> int:
        budget = math.ceil(self.batch_size * SECONDS_PER_MESSAGE)
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
        retention_seconds = self.queue_retention * 24 * 60 * 60
        return AlarmThresholds(
            oldest_message_age_seconds=int(retention_seconds * OLDEST_MESSAGE_ALARM_FRACTION),
        )


# A REST API checks tokens with a Cognito user pool authorizer: the issuer names the pool.
COGNITO_ISSUER = _text(
    r"https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([a-z0-9-]+_[A-Za-z0-9]+)",
    "must be a Cognito user pool's issuer, https://cognito-idp.REGION.amazonaws.com/POOL_ID,"
    " with api_type=rest (REST APIs check tokens with a Cognito user pool authorizer)",
)


@dataclass(frozen=True)
class JwtSettings:
    issuer: str
    audiences: tuple[str, ...]

    @classmethod
    def from_values(cls, values: Mapping[str, Any], *, cognito: bool = False) -> JwtSettings:
        """cognito: the issuer must be a Cognito user pool (the only JWT issuer a REST API's
        authorizer can check without code of its own)."""
        if cognito:  # it checks the pool, not the audience
            issuer = values.get("jwt_issuer") or None  # empty is missing
            return cls(issuer=COGNITO_ISSUER("jwt_issuer", issuer), audiences=())
        parsed = _parse_all(JWT_RULES, values)
        return cls(issuer=parsed["jwt_issuer"], audiences=tuple(parsed["jwt_audience"].split(",")))

    @property
    def cognito_user_pool(self) -> tuple[str, str]:
        """(region, pool id) of a Cognito issuer."""
        region, pool_id = COGNITO_ISSUER.pattern.fullmatch(self.issuer).groups()
        return region, pool_id


# Settings of a REST API (api_type=rest), in cdk.json.
WEB_ACL_ARN = r"arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/[A-Za-z0-9_-]+/[a-f0-9-]+"
REST_RULES: dict[str, Callable[[str, Any], Any]] = {
    "api_keys": parse_boolean,
    "api_key_rate_limit": _integer(1, 10000, " requests per second per API key"),
    "api_key_daily_quota": _integer(1, 1_000_000_000, " requests per API key per day"),
    "web_acl_arn": _text(
        WEB_ACL_ARN, "must be a regional WAF web ACL's ARN, or empty for none", optional=True
    ),
    "manage_api_gateway_logging_role": parse_boolean,
}


@dataclass(frozen=True)
class RestApiSettings:
    """What only a REST API has: API keys with a usage plan, a WAF web ACL, execution logs."""

    api_keys: bool
    api_key_rate_limit: int
    api_key_daily_quota: int
    web_acl_arn: str
    # API Gateway writes a REST API's logs as one role per account and region. False when the
    # account already has it (set by a platform team): the stack then leaves it alone.
    manage_api_gateway_logging_role: bool

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> RestApiSettings:
        return cls(**_parse_all(REST_RULES, values))

    @property
    def api_key_burst_limit(self) -> int:
        """Requests one API key may send at once: two seconds' worth, as the stage."""
        return min(2 * self.api_key_rate_limit, MAX_BURST)

    def warnings(self, settings: Settings) -> list[str]:
        found = []
        if self.api_keys and self.api_key_rate_limit > settings.api_throttling:
            found.append(
                f"api_key_rate_limit={self.api_key_rate_limit} is above api_throttling="
                f"{settings.api_throttling}: the stage's throttle is reached first"
            )
        return found


# What a stage's entry in cdk.json's "stages" may set: every setting but the two that name it.
STAGE_SETTING_NAMES = tuple(
    name
    for name in (*SETTING_NAMES, *JWT_RULES, *REST_RULES, "observability")
    if name not in ("project_name", "stage")
)


STAGES_ADVICE = 'fix "stages" in cdk.json'


def stage_values(
    context: Mapping[str, Any], allowed: Sequence[str] = STAGE_SETTING_NAMES
) -> dict[str, Any]:
    """The settings of the stage the context names: the shared values overlaid with that stage's
    entry in "stages". A stage must be listed there to be deployed, so that a mistyped
    `-c stage=...` cannot create a new stack. allowed: what an entry may set (a project's own
    settings); every entry is checked, so a mistake in another stage's shows at once."""
    stage = RULES["stage"]("stage", context.get("stage"))
    stages = context.get("stages")
    if not isinstance(stages, dict) or not stages:
        raise SettingError(
            "stages",
            stages,
            "must be an object of stage names, each with its own settings",
            advice=STAGES_ADVICE,
        )
    if stage not in stages:
        raise SettingError(
            "stage",
            stage,
            f"is not one of the stages in cdk.json ({', '.join(stages)}); add it under"
            ' "stages" to deploy it',
        )
    for name, entry in {stage: stages[stage], **stages}.items():  # the deployed stage's first
        if not isinstance(entry, dict) or set(entry) - set(allowed):
            raise SettingError(
                f"stages.{name}",
                entry,
                f"must be an object of settings, among {', '.join(allowed)}",
                advice=STAGES_ADVICE,
            )
    return {**context, **stages[stage]}


def settings_of_stage(context: Mapping[str, Any], stage: str | None = None) -> Settings:
    """The settings of a stage in the context (None: the context's own "stage")."""
    return Settings.from_values(stage_values({**context, "stage": stage or context.get("stage")}))


# Every setting some project reads; each reads those of its API type and authorization.
ALL_SETTING_NAMES = (*SETTING_NAMES, "stages", *JWT_RULES, *REST_RULES, "observability")


def setting_names(api_type: str, api_auth: str) -> tuple[str, ...]:
    """The settings a project of this API type and authorization reads: those its cdk.json has."""
    names = [*SETTING_NAMES, "stages", "observability"]
    if api_auth == "jwt":
        # A REST API's Cognito authorizer checks the user pool, not an audience.
        names += [*JWT_RULES] if api_type == "http" else ["jwt_issuer"]
    if api_type == "rest":
        names += [*REST_RULES]
    return tuple(names)


def _is_cdk_key(key: str) -> bool:
    """A context key of the CDK's own, named unlike any setting: feature flags (@aws-cdk/...),
    the CLI's switches (aws:cdk:...), lookups cached in cdk.context.json (name:account=...) and
    hyphenated ones (acknowledged-issue-numbers). A setting spelled with hyphens (batch-size) is
    a mistake to point out, not a key of the CDK's."""
    if any(mark in key for mark in ":@/"):
        return True
    return "-" in key and key.replace("-", "_") not in ALL_SETTING_NAMES


def _unused_setting(name: str, value: Any, api_type: str, api_auth: str) -> SettingError:
    listed = f"this project's settings are {', '.join(setting_names(api_type, api_auth))}"
    rule = (
        f"a project with api_type={api_type} and api_auth={api_auth} does not use it; {listed}"
        if name in ALL_SETTING_NAMES
        else f"is not a setting; {listed}"
    )
    return SettingError(name, value, rule, advice="remove it from cdk.json and the -c options")


def project_values(context: Mapping[str, Any], *, api_type: str, api_auth: str) -> dict[str, Any]:
    """The values of the stage the context names (see stage_values), once nothing is set that a
    project of this API type and authorization does not read: it would silently do nothing."""
    used = setting_names(api_type, api_auth)
    for name, value in context.items():
        if name not in used and not _is_cdk_key(name):
            raise _unused_setting(name, value, api_type, api_auth)
    per_stage = [name for name in used if name not in ("project_name", "stage", "stages")]
    return stage_values(context, per_stage)


# The "observability" object of cdk.json: your own tools, wired without editing the constructs.
LAYER_ARN = r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+"
# Lambda's rule for a variable's name: two or more characters.
ENVIRONMENT_NAME = r"[A-Za-z][A-Za-z0-9_]+"
# Set by Lambda itself, so no function's configuration may set them (AWS's "Defined runtime
# environment variables"). Those a layer is configured with, such as AWS_LAMBDA_EXEC_WRAPPER or
# AWS_XRAY_CONTEXT_MISSING, are not reserved.
RESERVED_ENVIRONMENT_NAMES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
# Lambda holds 4 KB of variables per function (names and values); this much is kept for the
# consumer's own (Powertools settings, under 200 bytes).
MAX_EXTRA_ENVIRONMENT_BYTES = 4096 - 512
# Lambda runs at most 5 layers per function, and the consumer already has the Powertools layer.
MAX_EXTRA_LAYERS = 5 - 1
LOG_DESTINATION_ARN = r"arn:aws[a-z-]*:(lambda|kinesis|firehose|logs):[a-z0-9-]+:[0-9]{12}:\S+"
ROLE_ARN = r"arn:aws[a-z-]*:iam::[0-9]{12}:role/\S+"
OBSERVABILITY_KEYS = ("layers", "environment", "log_destination_arn", "log_destination_role_arn")


@dataclass(frozen=True)
class ObservabilityHooks:
    """Extra Lambda layers and environment variables for the consumer (an OpenTelemetry layer, a
    vendor extension), and a destination every log group of the stack is subscribed to."""

    layers: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    log_destination_arn: str = ""
    log_destination_role_arn: str = ""

    @classmethod
    def from_values(cls, value: Any) -> ObservabilityHooks:
        if value in (None, ""):
            return cls()
        if not isinstance(value, dict) or set(value) - set(OBSERVABILITY_KEYS):
            raise SettingError(
                "observability", value, f"must be an object with {', '.join(OBSERVABILITY_KEYS)}"
            )
        return cls(
            layers=_extra_layers(value.get("layers", [])),
            environment=_extra_environment(value.get("environment", {})),
            log_destination_arn=_text(
                LOG_DESTINATION_ARN,
                "must be the ARN of a Lambda function, Kinesis stream, Firehose stream or"
                " log destination",
                optional=True,
            )("observability.log_destination_arn", value.get("log_destination_arn")),
            log_destination_role_arn=_text(
                ROLE_ARN, "must be an IAM role ARN, or empty", optional=True
            )("observability.log_destination_role_arn", value.get("log_destination_role_arn")),
        )


def _extra_layers(value: Any) -> tuple[str, ...]:
    """observability.layers: layer version ARNs the consumer runs besides Powertools."""
    if not isinstance(value, list):
        raise SettingError("observability.layers", value, "must be a list of layer ARNs")
    rule = _text(LAYER_ARN, "must be a Lambda layer version ARN")
    arns = tuple(rule("observability.layers", arn) for arn in value)
    if len(arns) > MAX_EXTRA_LAYERS:
        raise SettingError(
            "observability.layers",
            value,
            f"must list at most {MAX_EXTRA_LAYERS} layers: Lambda runs 5 per function and the"
            " consumer already has the Powertools layer",
        )
    seen = set()
    for arn in arns:
        layer = arn.rpartition(":")[0]  # without the version
        if layer in seen:
            raise SettingError(
                "observability.layers",
                value,
                f"lists {layer} twice; a function runs one version of each layer",
            )
        seen.add(layer)
    return arns


def _extra_environment(value: Any) -> tuple[tuple[str, str], ...]:
    """observability.environment: variables set on the consumer besides its own."""
    if not isinstance(value, dict):
        raise SettingError("observability.environment", value, "must be an object")
    name_rule = _text(
        ENVIRONMENT_NAME, "must be two or more letters, digits and _, starting with a letter"
    )
    for name, setting in value.items():
        if name in RESERVED_ENVIRONMENT_NAMES:
            raise SettingError(
                "observability.environment", name, "is reserved: Lambda sets it itself"
            )
        name_rule("observability.environment", name)
        if not isinstance(setting, str):
            raise SettingError(f"observability.environment.{name}", setting, "must be text")
    size = sum(len(name.encode()) + len(setting.encode()) for name, setting in value.items())
    if size > MAX_EXTRA_ENVIRONMENT_BYTES:
        raise SettingError(
            "observability.environment",
            value,
            f"its names and values add up to {size} bytes; at most {MAX_EXTRA_ENVIRONMENT_BYTES}"
            " fit beside the consumer's own in Lambda's 4 KB",
        )
    return tuple(value.items())


# The answers of a render. The project's package is named after project_name; it is imported
# from the project's folder, ahead of everything installed, so it must not take the name of a
# module something imports. Modules of every distribution the project's requirement files pin,
# with what they pull in (the template's tests keep this list in step with the pins):
DEPENDENCY_MODULES = frozenset(
    """
    annotated_types antlr4 attr attrs aws_cdk aws_lambda_powertools aws_xray_sdk blinker boto3
    botocore cattr cattrs cdk_nag certifi cffi cfnlint charset_normalizer click constructs
    cryptography dateutil docker dotenv flask flask_cors graphql idna iniconfig isympy
    itsdangerous jinja2 jmespath joserfc jsii jsonpatch jsonpatch_cli jsonpath_ng jsonpointer
    jsonschema jsonschema_path jsonschema_specifications lazy_object_proxy markupsafe moto mpmath
    networkx openapi_schema_validator openapi_spec_validator packaging pathable pluggy
    publication py py_partiql_parser pycparser pydantic pydantic_core pydantic_settings pygments
    pyparsing pytest referencing regex requests responses rfc3339_validator rpds ruff s3transfer
    six sympy typeguard typing_extensions typing_inspection urllib3 werkzeug wrapt xmltodict yaml
    """.split()  # noqa: SIM905 (a list literal would take a line per name)
)
# The project's own top-level modules and folders, and the consumer's, which its tests import as
# top-level modules.
PROJECT_MODULES = {
    "app": "the project's app.py",
    "tests": "the project's tests folder",
    "node_modules": "the folder npm installs the CDK CLI into",
    "handler": "the consumer's handler module",
    "business_logic": "the consumer's business_logic module",
}
BOOLEAN_ANSWERS = ("enable_kms", "enable_vpc", "enable_tracing", "api_keys")


def _package_clash(package: str) -> str:
    """What a package of this name would clash with; empty if nothing."""
    if keyword.iskeyword(package):
        return "a Python keyword, which no import statement can name"
    if package in sys.stdlib_module_names:
        return "a standard-library module, which the package would hide"
    if package in DEPENDENCY_MODULES:
        return "a module the project depends on, which the package would hide"
    return PROJECT_MODULES.get(package, "")


def package_name_error(project_name: str) -> SettingError | None:
    package = project_name.replace("-", "_")
    clash = _package_clash(package)
    if not clash:
        return None
    return SettingError(
        "project_name",
        project_name,
        f"it names the project's package {package!r}, the name of {clash}; choose another name",
    )


def _name_errors(project_name: str, stage: str) -> list[SettingError]:
    """The names too long in any stage the project deploys: the one answered, and those every
    project has (at most one error per answer)."""
    errors = {}
    for each in dict.fromkeys((stage, *STAGES_OF_EVERY_PROJECT)):
        note = "" if each == stage else f" (every project has stage {each!r} in cdk.json)"
        error = _name_length_error(project_name, each, note)
        if error and error.name not in errors:
            errors[error.name] = error
    return list(errors.values())


def _choice_errors(answers: Mapping[str, Any]) -> tuple[dict, list[SettingError]]:
    parsed, errors = {}, []
    for name, choices in (("api_type", API_TYPE_CHOICES), ("api_auth", AUTH_CHOICES)):
        try:
            parsed[name] = parse_choice(name, answers.get(name), choices)
        except SettingError as error:
            errors.append(error)
    for name in BOOLEAN_ANSWERS:
        try:
            parsed[name] = parse_boolean(name, answers.get(name))
        except SettingError as error:
            errors.append(error)
    return parsed, errors


def _api_errors(answers: Mapping[str, Any], choices: Mapping[str, Any]) -> list[SettingError]:
    """What the API's type, authorization and keys need of the other answers."""
    api_type, auth = choices.get("api_type"), choices.get("api_auth")
    errors = []
    if auth == "jwt" and api_type == "http":
        errors += _parse_each(JWT_RULES, answers)[1]
    elif auth == "jwt" and api_type == "rest":
        try:
            JwtSettings.from_values(answers, cognito=True)
        except SettingError as error:
            errors.append(error)
    if choices.get("api_keys") and api_type == "http":
        errors.append(
            SettingError(
                "api_keys", answers["api_keys"], "API keys need api_type=rest (HTTP APIs have none)"
            )
        )
    return errors


def answer_errors(answers: Mapping[str, Any]) -> list[SettingError]:
    """Every answer of a render that breaks a rule, in the order the answers are given."""
    parsed, errors = _parse_each(RULES, answers)
    if "project_name" in parsed:
        clash = package_name_error(parsed["project_name"])
        errors += [clash] if clash else []
        if "stage" in parsed:
            errors += _name_errors(parsed["project_name"], parsed["stage"])
    choices, choice_errors = _choice_errors(answers)
    errors += choice_errors + _api_errors(answers, choices)
    position = {name: index for index, name in enumerate(answers)}
    return sorted(errors, key=lambda error: position.get(error.name, len(position)))


def answer_warnings(answers: Mapping[str, Any]) -> list[str]:
    """Legal answers that are likely mistakes, one line each (answers that answer_errors passed)."""
    api_type, auth = answers["api_type"], answers["api_auth"]
    warnings = Settings.from_values(answers).warnings
    if auth != "jwt" and (answers.get("jwt_issuer") or answers.get("jwt_audience")):
        warnings.append(f"jwt_issuer and jwt_audience are ignored with api_auth={auth}")
    elif api_type == "rest" and answers.get("jwt_audience"):
        warnings.append(
            "jwt_audience is ignored with api_type=rest: its Cognito authorizer accepts the ID"
            " tokens of every app client of the user pool"
        )
    if auth == "none":
        warnings.append(
            "api_auth=none: the API will be public; anyone with its URL can post messages"
        )
    return warnings
