"""The HTTP API (api_type=http): route, integration, stage and authorization."""

import json

from {{ cookiecutter.__package_name }}.api.settings import resource_names

from .cfn import (
    actions_of,
    only,
    queue,
{%- if cookiecutter.enable_kms %}
    queue_key,
    role_may_use_key,
{%- endif %}
    statements_of_role,
)

CALLER = {
    "iam": ("${context.identity.userArn}", "${context.identity.caller}"),
    "jwt": ("${context.authorizer.claims.sub}", "${context.authorizer.claims.sub}"),
    "none": ("anonymous", "anonymous"),
}["{{ cookiecutter.api_auth }}"]


def test_api_route_sends_the_body_unchanged_with_its_envelope_to_the_queue(template, settings):
    queue_id, _ = queue(template, settings.names.queue)
    api_name = resource_names(settings.name_prefix)["http_api"]
    api_id, _ = only(template, "AWS::ApiGatewayV2::Api", {"Name": api_name})
    integration_id, integration = only(template, "AWS::ApiGatewayV2::Integration")
    assert integration["Properties"]["IntegrationSubtype"] == "SQS-SendMessage"
    parameters = dict(integration["Properties"]["RequestParameters"])
    assert json.loads(parameters.pop("MessageAttributes")) == {
        "request-id": {"DataType": "String", "StringValue": "${context.requestId}"},
        "received-at": {"DataType": "Number", "StringValue": "${context.requestTimeEpoch}"},
        "caller": {"DataType": "String", "StringValue": CALLER[0]},
    }
    assert parameters == {
        "QueueUrl": {"Ref": queue_id},
        "MessageBody": "$request.body",
{%- if cookiecutter.queue_type == "fifo" %}
        # The caller's own groups; the client's key, or else the body, deduplicates.
        "MessageGroupId": CALLER[1] + "/${request.header.message-group-id}",
        "MessageDeduplicationId": "$request.header.idempotency-key",
{%- endif %}
    }
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Route",
        {
            "ApiId": {"Ref": api_id},
            "RouteKey": "POST /messages",
            "Target": {"Fn::Join": ["", ["integrations/", {"Ref": integration_id}]]},
        },
    )


def test_api_role_may_only_send_to_the_main_queue(template, settings):
    queue_id, _ = queue(template, settings.names.queue)
    _, integration = only(template, "AWS::ApiGatewayV2::Integration")
    role_id = integration["Properties"]["CredentialsArn"]["Fn::GetAtt"][0]
    sqs_statements = [
        s for s in statements_of_role(template, role_id) if "sqs:" in " ".join(actions_of(s))
    ]
    assert sqs_statements == [
        {
            "Action": "sqs:SendMessage",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        }
    ]


def test_stage_throttles_at_the_configured_rate_and_logs_json(template, settings):
    _, stage = only(template, "AWS::ApiGatewayV2::Stage")
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"] == settings.api_throttling
    assert props["DefaultRouteSettings"]["ThrottlingBurstLimit"] == settings.api_burst
    assert props["AccessLogSettings"]["Format"].startswith('{"requestId": "$context.requestId"')
    log_group_id, _ = only(
        template, "AWS::Logs::LogGroup", {"LogGroupName": settings.names.access_log_group}
    )
    assert props["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
{%- if cookiecutter.enable_kms %}


def test_the_api_can_encrypt_with_the_key(template, settings):
    key_id, _ = queue_key(template, settings)
    _, integration = only(template, "AWS::ApiGatewayV2::Integration")
    role_id = integration["Properties"]["CredentialsArn"]["Fn::GetAtt"][0]
    # SendMessage to an SSE-KMS queue needs a data key, and Decrypt to reuse a cached one.
    assert role_may_use_key(template, role_id, key_id, {"kms:GenerateDataKey", "kms:Decrypt"})
{%- endif %}


{%- if cookiecutter.api_auth == "iam" %}


def test_route_requires_sigv4_signed_requests(template):
    _, route = only(template, "AWS::ApiGatewayV2::Route")
    assert route["Properties"]["AuthorizationType"] == "AWS_IAM"
{%- elif cookiecutter.api_auth == "jwt" %}


def test_route_requires_a_jwt_from_the_configured_issuer(template, context):
    authorizer_id, authorizer = only(template, "AWS::ApiGatewayV2::Authorizer")
    assert authorizer["Properties"]["AuthorizerType"] == "JWT"
    assert authorizer["Properties"]["JwtConfiguration"] == {
        "Issuer": context["jwt_issuer"],
        "Audience": context["jwt_audience"].split(","),
    }
    _, route = only(template, "AWS::ApiGatewayV2::Route")
    assert route["Properties"]["AuthorizationType"] == "JWT"
    assert route["Properties"]["AuthorizerId"] == {"Ref": authorizer_id}
{%- else %}


def test_route_is_public_as_chosen(template):
    _, route = only(template, "AWS::ApiGatewayV2::Route")
    assert route["Properties"]["AuthorizationType"] == "NONE"
{%- endif %}


def test_no_cross_origin_calls_unless_origins_are_set(synthesize):
    assert "CorsConfiguration" not in api_of(synthesize(cors_origins=[]))


def test_the_origins_set_may_call_the_api_from_a_browser(synthesize):
    """API Gateway answers their preflight and adds the allowed origin to every response."""
    origins = ["https://app.example.com", "http://localhost:3000"]
    cors = api_of(synthesize(cors_origins=origins))["CorsConfiguration"]
    assert cors["AllowOrigins"] == origins
    assert cors["AllowMethods"] == ["POST"]
    assert cors["MaxAge"] == 3600
    assert {"Content-Type"{% if cookiecutter.api_auth != "none" %}, "Authorization"{% endif %}} <= set(cors["AllowHeaders"])
    assert "AllowCredentials" not in cors  # tokens go in headers, never cookies


def api_of(template) -> dict:
    (api,) = template.find_resources("AWS::ApiGatewayV2::Api").values()
    return api["Properties"]
