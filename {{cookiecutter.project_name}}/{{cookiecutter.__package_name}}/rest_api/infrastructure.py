"""The REST API (api_type=rest): POST /messages checks the body against a JSON schema, then
sends it to the queue through API Gateway's AWS service integration with SQS SendMessage."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, Aws, CfnOutput, Duration, Stack, Validations
from aws_cdk import aws_apigateway as apigw
{%- if cookiecutter.api_auth == "jwt" %}
from aws_cdk import aws_cognito as cognito
{%- endif %}
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from ..logs.infrastructure import ServiceLogs
from ..settings import Settings
{%- if cookiecutter.api_auth == "jwt" %}
from . import cognito_settings
{%- endif %}
from . import settings as rest_api_settings
{%- if cookiecutter.api_auth == "jwt" %}
from .cognito_settings import CognitoSettings
{%- endif %}
from .settings import RestApiSettings

RESOURCE_PATH = "messages"
# What a client may post: edit this file to require your fields.
MESSAGE_SCHEMA_FILE = Path(__file__).with_name("message_schema.json")

# The caller as the method's authorization sees it: the envelope's `caller` attribute.
{%- if cookiecutter.api_auth == "iam" %}
CALLER = "$context.identity.userArn"
{%- elif cookiecutter.api_auth == "jwt" %}
CALLER = "$context.authorizer.claims.sub"
{%- else %}
CALLER = "'anonymous'"
{%- endif %}
{%- if cookiecutter.queue_type == "fifo" %}
# A message group starts with the caller's, in its shortest form (an assumed role's ARN can be
# longer than the 128 characters of a group id).
GROUP_CALLER = {% if cookiecutter.api_auth == "iam" %}"$context.identity.caller"{% else %}CALLER{% endif %}
{%- endif %}
# The client's headers the integration reads, by the VTL variable that holds each.
HEADERS = {
    "traceparent": "traceparent",
    "idempotencyKey": "Idempotency-Key",
{%- if cookiecutter.queue_type == "fifo" %}
    "messageGroupId": "Message-Group-Id",
{%- endif %}
}
FORM_CONTENT_TYPE = "'application/x-www-form-urlencoded'"  # a quoted literal, as mappings need
# CORS (settings.cors_origins): the headers a web page's script may send with its POST, and how
# long a browser may keep a preflight's answer.
CORS_ALLOW_HEADERS = [
    "Content-Type",
{%- if cookiecutter.api_auth == "iam" %}
    *("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"),
{%- elif cookiecutter.api_auth == "jwt" %}
    "Authorization",
{%- endif %}
    "X-Api-Key",
    *HEADERS.values(),
]
CORS_MAX_AGE = Duration.hours(1)
ALLOW_ORIGIN = "method.response.header.Access-Control-Allow-Origin"
VARY = "method.response.header.Vary"
# The client gets the message id as JSON, not SQS's own response.
SENT_TEMPLATE = (
    '{"messageId": "$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}'
)
FAILED_TEMPLATE = '{"message": "The message could not be queued"}'


def send_message_template(*, api_keys: bool) -> str:
    """The integration's request: SQS's SendMessage as a form (the query API), every value
    URL-encoded, so any character arrives unchanged. The envelope goes as message attributes:
    request-id, received-at, caller (and api-key-id with API keys), and traceparent and
    idempotency-key when the client sent those headers. One line: a line break would end up
    inside a value.
{%- if cookiecutter.queue_type == "fifo" %}

    The message group is the caller's, then the Message-Group-Id header; the deduplication id
    is the Idempotency-Key header, or, without one, the body's SHA-256 (the queue's
    content-based deduplication).
{%- endif %}
    """
    attributes = [
        ("request-id", "String", "$util.urlEncode($context.requestId)"),
        ("received-at", "Number", "$context.requestTimeEpoch"),
        ("caller", "String", f"$util.urlEncode({CALLER})"),
    ]
    if api_keys:
        attributes.append(("api-key-id", "String", "$util.urlEncode($context.identity.apiKeyId)"))

    def attribute(number: str, name: str, data_type: str, value: str) -> str:
        field = f"&MessageAttribute.{number}"  # ${n}: $n.Name would read a property of $n
        return (
            f"{field}.Name={name}{field}.Value.DataType={data_type}"
            f"{field}.Value.StringValue={value}"
        )

    # A header as sent in either case (HTTP/2 clients send every name in lowercase).
    parts = [
        f"#set(${variable} = $input.params('{header}'))"
        f"#if(${variable} == \"\")#set(${variable} = $input.params('{header.lower()}'))#end"
        for variable, header in HEADERS.items()
    ]
    parts.append("Action=SendMessage&MessageBody=$util.urlEncode($input.body)")
    parts += [attribute(str(n), *a) for n, a in enumerate(attributes, start=1)]
    parts.append(f"#set($n = {len(attributes)})")
    for variable in ("traceparent", "idempotencyKey"):
        name = HEADERS[variable].lower()
        parts.append(
            f'#if(${variable} != "")#set($n = $n + 1)'
            f"{attribute('${n}', name, 'String', f'$util.urlEncode(${variable})')}#end"
        )
{%- if cookiecutter.queue_type == "fifo" %}
    parts.append(
        f"&MessageGroupId=$util.urlEncode({GROUP_CALLER})%2F$util.urlEncode($messageGroupId)"
    )
    parts.append(
        '#if($idempotencyKey != "")&MessageDeduplicationId=$util.urlEncode($idempotencyKey)#end'
    )
{%- endif %}
    return "".join(parts)


def refused_template(max_message_kib: int) -> str:
    """SQS answers 400 both to a message it cannot take (the caller's fault) and to a key it may
    not use (ours): a message over the queue's size becomes a 413, another refused message stays
    a 400, and the rest becomes a 500 that the 5xx alarm sees."""
    too_large = f"The message is larger than the {max_message_kib} KiB this API takes"
    return "\n".join(
        [
            "#set($code = $input.path('$.Error.Code'))",
            '#set($refused = ["InvalidMessageContents", "InvalidParameterValue",'
            ' "MissingParameter"])',
            '#if($code == "InvalidParameterValue"'
            """ && $input.path('$.Error.Message').contains("shorter than"))""",
            "#set($context.responseOverride.status = 413)",
            json.dumps({"message": too_large}),
            "#elseif($refused.contains($code))",
            json.dumps(
                {
                    "message": "The queue refused the message: empty, with no character it"
                    " takes, or with a Message-Group-Id or Idempotency-Key it does not take (at"
                    " most 128 characters)"
                }
            ),
            "#else",
            "#set($context.responseOverride.status = 500)",
            FAILED_TEMPLATE,
            "#end",
        ]
    )


def allowed_origin_template(origins: tuple[str, ...]) -> str:
    """What starts each response template of POST /messages with several allowed origins: the
    response allows the caller's Origin when it is one of them (a header holds one origin)."""
    if len(origins) < 2 or "*" in origins:
        return ""  # one origin, or any: cors_parameters() answers with it
    return (
        "#set($origin = $input.params('Origin'))"
        "#if($origin == \"\")#set($origin = $input.params('origin'))#end"
        f"#set($allowed = {json.dumps(list(origins))})#if($allowed.contains($origin))"
        "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)#end"
    )


