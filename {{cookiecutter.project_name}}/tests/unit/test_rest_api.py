"""The REST API (api_type=rest): validation, the SQS mapping, stage, API keys and authorization."""

import json
import re
import urllib.parse

import jsonschema
import pytest
from api_sqs_devkit.assembly import IntegrationResponse
from api_sqs_devkit.local import mapping
from aws_cdk.assertions import Template

from {{ cookiecutter.__package_name }}.api import infrastructure as rest_api
from {{ cookiecutter.__package_name }}.api.settings import RestApiSettings, resource_names
from {{ cookiecutter.__package_name }}.application import build

from .cfn import (
    actions_of,
    app_of,
    only,
    queue,
{%- if cookiecutter.enable_kms %}
    queue_key,
    role_may_use_key,
{%- endif %}
    statements_of_role,
)

WEB_ACL = (
    "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/edge/0a1b2c3d-0000-4000-8000-000000000000"
)


def post_method(template):
    return only(template, "AWS::ApiGateway::Method", {"HttpMethod": "POST"})


def integration_of(template):
    return post_method(template)[1]["Properties"]["Integration"]


def responses_of(template):
    return integration_of(template)["IntegrationResponses"]


def test_post_messages_is_the_only_route_of_a_regional_api(template, settings, api_names):
    api_id, api = only(template, "AWS::ApiGateway::RestApi", {"Name": api_names["rest_api"]})
    assert api["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    resource_id, resource = only(template, "AWS::ApiGateway::Resource")
    assert resource["Properties"]["PathPart"] == "messages"
    _, method = post_method(template)
    assert method["Properties"]["ResourceId"] == {"Ref": resource_id}
    assert method["Properties"]["RestApiId"] == {"Ref": api_id}


def test_the_body_is_url_encoded_into_a_send_message_form(template, settings):
    queue_id, _ = queue(template, settings.names.queue)
    integration = integration_of(template)
    assert integration["Type"] == "AWS"
    assert integration["IntegrationHttpMethod"] == "POST"
    uri = json.dumps(integration["Uri"])
    assert ":sqs:path/" in uri
    assert {"Fn::GetAtt": [queue_id, "QueueName"]} in integration["Uri"]["Fn::Join"][1]
    assert integration["RequestParameters"] == {
        "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'",
        "integration.request.header.Accept": "'application/json'",
    }
    assert list(integration["RequestTemplates"]) == ["application/json"]
    assert integration["PassthroughBehavior"] == "NEVER"


CALLER = {
    "iam": ("arn:aws:iam::123456789012:user/orders", "AIDAORDERS"),
    "jwt": ("user-sub-1", "user-sub-1"),
    "none": ("anonymous", "anonymous"),
}["{{ cookiecutter.api_auth }}"]


def send_message_form(template, body: str, headers: dict) -> dict:
    """The SendMessage form the integration makes of a request (its mapping template rendered
    as API Gateway renders it), decoded as SQS decodes it."""
    context = {
        "requestId": "req-1",
        "requestTimeEpoch": 1700000000123,
        "identity": {"userArn": CALLER[0], "caller": CALLER[1], "apiKeyId": "key-1"},
        "authorizer": {"claims": {"sub": CALLER[0]}},
    }
    request = mapping.Request(body, headers)
    text = mapping.render_request(
        integration_of(template)["RequestTemplates"]["application/json"], request, context
    )
    assert "\n" not in text  # a line break would end up inside a value
    return dict(urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=True))


def attributes_of(form: dict) -> dict:
    names = {k: v for k, v in form.items() if re.fullmatch(r"MessageAttribute\.\d+\.Name", k)}
    return {
        name: (form[f"{key[:-5]}.Value.DataType"], form[f"{key[:-5]}.Value.StringValue"])
        for key, name in names.items()
    }


def test_every_character_of_the_body_goes_to_the_queue_with_the_envelope(template, context):
    body = '{"note": "a&b=c %20 +\u00e9\n"}'
    form = send_message_form(template, body, {})
    assert form["Action"] == "SendMessage"
    assert form["MessageBody"] == body
    with_key = {"api-key-id": ("String", "key-1")} if context["api_keys"] else {}
    assert attributes_of(form) == {
        "request-id": ("String", "req-1"),
        "received-at": ("Number", "1700000000123"),
        "caller": ("String", CALLER[0]),
        **with_key,
    }
{%- if cookiecutter.queue_type == "fifo" %}
    # The caller's own group; no key: the queue deduplicates by the body's SHA-256.
    assert form["MessageGroupId"] == f"{CALLER[1]}/"
    assert "MessageDeduplicationId" not in form
{%- else %}
    assert "MessageGroupId" not in form and "MessageDeduplicationId" not in form
{%- endif %}


