"""Small cloud assemblies shaped like what aws-cdk-lib synthesizes for the service, for tests.

    cdk_out = write_assembly(tmp_path, api="rest", auth="jwt",
                             queues=[FixtureQueue("orders"), FixtureQueue("refunds")],
                             routes=[FixtureRoute("/orders", "orders"),
                                     FixtureRoute("/refunds", "refunds")])

With cors_origins, the API allows those origins as the template's cors_origins does: an HTTP
API's CorsConfiguration, or on a REST API an OPTIONS method per resource shaped as the CDK's
add_cors_preflight synthesizes it, and Access-Control-Allow-Origin on every integration response
of the methods (one origin: a static header mapping; several: the request's Origin echoed by the
response templates when it is allowed, with Vary: Origin). With custom_domain, the API is
served on that domain only (DisableExecuteApiEndpoint), with its DNS record.

Each queue gets a dead-letter queue and a consumer function whose asset folder holds
`handler.py` and `business_logic.py` (the same module names in every consumer). The handler
writes every record it is given to `<record_dir>/<consumer>-<pid>.jsonl` with what became of it
(read them with `processed(record_dir)`, or `attempts(record_dir)` for the failed ones too),
reports a record whose body holds "fail" as a batch item failure (one that holds "once" on its
first receive only), and raises on one that holds "crash" (the whole batch fails). On a FIFO
queue it fails the rest of the batch after the first failure, as Powertools'
SqsFifoPartialProcessor does. A record whose body holds "slow" takes 0.1 s. A consumer given a
table (FixtureQueue.table) puts an item per processed record into it with boto3: {"id":
messageId, "body": body, "expiration": in an hour}.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

STACK = "demo-dev-queue-stack"
REST_TEMPLATE = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
FORM_CONTENT_TYPE = "'application/x-www-form-urlencoded'"
HTTP_ISSUER = "https://issuer.example.com/"
HTTP_AUDIENCES = ("my-client",)
COGNITO_POOL_ARN = "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_AbCdEf123"
COGNITO_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
# The request headers a browser may send cross-origin, as the template allows them.
CORS_HEADERS = [
    "content-type",
    "authorization",
    "idempotency-key",
    "message-group-id",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
]
CORS_MAX_AGE = 600
CERTIFICATE_ARN = (
    "arn:aws:acm:us-east-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
)

HANDLER = """\
import time

import business_logic


def handler(event, context):
    started = time.time_ns()
    failures = []
    for record in event["Records"]:
        if "crash" in record["body"]:
            raise RuntimeError("a crash fails the whole batch")
        fifo = "MessageGroupId" in record["attributes"]
        if failures and fifo:  # the rest of a FIFO batch fails after the first failure
            outcome = "skipped"
        elif "fail" in record["body"]:
            outcome = "failed"
        elif "once" in record["body"] and record["attributes"]["ApproximateReceiveCount"] == "1":
            outcome = "failed"
        else:
            outcome = "processed"
        if outcome != "processed":
            failures.append({"itemIdentifier": record["messageId"]})
        business_logic.process(record, outcome, context.aws_request_id, started)
    return {"batchItemFailures": failures}
"""

BUSINESS_LOGIC = """\
import json
import os
import time

CONSUMER = {consumer!r}


def process(record, outcome, invocation, started):
    if "slow" in record["body"] and outcome == "processed":
        time.sleep(0.1)
    if os.environ.get("TABLE_NAME") and outcome == "processed":
        import boto3

        boto3.client("dynamodb").put_item(
            TableName=os.environ["TABLE_NAME"],
            Item={{
                "id": {{"S": record["messageId"]}},
                "body": {{"S": record["body"]}},
                "expiration": {{"N": str(int(time.time()) + 3600)}},
            }},
        )
    line = {{
        "consumer": CONSUMER,
        "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""),
        "outcome": outcome,
        "invocation": invocation,
        "started": started,
        "finished": time.time_ns(),
        "messageId": record["messageId"],
        "body": record["body"],
        "messageAttributes": record["messageAttributes"],
        "attributes": record["attributes"],
        "eventSourceARN": record["eventSourceARN"],
    }}
    path = os.path.join(os.environ["RECORD_DIR"], f"{{CONSUMER}}-{{os.getpid()}}.jsonl")
    with open(path, "a", encoding="utf-8") as records:
        records.write(json.dumps(line) + "\\n")