def cors_parameters(origins: tuple[str, ...]) -> dict[str, str]:
    """The CORS headers every response of POST /messages carries: the one allowed origin (or *),
    or, with several, that the answer depends on the caller's Origin."""
    if not origins:
        return {}
    if len(origins) == 1 or "*" in origins:
        return {ALLOW_ORIGIN: "'*'" if "*" in origins else f"'{origins[0]}'"}
    return {VARY: "'Origin'"}


# One JSON object per request in the access log.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "sourceIp": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "userAgent": "$context.identity.userAgent",
    "apiKeyId": "$context.identity.apiKeyId",
    "method": "$context.httpMethod",
    "path": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integration.latency",
    "integrationStatus": "$context.integration.status",
    "integrationError": "$context.integration.error",
    "validationError": "$context.error.validationErrorString",
    "authorizerError": "$context.authorizer.error",
{%- if cookiecutter.api_auth == "jwt" %}
    "tokenSubject": "$context.authorizer.claims.sub",
{%- endif %}
}


# API Gateway writes every REST API's logs as one role per account and Region, named in an
# account setting. One stack of this fixed name owns that role and setting for every service made
# from this template in the account: deploying it again changes nothing, and deleting a service
# leaves it in place for the others.
ACCOUNT_LOGGING_STACK_NAME = "apigateway-account-logging"


