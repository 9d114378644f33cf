"""Alarms to one SNS topic, and a dashboard of the whole pipeline on one page."""

from aws_cdk import Acknowledgment, Aws, Duration, Validations
{%- if cookiecutter.api_type == "http" %}
from aws_cdk import aws_apigatewayv2 as apigwv2
{%- else %}
from aws_cdk import aws_apigateway as apigw
{%- endif %}
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
{%- if cookiecutter.enable_kms %}
from aws_cdk import aws_kms as kms
{%- endif %}
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .settings import AlarmThresholds


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        topic_name: str,
        dashboard_name: str,
        thresholds: AlarmThresholds,
        alarm_email: str,
        queue: sqs.IQueue,
        dlq: sqs.IQueue,
        function: lambda_.IFunction,
{%- if cookiecutter.api_type == "http" %}
        api_stage: apigwv2.HttpStage,
{%- else %}
        api_stage: apigw.Stage,
{%- endif %}
{%- if cookiecutter.enable_kms %}
        key_alias: str,
{%- endif %}
    ) -> None:
        super().__init__(scope, construct_id)
        period = Duration.minutes(thresholds.period_minutes)
        # CloudWatch publishes for this stack's alarms only (the confused-deputy guidance).
        alarms_of_this_stack = {
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {
                "aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}"
                f":alarm:{name_prefix}-*"
            },
        }

{%- if cookiecutter.enable_kms %}
        # A key of the topic's own: CloudWatch must be able to use it to publish alarms, and
        # that grant must not reach the key of the messages.
        self.topic_key = kms.Key(
            self,
            "AlarmTopicKey",
            alias=key_alias,
            description=f"Encrypts the alarm notifications of {name_prefix}",
            enable_key_rotation=True,
        )
        self.topic_key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions=alarms_of_this_stack,
            )
        )
{%- endif %}
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=topic_name,
            display_name=f"{name_prefix} alarms",
            enforce_ssl=True,
{%- if cookiecutter.enable_kms %}
            master_key=self.topic_key,
{%- endif %}
        )
        # A topic policy replaces SNS's default one, which is what lets CloudWatch publish: with
        # only the TLS-only Deny that enforce_ssl adds, no alarm would ever be delivered.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=alarms_of_this_stack,
            )
        )
{%- if not cookiecutter.enable_kms %}
        Validations.of(self.topic).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-SNS2",
                reason="CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed"
                " SNS key, and this project was rendered without keys of its own. The topic"
                " carries alarm notifications, never message data",
            )
        )
{%- endif %}
        if alarm_email:
            subscription = self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
            Validations.of(subscription).acknowledge(
                Acknowledgment(
                    id="Serverless::Serverless-SNSRedrivePolicy",
                    reason="An alarm e-mail that cannot be delivered needs no dead-letter queue:"
                    " nobody would read it, and the alarm's state and history stay in CloudWatch"
                    " and on the dashboard",
                )
            )

        # Below a minimum of requests the rate says nothing (one stray 403 would be 100 %).
        api_4xx_rate = cloudwatch.MathExpression(
            expression=(
                f"IF(requests >= {thresholds.api_4xx_min_requests},"
                " 100 * client_errors / requests, 0)"
            ),
            using_metrics={
                "requests": api_stage.metric_count(period=period, statistic="Sum"),
                "client_errors": api_stage.metric_client_error(period=period, statistic="Sum"),
            },
            label="4xx rate (%)",
            period=period,
        )
        # (name, description, metric, threshold, periods): every alarm fires when its metric is at
        # or above the threshold for that many consecutive periods.
        definitions = [
            (
                "dlq-not-empty",
                "Messages failed every retry and wait in the dead-letter queue.",
                dlq.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
                thresholds.dlq_messages,
                1,
            ),
            (
                "backlog-aging",
                "The oldest queued message is old: the consumer falls behind or is failing, and"
                " messages expire when they reach the queue's retention.",
                queue.metric_approximate_age_of_oldest_message(period=period, statistic="Maximum"),
                thresholds.oldest_message_age_seconds,
                1,
            ),
            (
                "consumer-errors",
                "The consumer failed whole invocations (not single messages).",
                function.metric_errors(period=period, statistic="Sum"),
                thresholds.consumer_errors,
                1,
            ),
            (
                "consumer-throttled",
                "Lambda throttled the consumer: account or function concurrency is exhausted.",
                function.metric_throttles(period=period, statistic="Sum"),
                thresholds.consumer_throttles,
                1,
            ),
            (
                "api-5xx",
                "The API answered 5xx: it could not put messages on the queue.",
                api_stage.metric_server_error(period=period, statistic="Sum"),
                thresholds.api_5xx,
                1,
            ),
            (
                "api-4xx-rate",
                "Many requests were refused (4xx); 429 means callers exceed the throttle.",
                api_4xx_rate,
                thresholds.api_4xx_percent,
                thresholds.api_4xx_periods,
            ),
        ]
        action = cloudwatch_actions.SnsAction(self.topic)
        self.alarms = {}
        for name, description, metric, threshold, periods in definitions:
            alarm = cloudwatch.Alarm(
                self,
                name,
                alarm_name=f"{name_prefix}-{name}",
                alarm_description=f"{description} See the README's runbook.",
                metric=metric,
                threshold=threshold,
                evaluation_periods=periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms[name] = alarm

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=dashboard_name)
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=list(self.alarms.values()), width=24, height=3
            )
        )
        self.dashboard.add_widgets(
            graph("API requests", api_stage.metric_count(period=period, statistic="Sum")),
            graph(
                "API latency (ms)",
                api_stage.metric_latency(period=period, statistic="p50"),
                api_stage.metric_latency(period=period, statistic="p99"),
            ),
            graph(
                "API errors",
                api_stage.metric_client_error(period=period, statistic="Sum"),
                api_stage.metric_server_error(period=period, statistic="Sum"),
            ),
        )
        self.dashboard.add_widgets(
            graph(
                "Queue depth",
                queue.metric_approximate_number_of_messages_visible(period=period),
                queue.metric_approximate_number_of_messages_not_visible(period=period),
            ),
            graph(
                "Age of oldest message (s)",
                queue.metric_approximate_age_of_oldest_message(period=period, statistic="Maximum"),
            ),
            graph(
                "Dead-letter queue depth",
                dlq.metric_approximate_number_of_messages_visible(period=period),
            ),
        )
        self.dashboard.add_widgets(
            graph(
                "Consumer invocations and errors",
                function.metric_invocations(period=period, statistic="Sum"),
                function.metric_errors(period=period, statistic="Sum"),
                function.metric_throttles(period=period, statistic="Sum"),
            ),
            graph(
                "Consumer duration (ms)",
                function.metric_duration(period=period, statistic="p50"),
                function.metric_duration(period=period, statistic="p99"),
            ),
            graph(
                "Consumer concurrency",
                function.metric("ConcurrentExecutions", period=period, statistic="Maximum"),
            ),
        )


def graph(title: str, *metrics: cloudwatch.IMetric) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=8, height=6)