"""

# Integration responses of a REST method: SQS's answer mapped to the client's.
REST_RESPONSES = [
    {
        "StatusCode": "200",
        "ResponseTemplates": {
            "application/json": (
                '{"messageId": "$input.path(\'$.SendMessageResponse.SendMessageResult'
                ".MessageId')\"}"
            )
        },
    },
    {
        "StatusCode": "400",
        "SelectionPattern": "400",
        "ResponseTemplates": {
            "application/json": (
                "#set($code = $input.path('$.Error.Code'))\n"
                '#if($code == "InvalidMessageContents" || $code == "InvalidParameterValue")\n'
                '{"message": "The queue refused the message", "code": "$code"}\n'
                "#else\n"
                "#set($context.responseOverride.status = 500)\n"
                '{"message": "The message could not be queued"}\n'
                "#end"
            )
        },
    },
    {
        "StatusCode": "500",
        "SelectionPattern": "5\\d{2}",
        "ResponseTemplates": {"application/json": '{"message": "The message could not be queued"}'},
    },
]


@dataclass
class FixtureQueue:
    """A queue, its dead-letter queue and its consumer."""

    name: str  # short: the queue is demo-dev-<name>, its consumer demo-dev-<name>-consumer
    max_receive_count: int = 2
    visibility_timeout: int = 30
    maximum_message_size: int | None = None
    fifo: bool = False
    batch_size: int = 10
    batching_window: int = 0
    max_concurrency: int | None = 2
    report_batch_item_failures: bool = True
    timeout: int = 10
    deduplication_scope: str | None = None  # FIFO: queue | messageGroup
    fifo_throughput_limit: str | None = None  # FIFO: perQueue | perMessageGroupId
    table: str | None = None  # a FixtureTable.name: TABLE_NAME (Ref) and TABLE_ARN (GetAtt)
    kms: bool = False  # queue and DLQ encrypted with a customer-managed key of the stack
    kms_data_key_reuse: int | None = None  # KmsDataKeyReusePeriodSeconds; None: SQS's 300
    architecture: str | None = None  # the consumer's Architectures[0]; None: left out (x86_64)
    memory: int = 256  # the consumer's MemorySize
    # The event source's ProvisionedPollerConfig (MinimumPollers, MaximumPollers; None: left
    # out); None: no config, the standard mode. Give max_concurrency=None with it.
    pollers: tuple[int | None, int | None] | None = None


@dataclass
class FixtureTable:
    """A DynamoDB table shaped like the one Powertools' idempotency uses."""

    name: str  # short: its logical id is <Name>Table
    ttl_attribute: str | None = "expiration"
    table_name: str | None = None  # None: CloudFormation makes one up
    kms: bool = False  # encrypted with a customer managed KMS key of the stack


@dataclass
class FixtureRoute:
    path: str
    queue: str  # the FixtureQueue.name it sends to
    method: str = "POST"
    request_template: str = REST_TEMPLATE  # REST only
    schema: dict | None = field(default_factory=lambda: {"type": "object"})  # REST only
    api_key_required: bool = False  # REST only
    # HTTP only: more SendMessage parameters, e.g. {"MessageGroupId": "$request.header.group"}
    parameters: dict[str, str] = field(default_factory=dict)


def logical_id(*path: str) -> str:
    """An id as the CDK makes one: the path's parts and a hash of the path."""
    digest = hashlib.md5("/".join(path).encode()).hexdigest()[:8].upper()
    return "".join(part.replace("-", "").replace("/", "") for part in path)[:200] + digest


def ref(resource: str) -> dict:
    return {"Ref": resource}


