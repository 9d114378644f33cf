"""Every combination of options, baked with non-default values and synthesized as `cdk synth`
runs it, cdk-nag and cfn-lint included.

Each combination is synthesized once (see the `baked` fixture in conftest.py) and every test of
that combination reads the same template.
"""

import json
import re
import shutil
import subprocess

import pytest

from .bakery import (
    RULES_FILE,
    VENV_BIN,
    bake_ok,
    load_rules,
    project_files,
    synth,
    synth_in_process,
)
from .conftest import combinations

RULES = load_rules(RULES_FILE)

DAY = 24 * 60 * 60


def names(answers):
    prefix = f"{answers['project_name']}-{answers['stage']}"
    fifo = ".fifo" if is_fifo(answers) else ""
    return {
        "stack": f"{prefix}-queue-stack",
        "queue": f"{prefix}-queue{fifo}",
        "dlq": f"{prefix}-dlq{fifo}",
        "idempotency_table": f"{prefix}-idempotency",
        "api": f"{prefix}-{answers['api_type']}-api",
        "function": f"{prefix}-consumer",
        "topic": f"{prefix}-alarms",
        "queue_key": f"alias/{prefix}-queue-key",
        "topic_key": f"alias/{prefix}-alarms-key",
    }


def key_of_alias(synthesized, alias_name):
    _, alias = synthesized.one("AWS::KMS::Alias", AliasName=alias_name)
    return alias["TargetKeyId"]["Fn::GetAtt"][0]


def role_statements(synthesized, role_id):
    return [
        statement
        for policy in synthesized.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def as_list(value):
    return value if isinstance(value, list) else [value]


def is_rest(answers):
    return answers["api_type"] == "rest"


def is_fifo(answers):
    return answers["queue_type"] == "fifo"


def rest_method(synthesized):
    return synthesized.one("AWS::ApiGateway::Method", HttpMethod="POST")[1]


def send_role_id(answers, synthesized):
    """The role API Gateway sends messages to the queue with."""
    if is_rest(answers):
        return rest_method(synthesized)["Integration"]["Credentials"]["Fn::GetAtt"][0]
    _, integration = synthesized.one("AWS::ApiGatewayV2::Integration")
    return integration["CredentialsArn"]["Fn::GetAtt"][0]


def test_stack_and_resources_carry_the_names_asked_for(baked):
    answers, synthesized = baked
    expected = names(answers)
    assert (synthesized.project / "cdk.out" / f"{expected['stack']}.template.json").exists()
    synthesized.one("AWS::SQS::Queue", QueueName=expected["queue"])
    synthesized.one("AWS::SQS::Queue", QueueName=expected["dlq"])
    api_type = "AWS::ApiGateway::RestApi" if is_rest(answers) else "AWS::ApiGatewayV2::Api"
    synthesized.one(api_type, Name=expected["api"])
    synthesized.one("AWS::Lambda::Function", FunctionName=expected["function"])


def test_queue_settings_arrive(baked):
    answers, synthesized = baked
    dlq_id, dlq = synthesized.one("AWS::SQS::Queue", QueueName=names(answers)["dlq"])
    _, queue = synthesized.one("AWS::SQS::Queue", QueueName=names(answers)["queue"])
    _, function = synthesized.one("AWS::Lambda::Function", FunctionName=names(answers)["function"])
    assert queue["MessageRetentionPeriod"] == answers["queue_retention"] * DAY
    assert dlq["MessageRetentionPeriod"] == 14 * DAY
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": answers["dlq_retries"],
    }
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    # The DLQ takes whatever the queue takes.
    assert queue["MaximumMessageSize"] == dlq["MaximumMessageSize"]
    assert queue["MaximumMessageSize"] == answers["max_message_kib"] * 1024
    if is_fifo(answers):
        assert queue["FifoQueue"] is dlq["FifoQueue"] is True
        # A request without an Idempotency-Key is deduplicated by its body, and two callers'
        # messages (two groups) never deduplicate each other.
        assert queue["ContentBasedDeduplication"] is True
        assert queue["DeduplicationScope"] == "messageGroup"
    else:
        assert "FifoQueue" not in queue and "FifoQueue" not in dlq


