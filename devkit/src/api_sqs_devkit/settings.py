"""Generic settings machinery of a service: rules that parse one value each, checking many values
at once, stages in cdk.json, settings a project does not use, observability hooks, and names.

Standard library only: the template's hooks load it before anything is installed. A service's
own settings module says which rules its values follow; this module says how rules work.
"""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Rule = Callable[[str, Any], Any]


class SettingError(ValueError):
    """A value broke its rule. str() is the one line shown to the user; advice says where a
    generated project fixes it."""

    def __init__(self, name: str, value: Any, rule: str, *, advice: str = "") -> None:
        shown = f"{name} is missing" if value is None else f"{name}={value!r}"
        super().__init__(f"{shown}: {rule}")
        self.name = name
        self.advice = advice or f"set it in cdk.json or with -c {name}=VALUE"


def text(pattern: str, rule: str, *, optional: bool = False) -> Rule:
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


def text_list(pattern: str, rule: str) -> Rule:
    """A list of texts each matching pattern: a JSON list, or comma-separated text (-c name=a,b,
    an answer at render); empty for none. Parsed to a tuple without repeats."""
    compiled = re.compile(pattern)
    rule = f"{rule}; a list, or text separated by commas, or empty for none"

    def parse(name: str, value: Any) -> tuple[str, ...]:
        if value in (None, "", []):
            return ()
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise SettingError(name, value, rule)
        for item in items:
            if not isinstance(item, str) or not compiled.fullmatch(item.strip()):
                raise SettingError(name, value, rule)
        return tuple(dict.fromkeys(item.strip() for item in items))

    parse.rule = rule
    parse.optional = True
    return parse


def integer(low: int, high: int, unit: str = "", *, optional: bool = False) -> Rule:
    """A whole number from low to high; digits given as text (-c name=5) are read as one. An
    optional one may also be null (or absent): None, not set."""
    rule = f"must be a whole number from {low} to {high}{unit}" + (", or null" if optional else "")

    def parse(name: str, value: Any) -> int | None:
        if optional and value in (None, ""):
            return None
        if isinstance(value, bool):
            raise SettingError(name, value, rule)
        # Digits from a command line (-c name=5000000); no longer than the largest value.
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value) if len(value) <= len(str(high)) else value
        if not isinstance(value, int) or not low <= value <= high:
            raise SettingError(name, value, rule)
        return value

    parse.rule = rule
    parse.optional = optional
    return parse


BOOLEAN_WORDS = dict.fromkeys(("true", "yes", "y", "1"), True) | dict.fromkeys(
    ("false", "no", "n", "0"), False
)


def boolean(name: str, value: Any) -> bool:
    """A yes/no setting: a JSON boolean, or true/false/yes/no/1/0 as text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[value.strip().lower()]
    raise SettingError(name, value, "must be true or false")


boolean.rule = "must be true or false"


def choice(*choices: str) -> Rule:
    """One of a few words."""
    rule = f"must be one of {', '.join(choices)}"

    def parse(name: str, value: Any) -> str:
        if value not in choices:
            raise SettingError(name, value, rule)
        return value

    parse.rule = rule
    return parse


def parse_each(rules: Mapping[str, Rule], values: Mapping[str, Any]) -> tuple[dict, list]:
    """The values that follow their rules, parsed, and a SettingError for each of the others
    (an empty value is missing unless its rule is optional)."""
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


def parse_all(rules: Mapping[str, Rule], values: Mapping[str, Any]) -> dict:
    """The values, parsed; SettingError for the first that breaks its rule."""
    parsed, errors = parse_each(rules, values)
    if errors:
        raise errors[0]
    return parsed


def errors_of(check: Callable[[], Any]) -> list[SettingError]:
    """The SettingError check() raises, as a list (empty when it passes)."""
    try:
        check()
    except SettingError as error:
        return [error]
    return []


# API Gateway's default account-level burst (HTTP and REST APIs).
MAX_BURST = 5000


def burst(rate: int) -> int:
    """Requests an API (or one API key) absorbs at once above its steady rate: two seconds'
    worth, within API Gateway's account-level burst."""
    return min(2 * rate, MAX_BURST)