def get_att(resource: str, attribute: str) -> dict:
    return {"Fn::GetAtt": [resource, attribute]}


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def write_assembly(
    directory: Path,
    *,
    api: str = "http",
    auth: str = "none",
    queues: list[FixtureQueue] | None = None,
    routes: list[FixtureRoute] | None = None,
    rate_limit: float = 100,
    burst_limit: int = 200,
    usage_plan: tuple[float, int, int] | None = None,  # rate, burst, daily quota
    stage: str = "dev",
    region: str | None = None,
    record_dir: Path | None = None,
    tables: list[FixtureTable] | None = None,
    cors_origins: list[str] | None = None,
    custom_domain: str | None = None,
    alarms: int = 0,
) -> Path:
    """A cloud assembly in `directory` (made if missing); returns it. auth: iam, jwt or none
    (jwt is a JWT authorizer on an HTTP API, a Cognito user pool authorizer on a REST API)."""
    queues = queues or [FixtureQueue("orders")]
    routes = routes or [FixtureRoute("/messages", queues[0].name)]
    directory.mkdir(parents=True, exist_ok=True)
    record_dir = record_dir or directory / "records"
    record_dir.mkdir(exist_ok=True)
    resources: dict[str, dict] = {}
    outputs: dict[str, dict] = {}
    queue_ids = {}
    table_ids = {table.name: add_table(resources, table) for table in tables or []}
    for queue in queues:
        queue_ids[queue.name] = add_queue(resources, queue)
        add_consumer(resources, directory, queue, queue_ids[queue.name], record_dir, table_ids)
    if api == "http":
        add_http_api(resources, outputs, routes, queue_ids, auth, rate_limit, burst_limit)
        if cors_origins:
            add_http_cors(resources, cors_origins)
    elif api == "rest":
        add_rest_api(
            resources, outputs, routes, queue_ids, auth, rate_limit, burst_limit, stage, usage_plan
        )
        if cors_origins:
            add_rest_cors(resources, cors_origins)
    else:
        raise ValueError(f"api must be http or rest, not {api!r}")
    if custom_domain:
        add_custom_domain(resources, outputs, api, custom_domain)
    for queue in queues:
        outputs[pascal(queue.name) + "QueueUrl"] = {"Value": ref(queue_ids[queue.name])}
    for number in range(alarms):
        resources[logical_id(STACK, f"Alarm{number}")] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {"ComparisonOperator": "GreaterThanThreshold", "EvaluationPeriods": 1},
        }
    stacks = {STACK: {"Resources": resources, "Outputs": outputs}}
    if api == "rest":  # the account's logging role: a stack of its own, with no API
        stacks["ApiGatewayAccountLogging"] = {
            "Resources": {
                "Role1ABCC5F0": {"Type": "AWS::IAM::Role", "Properties": {}},
                "Account": {
                    "Type": "AWS::ApiGateway::Account",
                    "Properties": {"CloudWatchRoleArn": get_att("Role1ABCC5F0", "Arn")},
                },
            }
        }
    write_manifest(directory, stacks, region)
    return directory


def write_manifest(directory: Path, stacks: dict[str, dict], region: str | None) -> None:
    environment = f"aws://unknown-account/{region or 'unknown-region'}"
    artifacts: dict[str, dict] = {}
    for name, template in stacks.items():
        template_file = f"{name}.template.json"
        (directory / template_file).write_text(json.dumps(template, indent=1))
        artifacts[f"{name}.assets"] = {
            "type": "cdk:asset-manifest",
            "properties": {"file": f"{name}.assets.json"},
        }
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": environment,
            "properties": {"templateFile": template_file, "validateOnSynth": False},
            "dependencies": [f"{name}.assets"],
            "displayName": name,
        }
    artifacts["Tree"] = {"type": "cdk:tree", "properties": {"file": "tree.json"}}
    manifest = {"version": "48.0.0", "artifacts": artifacts}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1))


def add_queue(resources: dict, queue: FixtureQueue) -> str:
    base = pascal(queue.name)
    suffix = ".fifo" if queue.fifo else ""
    dlq_id = logical_id(STACK, f"{base}DeadLetterQueue")
    queue_id = logical_id(STACK, f"{base}Queue")
    # What the queue and its DLQ share: FIFO, encryption.
    shared: dict = {"FifoQueue": True} if queue.fifo else {}
    if queue.kms:
        key_id = logical_id(STACK, f"{base}QueueKey")
        resources[key_id] = {
            "Type": "AWS::KMS::Key",
            "Properties": {"EnableKeyRotation": True, "KeyPolicy": {}},
        }
        shared["KmsMasterKeyId"] = get_att(key_id, "Arn")
        if queue.kms_data_key_reuse is not None:
            shared["KmsDataKeyReusePeriodSeconds"] = queue.kms_data_key_reuse
    resources[dlq_id] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "MessageRetentionPeriod": 1209600,
            "QueueName": f"demo-dev-{queue.name}-dlq{suffix}",
            **shared,
        },
        "UpdateReplacePolicy": "Delete",
        "DeletionPolicy": "Delete",
    }
    properties = {
        "MessageRetentionPeriod": 345600,
        "QueueName": f"demo-dev-{queue.name}{suffix}",
        "RedrivePolicy": {
            "deadLetterTargetArn": get_att(dlq_id, "Arn"),
            "maxReceiveCount": queue.max_receive_count,
        },
        "VisibilityTimeout": queue.visibility_timeout,
        **shared,
    }
    if queue.fifo:
        properties["ContentBasedDeduplication"] = True
    if queue.deduplication_scope:
        properties["DeduplicationScope"] = queue.deduplication_scope
    if queue.fifo_throughput_limit:
        properties["FifoThroughputLimit"] = queue.fifo_throughput_limit
    if queue.maximum_message_size is not None:
        properties["MaximumMessageSize"] = queue.maximum_message_size
    resources[queue_id] = {
        "Type": "AWS::SQS::Queue",
        "Properties": properties,
        "UpdateReplacePolicy": "Delete",
        "DeletionPolicy": "Delete",
    }
    return queue_id


