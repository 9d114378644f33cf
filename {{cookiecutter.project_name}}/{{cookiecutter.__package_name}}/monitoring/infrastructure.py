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

from ..settings import Settings
{%- if cookiecutter.api_type == "http" %}

ApiStage = apigwv2.HttpStage
{%- else %}

ApiStage = apigw.Stage
{%- endif %}


class Monitoring(Construct):
    """The alarm topic, one alarm per way the pipeline fails, and the dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        queue: sqs.IQueue,
        dlq: sqs.IQueue,
        function: lambda_.IFunction,
        api_stage: ApiStage,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name_prefix = settings.name_prefix
        self.thresholds = settings.alarm_thresholds
        self.period = Duration.minutes(self.thresholds.period_minutes)
        self.topic = self.alarm_topic(settings)
        self.alarms = {
            "dlq-not-empty": self.dlq_not_empty_alarm(dlq),
            "backlog-aging": self.backlog_aging_alarm(queue),
            "consumer-errors": self.consumer_errors_alarm(function),
            "consumer-throttled": self.consumer_throttled_alarm(function),
            "api-5xx": self.api_5xx_alarm(api_stage),
            "api-4xx-rate": self.api_4xx_rate_alarm(api_stage),
        }
        self.dashboard = self.pipeline_dashboard(
            settings.names.stack, queue=queue, dlq=dlq, function=function, api_stage=api_stage
        )

    @property
    def alarms_of_this_stack(self) -> dict:
        """CloudWatch may act for this stack's alarms only (the confused-deputy guidance)."""
        return {
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {
                "aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}"
                f":alarm:{self.name_prefix}-*"
            },
        }

    def alarm_topic(self, settings: Settings) -> sns.Topic:
        """The topic every alarm notifies, and the e-mail subscribed to it, if any."""
{%- if cookiecutter.enable_kms %}
        # A key of the topic's own: CloudWatch must be able to use it to publish alarms, and
        # that grant must not reach the key of the messages.
        self.topic_key = kms.Key(
            self,
            "AlarmTopicKey",
            alias=settings.names.alarm_key_alias,
            description=f"Encrypts the alarm notifications of {self.name_prefix}",
            enable_key_rotation=True,
        )
        self.topic_key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions=self.alarms_of_this_stack,
            )
        )
{%- endif %}
        topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=settings.names.alarm_topic,
            display_name=f"{self.name_prefix} alarms",
            enforce_ssl=True,
{%- if cookiecutter.enable_kms %}
            master_key=self.topic_key,
{%- endif %}
        )
        # A topic policy replaces SNS's default one, which is what lets CloudWatch publish: with
        # only the TLS-only Deny that enforce_ssl adds, no alarm would ever be delivered.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=self.alarms_of_this_stack,
            )
        )
{%- if not cookiecutter.enable_kms %}
        Validations.of(topic).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-SNS2",
                reason="CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed"
                " SNS key, and this project was rendered without keys of its own. The topic"
                " carries alarm notifications, never message data",
            )
        )
{%- endif %}
        if settings.alarm_email:
            subscription = topic.add_subscription(
                subscriptions.EmailSubscription(settings.alarm_email)
            )
            Validations.of(subscription).acknowledge(
                Acknowledgment(
                    id="Serverless::Serverless-SNSRedrivePolicy",
                    reason="An alarm e-mail that cannot be delivered needs no dead-letter queue:"
                    " nobody would read it, and the alarm's state and history stay in CloudWatch"
                    " and on the dashboard",
                )
            )
        return topic

    def alarm(
        self,
        name: str,
        description: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        periods: int = 1,
    ) -> cloudwatch.Alarm:
        """An alarm that fires when its metric is at or above the threshold for that many
        consecutive periods, and tells the topic when it fires and when it clears."""
        alarm = cloudwatch.Alarm(
            self,
            name,
            alarm_name=f"{self.name_prefix}-{name}",
            alarm_description=f"{description} See the README's runbook.",
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        action = cloudwatch_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm

    def dlq_not_empty_alarm(self, dlq: sqs.IQueue) -> cloudwatch.Alarm:
        return self.alarm(
            "dlq-not-empty",
            "Messages failed every retry and wait in the dead-letter queue.",
            dlq.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            self.thresholds.dlq_messages,
        )

    def backlog_aging_alarm(self, queue: sqs.IQueue) -> cloudwatch.Alarm:
        return self.alarm(
            "backlog-aging",
            "The oldest queued message is old: the consumer falls behind or is failing, and"
            " messages expire when they reach the queue's retention.",
            queue.metric_approximate_age_of_oldest_message(period=self.period, statistic="Maximum"),
            self.thresholds.oldest_message_age_seconds,
        )

    def consumer_errors_alarm(self, function: lambda_.IFunction) -> cloudwatch.Alarm:
        return self.alarm(
            "consumer-errors",
            "The consumer failed whole invocations (not single messages).",
            function.metric_errors(period=self.period, statistic="Sum"),
            self.thresholds.consumer_errors,
        )

    def consumer_throttled_alarm(self, function: lambda_.IFunction) -> cloudwatch.Alarm:
        return self.alarm(
            "consumer-throttled",
            "Lambda throttled the consumer: account or function concurrency is exhausted.",
            function.metric_throttles(period=self.period, statistic="Sum"),
            self.thresholds.consumer_throttles,
        )

    def api_5xx_alarm(self, api_stage: ApiStage) -> cloudwatch.Alarm:
        return self.alarm(
            "api-5xx",
            "The API answered 5xx: it could not put messages on the queue.",
            api_stage.metric_server_error(period=self.period, statistic="Sum"),
            self.thresholds.api_5xx,
        )

    def api_4xx_rate_alarm(self, api_stage: ApiStage) -> cloudwatch.Alarm:
        # Below a minimum of requests the rate says nothing (one stray 403 would be 100 %).
        rate = cloudwatch.MathExpression(
            expression=(
                f"IF(requests >= {self.thresholds.api_4xx_min_requests},"
                " 100 * client_errors / requests, 0)"
            ),
            using_metrics={
                "requests": api_stage.metric_count(period=self.period, statistic="Sum"),
                "client_errors": api_stage.metric_client_error(period=self.period, statistic="Sum"),
            },
            label="4xx rate (%)",
            period=self.period,
        )
        return self.alarm(
            "api-4xx-rate",
            "Many requests were refused (4xx); 429 means callers exceed the throttle.",
            rate,
            self.thresholds.api_4xx_percent,
            self.thresholds.api_4xx_periods,
        )

    def pipeline_dashboard(
        self,
        name: str,
        *,
        queue: sqs.IQueue,
        dlq: sqs.IQueue,
        function: lambda_.IFunction,
        api_stage: ApiStage,
    ) -> cloudwatch.Dashboard:
        """One page: the alarms, then a row each for the API, the queues and the consumer."""
        period = self.period
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=name)
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=list(self.alarms.values()), width=24, height=3
            )
        )
        dashboard.add_widgets(
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
        dashboard.add_widgets(
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
        dashboard.add_widgets(
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
        return dashboard


def graph(title: str, *metrics: cloudwatch.IMetric) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=8, height=6)
