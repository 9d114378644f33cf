"""The stack: API -> SQS queue (+ DLQ) -> Lambda consumer, composed from one construct each."""

{% set acknowledges_auth = cookiecutter.api_auth == "none" or (cookiecutter.api_type == "rest" and cookiecutter.api_auth == "iam") -%}
{% if acknowledges_auth -%}
from aws_cdk import Acknowledgment, CfnOutput, Duration, RemovalPolicy, Stack, Validations
{% else -%}
from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
{% endif -%}
{% if cookiecutter.api_type == "http" and cookiecutter.api_auth == "none" -%}
from aws_cdk import aws_apigatewayv2 as apigwv2
{% elif cookiecutter.api_type == "http" -%}
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
{% else -%}
from aws_cdk import aws_apigateway as apigw
{% endif -%}
{% if cookiecutter.api_type == "rest" and cookiecutter.api_auth == "jwt" -%}
from aws_cdk import aws_cognito as cognito
{% endif -%}
{% if cookiecutter.enable_kms -%}
from aws_cdk import aws_kms as kms
{% endif -%}
from aws_cdk import aws_logs as logs
from constructs import Construct

from .consumer.infrastructure import QueueConsumer
{% if cookiecutter.api_type == "http" -%}
from .http_api import IngestApi
{% endif -%}
from .monitoring import Monitoring
{%- if cookiecutter.enable_vpc %}
from .network import ConsumerNetwork
{%- endif %}
from .queues import MessageQueues
{% if cookiecutter.api_type == "rest" -%}
from .rest_api import IngestApi
{% endif -%}
from .service_logs import ServiceLogs
from .settings import (
    DLQ_RETENTION_DAYS,
{%- if cookiecutter.api_auth == "jwt" %}
    JwtSettings,
{%- endif %}
    ObservabilityHooks,
{%- if cookiecutter.api_type == "rest" %}
    RestApiSettings,
{%- endif %}
    Settings,
)


def log_retention(settings: Settings) -> logs.RetentionDays:
    """Retention of every log group in the stack: short while developing, a year in production."""
    return logs.RetentionDays.ONE_YEAR if settings.is_production else logs.RetentionDays.TWO_WEEKS


class QueueStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
{%- if cookiecutter.api_auth == "jwt" %}
        jwt: JwtSettings,
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
        rest: RestApiSettings,
{%- endif %}
        observability: ObservabilityHooks | None = None,
        **kwargs,
    ) -> None:
        names = settings.names
        super().__init__(
            scope,
            construct_id,
            stack_name=names.stack,
            description=f"{settings.project_name} ({settings.stage}): {{ cookiecutter.api_type | upper }} API to SQS to Lambda",
            termination_protection=settings.is_production,
            **kwargs,
        )
        observability = observability or ObservabilityHooks()
{%- if cookiecutter.enable_kms %}

        key = kms.Key(
            self,
            "QueueKey",
            alias=names.key_alias,
            description=f"Encrypts the messages in {names.queue} and {names.dlq}",
            enable_key_rotation=True,
        )
        # Log groups hold request data too: a key of their own, which CloudWatch Logs may use.
        logs_key = kms.Key(
            self,
            "LogsKey",
            alias=names.logs_key_alias,
            description=f"Encrypts the log groups of {names.stack}",
            enable_key_rotation=True,
        )
        service_logs = ServiceLogs(log_retention(settings), encryption_key=logs_key)
{%- else %}
        service_logs = ServiceLogs(log_retention(settings))
{%- endif %}

        queues = MessageQueues(
            self,
            "Queues",
            queue_name=names.queue,
            dlq_name=names.dlq,
            retention=Duration.days(settings.queue_retention),
            dlq_retention=Duration.days(DLQ_RETENTION_DAYS),
            max_receive_count=settings.dlq_retries,
            visibility_timeout=Duration.seconds(settings.visibility_timeout_seconds),
            # A production stage keeps its messages even if the stack is deleted.
            removal_policy=(
                RemovalPolicy.RETAIN if settings.is_production else RemovalPolicy.DESTROY
            ),
{%- if cookiecutter.enable_kms %}
            encryption_key=key,
{%- endif %}
        )
{%- if cookiecutter.enable_vpc %}

        network = ConsumerNetwork(
            self,
            "Network",
            flow_log_group_name=names.flow_log_group,
            service_logs=service_logs,
        )
{%- endif %}

        consumer = QueueConsumer(
            self,
            "Consumer",
            queue=queues.queue,
            function_name=names.consumer_function,
            service_name=settings.project_name,
            metrics_namespace=settings.project_name,
            timeout=Duration.seconds(settings.consumer_timeout_seconds),
            batch_size=settings.batch_size,
            batching_window=Duration.seconds(settings.batching_window_seconds),
            max_concurrency=settings.lambda_concurrency,
            service_logs=service_logs,
            extra_layer_arns=observability.layers,
            extra_environment=observability.environment,
{%- if cookiecutter.enable_vpc %}
            vpc=network.vpc,
            vpc_subnets=network.subnets,
            security_group=network.consumer_security_group,
{%- endif %}
        )

