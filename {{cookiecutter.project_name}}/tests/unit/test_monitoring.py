"""Alarms, their topic, the dashboard, tracing and log retention in the synthesized template."""

import json

from aws_cdk import aws_logs as logs

{% if cookiecutter.api_type == "rest" -%}
from {{ cookiecutter.__package_name }}.api.settings import resource_names
{% endif -%}
from {{ cookiecutter.__package_name }}.logs.infrastructure import log_retention
from {{ cookiecutter.__package_name }}.settings import Settings

from .cfn import only

ALARMS = (
    "dlq-not-empty",
    "backlog-aging",
    "consumer-errors",
    "consumer-throttled",
    "api-5xx",
    "api-4xx-rate",
)


def alarms_by_name(template, settings):
    prefix = f"{settings.project_name}-{settings.stage}-"
    return {
        alarm["Properties"]["AlarmName"].removeprefix(prefix): alarm["Properties"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
    }


def test_every_alarm_notifies_the_topic(template, settings):
    topic_id, _ = only(template, "AWS::SNS::Topic", {"TopicName": settings.names.alarm_topic})
    alarms = alarms_by_name(template, settings)
    assert sorted(alarms) == sorted(ALARMS)
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["OKActions"] == [{"Ref": topic_id}]
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_dlq_alarm_fires_on_the_first_message(template, settings):
    dlq_id, _ = only(template, "AWS::SQS::Queue", {"QueueName": settings.names.dlq})
    alarm = alarms_by_name(template, settings)["dlq-not-empty"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}
    ]
    assert alarm["Threshold"] == 1


def test_backlog_alarm_fires_well_before_messages_expire(template, settings):
    queue_id, _ = only(template, "AWS::SQS::Queue", {"QueueName": settings.names.queue})
    alarm = alarms_by_name(template, settings)["backlog-aging"]
    retention_seconds = settings.queue_retention * 24 * 60 * 60
    assert alarm["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": [queue_id, "QueueName"]}
    assert alarm["Threshold"] == settings.alarm_thresholds.oldest_message_age_seconds
    assert 0 < alarm["Threshold"] <= retention_seconds / 2


def test_consumer_and_api_alarms_watch_the_right_metrics(template, settings):
    function_id, _ = only(
        template, "AWS::Lambda::Function", {"FunctionName": settings.names.consumer_function}
    )
    alarms = alarms_by_name(template, settings)
    for name, metric in (("consumer-errors", "Errors"), ("consumer-throttled", "Throttles")):
        assert alarms[name]["MetricName"] == metric
        dimensions = [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
        assert alarms[name]["Dimensions"] == dimensions
{%- if cookiecutter.api_type == "http" %}
    server_errors, client_errors = "5xx", "4xx"
{%- else %}
    server_errors, client_errors = "5XXError", "4XXError"
    # The stage's metrics, not the sum over every stage of the API.
    stage_id, _ = only(template, "AWS::ApiGateway::Stage")
    dimensions = {d["Name"]: d["Value"] for d in alarms["api-5xx"]["Dimensions"]}
    api_name = resource_names(settings.name_prefix)["rest_api"]
    assert dimensions == {"ApiName": api_name, "Stage": {"Ref": stage_id}}
{%- endif %}
    assert alarms["api-5xx"]["MetricName"] == server_errors
    rate = alarms["api-4xx-rate"]
    expression = next(m["Expression"] for m in rate["Metrics"] if "Expression" in m)
    minimum = settings.alarm_thresholds.api_4xx_min_requests
    assert expression.startswith(f"IF(requests >= {minimum},")
    assert "client_errors / requests" in expression
    assert rate["EvaluationPeriods"] == settings.alarm_thresholds.api_4xx_periods
    inputs = {m["MetricStat"]["Metric"]["MetricName"] for m in rate["Metrics"] if "MetricStat" in m}
    assert inputs == {client_errors, "Count"}


def test_alarm_topic_is_encrypted_and_tls_only(template, settings):
    _, topic = only(template, "AWS::SNS::Topic", {"TopicName": settings.names.alarm_topic})
{%- if cookiecutter.enable_kms %}
    # The topic has a key of its own; only that key lets CloudWatch in.
    alias = only(template, "AWS::KMS::Alias", {"AliasName": settings.names.alarm_key_alias})[1]
    topic_key_id = alias["Properties"]["TargetKeyId"]["Fn::GetAtt"][0]
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [topic_key_id, "Arn"]}
    for key_id, key in template.find_resources("AWS::KMS::Key").items():
        assert key["Properties"]["EnableKeyRotation"] is True
        cloudwatch = [
            s
            for s in key["Properties"]["KeyPolicy"]["Statement"]
            if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
        ]
        if key_id == topic_key_id:
            actions = [set(s["Action"]) for s in cloudwatch]
            assert actions == [{"kms:Decrypt", "kms:GenerateDataKey*"}]
        else:
            assert cloudwatch == []
{%- else %}
    assert set(topic["Properties"]) == {"TopicName", "DisplayName"}  # no encryption setting
{%- endif %}
    _, policy = only(template, "AWS::SNS::TopicPolicy")
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    )