class ApiGatewayAccountLogging(Stack):
    """The account's API Gateway logging role and the account setting that names it.

    AWS's managed policy for the role allows every log action on every resource, reading
    included; this one may only create and write log groups of this account and Region.
    """

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=ACCOUNT_LOGGING_STACK_NAME,
            description="The role API Gateway writes the logs of this account's REST APIs with",
            # Every REST API of the account and Region logs through it.
            termination_protection=True,
            **kwargs,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="Lets API Gateway write the logs of this account's REST APIs",
            # Inline, so that the role can write before the account setting names it.
            inline_policies={
                "WriteLogs": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=[
                                "logs:CreateLogGroup",
                                "logs:CreateLogStream",
                                "logs:DescribeLogGroups",
                                "logs:DescribeLogStreams",
                                "logs:PutLogEvents",
                            ],
                            resources=[
                                f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}"
                                ":log-group:*"
                            ],
                        )
                    ]
                )
            },
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:"
                "<AWS::Region>:<AWS::AccountId>:log-group:*]",
                reason="API Gateway uses this one role for the logs of every REST API of the"
                " account and Region, whose log groups are named after API ids unknown here;"
                " it is limited to log groups of this account and Region",
            )
        )
        self.setting = apigw.CfnAccount(self, "Account", cloud_watch_role_arn=self.role.role_arn)


@dataclass(frozen=True)
class ApiSettings:
    """What the API is built with besides the service's settings."""

    names: dict[str, str]
    rest: RestApiSettings
{%- if cookiecutter.api_auth == "jwt" %}
    cognito: CognitoSettings
{%- endif %}

    @classmethod
    def from_values(cls, values: Mapping[str, Any], settings: Settings) -> ApiSettings:
        return cls(
            names=rest_api_settings.resource_names(settings.name_prefix),
            rest=RestApiSettings.from_values(values),
{%- if cookiecutter.api_auth == "jwt" %}
            cognito=CognitoSettings.from_values(values),
{%- endif %}
        )

    def warnings(self, settings: Settings) -> list[str]:
        return self.rest.warnings(settings.api_throttling)


def account_stacks(scope: Construct, api_settings: ApiSettings) -> list[Stack]:
    """Stacks of the account that the service's stack needs first: the account's logging role,
    unless the account has one already (the stage logs, so the role must be set first)."""
    if not api_settings.rest.manage_api_gateway_logging_role:
        return []
    return [ApiGatewayAccountLogging(scope, "ApiGatewayAccountLogging")]


