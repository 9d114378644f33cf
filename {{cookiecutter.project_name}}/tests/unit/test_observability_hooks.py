"""cdk.json's "observability" object reaches the consumer and every log group, and is checked."""

import pytest
from api_sqs_devkit.settings import MAX_EXTRA_ENVIRONMENT_BYTES, ObservabilityHooks, SettingError

from {{ cookiecutter.__package_name }}.application import build

from .cfn import app_of, only

LAYER = "arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-python-arm64-ver-1-32-0:2"
DESTINATION = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/central-logs"
ROLE = "arn:aws:iam::123456789012:role/logs-to-firehose"


def layer(name: str, version: int = 1) -> str:
    return f"arn:aws:lambda:eu-west-1:123456789012:layer:{name}:{version}"


@pytest.fixture(scope="module")
def hooked(synthesize):
    return synthesize(
        observability={
            "layers": [LAYER],
            "environment": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"},
            "log_destination_arn": DESTINATION,
            "log_destination_role_arn": ROLE,
        }
    )


def test_layers_and_environment_reach_the_consumer(hooked, settings):
    _, function = only(
        hooked, "AWS::Lambda::Function", {"FunctionName": settings.names.consumer_function}
    )
    assert LAYER in function["Properties"]["Layers"]
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/otel-instrument"
    assert variables["POWERTOOLS_SERVICE_NAME"] == settings.project_name


def test_every_log_group_is_subscribed(hooked):
    groups = hooked.find_resources("AWS::Logs::LogGroup")
    filters = hooked.find_resources("AWS::Logs::SubscriptionFilter").values()
    subscribed = {f["Properties"]["LogGroupName"]["Ref"] for f in filters}
    assert subscribed == set(groups)
    for subscription in filters:
        assert subscription["Properties"]["DestinationArn"] == DESTINATION
        assert subscription["Properties"]["RoleArn"] == ROLE


def test_no_subscription_without_a_destination(template):
    assert template.find_resources("AWS::Logs::SubscriptionFilter") == {}


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ({"layers": ["not-an-arn"]}, "observability.layers"),
        ({"layers": LAYER}, "observability.layers"),
        ({"environment": {"1BAD": "x"}}, "observability.environment"),
        ({"environment": {"GOOD": 1}}, "observability.environment.GOOD"),
        ({"log_destination_arn": "arn:aws:s3:::bucket"}, "observability.log_destination_arn"),
        ({"unknown": True}, "observability"),
        ({"environment": {"X": "x"}}, "observability.environment"),
        ({"environment": {"AWS_REGION": "eu-west-1"}}, "observability.environment"),
        ({"environment": {"BIG": "x" * MAX_EXTRA_ENVIRONMENT_BYTES}}, "observability.environment"),
        ({"layers": [layer(name) for name in "abcde"]}, "observability.layers"),
        ({"layers": [LAYER, LAYER]}, "observability.layers"),
        ({"layers": [layer("a", 1), layer("a", 2)]}, "observability.layers"),
    ],
)
def test_bad_hooks_are_refused_with_the_setting_named(value, name):
    with pytest.raises(SettingError) as refused:
        ObservabilityHooks.from_values(value)
    assert refused.value.name == name


# Lambda's "Defined runtime environment variables": it sets them, a configuration may not.
RESERVED = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
]


@pytest.mark.parametrize("name", RESERVED)
def test_a_variable_lambda_sets_itself_is_refused(name):
    with pytest.raises(SettingError) as refused:
        ObservabilityHooks.from_values({"environment": {name: "x"}})
    assert str(refused.value) == (
        f"observability.environment={name!r}: is reserved: Lambda sets it itself"
    )


def test_what_lambda_allows_is_accepted():
    environment = {
        "AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }
    used = sum(len(name) + len(value) for name, value in environment.items())
    environment["PADDING"] = "x" * (MAX_EXTRA_ENVIRONMENT_BYTES - used - len("PADDING"))
    hooks = ObservabilityHooks.from_values(
        {"layers": [layer(name) for name in "abcd"], "environment": environment}
    )
    assert (len(hooks.layers), len(hooks.environment)) == (4, 3)


@pytest.mark.parametrize(
    "value",
    [
        {"environment": {"AWS_REGION": "eu-west-1"}},
        {"layers": [layer(name) for name in "abcde"]},
    ],
    ids=["reserved-variable", "five-layers"],
)
def test_a_bad_hook_stops_the_app_with_one_line_not_a_traceback(context, value):
    with pytest.raises(SettingError) as refused:
        build(app_of({**context, "observability": value}))
    assert refused.value.name.startswith("observability")
    assert "\n" not in str(refused.value)
