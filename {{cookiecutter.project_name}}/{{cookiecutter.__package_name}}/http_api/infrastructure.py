"""The HTTP API (api_type=http): POST /messages puts the request body, unchanged, on the queue."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsii
{%- if cookiecutter.api_auth == "none" %}
from aws_cdk import Acknowledgment, CfnOutput, Duration, Stack, Validations
{%- else %}
from aws_cdk import CfnOutput, Duration, Stack
{%- endif %}
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
{%- if cookiecutter.api_auth != "none" %}
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
{%- endif %}
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..logs.infrastructure import ServiceLogs
from ..settings import Settings
{%- if cookiecutter.api_auth == "jwt" %}
from . import jwt_settings
{%- endif %}
from . import settings as http_api_settings
{%- if cookiecutter.api_auth == "jwt" %}
from .jwt_settings import JwtSettings
{%- endif %}

ROUTE_PATH = "/messages"
# The caller as the route's authorization sees it: the envelope's `caller` attribute.
{%- if cookiecutter.api_auth == "iam" %}
CALLER = "${context.identity.userArn}"
{%- elif cookiecutter.api_auth == "jwt" %}
CALLER = "${context.authorizer.claims.sub}"
{%- else %}
CALLER = "anonymous"
{%- endif %}
{%- if cookiecutter.queue_type == "fifo" %}
# A message group starts with the caller's, in its shortest form (an assumed role's ARN can be
# longer than the 128 characters of a group id).
GROUP_CALLER = {% if cookiecutter.api_auth == "iam" %}"${context.identity.caller}"{% else %}CALLER{% endif %}
{%- endif %}
# The envelope, as message attributes. Only values API Gateway makes: a parameter mapping can
# neither leave out an attribute (SQS refuses an empty one) nor escape a value inside this JSON,
# so the client's traceparent and Idempotency-Key headers are not among them (see the README's
# "Message envelope").
ENVELOPE = {
    "request-id": {"DataType": "String", "StringValue": "${context.requestId}"},
    "received-at": {"DataType": "Number", "StringValue": "${context.requestTimeEpoch}"},
    "caller": {"DataType": "String", "StringValue": CALLER},
}

# CORS (settings.cors_origins): the headers a web page's script may send with its POST, and how
# long a browser may keep a preflight's answer. API Gateway answers preflights itself.
CORS_ALLOW_HEADERS = [
    "Content-Type",
{%- if cookiecutter.api_auth == "iam" %}
    *("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"),
{%- elif cookiecutter.api_auth == "jwt" %}
    "Authorization",
{%- endif %}
{%- if cookiecutter.queue_type == "fifo" %}
    "Idempotency-Key",
    "Message-Group-Id",
{%- endif %}
]
CORS_MAX_AGE = Duration.hours(1)

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
        parameters = (
            apigwv2.ParameterMapping()
            .custom("QueueUrl", self._queue.queue_url)
            .custom("MessageBody", "$request.body")
            .custom("MessageAttributes", json.dumps(ENVELOPE))
        )
{%- if cookiecutter.queue_type == "fifo" %}
        # The caller's group, then the Message-Group-Id header; the Idempotency-Key header as
        # deduplication id (a request without one leaves it out, and the queue deduplicates by
        # the body's SHA-256).
        parameters.custom("MessageGroupId", GROUP_CALLER + "/${request.header.message-group-id}")
        parameters.custom("MessageDeduplicationId", "$request.header.idempotency-key")
{%- endif %}
        return apigwv2.HttpRouteIntegrationConfig(
            type=apigwv2.HttpIntegrationType.AWS_PROXY,
            subtype=apigwv2.HttpIntegrationSubtype.SQS_SEND_MESSAGE,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_1_0,
            credentials=apigwv2.IntegrationCredentials.from_role(self._role),
            parameter_mapping=parameters,
        )


@dataclass(frozen=True)
class ApiSettings:
    """What the API is built with besides the service's settings."""

    name: str
{%- if cookiecutter.api_auth == "jwt" %}
    jwt: JwtSettings
{%- endif %}

    @classmethod
    def from_values(cls, values: Mapping[str, Any], settings: Settings) -> ApiSettings:
        return cls(
            name=http_api_settings.resource_names(settings.name_prefix)["http_api"],
{%- if cookiecutter.api_auth == "jwt" %}
            jwt=JwtSettings.from_values(values),
{%- endif %}
        )

    def warnings(self, settings: Settings) -> list[str]:
        return []