class Api(Construct):
    """POST /messages, its body checked against the message schema, authorized as the project
    was rendered, sending to the queue as send_role."""

    KIND = "REST"
    # The settings modules of this unit: its own rules and names, checked by the app.
{%- if cookiecutter.api_auth == "jwt" %}
    SETTINGS_MODULES = (rest_api_settings, cognito_settings)
{%- else %}
    SETTINGS_MODULES = (rest_api_settings,)
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
        rest = api_settings.rest
        # Off when clients must use the custom domain (disable_default_endpoint in cdk.json).
        self.default_endpoint = not disable_execute_api_endpoint
        api_name, stage_name = api_settings.names["rest_api"], settings.stage

        self.access_log_group = service_logs.log_group(
            self, "AccessLogs", name=settings.names.access_log_group
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=api_name,
            description="Accepts messages and queues them for asynchronous processing",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            disable_execute_api_endpoint=disable_execute_api_endpoint or None,
            cloud_watch_role=False,  # see ApiGatewayAccountLogging
            deploy_options=apigw.StageOptions(
                stage_name=stage_name,
                throttling_rate_limit=settings.api_throttling,
                throttling_burst_limit=settings.api_burst,
                access_log_destination=apigw.LogGroupLogDestination(self.access_log_group),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT)),
                # Errors only, and never the bodies: messages may hold personal data.
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
{%- if cookiecutter.enable_tracing %}
                tracing_enabled=True,
{%- endif %}
            ),
        )
        self.stage = self.rest_api.deployment_stage
        if not self.default_endpoint:  # the CDK's output of the endpoint's URL, which is off
            self.rest_api.node.try_remove_child("Endpoint")
        # API Gateway creates the execution log group on first use, without a retention: made
        # here first, it keeps the stack's retention.
        self.execution_log_group = service_logs.log_group(
            self,
            "ExecutionLogs",
            name=f"API-Gateway-Execution-Logs_{self.rest_api.rest_api_id}/{stage_name}",
        )
        self.stage.node.add_dependency(self.execution_log_group)
{%- if not cookiecutter.enable_tracing %}
        Validations.of(self.stage).acknowledge(
            Acknowledgment(
                id="Serverless::Serverless-APIGWXrayEnabled",
                reason="X-Ray tracing was turned off when the project was rendered"
                " (enable_tracing=false)",
            )
        )
{%- endif %}
        # The schema file is the model as API Gateway stores it (JSON Schema draft 4).
        schema = json.loads(MESSAGE_SCHEMA_FILE.read_text())
        self.message_model = apigw.CfnModel(
            self,
            "MessageModel",
            rest_api_id=self.rest_api.rest_api_id,
            name="Message",
            content_type="application/json",
            schema=schema,
        )
        # A stage serves the models of its deployment: a changed schema needs a new one.
        self.rest_api.latest_deployment.add_to_logical_id(schema)
        self.validator = apigw.RequestValidator(
            self,
            "BodyValidator",
            rest_api=self.rest_api,
            validate_request_body=True,
            validate_request_parameters=True,  # none are required today; any added will be
        )
        origins = settings.cors_origins
        cors = cors_parameters(origins) or None
        with_origin = allowed_origin_template(origins)
        send_message = apigw.AwsIntegration(
            service="sqs",
            path=f"{Aws.ACCOUNT_ID}/{queue.queue_name}",
            integration_http_method="POST",
            options=apigw.IntegrationOptions(
                credentials_role=send_role,
                # A body in any other content type is refused (415), never forwarded unmapped.
                passthrough_behavior=apigw.PassthroughBehavior.NEVER,
                request_parameters={
                    "integration.request.header.Content-Type": FORM_CONTENT_TYPE,
                    "integration.request.header.Accept": "'application/json'",
                },
                request_templates={
                    "application/json": send_message_template(api_keys=rest.api_keys)
                },
                integration_responses=[
                    apigw.IntegrationResponse(
                        status_code="200",
                        response_templates={"application/json": with_origin + SENT_TEMPLATE},
                        response_parameters=cors,
                    ),
                    apigw.IntegrationResponse(
                        status_code="400",
                        selection_pattern="400",
                        response_templates={
                            "application/json": with_origin
                            + refused_template(settings.max_message_kib)
                        },
                        response_parameters=cors,
                    ),
                    apigw.IntegrationResponse(
                        status_code="500",
                        selection_pattern="40[1-9]|4[1-9][0-9]|5[0-9][0-9]",
                        response_templates={"application/json": with_origin + FAILED_TEMPLATE},
                        response_parameters=cors,
                    ),
                ],
            ),
        )
        messages = self.rest_api.root.add_resource(RESOURCE_PATH)
        self.method = messages.add_method(
            "POST",
            send_message,
{%- if cookiecutter.api_auth == "iam" %}
            # Callers sign requests with SigV4 and need execute-api:Invoke on InvokeArn.
            authorization_type=apigw.AuthorizationType.IAM,
{%- elif cookiecutter.api_auth == "jwt" %}
            # Tokens of the user pool that issues them (ID tokens), in the Authorization header.
            authorization_type=apigw.AuthorizationType.COGNITO,
            authorizer=self.cognito_authorizer(api_settings.cognito),
{%- else %}
            authorization_type=apigw.AuthorizationType.NONE,
{%- endif %}
            api_key_required=rest.api_keys,
            request_validator=self.validator,
            request_models={
                "application/json": apigw.Model.from_model_name(
                    self, "MessageModelRef", self.message_model.ref
                )
            },
            method_responses=[
                apigw.MethodResponse(
                    status_code=status,
                    response_parameters={ALLOW_ORIGIN: True, VARY: True} if origins else None,
                )
                for status in ("200", "400", "413", "500")
            ],
        )
        if origins:
            self.allow_origins(messages, origins)

        self.api_key = None
        if rest.api_keys:
            self.api_key = apigw.ApiKey(
                self,
                "ApiKey",
                api_key_name=api_settings.names["api_key"],
                description=f"The first client key of {api_name}; add one per client",
            )
            self.usage_plan = self.rest_api.add_usage_plan(
                "UsagePlan",
                name=api_settings.names["usage_plan"],
                description="Limits of each API key: a steady rate, a burst and a daily quota",
                throttle=apigw.ThrottleSettings(
                    rate_limit=rest.api_key_rate_limit, burst_limit=rest.api_key_burst_limit
                ),
                quota=apigw.QuotaSettings(limit=rest.api_key_daily_quota, period=apigw.Period.DAY),
                api_stages=[apigw.UsagePlanPerApiStage(api=self.rest_api, stage=self.stage)],
            )
            self.usage_plan.add_api_key(self.api_key)

        if rest.web_acl_arn:
            wafv2.CfnWebACLAssociation(
                self, "WebAcl", resource_arn=self.stage.stage_arn, web_acl_arn=rest.web_acl_arn
            )
        else:
            Validations.of(self.stage).acknowledge(
                Acknowledgment(
                    id="AwsSolutions::AwsSolutions-APIG3",
                    reason="No WAF web ACL is set (web_acl_arn in cdk.json is empty); setting"
                    " the ARN of your account's regional web ACL associates it with this stage",
                )
            )