def add_table(resources: dict, table: FixtureTable) -> str:
    table_id = logical_id(STACK, f"{pascal(table.name)}Table")
    properties: dict = {
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    }
    if table.ttl_attribute:
        properties["TimeToLiveSpecification"] = {
            "AttributeName": table.ttl_attribute,
            "Enabled": True,
        }
    if table.table_name:
        properties["TableName"] = table.table_name
    if table.kms:
        key_id = logical_id(STACK, f"{pascal(table.name)}TableKey")
        resources[key_id] = {
            "Type": "AWS::KMS::Key",
            "Properties": {"EnableKeyRotation": True, "KeyPolicy": {}},
        }
        properties["SSESpecification"] = {
            "KMSMasterKeyId": get_att(key_id, "Arn"),
            "SSEEnabled": True,
            "SSEType": "KMS",
        }
    resources[table_id] = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": properties,
        "UpdateReplacePolicy": "Delete",
        "DeletionPolicy": "Delete",
    }
    return table_id


def add_consumer(
    resources: dict,
    directory: Path,
    queue: FixtureQueue,
    queue_id: str,
    record_dir: Path,
    table_ids: dict[str, str],
) -> None:
    files = {
        "handler.py": HANDLER,
        "business_logic.py": BUSINESS_LOGIC.format(consumer=queue.name),
    }
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    asset = f"asset.{digest}"
    (directory / asset).mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / asset / name).write_text(text)
    base = pascal(queue.name)
    role_id = logical_id(STACK, f"{base}ConsumerRole")
    function_id = logical_id(STACK, f"{base}ConsumerFunction")
    resources[role_id] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    }
    resources[function_id] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {
                "S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
                "S3Key": f"{digest}.zip",
            },
            "Environment": {
                "Variables": {
                    "POWERTOOLS_SERVICE_NAME": "demo",
                    "RECORD_DIR": str(record_dir),
                    "QUEUE_URL": ref(queue_id),
                    **(
                        {
                            "TABLE_NAME": ref(table_ids[queue.table]),
                            "TABLE_ARN": get_att(table_ids[queue.table], "Arn"),
                        }
                        if queue.table
                        else {}
                    ),
                }
            },
            "FunctionName": f"demo-dev-{queue.name}-consumer",
            "Handler": "handler.handler",
            "MemorySize": queue.memory,
            **({"Architectures": [queue.architecture]} if queue.architecture else {}),
            "Role": get_att(role_id, "Arn"),
            "Runtime": "python3.13",
            "Timeout": queue.timeout,
        },
        "DependsOn": [role_id],
        "Metadata": {
            "aws:cdk:path": f"{STACK}/{base}Consumer/Function/Resource",
            "aws:asset:path": asset,
            "aws:asset:is-bundled": False,
            "aws:asset:property": "Code",
        },
    }
    mapping = {
        "BatchSize": queue.batch_size,
        "EventSourceArn": get_att(queue_id, "Arn"),
        "FunctionName": ref(function_id),
        "MaximumBatchingWindowInSeconds": queue.batching_window,
    }
    if queue.report_batch_item_failures:
        mapping["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    if queue.max_concurrency is not None:
        mapping["ScalingConfig"] = {"MaximumConcurrency": queue.max_concurrency}
    if queue.pollers is not None:
        minimum, maximum = queue.pollers
        mapping["ProvisionedPollerConfig"] = {
            **({"MinimumPollers": minimum} if minimum is not None else {}),
            **({"MaximumPollers": maximum} if maximum is not None else {}),
        }
    mapping_id = logical_id(STACK, f"{base}ConsumerFunctionSqsEventSource{queue_id}")
    resources[mapping_id] = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": mapping}


def add_http_api(
    resources: dict,
    outputs: dict,
    routes: list[FixtureRoute],
    queue_ids: dict[str, str],
    auth: str,
    rate_limit: float,
    burst_limit: int,
) -> None:
    api_id = logical_id(STACK, "ApiHttpApi")
    role_id = logical_id(STACK, "ApiSendMessageRole")
    resources[api_id] = {
        "Type": "AWS::ApiGatewayV2::Api",
        "Properties": {"Name": "demo-dev-http-api", "ProtocolType": "HTTP"},
    }
    resources[role_id] = {"Type": "AWS::IAM::Role", "Properties": {}}
    authorizer_id = logical_id(STACK, "ApiHttpApiJwtAuthorizer")
    if auth == "jwt":
        resources[authorizer_id] = {
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": {
                "ApiId": ref(api_id),
                "AuthorizerType": "JWT",
                "IdentitySource": ["$request.header.Authorization"],
                "JwtConfiguration": {"Audience": list(HTTP_AUDIENCES), "Issuer": HTTP_ISSUER},
                "Name": "JwtAuthorizer",
            },
        }
    for route in routes:
        name = f"{route.method}{route.path.replace('/', '-')}"
        integration_id = logical_id(STACK, f"ApiHttpApi{name}SendToQueue")
        resources[integration_id] = {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": ref(api_id),
                "CredentialsArn": get_att(role_id, "Arn"),
                "IntegrationSubtype": "SQS-SendMessage",
                "IntegrationType": "AWS_PROXY",
                "PayloadFormatVersion": "1.0",
                "RequestParameters": {
                    "QueueUrl": ref(queue_ids[route.queue]),
                    "MessageBody": "$request.body",
                    **route.parameters,
                },
            },
        }
        properties = {
            "ApiId": ref(api_id),
            "AuthorizationType": {"iam": "AWS_IAM", "jwt": "JWT"}.get(auth, "NONE"),
            "RouteKey": f"{route.method} {route.path}",
            "Target": {"Fn::Join": ["", ["integrations/", ref(integration_id)]]},
        }
        if auth == "jwt":
            properties["AuthorizerId"] = ref(authorizer_id)
        resources[logical_id(STACK, f"ApiHttpApi{name}")] = {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": properties,
        }
    resources[logical_id(STACK, "ApiDefaultStage")] = {
        "Type": "AWS::ApiGatewayV2::Stage",
        "Properties": {
            "ApiId": ref(api_id),
            "AutoDeploy": True,
            "DefaultRouteSettings": {
                "ThrottlingBurstLimit": burst_limit,
                "ThrottlingRateLimit": rate_limit,
            },
            "StageName": "$default",
        },
    }
    outputs["ApiUrl"] = {
        "Description": "The API's base URL",
        "Value": {
            "Fn::Join": [
                "",
                ["https://", ref(api_id), ".execute-api.", ref("AWS::Region"), ".amazonaws.com/"],
            ]
        },
    }


