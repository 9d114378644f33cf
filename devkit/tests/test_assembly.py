"""read_service: what it reads from a cloud assembly, and how it refuses one it cannot run."""

import json
from pathlib import Path

import pytest
from api_sqs_devkit.assembly import LOCAL_ACCOUNT, AssemblyError, queue_url, read_service
from assemblies import (
    COGNITO_ISSUER,
    CORS_HEADERS,
    HTTP_AUDIENCES,
    HTTP_ISSUER,
    REST_TEMPLATE,
    STACK,
    FixtureQueue,
    FixtureRoute,
    FixtureTable,
    logical_id,
    write_assembly,
)

TWO_QUEUES = [
    FixtureQueue("orders", max_receive_count=3, batch_size=5, batching_window=2),
    FixtureQueue("refunds", fifo=True, maximum_message_size=2048, max_concurrency=None),
]
TWO_ROUTES = [FixtureRoute("/orders", "orders"), FixtureRoute("/v1/refunds", "refunds")]


def template_of(cdk_out: Path) -> tuple[Path, dict]:
    path = cdk_out / f"{STACK}.template.json"
    return path, json.loads(path.read_text())


def test_an_http_api_with_two_routes_and_two_consumers(tmp_path):
    service = read_service(
        write_assembly(tmp_path, api="http", auth="jwt", queues=TWO_QUEUES, routes=TWO_ROUTES)
    )
    assert (service.stack_name, service.region, service.api.kind) == (STACK, None, "http")
    assert service.api.stage_name == "$default"
    assert (service.api.rate_limit, service.api.burst_limit) == (100, 200)
    routes = {route.key: route for route in service.api.routes}
    assert {key: route.queue.name for key, route in routes.items()} == {
        "POST /orders": "demo-dev-orders",
        "POST /v1/refunds": "demo-dev-refunds.fifo",
    }
    orders = routes["POST /orders"]
    assert (orders.authorization, orders.jwt_issuer) == ("JWT", HTTP_ISSUER)
    assert orders.jwt_audiences == HTTP_AUDIENCES
    assert orders.request_parameters == {"MessageBody": "$request.body"}
    consumers = {consumer.queue.name: consumer for consumer in service.consumers}
    first = consumers["demo-dev-orders"]
    assert (first.function_name, first.handler) == ("demo-dev-orders-consumer", "handler.handler")
    assert (first.batch_size, first.batching_window_seconds, first.max_concurrency) == (5, 2, 2)
    assert first.report_batch_item_failures and first.timeout_seconds == 10
    assert (first.code_dir / "handler.py").is_file()
    assert first.queue.dead_letter.name == "demo-dev-orders-dlq"
    assert first.queue.max_receive_count == 3
    # A reference to a queue resolves to the queue's URL, which the emulator maps to its own.
    assert first.environment["QUEUE_URL"] == queue_url("us-east-1", "demo-dev-orders")
    fifo = consumers["demo-dev-refunds.fifo"]
    assert fifo.max_concurrency is None and fifo.queue.fifo
    assert fifo.queue.attributes["MaximumMessageSize"] == "2048"
    assert fifo.queue.attributes["FifoQueue"] == "true"
    assert fifo.queue.dead_letter.name == "demo-dev-refunds-dlq.fifo"
    assert len(service.queues) == 4
    assert service.outputs["ApiUrl"] == "The API's base URL"


def test_a_rest_api_beside_the_account_logging_stack(tmp_path):
    cdk_out = write_assembly(
        tmp_path,
        api="rest",
        auth="jwt",
        queues=TWO_QUEUES,
        routes=[TWO_ROUTES[0], FixtureRoute("/v1/refunds", "refunds", api_key_required=True)],
        usage_plan=(5, 10, 1000),
        stage="prod",
        region="eu-west-1",
    )
    service = read_service(cdk_out)
    assert (service.api.kind, service.api.stage_name, service.region) == (
        "rest",
        "prod",
        "eu-west-1",
    )
    plan = service.api.usage_plan
    assert (plan.rate_limit, plan.burst_limit, plan.daily_quota) == (5, 10, 1000)
    routes = {route.path: route for route in service.api.routes}
    assert set(routes) == {"/orders", "/v1/refunds"}
    refunds = routes["/v1/refunds"]
    assert refunds.queue.name == "demo-dev-refunds.fifo"
    assert refunds.api_key_required and not routes["/orders"].api_key_required
    assert refunds.authorization == "COGNITO_USER_POOLS"
    assert refunds.jwt_issuer == COGNITO_ISSUER
    assert refunds.request_schema["type"] == "object"
    assert refunds.request_template == REST_TEMPLATE
    assert refunds.passthrough_behavior == "NEVER"
    assert [response.status_code for response in refunds.integration_responses] == [
        "200",
        "400",
        "500",
    ]
    assert refunds.integration_responses[1].selection_pattern == "400"


