"""The HTTP API (api_type=http): POST /messages puts the request body, unchanged, on the queue."""

import json

import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_iam as iam
{%- if cookiecutter.enable_kms %}
from aws_cdk import aws_kms as kms
{%- endif %}
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .queues import send_message_role
from .service_logs import ServiceLogs

ROUTE_PATH = "/messages"

# One JSON object per request in the access log.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "sourceIp": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "userAgent": "$context.identity.userAgent",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
{%- if cookiecutter.api_auth == "jwt" %}
    "tokenSubject": "$context.authorizer.claims.sub",
    "tokenClient": "$context.authorizer.claims.client_id",
{%- endif %}
}


@jsii.implements(apigwv2.IAccessLogSettings)
class JsonAccessLogs:
    """Access logs of a stage, one JSON object per request, written to a log group."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._log_group = log_group

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return apigwv2.LogGroupLogDestination(self._log_group)

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT))


class SendToQueueIntegration(apigwv2.HttpRouteIntegration):
    """API Gateway's SQS-SendMessage integration, acting as a role the caller owns.

    aws-cdk-lib's HttpSqsIntegration makes a role of its own that allows sqs:SendMessage and
    nothing else, so it could not use an encryption key. Passing the role in lets the API
    construct grant it exactly what sending needs.
    """

    def __init__(self, construct_id: str, *, queue: sqs.IQueue, role: iam.IRole) -> None:
        super().__init__(construct_id)
        self._queue = queue
        self._role = role

    def bind(self, *, route, scope) -> apigwv2.HttpRouteIntegrationConfig:
        return apigwv2.HttpRouteIntegrationConfig(
            type=apigwv2.HttpIntegrationType.AWS_PROXY,
            subtype=apigwv2.HttpIntegrationSubtype.SQS_SEND_MESSAGE,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_1_0,
            credentials=apigwv2.IntegrationCredentials.from_role(self._role),
            parameter_mapping=apigwv2.ParameterMapping()
            .custom("QueueUrl", self._queue.queue_url)
            .custom("MessageBody", "$request.body"),
        )


class IngestApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_name: str,
        queue: sqs.IQueue,
{%- if cookiecutter.enable_kms %}
        encryption_key: kms.IKey,
{%- endif %}
        authorizer: apigwv2.IHttpRouteAuthorizer,
        rate_limit: int,
        burst_limit: int,
        access_log_group_name: str,
        service_logs: ServiceLogs,
    ) -> None:
        super().__init__(scope, construct_id)

        self.access_log_group = service_logs.log_group(
            self, "AccessLogs", name=access_log_group_name
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=api_name,
            description="Accepts messages and queues them for asynchronous processing",
            create_default_stage=False,
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
            access_log_settings=JsonAccessLogs(self.access_log_group),
        )

        self.send_role = send_message_role(
            self,
            "SendMessageRole",
            description=f"Lets {api_name} send messages to its queue",
            queue=queue,
{%- if cookiecutter.enable_kms %}
            encryption_key=encryption_key,
{%- endif %}
        )
        (self.route,) = self.http_api.add_routes(
            path=ROUTE_PATH,
            methods=[apigwv2.HttpMethod.POST],
            integration=SendToQueueIntegration("SendToQueue", queue=queue, role=self.send_role),
            authorizer=authorizer,
        )

    @property
    def log_groups(self) -> list[logs.ILogGroup]:
        return [self.access_log_group]

    @property
    def invoke_arn(self) -> str:
        """What an IAM policy allows (execute-api:Invoke) to let a caller post messages."""
        return self.http_api.arn_for_execute_api("POST", ROUTE_PATH, "*")

    @property
    def messages_url(self) -> str:
        # The $default stage's URL ends with a slash.
        return f"{self.stage.url}{ROUTE_PATH.lstrip('/')}"
