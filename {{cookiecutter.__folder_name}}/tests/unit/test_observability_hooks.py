"""cdk.json's "observability" object reaches the consumer and every log group, and is checked."""

import pytest

from {{ cookiecutter.__package_name }}.settings import ObservabilityHooks, SettingError

from .cfn import only

LAYER = "arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-python-arm64-ver-1-32-0:2"
DESTINATION = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/central-logs"
ROLE = "arn:aws:iam::123456789012:role/logs-to-firehose"


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
    ],
)
def test_bad_hooks_are_refused_with_the_setting_named(value, name):
    with pytest.raises(SettingError) as refused:
        ObservabilityHooks.from_values(value)
    assert refused.value.name == name