def test_cloudwatch_may_publish_to_the_topic_for_this_stages_alarms_only(template, settings):
    # A topic policy replaces SNS's default one: without this Allow no alarm is delivered.
    _, policy = only(template, "AWS::SNS::TopicPolicy")
    (allowed,) = [
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
    ]
    assert allowed["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allowed["Action"] == "sns:Publish"
    assert allowed["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    source_arn = allowed["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1]
    assert source_arn[-1] == f":alarm:{settings.project_name}-{settings.stage}-*"


def test_alarm_email_is_subscribed_only_when_given(template, settings):
    subscriptions = template.find_resources("AWS::SNS::Subscription")
    if settings.alarm_email:
        ((_, subscription),) = subscriptions.items()
        assert subscription["Properties"]["Protocol"] == "email"
        assert subscription["Properties"]["Endpoint"] == settings.alarm_email
    else:
        assert subscriptions == {}


def test_dashboard_shows_api_queue_and_consumer_on_one_page(template, settings):
    _, dashboard = only(template, "AWS::CloudWatch::Dashboard")
    assert dashboard["Properties"]["DashboardName"] == settings.names.stack
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for title in (
        "API requests",
        "API latency",
        "API errors",
        "Queue depth",
        "Age of oldest message",
        "Dead-letter queue depth",
        "Consumer invocations and errors",
        "Consumer duration",
        "Consumer concurrency",
    ):
        assert title in body, title


def test_event_source_mapping_publishes_its_metrics(template):
    _, mapping = only(template, "AWS::Lambda::EventSourceMapping")
    assert mapping["Properties"]["MetricsConfig"] == {"Metrics": ["EventCount"]}


def test_consumer_tracing_matches_the_choice(template, settings):
    _, function = only(
        template, "AWS::Lambda::Function", {"FunctionName": settings.names.consumer_function}
    )
{%- if cookiecutter.enable_tracing %}
    assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}
{%- else %}
    assert "TracingConfig" not in function["Properties"]
{%- endif %}
    environment = function["Properties"]["Environment"]["Variables"]
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == settings.project_name


def test_logs_are_kept_longer_in_production(settings):
    production = Settings.from_values({**vars(settings), "stage": "prod"})
    development = Settings.from_values({**vars(settings), "stage": "dev"})
    assert log_retention(production) == logs.RetentionDays.ONE_YEAR
    assert log_retention(development) == logs.RetentionDays.TWO_WEEKS


def test_log_groups_keep_the_stage_retention(template, settings):
    expected = 365 if settings.is_production else 14
    for logical_id, group in template.find_resources("AWS::Logs::LogGroup").items():
        assert group["Properties"]["RetentionInDays"] == expected, logical_id