def add_rest_api(
    resources: dict,
    outputs: dict,
    routes: list[FixtureRoute],
    queue_ids: dict[str, str],
    auth: str,
    rate_limit: float,
    burst_limit: int,
    stage: str,
    usage_plan: tuple[float, int, int] | None,
) -> None:
    api_id = logical_id(STACK, "ApiRestApi")
    role_id = logical_id(STACK, "ApiSendMessageRole")
    validator_id = logical_id(STACK, "ApiBodyValidator")
    authorizer_id = logical_id(STACK, "CognitoAuthorizer")
    resources[api_id] = {
        "Type": "AWS::ApiGateway::RestApi",
        "Properties": {
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "Name": "demo-dev-rest-api",
        },
    }
    resources[role_id] = {"Type": "AWS::IAM::Role", "Properties": {}}
    resources[validator_id] = {
        "Type": "AWS::ApiGateway::RequestValidator",
        "Properties": {
            "RestApiId": ref(api_id),
            "ValidateRequestBody": True,
            "ValidateRequestParameters": True,
        },
    }
    if auth == "jwt":
        resources[authorizer_id] = {
            "Type": "AWS::ApiGateway::Authorizer",
            "Properties": {
                "IdentitySource": "method.request.header.Authorization",
                "Name": "CognitoAuthorizer",
                "ProviderARNs": [COGNITO_POOL_ARN],
                "RestApiId": ref(api_id),
                "Type": "COGNITO_USER_POOLS",
            },
        }
    path_ids: dict[str, str] = {}
    method_ids = []
    for route in routes:
        parent = get_att(api_id, "RootResourceId")
        so_far = ""
        for part in route.path.strip("/").split("/"):
            so_far += "/" + part
            if so_far not in path_ids:
                path_ids[so_far] = logical_id(STACK, "ApiRestApi" + so_far)
                resources[path_ids[so_far]] = {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {"ParentId": parent, "PathPart": part, "RestApiId": ref(api_id)},
                }
            parent = ref(path_ids[so_far])
        method = {
            "ApiKeyRequired": route.api_key_required,
            "AuthorizationType": {"iam": "AWS_IAM", "jwt": "COGNITO_USER_POOLS"}.get(auth, "NONE"),
            "HttpMethod": route.method,
            "Integration": {
                "Credentials": get_att(role_id, "Arn"),
                "IntegrationHttpMethod": "POST",
                "IntegrationResponses": REST_RESPONSES,
                "PassthroughBehavior": "NEVER",
                "RequestParameters": {
                    "integration.request.header.Content-Type": FORM_CONTENT_TYPE,
                    "integration.request.header.Accept": "'application/json'",
                },
                "RequestTemplates": {"application/json": route.request_template},
                "Type": "AWS",
                "Uri": {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            ref("AWS::Partition"),
                            ":apigateway:",
                            ref("AWS::Region"),
                            ":sqs:path/",
                            ref("AWS::AccountId"),
                            "/",
                            get_att(queue_ids[route.queue], "QueueName"),
                        ],
                    ]
                },
            },
            "MethodResponses": [
                {"StatusCode": "200"},
                {"StatusCode": "400"},
                {"StatusCode": "500"},
            ],
            "ResourceId": parent,
            "RestApiId": ref(api_id),
        }
        if auth == "jwt":
            method["AuthorizerId"] = ref(authorizer_id)
        if route.schema is not None:
            model_id = logical_id(STACK, f"ApiModel{route.path}")
            resources[model_id] = {
                "Type": "AWS::ApiGateway::Model",
                "Properties": {
                    "ContentType": "application/json",
                    "RestApiId": ref(api_id),
                    "Schema": {
                        "$schema": "http://json-schema.org/draft-04/schema#",
                        **route.schema,
                    },
                },
            }
            method["RequestModels"] = {"application/json": ref(model_id)}
            method["RequestValidatorId"] = ref(validator_id)
        method_id = logical_id(STACK, f"ApiRestApi{route.path}{route.method}")
        method_ids.append(method_id)
        resources[method_id] = {"Type": "AWS::ApiGateway::Method", "Properties": method}
    deployment_id = logical_id(STACK, "ApiRestApiDeployment")
    resources[deployment_id] = {
        "Type": "AWS::ApiGateway::Deployment",
        "Properties": {"RestApiId": ref(api_id)},
        "DependsOn": method_ids,
    }
    stage_id = logical_id(STACK, f"ApiRestApiDeploymentStage{stage}")
    resources[stage_id] = {
        "Type": "AWS::ApiGateway::Stage",
        "Properties": {
            "DeploymentId": ref(deployment_id),
            "MethodSettings": [
                {
                    "DataTraceEnabled": False,
                    "HttpMethod": "*",
                    "LoggingLevel": "ERROR",
                    "ResourcePath": "/*",
                    "ThrottlingBurstLimit": burst_limit,
                    "ThrottlingRateLimit": rate_limit,
                }
            ],
            "RestApiId": ref(api_id),
            "StageName": stage,
        },
    }
    if usage_plan:
        rate, burst, quota = usage_plan
        plan_id = logical_id(STACK, "ApiRestApiUsagePlan")
        key_id = logical_id(STACK, "ApiApiKey")
        resources[plan_id] = {
            "Type": "AWS::ApiGateway::UsagePlan",
            "Properties": {
                "ApiStages": [{"ApiId": ref(api_id), "Stage": ref(stage_id), "Throttle": {}}],
                "Quota": {"Limit": quota, "Period": "DAY"},
                "Throttle": {"BurstLimit": burst, "RateLimit": rate},
                "UsagePlanName": "demo-dev-usage-plan",
            },
        }
        resources[key_id] = {
            "Type": "AWS::ApiGateway::ApiKey",
            "Properties": {"Enabled": True, "Name": "demo-dev-first-client"},
        }
        resources[logical_id(STACK, "ApiRestApiUsagePlanKey")] = {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {"KeyId": ref(key_id), "KeyType": "API_KEY", "UsagePlanId": ref(plan_id)},
        }
        outputs["ApiKeyId"] = {"Description": "The first client's API key", "Value": ref(key_id)}
    outputs["ApiEndpoint"] = {
        "Description": "The stage's base URL",
        "Value": {
            "Fn::Join": [
                "",
                ["https://", ref(api_id), ".execute-api.", ref("AWS::Region"), ".amazonaws.com/"],
            ]
        },
    }