{%- if cookiecutter.api_auth != "jwt" %}
        Validations.of(self.method).acknowledge(
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

    def allow_origins(self, messages: apigw.IResource, origins: tuple[str, ...]) -> None:
        """Let the scripts of web pages from these origins post messages: a preflight (OPTIONS,
        answered by API Gateway itself) says what they may send; every response says who may
        read it, API Gateway's own errors (authorization, throttling, validation) included."""
        preflight = messages.add_cors_preflight(
            allow_origins=list(origins),
            allow_methods=["POST"],
            allow_headers=CORS_ALLOW_HEADERS,
            max_age=CORS_MAX_AGE,
        )
        allowed = cors_parameters(origins).get(ALLOW_ORIGIN)
        # A gateway response has no template to pick one of several origins: it names the
        # caller's. No credentials are allowed, so other sites could read these errors only.
        error_headers = (
            {"Access-Control-Allow-Origin": allowed}
            if allowed
            else {"Access-Control-Allow-Origin": "method.request.header.Origin", "Vary": "'Origin'"}
        )
        for response_type in (apigw.ResponseType.DEFAULT_4_XX, apigw.ResponseType.DEFAULT_5_XX):
            self.rest_api.add_gateway_response(
                f"Cors{response_type.response_type.replace('_', '')}",
                type=response_type,
                response_headers=error_headers,
            )
        for finding in ("AwsSolutions::AwsSolutions-APIG4", "AwsSolutions::AwsSolutions-COG4"):
            Validations.of(preflight).acknowledge(
                Acknowledgment(
                    id=finding,
                    reason="A CORS preflight: browsers send it without credentials, and API"
                    " Gateway answers it itself (a mock integration) with what the allowed"
                    " origins may send; it reaches no queue",
                )
            )
{%- if cookiecutter.api_auth == "jwt" %}

    def cognito_authorizer(self, cognito_settings: CognitoSettings) -> apigw.IAuthorizer:
        pool_region, pool_id = cognito_settings.user_pool
        user_pool = cognito.UserPool.from_user_pool_arn(
            self,
            "UserPool",
            Stack.of(self).format_arn(
                service="cognito-idp",
                region=pool_region,
                resource="userpool",
                resource_name=pool_id,
            ),
        )
        return apigw.CognitoUserPoolsAuthorizer(
            self, "CognitoAuthorizer", cognito_user_pools=[user_pool]
        )
{%- endif %}

    def add_outputs(self, stack: Construct, *, domain_name: str = "") -> None:
        """MessagesUrl: on the custom domain (mapped at its root, without the stage's path)
        when there is one, the default endpoint's URL beside it while that is on."""
        if domain_name:
            url = f"https://{domain_name}/{RESOURCE_PATH}"
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
        if self.api_key:
            CfnOutput(
                stack,
                "ApiKeyId",
                value=self.api_key.key_id,
                description="aws apigateway get-api-key --include-value --api-key <this>",
            )

    @property
    def log_groups(self) -> list[logs.ILogGroup]:
        return [self.access_log_group, self.execution_log_group]

    @property
    def api_id(self) -> str:
        return self.rest_api.rest_api_id

    @property
    def invoke_arn(self) -> str:
        """What an IAM policy allows (execute-api:Invoke) to let a caller post messages."""
        return self.rest_api.arn_for_execute_api("POST", f"/{RESOURCE_PATH}", self.stage.stage_name)

    @property
    def messages_url(self) -> str:
        # The stage's URL ends with a slash.
        return f"{self.rest_api.url}{RESOURCE_PATH}"