def test_each_route_sends_to_the_queue_its_integration_names(tmp_path):
    """Routes and queues listed in different orders: the integration decides, not the order."""
    routes = [FixtureRoute("/b", "second"), FixtureRoute("/a", "first")]
    queues = [FixtureQueue("first"), FixtureQueue("second")]
    for api in ("http", "rest"):
        service = read_service(
            write_assembly(tmp_path / api, api=api, queues=queues, routes=routes)
        )
        assert {route.path: route.queue.name for route in service.api.routes} == {
            "/a": "demo-dev-first",
            "/b": "demo-dev-second",
        }


def test_no_assembly_is_one_clear_line(tmp_path):
    with pytest.raises(AssemblyError, match="no cloud assembly in .*run cdk synth"):
        read_service(tmp_path / "cdk.out")


def test_an_assembly_without_an_api(tmp_path):
    cdk_out = write_assembly(tmp_path, api="rest")
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    del manifest["artifacts"][STACK]
    (cdk_out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(AssemblyError, match="no stack in .* holds an API Gateway API"):
        read_service(cdk_out)


def test_a_route_that_integrates_with_something_else_is_named(tmp_path):
    cdk_out = write_assembly(tmp_path, api="http")
    path, template = template_of(cdk_out)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::ApiGatewayV2::Integration":
            resource["Properties"]["IntegrationSubtype"] = "StepFunctions-StartExecution"
    path.write_text(json.dumps(template))
    with pytest.raises(AssemblyError, match="POST /messages integrates with StepFunctions"):
        read_service(cdk_out)


def test_a_function_without_its_asset_folder_says_how_to_synthesize(tmp_path):
    cdk_out = write_assembly(tmp_path, api="http")
    path, template = template_of(cdk_out)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            del resource["Metadata"]["aws:asset:path"]
    path.write_text(json.dumps(template))
    with pytest.raises(AssemblyError, match="aws:cdk:enable-asset-metadata"):
        read_service(cdk_out)


def test_errors_are_one_line(tmp_path):
    cdk_out = write_assembly(tmp_path, api="rest")
    path, template = template_of(cdk_out)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::ApiGateway::Method":
            resource["Properties"]["Integration"]["Uri"] = "arn:aws:apigateway:::lambda:path/x"
    path.write_text(json.dumps(template))
    with pytest.raises(AssemblyError) as raised:
        read_service(cdk_out)
    assert "\n" not in str(raised.value)
    assert "POST /messages integrates with AWS" in str(raised.value)


def test_a_rest_method_s_own_throttle_is_read_from_its_encoded_path(tmp_path):
    """MethodSettings name a method's path with its slashes as ~1 after a leading /
    (/~1v1~1refunds), as aws-cdk-lib writes them; the stage's /* settings cover the rest."""
    cdk_out = write_assembly(tmp_path, api="rest", queues=TWO_QUEUES, routes=TWO_ROUTES)
    path, template = template_of(cdk_out)
    (stage,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    stage["Properties"]["MethodSettings"].append(
        {
            "HttpMethod": "POST",
            "ResourcePath": "/~1v1~1refunds",
            "ThrottlingRateLimit": 7,
            "ThrottlingBurstLimit": 3,
        }
    )
    path.write_text(json.dumps(template))
    routes = {route.path: route for route in read_service(cdk_out).api.routes}
    assert (routes["/v1/refunds"].rate_limit, routes["/v1/refunds"].burst_limit) == (7, 3)
    assert (routes["/orders"].rate_limit, routes["/orders"].burst_limit) == (None, None)


def test_tables_are_read_and_references_to_them_resolve(tmp_path):
    cdk_out = write_assembly(
        tmp_path,
        queues=[FixtureQueue("orders", table="idempotency")],
        tables=[
            FixtureTable("idempotency", kms=True),
            FixtureTable("audit", ttl_attribute=None, table_name="demo-dev-audit"),
        ],
        region="eu-west-1",
    )
    service = read_service(cdk_out)
    tables = {table.name: table for table in service.tables}
    generated = f"{STACK}-{logical_id(STACK, 'IdempotencyTable')}"
    assert set(tables) == {generated, "demo-dev-audit"}
    idempotency = tables[generated]
    assert idempotency.key_schema == (("id", "HASH"),)
    assert idempotency.attribute_types == {"id": "S"}
    assert idempotency.ttl_attribute == "expiration"
    assert idempotency.billing_mode == "PAY_PER_REQUEST"
    assert tables["demo-dev-audit"].ttl_attribute is None
    (consumer,) = service.consumers
    assert consumer.environment["TABLE_NAME"] == generated
    assert consumer.environment["TABLE_ARN"] == (
        f"arn:aws:dynamodb:eu-west-1:{LOCAL_ACCOUNT}:table/{generated}"
    )


def test_a_disabled_time_to_live_is_no_time_to_live(tmp_path):
    cdk_out = write_assembly(tmp_path, tables=[FixtureTable("idempotency")])
    path, template = template_of(cdk_out)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            resource["Properties"]["TimeToLiveSpecification"]["Enabled"] = False
    path.write_text(json.dumps(template))
    (table,) = read_service(cdk_out).tables
    assert table.ttl_attribute is None


def test_fifo_queue_attributes_are_read(tmp_path):
    queue = FixtureQueue(
        "ledger",
        fifo=True,
        deduplication_scope="messageGroup",
        fifo_throughput_limit="perMessageGroupId",
    )
    (consumer,) = read_service(write_assembly(tmp_path, queues=[queue])).consumers
    assert consumer.queue.fifo and consumer.queue.name == "demo-dev-ledger.fifo"
    assert consumer.queue.attributes == {
        "ContentBasedDeduplication": "true",
        "DeduplicationScope": "messageGroup",
        "FifoQueue": "true",
        "FifoThroughputLimit": "perMessageGroupId",
        "MessageRetentionPeriod": "345600",
        "VisibilityTimeout": "30",
    }


@pytest.mark.parametrize(
    ("queue", "refused"),
    [
        pytest.param(FixtureQueue("ledger", fifo=True, batch_size=11), "batches of 11", id="11"),
        pytest.param(FixtureQueue("ledger", fifo=True, batching_window=1), "window of 1 s", id="w"),
    ],
)
def test_a_fifo_event_source_lambda_would_refuse(tmp_path, queue, refused):
    """Lambda: "For FIFO queues, the maximum is 10"; "Batching window is not supported for
    FIFO queues"."""
    with pytest.raises(AssemblyError, match=refused) as raised:
        read_service(write_assembly(tmp_path, queues=[queue]))
    assert "no batching window from a FIFO queue" in str(raised.value)


ORIGINS = ["https://app.example.com", "https://admin.example.com"]


def test_an_http_api_s_cors_configuration(tmp_path):
    service = read_service(write_assembly(tmp_path, api="http", cors_origins=ORIGINS))
    cors = service.api.cors
    assert cors.allow_origins == tuple(ORIGINS)
    assert (cors.allow_methods, cors.allow_headers) == (("POST",), tuple(CORS_HEADERS))
    assert (cors.expose_headers, cors.max_age, cors.allow_credentials) == ((), 600, False)
    assert read_service(write_assembly(tmp_path / "plain", api="http")).api.cors is None


@pytest.mark.parametrize("origins", [ORIGINS[:1], ORIGINS], ids=["one origin", "two origins"])
def test_a_rest_cors_preflight_is_a_mock_route_with_its_header_mappings(tmp_path, origins):
    api = read_service(write_assembly(tmp_path, api="rest", cors_origins=origins)).api
    assert [route.key for route in api.routes] == ["POST /messages"]
    (preflight,) = api.mock_routes
    assert (preflight.key, preflight.integration_type, preflight.queue) == (
        "OPTIONS /messages",
        "MOCK",
        None,
    )
    assert preflight.authorization == "NONE"
    assert preflight.request_templates == {"application/json": "{ statusCode: 200 }"}
    (response,) = preflight.integration_responses
    assert response.status_code == "204" and response.selection_pattern is None
    assert response.parameters == {
        "Access-Control-Allow-Headers": f"'{','.join(CORS_HEADERS)}'",
        "Access-Control-Allow-Origin": "'https://app.example.com'",
        "Vary": "'Origin'",
        "Access-Control-Allow-Methods": "'POST'",
        "Access-Control-Max-Age": "'600'",
    }
    assert set(preflight.response_headers["204"]) == set(response.parameters)
    echoes = "responseOverride.header.Access-Control-Allow-Origin"
    assert (echoes in response.templates.get("application/json", "")) == (len(origins) > 1)
    # The method's own integration responses carry the header too.
    (post,) = api.routes
    header = "Access-Control-Allow-Origin" if len(origins) == 1 else "Vary"
    assert {r.status_code: r.parameters for r in post.integration_responses} == {
        status: {header: "'https://app.example.com'" if len(origins) == 1 else "'Origin'"}
        for status in ("200", "400", "500")
    }
    assert post.response_headers["413"] == (header,)


def test_a_header_mapping_no_method_response_declares_is_refused(tmp_path):
    cdk_out = write_assembly(tmp_path, api="rest", cors_origins=ORIGINS[:1])
    path, template = template_of(cdk_out)
    for resource in template["Resources"].values():
        if resource["Properties"].get("HttpMethod") == "POST":
            resource["Properties"]["MethodResponses"][0]["ResponseParameters"] = {}
    path.write_text(json.dumps(template))
    with pytest.raises(
        AssemblyError,
        match="the 200 integration response maps method.response.header.Access-Control-Allow-"
        "Origin, which no 200 method response declares",
    ):
        read_service(cdk_out)


@pytest.mark.parametrize("api", ["http", "rest"])
def test_a_custom_domain_and_a_disabled_default_endpoint_are_tolerated(tmp_path, api):
    cdk_out = write_assembly(tmp_path, api=api, custom_domain="api.example.com")
    _, template = template_of(cdk_out)
    kinds = {resource["Type"] for resource in template["Resources"].values()}
    assert "AWS::Route53::RecordSet" in kinds
    assert kinds & {"AWS::ApiGatewayV2::ApiMapping", "AWS::ApiGateway::BasePathMapping"}
    service = read_service(cdk_out)
    assert [route.key for route in service.api.routes] == ["POST /messages"]
    assert service.outputs["CustomDomainUrl"] == "The API on its custom domain"


def test_what_prices_and_scales_a_consumer_is_read(tmp_path):
    """Architecture, the event source's provisioned pollers, the queue's KMS key and data key
    reuse period, and how many resources of each type the stack holds."""
    cdk_out = write_assembly(
        tmp_path,
        queues=[
            FixtureQueue(
                "orders",
                kms=True,
                kms_data_key_reuse=600,
                architecture="arm64",
                memory=512,
                max_concurrency=None,
                pollers=(4, 40),
            )
        ],
        alarms=3,
    )
    service = read_service(cdk_out)
    (consumer,) = service.consumers
    assert (consumer.architecture, consumer.memory_mb) == ("arm64", 512)
    assert (consumer.esm_mode, consumer.minimum_pollers, consumer.maximum_pollers) == (
        "provisioned",
        4,
        40,
    )
    key_id = logical_id(STACK, "OrdersQueueKey")
    assert consumer.queue.kms_master_key == f"{key_id}.Arn"
    assert consumer.queue.customer_managed_key
    assert consumer.queue.kms_data_key_reuse_seconds == 600
    assert consumer.queue.dead_letter.kms_master_key == f"{key_id}.Arn"
    # The local queues are created without the key: it is not one of the queue's attributes.
    assert "KmsMasterKeyId" not in consumer.queue.attributes
    assert service.resource_counts["AWS::KMS::Key"] == 1
    assert service.resource_counts["AWS::CloudWatch::Alarm"] == 3
    assert service.resource_counts["AWS::SQS::Queue"] == 2


def test_without_a_key_or_pollers_the_defaults_are_read(tmp_path):
    (consumer,) = read_service(write_assembly(tmp_path)).consumers
    assert (consumer.architecture, consumer.esm_mode) == ("x86_64", "standard")
    assert (consumer.minimum_pollers, consumer.maximum_pollers) == (None, None)
    assert consumer.queue.kms_master_key is None
    assert not consumer.queue.customer_managed_key
    assert consumer.queue.kms_data_key_reuse_seconds == 300  # SQS's default