def attempts(record_dir: Path) -> list[dict]:
    """Every record the fixture consumers were given, with its outcome (processed, failed, or
    skipped after an earlier failure of a FIFO batch), in the order they finished."""
    records = [
        json.loads(line)
        for path in sorted(Path(record_dir).glob("*.jsonl"))
        # Whole lines only: a consumer may be writing the last one.
        for line in path.read_text(encoding="utf-8").split("\n")[:-1]
    ]
    return sorted(records, key=lambda record: record["finished"])


def processed(record_dir: Path) -> list[dict]:
    """Every record the fixture consumers processed, in the order they finished."""
    return [record for record in attempts(record_dir) if record["outcome"] == "processed"]


def add_http_cors(resources: dict, origins: list[str]) -> None:
    """CorsConfiguration, as HttpApi(cors_preflight=CorsPreflightOptions(...)) synthesizes it."""
    (api,) = [r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    api["Properties"]["CorsConfiguration"] = {
        "AllowHeaders": CORS_HEADERS,
        "AllowMethods": ["POST"],
        "AllowOrigins": origins,
        "MaxAge": CORS_MAX_AGE,
    }


def cors_preflight_method(origins: list[str], resource_id: str, api_id: str) -> dict:
    """The OPTIONS method of resource.add_cors_preflight(allow_origins=origins,
    allow_methods=["POST"], allow_headers=CORS_HEADERS, max_age=10 minutes), as aws-cdk-lib
    synthesizes it: the first origin as a static header, the others echoed by the template."""
    headers = {
        "Access-Control-Allow-Headers": f"'{','.join(CORS_HEADERS)}'",
        "Access-Control-Allow-Origin": f"'{origins[0]}'",
        "Vary": "'Origin'",
        "Access-Control-Allow-Methods": "'POST'",
        "Access-Control-Max-Age": f"'{CORS_MAX_AGE}'",
    }
    response: dict = {
        "ResponseParameters": {
            f"method.response.header.{name}": value for name, value in headers.items()
        },
        "StatusCode": "204",
    }
    if len(origins) > 1:
        condition = " || ".join(f'$origin == "{origin}"' for origin in origins[1:])
        response["ResponseTemplates"] = {
            "application/json": (
                '#set($origin = $input.params().header.get("Origin"))\n'
                '#if($origin == "")\n'
                '  #set($origin = $input.params().header.get("origin"))\n'
                "#end\n"
                f"#if({condition})\n"
                "  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n"
                "#end"
            )
        }
    return {
        "ApiKeyRequired": False,
        "AuthorizationType": "NONE",
        "HttpMethod": "OPTIONS",
        "Integration": {
            "IntegrationResponses": [response],
            "RequestTemplates": {"application/json": "{ statusCode: 200 }"},
            "Type": "MOCK",
        },
        "MethodResponses": [
            {
                "ResponseParameters": {f"method.response.header.{name}": True for name in headers},
                "StatusCode": "204",
            }
        ],
        "ResourceId": ref(resource_id),
        "RestApiId": ref(api_id),
    }


def echo_allowed_origin(origins: list[str]) -> str:
    """A response template's first line: the request's Origin as Access-Control-Allow-Origin
    when it is one of the origins."""
    condition = " || ".join(f'$origin == "{origin}"' for origin in origins)
    return (
        "#set($origin = $input.params('Origin'))"
        f"#if({condition})"
        "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)#end\n"
    )


def add_rest_cors(resources: dict, origins: list[str]) -> None:
    """A preflight method beside every method, and Access-Control-Allow-Origin on every
    integration response of the methods."""
    api_id = next(k for k, r in resources.items() if r["Type"] == "AWS::ApiGateway::RestApi")
    methods = {k: r for k, r in resources.items() if r["Type"] == "AWS::ApiGateway::Method"}
    for method in methods.values():
        properties = method["Properties"]
        header = "Access-Control-Allow-Origin" if len(origins) == 1 else "Vary"
        value = f"'{origins[0]}'" if len(origins) == 1 else "'Origin'"
        responses = json.loads(json.dumps(properties["Integration"]["IntegrationResponses"]))
        for response in responses:
            response["ResponseParameters"] = {f"method.response.header.{header}": value}
            if len(origins) > 1:
                for content_type, template in response["ResponseTemplates"].items():
                    response["ResponseTemplates"][content_type] = (
                        echo_allowed_origin(origins) + template
                    )
        properties["Integration"]["IntegrationResponses"] = responses
        properties["MethodResponses"] = [
            {"StatusCode": status, "ResponseParameters": {f"method.response.header.{header}": True}}
            for status in ("200", "400", "413", "500")
        ]
    for resource_id in {m["Properties"]["ResourceId"]["Ref"] for m in methods.values()}:
        resources[f"{resource_id}OPTIONS"] = {
            "Type": "AWS::ApiGateway::Method",
            "Properties": cors_preflight_method(origins, resource_id, api_id),
        }


def add_custom_domain(resources: dict, outputs: dict, api: str, domain: str) -> None:
    """A regional custom domain mapped to the API's stage, its DNS alias, and the API's own
    endpoint turned off, as the CDK's DomainName, ApiMapping / BasePathMapping and ARecord
    synthesize them."""
    kind = "AWS::ApiGatewayV2" if api == "http" else "AWS::ApiGateway"
    api_type = f"{kind}::Api" if api == "http" else f"{kind}::RestApi"
    api_id = next(k for k, r in resources.items() if r["Type"] == api_type)
    stage_id = next(k for k, r in resources.items() if r["Type"] == f"{kind}::Stage")
    resources[api_id]["Properties"]["DisableExecuteApiEndpoint"] = True
    domain_id = logical_id(STACK, "ApiDomainName")
    if api == "http":
        resources[domain_id] = {
            "Type": "AWS::ApiGatewayV2::DomainName",
            "Properties": {
                "DomainName": domain,
                "DomainNameConfigurations": [
                    {
                        "CertificateArn": CERTIFICATE_ARN,
                        "EndpointType": "REGIONAL",
                        "SecurityPolicy": "TLS_1_2",
                    }
                ],
            },
        }
        resources[logical_id(STACK, "ApiMapping")] = {
            "Type": "AWS::ApiGatewayV2::ApiMapping",
            "Properties": {
                "ApiId": ref(api_id),
                "DomainName": ref(domain_id),
                "Stage": ref(stage_id),
            },
            "DependsOn": [domain_id],
        }
    else:
        resources[domain_id] = {
            "Type": "AWS::ApiGateway::DomainName",
            "Properties": {
                "DomainName": domain,
                "EndpointConfiguration": {"Types": ["REGIONAL"]},
                "RegionalCertificateArn": CERTIFICATE_ARN,
                "SecurityPolicy": "TLS_1_2",
            },
        }
        resources[logical_id(STACK, "ApiBasePathMapping")] = {
            "Type": "AWS::ApiGateway::BasePathMapping",
            "Properties": {
                "DomainName": ref(domain_id),
                "RestApiId": ref(api_id),
                "Stage": ref(stage_id),
            },
        }
    resources[logical_id(STACK, "ApiAliasRecord")] = {
        "Type": "AWS::Route53::RecordSet",
        "Properties": {
            "AliasTarget": {
                "DNSName": get_att(domain_id, "RegionalDomainName"),
                "HostedZoneId": get_att(domain_id, "RegionalHostedZoneId"),
            },
            "HostedZoneId": "Z0123456789ABCDEFGHIJ",
            "Name": f"{domain}.",
            "Type": "A",
        },
    }
    outputs["CustomDomainUrl"] = {
        "Description": "The API on its custom domain",
        "Value": f"https://{domain}/",
    }