def test_traceparent_and_idempotency_key_join_the_envelope_when_sent(template, context):
    headers = {
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "Idempotency-Key": '"order-7&x"',
        "Message-Group-Id": "orders",
    }
    form = send_message_form(template, "{}", headers)
    attributes = attributes_of(form)
    assert attributes["traceparent"] == ("String", headers["traceparent"])
    assert attributes["idempotency-key"] == ("String", '"order-7&x"')
    assert len(attributes) == 5 + context["api_keys"]
{%- if cookiecutter.queue_type == "fifo" %}
    assert form["MessageGroupId"] == f"{CALLER[1]}/orders"
    assert form["MessageDeduplicationId"] == '"order-7&x"'
{%- endif %}


def test_headers_count_in_either_case(template):
    # An HTTP/2 client sends every header name in lowercase.
    lower = {"idempotency-key": "k-9", "message-group-id": "orders"}
    form = send_message_form(template, "{}", lower)
    assert attributes_of(form)["idempotency-key"] == ("String", "k-9")
{%- if cookiecutter.queue_type == "fifo" %}
    assert form["MessageGroupId"] == f"{CALLER[1]}/orders"
    assert form["MessageDeduplicationId"] == "k-9"
{%- endif %}


def test_with_api_keys_the_envelope_names_the_key(synthesize):
    form = send_message_form(synthesize(api_keys=True), "{}", {})
    assert attributes_of(form)["api-key-id"] == ("String", "key-1")


def test_the_client_gets_the_message_id_as_json(template, settings):
    (sent,) = [r for r in responses_of(template) if "SelectionPattern" not in r]
    assert sent["StatusCode"] == "200"
    # After what names the caller's origin, with several cors_origins.
    origin = rest_api.allowed_origin_template(settings.cors_origins)
    mapping = sent["ResponseTemplates"]["application/json"].removeprefix(origin)
    path = "$input.path('$.SendMessageResponse.SendMessageResult.MessageId')"
    assert path in mapping
    assert json.loads(mapping.replace(path, "m-1")) == {"messageId": "m-1"}


def test_every_failure_status_maps_to_one_answer(template):
    patterns = {
        r["StatusCode"]: r["SelectionPattern"]
        for r in responses_of(template)
        if "SelectionPattern" in r
    }
    assert set(patterns) == {"400", "500"}  # (413 is a 400 SQS answers for a large message)
    for status in range(400, 600):
        matched = [code for code, p in patterns.items() if re.fullmatch(p, str(status))]
        assert matched == (["400"] if status == 400 else ["500"]), status
    declared = {r["StatusCode"] for r in post_method(template)[1]["Properties"]["MethodResponses"]}
    assert declared == {"200", "400", "413", "500"}


def refusal(template, code: str, message: str) -> mapping.MethodAnswer:
    """What the client gets when SQS answers 400 with this error."""
    sqs_error = json.dumps({"Error": {"Code": code, "Message": message, "Type": "Sender"}})
    return mapping.integration_response(
        rest_api_responses(template), 400, sqs_error, {"responseOverride": {"status": None}}
    )


def rest_api_responses(template) -> list[IntegrationResponse]:
    return [
        IntegrationResponse(r["StatusCode"], r.get("SelectionPattern"), r["ResponseTemplates"])
        for r in responses_of(template)
    ]


def test_only_refused_messages_stay_400_others_become_500(template):
    refused = refusal(template, "InvalidMessageContents", "Invalid binary character")
    assert refused.status == 400 and "refused" in json.loads(refused.body)["message"]
    failed = refusal(template, "KMS.AccessDeniedException", "not allowed to use the key")
    assert failed.status == 500


def test_a_message_larger_than_the_queue_takes_is_a_413(template, settings):
    answer = refusal(
        template,
        "InvalidParameterValue",
        "One or more parameters are invalid. Reason: Message must be shorter than"
        f" {settings.max_message_bytes} bytes.",
    )
    assert answer.status == 413
    assert json.loads(answer.body) == {
        "message": f"The message is larger than the {settings.max_message_kib} KiB this API takes"
    }


