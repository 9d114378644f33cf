"""The REST API (api_type=rest): POST /messages checks the body against a JSON schema, then
sends it to the queue through API Gateway's AWS service integration with SQS SendMessage."""

import json
from pathlib import Path

from aws_cdk import Acknowledgment, Aws, Stack, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
{%- if cookiecutter.enable_kms %}
from aws_cdk import aws_kms as kms
{%- endif %}
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from .queues import send_message_role
from .service_logs import ServiceLogs
from .settings import RestApiSettings

RESOURCE_PATH = "messages"
# What a client may post: edit this file to require your fields.
MESSAGE_SCHEMA_FILE = Path(__file__).with_name("message_schema.json")

# SQS's query API takes a form: the body is URL-encoded, so any character arrives unchanged.
SEND_MESSAGE_TEMPLATE = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
FORM_CONTENT_TYPE = "'application/x-www-form-urlencoded'"  # a quoted literal, as mappings need
# The client gets the message id as JSON, not SQS's own response.
SENT_TEMPLATE = (
    '{"messageId": "$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}'
)
# SQS answers 400 both to a message it cannot take (the caller's fault) and to a key it may not
# use (ours): only the first stays a 400, the rest becomes a 500 that the 5xx alarm sees.
REFUSED_TEMPLATE = """#set($code = $input.path('$.Error.Code'))
#set($refused = ["InvalidMessageContents", "InvalidParameterValue", "MissingParameter"])
#if($refused.contains($code))
{"message": "The queue refused the message: empty, too large, or with characters it refuses"}
#else
#set($context.responseOverride.status = 500)
{"message": "The message could not be queued"}
#end"""
FAILED_TEMPLATE = '{"message": "The message could not be queued"}'

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


class IngestApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_name: str,
        stage_name: str,
        queue: sqs.IQueue,
{%- if cookiecutter.enable_kms %}
        encryption_key: kms.IKey,
{%- endif %}
        authorization_type: apigw.AuthorizationType,
        authorizer: apigw.IAuthorizer | None = None,
        rate_limit: int,
        burst_limit: int,
        rest: RestApiSettings,
        usage_plan_name: str,
        api_key_name: str,
        access_log_group_name: str,
        service_logs: ServiceLogs,
    ) -> None:
        super().__init__(scope, construct_id)

        self.access_log_group = service_logs.log_group(
            self, "AccessLogs", name=access_log_group_name
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=api_name,
            description="Accepts messages and queues them for asynchronous processing",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,  # see ApiGatewayAccountLogging
            deploy_options=apigw.StageOptions(
                stage_name=stage_name,
                throttling_rate_limit=rate_limit,
                throttling_burst_limit=burst_limit,
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
        self.send_role = send_message_role(
            self,
            "SendMessageRole",
            description=f"Lets {api_name} send messages to its queue",
            queue=queue,
{%- if cookiecutter.enable_kms %}
            encryption_key=encryption_key,
{%- endif %}
        )

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
        send_message = apigw.AwsIntegration(
            service="sqs",
            path=f"{Aws.ACCOUNT_ID}/{queue.queue_name}",
            integration_http_method="POST",
            options=apigw.IntegrationOptions(
                credentials_role=self.send_role,
                # A body in any other content type is refused (415), never forwarded unmapped.
                passthrough_behavior=apigw.PassthroughBehavior.NEVER,
                request_parameters={
                    "integration.request.header.Content-Type": FORM_CONTENT_TYPE,
                    "integration.request.header.Accept": "'application/json'",
                },
                request_templates={"application/json": SEND_MESSAGE_TEMPLATE},
                integration_responses=[
                    apigw.IntegrationResponse(
                        status_code="200",
                        response_templates={"application/json": SENT_TEMPLATE},
                    ),
                    apigw.IntegrationResponse(
                        status_code="400",
                        selection_pattern="400",
                        response_templates={"application/json": REFUSED_TEMPLATE},
                    ),
                    apigw.IntegrationResponse(
                        status_code="500",
                        selection_pattern="40[1-9]|4[1-9][0-9]|5[0-9][0-9]",
                        response_templates={"application/json": FAILED_TEMPLATE},
                    ),
                ],
            ),
        )
        self.method = self.rest_api.root.add_resource(RESOURCE_PATH).add_method(
            "POST",
            send_message,
            authorization_type=authorization_type,
            authorizer=authorizer,
            api_key_required=rest.api_keys,
            request_validator=self.validator,
            request_models={
                "application/json": apigw.Model.from_model_name(
                    self, "MessageModelRef", self.message_model.ref
                )
            },
            method_responses=[
                apigw.MethodResponse(status_code=status) for status in ("200", "400", "500")
            ],
        )

        self.api_key = None
        if rest.api_keys:
            self.api_key = apigw.ApiKey(
                self,
                "ApiKey",
                api_key_name=api_key_name,
                description=f"The first client key of {api_name}; add one per client",
            )
            self.usage_plan = self.rest_api.add_usage_plan(
                "UsagePlan",
                name=usage_plan_name,
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

    @property
    def log_groups(self) -> list[logs.ILogGroup]:
        return [self.access_log_group, self.execution_log_group]

    @property
    def invoke_arn(self) -> str:
        """What an IAM policy allows (execute-api:Invoke) to let a caller post messages."""
        return self.rest_api.arn_for_execute_api("POST", f"/{RESOURCE_PATH}", self.stage.stage_name)

    @property
    def messages_url(self) -> str:
        # The stage's URL ends with a slash.
        return f"{self.rest_api.url}{RESOURCE_PATH}"