# Stages: cdk.json holds the shared values, and under "stages" what each stage sets differently.
STAGES_ADVICE = 'fix "stages" in cdk.json'


def stage_values(
    context: Mapping[str, Any], stage: str, allowed: Sequence[str] | None = None
) -> dict[str, Any]:
    """The settings of the given stage: the shared values overlaid with that stage's entry in
    "stages". A stage must be listed there to be deployed, so that a mistyped `-c stage=...`
    cannot create a new stack. allowed: what an entry may set (the project's own settings;
    None: anything); every entry is checked, so a mistake in another stage's shows at once."""
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
        if not isinstance(entry, dict) or (allowed is not None and set(entry) - set(allowed)):
            raise SettingError(
                f"stages.{name}",
                entry,
                "must be an object of settings"
                + (f", among {', '.join(allowed)}" if allowed is not None else ""),
                advice=STAGES_ADVICE,
            )
    return {**context, **stages[stage]}


def is_cdk_key(key: str, setting_names: Iterable[str]) -> bool:
    """A context key of the CDK's own, named unlike any setting: feature flags (@aws-cdk/...),
    the CLI's switches (aws:cdk:...), lookups cached in cdk.context.json (name:account=...) and
    hyphenated ones (acknowledged-issue-numbers). A setting spelled with hyphens (batch-size) is
    a mistake to point out, not a key of the CDK's."""
    if any(mark in key for mark in ":@/"):
        return True
    return "-" in key and key.replace("-", "_") not in set(setting_names)


def refuse_unused(context: Mapping[str, Any], used: Sequence[str]) -> None:
    """SettingError for the first setting in the context that the project does not read: it
    would silently do nothing (a setting of another kind of project, or a misspelt one)."""
    for name, value in context.items():
        if name not in used and not is_cdk_key(name, used):
            raise SettingError(
                name,
                value,
                f"is not a setting of this project; its settings are {', '.join(used)}",
                advice="remove it from cdk.json and the -c options",
            )


# Names: every resource named after project_name and stage must fit its AWS limit.


def name_length_error(
    names: Mapping[str, str], limits: Mapping[str, int], parts: Mapping[str, str], note: str = ""
) -> SettingError | None:
    """The first name longer than its limit, as an error blaming the longest of the parts the
    names are made of (the one to shorten); None when every name fits."""
    for kind, name in names.items():
        limit = limits[kind]
        if len(name) > limit:
            blamed = max(parts, key=lambda part: len(parts[part]))
            others = ", ".join(f"{other} {parts[other]!r}" for other in parts if other != blamed)
            return SettingError(
                blamed,
                parts[blamed],
                f"with {others} it makes the {kind.replace('_', ' ')} name"
                f" {name!r} {len(name)} characters long; AWS allows {limit}{note}",
            )
    return None


def package_clash(
    package: str, dependency_modules: Iterable[str], project_modules: Mapping[str, str]
) -> str:
    """What a package of this name would clash with (it is imported ahead of everything
    installed); empty if nothing. project_modules: the project's own top-level names, each with
    what it is."""
    if keyword.iskeyword(package):
        return "a Python keyword, which no import statement can name"
    if package in sys.stdlib_module_names:
        return "a standard-library module, which the package would hide"
    if package in set(dependency_modules):
        return "a module the project depends on, which the package would hide"
    return project_modules.get(package, "")


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
# function's own (Powertools settings, under 200 bytes).
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
            log_destination_arn=text(
                LOG_DESTINATION_ARN,
                "must be the ARN of a Lambda function, Kinesis stream, Firehose stream or"
                " log destination",
                optional=True,
            )("observability.log_destination_arn", value.get("log_destination_arn")),
            log_destination_role_arn=text(
                ROLE_ARN, "must be an IAM role ARN, or empty", optional=True
            )("observability.log_destination_role_arn", value.get("log_destination_role_arn")),
        )


def _extra_layers(value: Any) -> tuple[str, ...]:
    """observability.layers: layer version ARNs the consumer runs besides Powertools."""
    if not isinstance(value, list):
        raise SettingError("observability.layers", value, "must be a list of layer ARNs")
    rule = text(LAYER_ARN, "must be a Lambda layer version ARN")
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
    name_rule = text(
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