def test_the_body_is_validated_against_the_schema_file(template):
    _, method = post_method(template)
    model_id, model = only(template, "AWS::ApiGateway::Model")
    assert model["Properties"]["Schema"] == json.loads(rest_api.MESSAGE_SCHEMA_FILE.read_text())
    assert method["Properties"]["RequestModels"] == {"application/json": {"Ref": model_id}}
    validator_id, validator = only(template, "AWS::ApiGateway::RequestValidator")
    assert validator["Properties"]["ValidateRequestBody"] is True
    assert method["Properties"]["RequestValidatorId"] == {"Ref": validator_id}


def test_the_default_schema_accepts_any_object_and_nothing_else():
    schema = json.loads(rest_api.MESSAGE_SCHEMA_FILE.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    validator = jsonschema.Draft4Validator(schema)
    assert validator.is_valid({})
    assert validator.is_valid({"orderId": "1", "lines": [{"sku": "a"}]})
    for body in ([1, 2], "text", 3, None):
        assert not validator.is_valid(body), body


def test_a_changed_schema_is_deployed(synthesize, tmp_path, monkeypatch):
    def deployment_ids():
        return set(synthesize().find_resources("AWS::ApiGateway::Deployment"))

    before = deployment_ids()
    changed = tmp_path / "message_schema.json"
    changed.write_text(json.dumps({"type": "object", "required": ["orderId"]}))
    monkeypatch.setattr(rest_api, "MESSAGE_SCHEMA_FILE", changed)
    assert deployment_ids().isdisjoint(before)


def test_stage_throttles_logs_and_traces(template, settings):
    _, stage = only(template, "AWS::ApiGateway::Stage")
    props = stage["Properties"]
    assert props["StageName"] == settings.stage
    (method_settings,) = props["MethodSettings"]
    assert method_settings["ResourcePath"] == "/*"
    assert method_settings["HttpMethod"] == "*"
    assert method_settings["ThrottlingRateLimit"] == settings.api_throttling
    assert method_settings["ThrottlingBurstLimit"] == settings.api_burst
    assert method_settings["LoggingLevel"] == "ERROR"
    assert method_settings["DataTraceEnabled"] is False  # bodies never reach the logs
{%- if cookiecutter.enable_tracing %}
    assert props["TracingEnabled"] is True
{%- else %}
    assert "TracingEnabled" not in props
{%- endif %}
    access_id, _ = only(
        template, "AWS::Logs::LogGroup", {"LogGroupName": settings.names.access_log_group}
    )
    assert {"Ref": access_id} in props["AccessLogSetting"]["DestinationArn"]["Fn::Join"][1]
    assert json.loads(props["AccessLogSetting"]["Format"])["requestId"] == "$context.requestId"


def test_execution_logs_get_a_retention_before_the_stage_exists(template, settings):
    api_id, _ = only(template, "AWS::ApiGateway::RestApi")
    group_name = {
        "Fn::Join": ["", ["API-Gateway-Execution-Logs_", {"Ref": api_id}, f"/{settings.stage}"]]
    }
    group_id, group = only(template, "AWS::Logs::LogGroup", {"LogGroupName": group_name})
    assert group["Properties"]["RetentionInDays"]
    _, stage = only(template, "AWS::ApiGateway::Stage")
    assert group_id in stage["DependsOn"]


@pytest.fixture(scope="module")
def api_names(settings) -> dict[str, str]:
    return resource_names(settings.name_prefix)


def account_logging(context, **changed):
    """The service's stack and the app's account logging stack (None if the app has none)."""
    app = app_of({**context, **changed})
    stack, _ = build(app)
    return stack, app.node.try_find_child("ApiGatewayAccountLogging")


def test_the_logging_role_lives_in_one_shared_stack_the_service_depends_on(context):
    stack, account_stack = account_logging(context)
    # A fixed name: every service of the account deploys the same stack, none owns the setting.
    assert account_stack.stack_name == rest_api.ACCOUNT_LOGGING_STACK_NAME
    assert account_stack.termination_protection is True
    assert account_stack in stack.dependencies
    service = Template.from_stack(stack)
    assert service.find_resources("AWS::ApiGateway::Account") == {}
    template = Template.from_stack(account_stack)
    _, account = only(template, "AWS::ApiGateway::Account")
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    (statement,) = statements_of_role(template, role_id)
    # Create and write, never read: other services' logs are none of API Gateway's business.
    assert set(actions_of(statement)) == {
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    }
    assert statement["Resource"]["Fn::Join"][1][-1] == ":log-group:*"
    # Inline in the role: it can write before the account setting names it.
    policies = template.find_resources("AWS::IAM::Policy").values()
    assert not [p for p in policies if {"Ref": role_id} in p["Properties"]["Roles"]]


def test_an_account_with_a_logging_role_is_left_alone(context):
    stack, account_stack = account_logging(context, manage_api_gateway_logging_role=False)
    assert account_stack is None
    assert stack.dependencies == []


def test_api_role_may_only_send_to_the_main_queue(template, settings):
    queue_id, _ = queue(template, settings.names.queue)
    role_id = integration_of(template)["Credentials"]["Fn::GetAtt"][0]
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
{%- if cookiecutter.enable_kms %}


def test_the_api_can_encrypt_with_the_key(template, settings):
    key_id, _ = queue_key(template, settings)
    role_id = integration_of(template)["Credentials"]["Fn::GetAtt"][0]
    assert role_may_use_key(template, role_id, key_id, {"kms:GenerateDataKey", "kms:Decrypt"})
{%- endif %}


def test_api_keys_come_with_a_usage_plan_of_rate_burst_and_daily_quota(synthesize, api_names):
    template = synthesize(api_keys=True, api_key_rate_limit=7, api_key_daily_quota=500)
    _, method = post_method(template)
    assert method["Properties"]["ApiKeyRequired"] is True
    plan_id, plan = only(template, "AWS::ApiGateway::UsagePlan")
    assert plan["Properties"]["UsagePlanName"] == api_names["usage_plan"]
    assert plan["Properties"]["Throttle"] == {"RateLimit": 7, "BurstLimit": 14}
    assert plan["Properties"]["Quota"] == {"Limit": 500, "Period": "DAY"}
    stage_id, _ = only(template, "AWS::ApiGateway::Stage")
    assert plan["Properties"]["ApiStages"][0]["Stage"] == {"Ref": stage_id}
    key_id, _ = only(template, "AWS::ApiGateway::ApiKey", {"Name": api_names["api_key"]})
    _, link = only(template, "AWS::ApiGateway::UsagePlanKey")
    assert link["Properties"]["KeyId"] == {"Ref": key_id}
    assert link["Properties"]["UsagePlanId"] == {"Ref": plan_id}


def test_without_api_keys_there_is_no_usage_plan(synthesize):
    template = synthesize(api_keys=False)
    assert post_method(template)[1]["Properties"]["ApiKeyRequired"] is False
    assert template.find_resources("AWS::ApiGateway::UsagePlan") == {}


def test_a_web_acl_is_associated_with_the_stage_when_set(synthesize, template):
    assert template.find_resources("AWS::WAFv2::WebACLAssociation") == {}
    with_acl = synthesize(web_acl_arn=WEB_ACL)
    stage_id, _ = only(with_acl, "AWS::ApiGateway::Stage")
    _, association = only(with_acl, "AWS::WAFv2::WebACLAssociation")
    assert association["Properties"]["WebACLArn"] == WEB_ACL
    assert {"Ref": stage_id} in association["Properties"]["ResourceArn"]["Fn::Join"][1]


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"api_key_rate_limit": 0}, "api_key_rate_limit=0: must be a whole number from 1"),
        ({"api_key_daily_quota": "lots"}, "api_key_daily_quota='lots': must be a whole number"),
        ({"web_acl_arn": "arn:aws:wafv2:x"}, "web_acl_arn='arn:aws:wafv2:x': must be a regional"),
        ({"api_keys": "maybe"}, "api_keys='maybe': must be true or false"),
    ],
)
def test_bad_rest_settings_are_refused_with_one_line(context, changed, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        RestApiSettings.from_values({**context, **changed})
{%- if cookiecutter.api_auth == "iam" %}


def test_callers_sign_requests_with_sigv4(template):
    assert post_method(template)[1]["Properties"]["AuthorizationType"] == "AWS_IAM"
{%- elif cookiecutter.api_auth == "jwt" %}


def test_tokens_are_checked_by_the_issuers_user_pool(template, context):
    issuer = r"https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/(.+)"
    region, pool_id = re.fullmatch(issuer, context["jwt_issuer"]).groups()
    authorizer_id, authorizer = only(template, "AWS::ApiGateway::Authorizer")
    assert authorizer["Properties"]["Type"] == "COGNITO_USER_POOLS"
    assert authorizer["Properties"]["IdentitySource"] == "method.request.header.Authorization"
    (provider,) = authorizer["Properties"]["ProviderARNs"]
    arn = json.dumps(provider)
    assert f":cognito-idp:{region}:" in arn
    assert f":userpool/{pool_id}" in arn
    _, method = post_method(template)
    assert method["Properties"]["AuthorizationType"] == "COGNITO_USER_POOLS"
    assert method["Properties"]["AuthorizerId"] == {"Ref": authorizer_id}
{%- else %}


def test_the_api_is_public_as_chosen(template):
    assert post_method(template)[1]["Properties"]["AuthorizationType"] == "NONE"
{%- endif %}


ALLOW_ORIGIN = "method.response.header.Access-Control-Allow-Origin"


def preflights_of(template) -> list[dict]:
    methods = template.find_resources("AWS::ApiGateway::Method").values()
    return [m["Properties"] for m in methods if m["Properties"]["HttpMethod"] == "OPTIONS"]


def gateway_responses_of(template) -> dict[str, dict]:
    responses = template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    return {r["Properties"]["ResponseType"]: r["Properties"] for r in responses}


def test_no_cross_origin_calls_unless_origins_are_set(synthesize):
    template = synthesize(cors_origins=[])
    assert preflights_of(template) == []
    assert gateway_responses_of(template) == {}
    assert all("ResponseParameters" not in r for r in responses_of(template))


def test_one_origin_gets_a_preflight_and_is_named_by_every_response(synthesize):
    template = synthesize(cors_origins=["https://app.example.com"])
    (preflight,) = preflights_of(template)
    # API Gateway answers it itself, to anyone: browsers send a preflight without credentials.
    assert preflight["Integration"]["Type"] == "MOCK"
    assert preflight["AuthorizationType"] == "NONE"
    assert preflight.get("ApiKeyRequired", False) is False
    (answer,) = preflight["Integration"]["IntegrationResponses"]
    headers = answer["ResponseParameters"]
    assert headers[ALLOW_ORIGIN] == "'https://app.example.com'"
    assert headers["method.response.header.Access-Control-Allow-Methods"] == "'POST'"
    allowed_headers = headers["method.response.header.Access-Control-Allow-Headers"]
    assert {"Content-Type", "Idempotency-Key", "traceparent"} <= set(
        allowed_headers.strip("'").split(",")
    )
    assert headers["method.response.header.Access-Control-Max-Age"] == "'3600'"
    for response in responses_of(template):
        assert response["ResponseParameters"] == {ALLOW_ORIGIN: "'https://app.example.com'"}
    _, method = post_method(template)
    for response in method["Properties"]["MethodResponses"]:
        assert response["ResponseParameters"][ALLOW_ORIGIN] is True
    # API Gateway's own errors (refused authorization, throttling, a body the schema refuses).
    errors = gateway_responses_of(template)
    assert set(errors) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for error in errors.values():
        assert error["ResponseParameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'"
        }


def test_several_origins_each_get_their_own_origin_back(synthesize):
    """A response names one origin: the caller's, when it is one of them, and says it varies."""
    origins = ["https://app.example.com", "http://localhost:3000"]
    template = synthesize(cors_origins=origins)
    for response in responses_of(template):
        assert response["ResponseParameters"] == {"method.response.header.Vary": "'Origin'"}
        answer = response["ResponseTemplates"]["application/json"]
        assert answer.startswith(rest_api.allowed_origin_template(tuple(origins)))
    for origin, allowed in [(origins[1], origins[1]), ("https://evil.example.com", None)]:
        context = {"responseOverride": {"status": None, "header": {}}}
        mapping.render(
            rest_api.allowed_origin_template(tuple(origins)),
            {
                "input": mapping.Input("", mapping.Request("", {"Origin": origin})),
                "context": context,
            },
        )
        assert context["responseOverride"]["header"].get("Access-Control-Allow-Origin") == allowed