{%- if cookiecutter.api_type == "http" %}
        api = IngestApi(
            self,
            "Api",
            api_name=names.http_api,
            queue=queues.queue,
{%- if cookiecutter.enable_kms %}
            encryption_key=key,
{%- endif %}
{%- if cookiecutter.api_auth == "iam" %}
            # Callers sign requests with SigV4 and need execute-api:Invoke on InvokeArn.
            authorizer=authorizers.HttpIamAuthorizer(),
{%- elif cookiecutter.api_auth == "jwt" %}
            authorizer=authorizers.HttpJwtAuthorizer(
                "JwtAuthorizer", jwt_issuer=jwt.issuer, jwt_audience=list(jwt.audiences)
            ),
{%- else %}
            authorizer=apigwv2.HttpNoneAuthorizer(),
{%- endif %}
            rate_limit=settings.api_throttling,
            burst_limit=settings.api_burst,
            access_log_group_name=names.access_log_group,
            service_logs=service_logs,
        )
{%- if cookiecutter.api_auth == "none" %}
        Validations.of(api.route).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-APIG4",
                reason="Public by choice (api_auth=none at render): anyone may post to this route",
            )
        )
{%- endif %}
{%- else %}
{%- if cookiecutter.api_auth == "jwt" %}
        pool_region, pool_id = jwt.cognito_user_pool
        user_pool = cognito.UserPool.from_user_pool_arn(
            self,
            "UserPool",
            self.format_arn(
                service="cognito-idp",
                region=pool_region,
                resource="userpool",
                resource_name=pool_id,
            ),
        )
{%- endif %}
        api = IngestApi(
            self,
            "Api",
            api_name=names.rest_api,
            stage_name=settings.stage,
            queue=queues.queue,
{%- if cookiecutter.enable_kms %}
            encryption_key=key,
{%- endif %}
{%- if cookiecutter.api_auth == "iam" %}
            # Callers sign requests with SigV4 and need execute-api:Invoke on InvokeArn.
            authorization_type=apigw.AuthorizationType.IAM,
{%- elif cookiecutter.api_auth == "jwt" %}
            # Tokens of the user pool that issues them (ID tokens), in the Authorization header.
            authorization_type=apigw.AuthorizationType.COGNITO,
            authorizer=apigw.CognitoUserPoolsAuthorizer(
                self, "CognitoAuthorizer", cognito_user_pools=[user_pool]
            ),
{%- else %}
            authorization_type=apigw.AuthorizationType.NONE,
{%- endif %}
            rate_limit=settings.api_throttling,
            burst_limit=settings.api_burst,
            rest=rest,
            usage_plan_name=names.usage_plan,
            api_key_name=names.api_key,
            access_log_group_name=names.access_log_group,
            service_logs=service_logs,
        )
{%- if cookiecutter.api_auth != "jwt" %}
        Validations.of(api.method).acknowledge(
{%- if cookiecutter.api_auth == "iam" %}
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-COG4",
                reason="Callers are authorized with IAM (api_auth=iam at render): they sign"
                " requests with SigV4 and need execute-api:Invoke, so no user pool is involved",
            )
{%- else %}
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-APIG4",
                reason="Public by choice (api_auth=none at render): anyone may post to this route",
            ),
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-COG4",
                reason="Public by choice (api_auth=none at render): no user pool checks callers",
            ),
{%- endif %}
        )
{%- endif %}
{%- endif %}

        Monitoring(
            self,
            "Monitoring",
            name_prefix=f"{settings.project_name}-{settings.stage}",
            topic_name=names.alarm_topic,
            dashboard_name=names.dashboard,
            thresholds=settings.alarm_thresholds,
            alarm_email=settings.alarm_email,
            queue=queues.queue,
            dlq=queues.dlq,
            function=consumer.function,
            api_stage=api.stage,
{%- if cookiecutter.enable_kms %}
            key_alias=names.alarm_key_alias,
{%- endif %}
        )

        if observability.log_destination_arn:
            log_groups = [consumer.log_group, *api.log_groups]
{%- if cookiecutter.enable_vpc %}
            log_groups.append(network.flow_log_group)
{%- endif %}
            for index, log_group in enumerate(log_groups):
                logs.CfnSubscriptionFilter(
                    self,
                    f"LogSubscription{index}",
                    log_group_name=log_group.log_group_name,
                    destination_arn=observability.log_destination_arn,
                    role_arn=observability.log_destination_role_arn or None,
                    filter_pattern="",
                )

        CfnOutput(self, "MessagesUrl", value=api.messages_url, description="POST messages here")
{%- if cookiecutter.api_auth == "iam" %}
        CfnOutput(
            self, "InvokeArn", value=api.invoke_arn, description="Allow execute-api:Invoke on this"
        )
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
        if api.api_key:
            CfnOutput(
                self,
                "ApiKeyId",
                value=api.api_key.key_id,
                description="aws apigateway get-api-key --include-value --api-key <this>",
            )
{%- endif %}
        CfnOutput(self, "QueueUrl", value=queues.queue.queue_url)
        CfnOutput(self, "DeadLetterQueueUrl", value=queues.dlq.queue_url)