class Api(Construct):
    """POST /messages, authorized as the project was rendered, sending to the queue as send_role."""

    KIND = "HTTP"
    # The settings modules of this unit: its own rules and names, checked by the app.
{%- if cookiecutter.api_auth == "jwt" %}
    SETTINGS_MODULES = (http_api_settings, jwt_settings)
{%- else %}
    SETTINGS_MODULES = (http_api_settings,)
{%- endif %}

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        api_settings: ApiSettings,
        queue: sqs.IQueue,
        send_role: iam.IRole,
        service_logs: ServiceLogs,
        disable_execute_api_endpoint: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        # Off when clients must use the custom domain (disable_default_endpoint in cdk.json).
        self.default_endpoint = not disable_execute_api_endpoint

        self.access_log_group = service_logs.log_group(
            self, "AccessLogs", name=settings.names.access_log_group
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=api_settings.name,
            description="Accepts messages and queues them for asynchronous processing",
            create_default_stage=False,
            cors_preflight=(
                apigwv2.CorsPreflightOptions(
                    allow_origins=list(settings.cors_origins),
                    allow_methods=[apigwv2.CorsHttpMethod.POST],
                    allow_headers=CORS_ALLOW_HEADERS,
                    max_age=CORS_MAX_AGE,
                )
                if settings.cors_origins
                else None
            ),
            disable_execute_api_endpoint=disable_execute_api_endpoint or None,
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=settings.api_throttling, burst_limit=settings.api_burst
            ),
            access_log_settings=JsonAccessLogs(self.access_log_group),
        )
        (self.route,) = self.http_api.add_routes(
            path=ROUTE_PATH,
            methods=[apigwv2.HttpMethod.POST],
            integration=SendToQueueIntegration("SendToQueue", queue=queue, role=send_role),
{%- if cookiecutter.api_auth == "iam" %}
            # Callers sign requests with SigV4 and need execute-api:Invoke on InvokeArn.
            authorizer=authorizers.HttpIamAuthorizer(),
{%- elif cookiecutter.api_auth == "jwt" %}
            authorizer=authorizers.HttpJwtAuthorizer(
                "JwtAuthorizer",
                jwt_issuer=api_settings.jwt.issuer,
                jwt_audience=list(api_settings.jwt.audiences),
            ),
{%- else %}
            authorizer=apigwv2.HttpNoneAuthorizer(),
{%- endif %}
        )
{%- if cookiecutter.api_auth == "none" %}
        Validations.of(self.route).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-APIG4",
                reason="Public by choice (api_auth=none at render): anyone may post to this route",
            )
        )
{%- endif %}

    def add_outputs(self, stack: Construct, *, domain_name: str = "") -> None:
        """MessagesUrl: on the custom domain when there is one, the default endpoint's URL
        beside it while that is on."""
        if domain_name:
            url = f"https://{domain_name}{ROUTE_PATH}"
            CfnOutput(stack, "MessagesUrl", value=url, description="POST messages here")
        if self.default_endpoint:
            name = "DefaultEndpointMessagesUrl" if domain_name else "MessagesUrl"
            CfnOutput(stack, name, value=self.messages_url, description="POST messages here")
{%- if cookiecutter.api_auth == "iam" %}
        CfnOutput(
            stack,
            "InvokeArn",
            value=self.invoke_arn,
            description="Allow execute-api:Invoke on this",
        )
{%- endif %}

    @property
    def log_groups(self) -> list[logs.ILogGroup]:
        return [self.access_log_group]

    @property
    def api_id(self) -> str:
        return self.http_api.api_id

    @property
    def invoke_arn(self) -> str:
        """What an IAM policy allows (execute-api:Invoke) to let a caller post messages."""
        return self.http_api.arn_for_execute_api("POST", ROUTE_PATH, "*")

    @property
    def messages_url(self) -> str:
        # The $default stage's URL ends with a slash.
        return f"{self.stage.url}{ROUTE_PATH.lstrip('/')}"


def account_stacks(scope: Construct, api_settings: ApiSettings) -> list[Stack]:
    """Stacks of the account that the service's stack needs first: none for an HTTP API."""
    return []