def test_consumer_settings_arrive(baked):
    answers, synthesized = baked
    _, mapping = synthesized.one("AWS::Lambda::EventSourceMapping")
    assert mapping["BatchSize"] == answers["batch_size"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    if answers["batch_size"] > 10:
        assert mapping["MaximumBatchingWindowInSeconds"] >= 1
    else:
        assert mapping.get("MaximumBatchingWindowInSeconds", 0) == 0


def test_scaling_mode_matches_the_choice(baked):
    """Standard mode: a maximum concurrency. Provisioned: the pollers that run lambda_concurrency
    invocations at once, and no maximum concurrency (AWS refuses the pair)."""
    answers, synthesized = baked
    _, mapping = synthesized.one("AWS::Lambda::EventSourceMapping")
    if answers["esm_mode"] == "provisioned":
        assert "ScalingConfig" not in mapping
        assert mapping["ProvisionedPollerConfig"] == {
            "MinimumPollers": 2,
            "MaximumPollers": RULES.maximum_pollers_for(answers["lambda_concurrency"]),
        }
    else:
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": answers["lambda_concurrency"]}
        assert "ProvisionedPollerConfig" not in mapping


def test_the_options_taken_in_turn_meet_every_value_of_the_others():
    """esm_mode, cors_origins and the custom domain are not multiplied into the matrix: each of
    their values must still meet every value of every other option."""
    answer_sets = [param.values[0] for param in combinations()]
    rotating = {
        "esm_mode": lambda a: a["esm_mode"],
        "cors_origins": lambda a: a["cors_origins"],
        "domain": lambda a: "domain_name" in a,
    }
    crossed = [
        "api_type",
        "api_auth",
        "queue_type",
        "enable_kms",
        "enable_vpc",
        "enable_tracing",
        "enable_idempotency",
        "api_keys",
        *rotating,
    ]
    for name, value_of in rotating.items():
        for other in crossed:
            if other == name:
                continue
            other_of = rotating.get(other, lambda a, other=other: a[other])
            seen = {(value_of(a), other_of(a)) for a in answer_sets}
            every = {value_of(a) for a in answer_sets}, {other_of(a) for a in answer_sets}
            missing = {(v, o) for v in every[0] for o in every[1]} - seen
            assert not missing, f"{name} never meets {other} as {missing}"


def cors_origins(answers) -> list[str]:
    return [origin.strip() for origin in answers["cors_origins"].split(",") if origin.strip()]


def test_cors_matches_the_answer(baked):
    """No CORS unless origins are given; then a preflight and the allowed origin on every
    response of the route, API Gateway's own errors included (REST)."""
    answers, synthesized = baked
    origins = cors_origins(answers)
    if not is_rest(answers):
        _, api = synthesized.one("AWS::ApiGatewayV2::Api")
        if not origins:
            assert "CorsConfiguration" not in api
            return
        cors = api["CorsConfiguration"]
        assert cors["AllowOrigins"] == origins
        assert cors["AllowMethods"] == ["POST"]
        assert "Content-Type" in cors["AllowHeaders"]
        assert "AllowCredentials" not in cors
        return
    preflights = synthesized.of_type("AWS::ApiGateway::Method")
    preflights = {k: r for k, r in preflights.items() if r["Properties"]["HttpMethod"] == "OPTIONS"}
    gateway_responses = synthesized.of_type("AWS::ApiGateway::GatewayResponse")
    _, method = synthesized.one("AWS::ApiGateway::Method", HttpMethod="POST")
    responses = method["Integration"]["IntegrationResponses"]
    if not origins:
        assert not preflights and not gateway_responses
        assert all("ResponseParameters" not in response for response in responses)
        return
    ((_, preflight),) = preflights.items()
    # API Gateway answers it itself: it reaches no queue, with no role.
    assert preflight["Properties"]["Integration"]["Type"] == "MOCK"
    assert "Credentials" not in preflight["Properties"]["Integration"]
    assert preflight["Properties"]["AuthorizationType"] == "NONE"
    (answer,) = preflight["Properties"]["Integration"]["IntegrationResponses"]
    headers = answer["ResponseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Methods"] == "'POST'"
    allow = "method.response.header.Access-Control-Allow-Origin"
    assert headers[allow] == f"'{origins[0]}'"
    assert {r["Properties"]["ResponseType"] for r in gateway_responses.values()} == {
        "DEFAULT_4XX",
        "DEFAULT_5XX",
    }
    for response in responses:
        templates = response["ResponseTemplates"]["application/json"]
        if len(origins) == 1:
            assert response["ResponseParameters"] == {allow: f"'{origins[0]}'"}
            assert "responseOverride.header" not in templates
        else:
            assert response["ResponseParameters"] == {"method.response.header.Vary": "'Origin'"}
            assert f"#set($allowed = {json.dumps(origins)})" in templates
            assert (
                "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)"
                in templates
            )


def test_api_settings_arrive(baked):
    answers, synthesized = baked
    if is_rest(answers):
        _, stage = synthesized.one("AWS::ApiGateway::Stage", StageName=answers["stage"])
        (throttle,) = stage["MethodSettings"]
        route = rest_method(synthesized)
        expected_auth = {"iam": "AWS_IAM", "jwt": "COGNITO_USER_POOLS", "none": "NONE"}
    else:
        _, stage = synthesized.one("AWS::ApiGatewayV2::Stage", StageName="$default")
        throttle = stage["DefaultRouteSettings"]
        _, route = synthesized.one("AWS::ApiGatewayV2::Route", RouteKey="POST /messages")
        expected_auth = {"iam": "AWS_IAM", "jwt": "JWT", "none": "NONE"}
    assert throttle["ThrottlingRateLimit"] == answers["api_throttling"]
    assert throttle["ThrottlingBurstLimit"] == 2 * answers["api_throttling"]
    assert route["AuthorizationType"] == expected_auth[answers["api_auth"]]
    if answers["api_auth"] == "jwt" and is_rest(answers):
        _, authorizer = synthesized.one("AWS::ApiGateway::Authorizer")
        (provider,) = authorizer["ProviderARNs"]
        assert ":cognito-idp:eu-central-1:" in json.dumps(provider)
        assert ":userpool/eu-central-1_Orders1" in json.dumps(provider)
    elif answers["api_auth"] == "jwt":
        _, authorizer = synthesized.one("AWS::ApiGatewayV2::Authorizer")
        assert authorizer["JwtConfiguration"] == {
            "Issuer": answers["jwt_issuer"],
            "Audience": answers["jwt_audience"].split(","),
        }


def test_api_maps_the_body_to_the_queue(baked):
    answers, synthesized = baked
    queue_id, _ = synthesized.one("AWS::SQS::Queue", QueueName=names(answers)["queue"])
    if not is_rest(answers):
        _, integration = synthesized.one("AWS::ApiGatewayV2::Integration")
        assert integration["IntegrationSubtype"] == "SQS-SendMessage"
        parameters = dict(integration["RequestParameters"])
        envelope = json.loads(parameters.pop("MessageAttributes"))
        assert sorted(envelope) == ["caller", "received-at", "request-id"]
        assert envelope["request-id"]["StringValue"] == "${context.requestId}"
        fifo = {"MessageGroupId", "MessageDeduplicationId"} if is_fifo(answers) else set()
        assert parameters.pop("MessageBody") == "$request.body"
        assert parameters.pop("QueueUrl") == {"Ref": queue_id}
        assert set(parameters) == fifo
        return
    # REST: the body is checked against the schema, then URL-encoded into a SendMessage form.
    method = rest_method(synthesized)
    validator_id, validator = synthesized.one("AWS::ApiGateway::RequestValidator")
    assert validator["ValidateRequestBody"] is True
    assert method["RequestValidatorId"] == {"Ref": validator_id}
    model_id, model = synthesized.one("AWS::ApiGateway::Model")
    assert model["Schema"]["type"] == "object"
    assert method["RequestModels"] == {"application/json": {"Ref": model_id}}
    integration = method["Integration"]
    assert integration["Type"] == "AWS"
    assert {"Fn::GetAtt": [queue_id, "QueueName"]} in integration["Uri"]["Fn::Join"][1]
    (form,) = integration["RequestTemplates"].values()
    # Only directives (reading the client's headers) before the form: they print nothing.
    header = r"\$input\.params\('[\w-]+'\)"
    directives = rf'(#set\(\$\w+ = {header}\)|#if\(\$\w+ == ""\)#set\(\$\w+ = {header}\)#end)+'
    form_start = re.escape("Action=SendMessage&MessageBody=$util.urlEncode($input.body)&")
    assert re.match(directives + form_start, form), form[:300]
    for attribute in ("request-id", "received-at", "caller", "traceparent", "idempotency-key"):
        assert f".Name={attribute}&" in form
    assert (".Name=api-key-id&" in form) is answers["api_keys"]
    assert ("&MessageGroupId=" in form) is ("&MessageDeduplicationId=" in form) is is_fifo(answers)
    assert integration["PassthroughBehavior"] == "NEVER"
    statuses = {r["StatusCode"] for r in integration["IntegrationResponses"]}
    assert statuses == {"200", "400", "500"}
    declared = {r["StatusCode"] for r in method["MethodResponses"]}
    assert declared == {"200", "400", "413", "500"}


def test_api_keys_match_the_choice(baked):
    answers, synthesized = baked
    plans = synthesized.of_type("AWS::ApiGateway::UsagePlan")
    if not answers["api_keys"]:
        assert plans == {}
        if is_rest(answers):
            assert rest_method(synthesized)["ApiKeyRequired"] is False
        return
    assert rest_method(synthesized)["ApiKeyRequired"] is True
    (plan,) = plans.values()
    assert plan["Properties"]["Throttle"] == {"RateLimit": 10, "BurstLimit": 20}
    assert plan["Properties"]["Quota"] == {"Limit": 100000, "Period": "DAY"}
    synthesized.one("AWS::ApiGateway::UsagePlanKey")


def test_encryption_matches_the_choice(baked):
    answers, synthesized = baked
    queues = synthesized.of_type("AWS::SQS::Queue").values()
    if not answers["enable_kms"]:
        assert not synthesized.of_type("AWS::KMS::Key")
        assert all(q["Properties"]["SqsManagedSseEnabled"] is True for q in queues)
        return
    key_id = key_of_alias(synthesized, names(answers)["queue_key"])
    key_arn = {"Fn::GetAtt": [key_id, "Arn"]}
    assert all(q["Properties"]["KmsMasterKeyId"] == key_arn for q in queues)
    # Every principal that writes to or reads from the queue can use the key.
    _, function = synthesized.one("AWS::Lambda::Function", FunctionName=names(answers)["function"])
    needs = {
        send_role_id(answers, synthesized): {"kms:GenerateDataKey", "kms:Decrypt"},
        function["Role"]["Fn::GetAtt"][0]: {"kms:Decrypt"},
    }
    for role_id, actions in needs.items():
        granted = {
            action
            for statement in role_statements(synthesized, role_id)
            if statement["Resource"] == key_arn
            for action in as_list(statement["Action"])
        }
        assert actions <= granted, role_id


def test_idempotency_matches_the_choice(baked):
    answers, synthesized = baked
    tables = synthesized.of_type("AWS::DynamoDB::Table")
    _, function = synthesized.one("AWS::Lambda::Function", FunctionName=names(answers)["function"])
    variables = function["Environment"]["Variables"]
    if not answers["enable_idempotency"]:
        assert tables == {}
        assert not [name for name in variables if name.startswith("IDEMPOTENCY")]
        assert "dynamodb" not in json.dumps(synthesized.template).lower()
        return
    table_id, table = synthesized.one(
        "AWS::DynamoDB::Table", TableName=names(answers)["idempotency_table"]
    )
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    production = answers["stage"] == "prod"
    assert synthesized.resources[table_id]["DeletionPolicy"] == (
        "Retain" if production else "Delete"
    )
    assert table["DeletionProtectionEnabled"] is production
    if answers["enable_kms"]:
        key_id = key_of_alias(synthesized, names(answers)["queue_key"])
        assert table["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    else:
        assert table["SSESpecification"] == {"SSEEnabled": True}
    assert variables["IDEMPOTENCY_TABLE"] == {"Ref": table_id}
    # Records live as long as the queue may deliver their message.
    assert variables["IDEMPOTENCY_EXPIRES_AFTER_SECONDS"] == str(answers["queue_retention"] * DAY)


def test_network_matches_the_choice(baked):
    answers, synthesized = baked
    _, function = synthesized.one("AWS::Lambda::Function", FunctionName=names(answers)["function"])
    if answers["enable_vpc"]:
        assert function["VpcConfig"]["SubnetIds"]
        assert synthesized.of_type("AWS::EC2::NatGateway") == {}
        assert synthesized.of_type("AWS::EC2::InternetGateway") == {}
        # The default security group is left with no rule (aws-cdk-lib's custom resource).
        vpc_id, _ = synthesized.one("AWS::EC2::VPC")
        _, restrict = synthesized.one("Custom::VpcRestrictDefaultSG")
        assert restrict["DefaultSecurityGroupId"] == {
            "Fn::GetAtt": [vpc_id, "DefaultSecurityGroup"]
        }
        # With idempotency, the isolated subnets reach DynamoDB through a gateway endpoint that
        # serves the idempotency table only.
        endpoints = list(synthesized.of_type("AWS::EC2::VPCEndpoint").values())
        if not answers["enable_idempotency"]:
            assert endpoints == []
            return
        (endpoint,) = [e["Properties"] for e in endpoints]
        assert json.dumps(endpoint["ServiceName"]).endswith('".dynamodb"]]}')
        assert endpoint["VpcEndpointType"] == "Gateway"
        tables = synthesized.of_type("AWS::DynamoDB::Table")
        (statement,) = endpoint["PolicyDocument"]["Statement"]
        assert statement["Resource"] == {"Fn::GetAtt": [next(iter(tables)), "Arn"]}
        subnets = synthesized.of_type("AWS::EC2::SubnetRouteTableAssociation").values()
        assert sorted(endpoint["RouteTableIds"], key=json.dumps) == sorted(
            (a["Properties"]["RouteTableId"] for a in subnets), key=json.dumps
        )
    else:
        assert "VpcConfig" not in function
        assert not [r for r in synthesized.resources.values() if r["Type"].startswith("AWS::EC2::")]


def test_rule_packs_report_no_unacknowledged_finding(baked):
    _, synthesized = baked
    reports = {p["pluginName"]: p for p in synthesized.report["pluginReports"]}
    # A pack with nothing to report (not even an acknowledgement) leaves no report.
    assert "Serverless" in reports
    assert set(reports) <= {"AwsSolutions", "Serverless"}
    for report in reports.values():
        assert report["conclusion"] == "success"
        assert report["violations"] == []
        for acknowledged in report.get("suppressedViolations", []):
            assert len(acknowledged["reason"]) > 40, acknowledged


def test_every_synth_lints_its_templates_and_a_finding_fails_it(cookies):
    """cfn-lint runs inside the app's synth (app.py is the same in every combination, so every
    combination's synth above was linted): a template it refuses stops the synth."""
    project = bake_ok(cookies)
    stack = project / "orders_ingest/stack.py"
    code = stack.read_text()
    anchor = "        api.add_outputs(self)"
    assert anchor in code
    # SQS takes a visibility timeout of at most 43,200 seconds.
    broken = (
        "        CfnResource(self, 'Broken', type='AWS::SQS::Queue',"
        " properties={'VisibilityTimeout': 50000})\n"
    )
    stack.write_text("from aws_cdk import CfnResource\n" + code.replace(anchor, broken + anchor, 1))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        synth_in_process(project)
    report = json.loads((project / "cdk.out/validation-report.json").read_text())
    (lint,) = [p for p in report["pluginReports"] if p["pluginName"] == "cfn-lint"]
    assert [v["ruleName"] for v in lint["violations"]] == ["E3034"]


def test_the_tests_synthesize_what_the_cdk_cli_does(cookies, tmp_path):
    """The matrix runs most synths in the test process: the cloud assembly is the CLI's."""
    project = bake_ok(cookies, api_type="rest", api_keys=True)
    synth(project)
    by_cli = {p.name: p.read_bytes() for p in (project / "cdk.out").glob("*.template.json")}
    shutil.rmtree(project / "cdk.out")
    synth_in_process(project)
    in_process = {p.name: p.read_bytes() for p in (project / "cdk.out").glob("*.template.json")}
    assert len(by_cli) == 2
    assert in_process == by_cli


# Jinja that was not rendered. A lone "}}" is left out: nested Python dicts end with it; so is
# "${{", a GitHub Actions expression in the CI workflow.
LEFTOVER = re.compile(r"(?<!\$){{|{%|%}|{#|cookiecutter\.")


def test_rendered_files_are_clean_and_the_code_passes_ruff(baked):
    _, synthesized = baked
    for path in project_files(synthesized.project):
        text = path.read_text()
        assert not LEFTOVER.search(text), f"{path}: {LEFTOVER.search(text).group()}"
        if path.suffix == ".json":
            json.loads(text)
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [str(VENV_BIN / "ruff"), *command],
            cwd=synthesized.project,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


# Actions AWS authorizes only on Resource "*" (no resource-level permissions).
# Who may do what (roles, resource and key policies) is tests/test_flows.py.


def test_both_queues_deny_requests_without_tls(baked):
    _, synthesized = baked
    denied = set()
    for policy in synthesized.of_type("AWS::SQS::QueuePolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement["Condition"] == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                denied |= {ref["Ref"] for ref in policy["Properties"]["Queues"]}
    assert denied == set(synthesized.of_type("AWS::SQS::Queue"))


def test_alarms_notify_one_topic_encrypted_as_the_queues(baked):
    answers, synthesized = baked
    topic_id, topic = synthesized.one("AWS::SNS::Topic", TopicName=names(answers)["topic"])
    alarms = synthesized.of_type("AWS::CloudWatch::Alarm").values()
    prefix = f"{answers['project_name']}-{answers['stage']}-"
    assert sorted(a["Properties"]["AlarmName"].removeprefix(prefix) for a in alarms) == [
        "api-4xx-rate",
        "api-5xx",
        "backlog-aging",
        "consumer-errors",
        "consumer-throttled",
        "dlq-not-empty",
    ]
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": topic_id}] for a in alarms)
    backlog = next(a for a in alarms if a["Properties"]["AlarmName"].endswith("backlog-aging"))
    assert backlog["Properties"]["Threshold"] == answers["queue_retention"] * DAY // 4
    if answers["enable_kms"]:
        key_id = key_of_alias(synthesized, names(answers)["topic_key"])
        assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    else:
        assert "KmsMasterKeyId" not in topic
    subscriptions = [
        s["Properties"] for s in synthesized.of_type("AWS::SNS::Subscription").values()
    ]
    expected = [answers["alarm_email"]] if answers["alarm_email"] else []
    assert [s["Endpoint"] for s in subscriptions] == expected


def test_dashboard_is_named_after_the_stack(baked):
    answers, synthesized = baked
    _, dashboard = synthesized.one("AWS::CloudWatch::Dashboard")
    assert dashboard["DashboardName"] == names(answers)["stack"]


def test_tracing_matches_the_choice(baked):
    answers, synthesized = baked
    _, function = synthesized.one("AWS::Lambda::Function", FunctionName=names(answers)["function"])
    if answers["enable_tracing"]:
        assert function["TracingConfig"] == {"Mode": "Active"}
    else:
        assert "TracingConfig" not in function
    if is_rest(answers):
        (stage,) = synthesized.of_type("AWS::ApiGateway::Stage").values()
        assert stage["Properties"].get("TracingEnabled", False) is answers["enable_tracing"]


def test_logs_are_kept_a_year_in_production_and_two_weeks_elsewhere(baked):
    answers, synthesized = baked
    expected = 365 if answers["stage"] == "prod" else 14
    groups = synthesized.of_type("AWS::Logs::LogGroup")
    assert groups
    assert {g["Properties"]["RetentionInDays"] for g in groups.values()} == {expected}
