"""The service as a synthesized cloud assembly (cdk.out) describes it: API, routes, queues and
consumers, with every setting the emulator and the operations tools need.

Everything is read from the CloudFormation that would be deployed, never from the project's
settings, so whatever runs locally or reports on the stack matches what AWS would run.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The account and region that stand in for unresolved pseudo parameters. The account is the
# one moto answers for, so ARNs and URLs built here match the local queues' own.
LOCAL_ACCOUNT = "123456789012"
LOCAL_REGION = "us-east-1"
# API Gateway's account-level limits, in force when a stage sets none.
ACCOUNT_RATE_LIMIT = 10000.0
ACCOUNT_BURST_LIMIT = 5000
# What CloudFormation uses when a property is left out.
DEFAULT_LAMBDA_TIMEOUT = 3
DEFAULT_LAMBDA_MEMORY = 128
DEFAULT_BATCH_SIZE = 10
# Lambda's event source mapping on a FIFO queue: batches of at most 10, no batching window.
FIFO_MAX_BATCH_SIZE = 10
# What SQS uses when a queue encrypted with a KMS key sets no KmsDataKeyReusePeriodSeconds.
DEFAULT_KMS_DATA_KEY_REUSE_SECONDS = 300
# Lambda's ProvisionedPollerConfig defaults for an SQS event source: 2 pollers at least, 200 at
# most (CloudFormation's AWS::Lambda::EventSourceMapping ProvisionedPollerConfig).
DEFAULT_MINIMUM_POLLERS = 2
DEFAULT_MAXIMUM_POLLERS = 200
# Queue properties moto's CreateQueue takes, as CloudFormation names them.
QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
)


class AssemblyError(Exception):
    """The cloud assembly is missing or holds something this package cannot run; str() is one
    line for the user: what, where, what to do."""


@dataclass(frozen=True)
class Queue:
    logical_id: str
    name: str
    fifo: bool
    attributes: dict[str, str]  # what moto's CreateQueue takes (no RedrivePolicy)
    dead_letter: "Queue | None"
    max_receive_count: int | None
    # KmsMasterKeyId as resolved (a key of the stack: its logical id; else an ARN or alias);
    # None: SQS-managed encryption or none. Not in attributes: the local queues have no keys.
    kms_master_key: str | None = None
    kms_data_key_reuse_seconds: int = DEFAULT_KMS_DATA_KEY_REUSE_SECONDS

    @property
    def customer_managed_key(self) -> bool:
        """Encrypted with a customer-managed KMS key (not SQS's own, not AWS's alias/aws/sqs)."""
        return self.kms_master_key is not None and not self.kms_master_key.startswith("alias/aws/")


@dataclass(frozen=True)
class Table:
    """A DynamoDB table of the stack (the consumers' idempotency records, say)."""

    logical_id: str
    name: str
    key_schema: tuple[tuple[str, str], ...]  # (attribute name, HASH | RANGE)
    attribute_types: dict[str, str]  # attribute name -> S | N | B (AttributeDefinitions)
    ttl_attribute: str | None  # the attribute whose epoch seconds expire an item; None: no TTL
    billing_mode: str = "PROVISIONED"  # CloudFormation's default, or PAY_PER_REQUEST


@dataclass(frozen=True)
class Consumer:
    logical_id: str  # the event source mapping's
    function_name: str
    handler: str  # module.function, as Lambda's Handler
    code_dir: Path  # the function's asset folder in cdk.out
    timeout_seconds: int
    memory_mb: int
    environment: dict[str, str]
    queue: Queue
    batch_size: int
    batching_window_seconds: int
    max_concurrency: int | None
    report_batch_item_failures: bool
    function_logical_id: str = ""
    enabled: bool = True
    architecture: str = "x86_64"  # the function's Architectures: x86_64 | arm64
    # The event source's ProvisionedPollerConfig (AWS's defaults filled in); both None: the
    # standard mode, in which Lambda scales the pollers itself.
    minimum_pollers: int | None = None
    maximum_pollers: int | None = None

    @property
    def esm_mode(self) -> str:
        return "standard" if self.minimum_pollers is None else "provisioned"


@dataclass(frozen=True)
class IntegrationResponse:
    """One of a REST method's integration responses."""

    status_code: str
    selection_pattern: str | None  # a regex on the integration's status; None: the default
    templates: dict[str, str]  # content type -> mapping template (VTL)
    # ResponseParameters: header name -> its value's expression ('static', integration.
    # response.header.X, integration.response.body[.path], context.X).
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    method: str  # POST, GET ... or ANY
    path: str  # as deployed (REST: without the stage); may hold {name} and {name+}
    queue: Queue | None  # the queue its integration sends to; None for a MOCK integration
    authorization: str  # AWS_IAM | JWT | COGNITO_USER_POOLS | NONE
    jwt_issuer: str
    jwt_audiences: tuple[str, ...]
    request_schema: dict | None  # REST request model (JSON schema), if the body is validated
    request_template: str | None  # REST integration mapping template for application/json
    api_key_required: bool
    # HTTP: the SQS-SendMessage integration's parameters (MessageBody: $request.body ...).
    request_parameters: dict[str, str] = field(default_factory=dict)
    # REST: every mapping template by content type, what happens to other content types.
    request_templates: dict[str, str] = field(default_factory=dict)
    passthrough_behavior: str = "WHEN_NO_MATCH"
    integration_responses: tuple[IntegrationResponse, ...] = ()
    authorization_scopes: tuple[str, ...] = ()
    identity_header: str = "Authorization"  # where the authorizer reads the token
    rate_limit: float | None = None  # a throttle of this route's own, over the stage's
    burst_limit: int | None = None
    integration_type: str = "AWS"  # CloudFormation's: AWS, AWS_PROXY (HTTP API) or MOCK
    # REST: the headers each method response declares, by status code.
    response_headers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class UsagePlan:
    rate_limit: float
    burst_limit: int
    daily_quota: int | None  # requests per key per day (quota_period says when it is another)
    quota_limit: int | None = None
    quota_period: str | None = None  # DAY | WEEK | MONTH


@dataclass(frozen=True)
class Cors:
    """An HTTP API's CORS configuration, which API Gateway applies itself: it answers the
    preflight requests and adds the headers to the integrations' responses."""

    allow_origins: tuple[str, ...]  # origins, "*", or "https://*" / "http://*"
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None  # seconds
    allow_credentials: bool = False


@dataclass(frozen=True)
class Api:
    kind: str  # "http" | "rest"
    name: str
    stage_name: str
    rate_limit: float
    burst_limit: int
    routes: tuple[Route, ...]  # the routes that send to a queue
    usage_plan: UsagePlan | None
    logical_id: str = ""
    cors: Cors | None = None  # HTTP API: its CorsConfiguration
    # REST: methods API Gateway answers itself (MOCK integrations, CORS preflights say).
    mock_routes: tuple[Route, ...] = ()


@dataclass(frozen=True)
class Service:
    stack_name: str
    region: str | None  # None when the stack is environment-agnostic
    api: Api
    queues: tuple[Queue, ...]
    consumers: tuple[Consumer, ...]
    outputs: dict[str, str]  # output logical id -> description
    template_file: Path | None = None
    tables: tuple[Table, ...] = ()
    # How many resources of each type the stack's template holds ("AWS::KMS::Key": 3, ...).
    resource_counts: dict[str, int] = field(default_factory=dict)


def read_service(cdk_out: Path, stack_name: str | None = None) -> Service:
    """The one stack in the cloud assembly that holds an API Gateway API (or the one named)."""
    cdk_out = Path(cdk_out)
    stacks = [
        stack
        for stack in _stacks(cdk_out)
        if stack_name is None or stack.name == stack_name
        if stack_name is not None or _api_resources(stack.resources)
    ]
    if stack_name is not None and not stacks:
        raise AssemblyError(
            f"no stack named {stack_name} in {cdk_out}: check the name, or synthesize again"
        )
    if not stacks:
        raise AssemblyError(
            f"no stack in {cdk_out} holds an API Gateway API: synthesize the service's app"
            " (cdk synth) into it"
        )
    if len(stacks) > 1:
        names = ", ".join(stack.name for stack in stacks)
        raise AssemblyError(
            f"{len(stacks)} stacks in {cdk_out} hold an API ({names}): name the one to use"
        )
    return _Reader(stacks[0]).service()


@dataclass
class _Stack:
    name: str
    region: str | None
    resources: dict[str, dict]
    outputs: dict[str, dict]
    directory: Path
    template_file: Path


def _stacks(cdk_out: Path) -> list[_Stack]:
    manifest_file = cdk_out / "manifest.json"
    if not manifest_file.is_file():
        raise AssemblyError(f"no cloud assembly in {cdk_out} (no manifest.json): run cdk synth")
    try:
        manifest = json.loads(manifest_file.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise AssemblyError(f"{manifest_file} is not JSON ({error}): run cdk synth again") from None
    stacks = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties", {})
        if artifact.get("type") == "cdk:cloud-assembly":  # a Stage's nested assembly
            stacks += _stacks(cdk_out / properties["directoryName"])
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template_file = cdk_out / properties["templateFile"]
        try:
            template = json.loads(template_file.read_text())
        except (OSError, ValueError) as error:
            raise AssemblyError(
                f"cannot read {template_file} ({error}): run cdk synth again"
            ) from None
        region = artifact.get("environment", "").rpartition("/")[2]
        stacks.append(
            _Stack(
                name=properties.get("stackName", artifact_id),
                region=None if region in ("", "unknown-region") else region,
                resources=template.get("Resources", {}),
                outputs=template.get("Outputs", {}),
                directory=cdk_out,
                template_file=template_file,
            )
        )
    return stacks


def _api_resources(resources: dict) -> list[str]:
    return [
        logical_id
        for logical_id, resource in resources.items()
        if resource.get("Type") in ("AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi")
    ]


def _references(value: Any) -> set[str]:
    """The logical ids a CloudFormation value refers to (Ref, Fn::GetAtt, Fn::Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                found |= _references(inner[1] if isinstance(inner, list) else None)
            else:
                found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return found


class _Reader:
    def __init__(self, stack: _Stack) -> None:
        self.stack = stack
        self.resources = stack.resources
        self.region = stack.region or LOCAL_REGION
        self.queues: dict[str, Queue] = {}

    # -- CloudFormation values -------------------------------------------------------------

    def where(self, logical_id: str) -> str:
        return f"{logical_id} in {self.stack.template_file}"

    def of_type(self, kind: str) -> dict[str, dict]:
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource.get("Type") == kind
        }

    def properties(self, logical_id: str) -> dict:
        return self.resources[logical_id].get("Properties", {})

    def target(self, value: Any, where: str) -> str:
        """The logical id a {"Ref": id} or {"Fn::GetAtt": [id, ...]} names."""
        if isinstance(value, dict):
            if isinstance(value.get("Ref"), str):
                return value["Ref"]
            if "Fn::GetAtt" in value:
                inner = value["Fn::GetAtt"]
                return inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
        raise AssemblyError(f"{where}: expected a reference to a resource, found {value!r}")

    def resolve(self, value: Any) -> str:
        """A CloudFormation value as a string, references resolved as they would be locally:
        queues to their local names, URLs and ARNs, other resources to their logical ids."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        if isinstance(value, list):
            return ",".join(self.resolve(item) for item in value)
        if not isinstance(value, dict) or len(value) != 1:
            return json.dumps(value)
        ((function, inner),) = value.items()
        if function == "Ref":
            return self.attribute(inner, None)
        if function == "Fn::GetAtt":
            logical_id, attribute = inner if isinstance(inner, list) else inner.split(".", 1)
            return self.attribute(logical_id, attribute)
        if function == "Fn::Join":
            separator, parts = inner
            return separator.join(self.resolve(part) for part in parts)
        if function == "Fn::Sub":
            text, variables = (inner, {}) if isinstance(inner, str) else inner

            def substitute(match: re.Match) -> str:
                name = match.group(1)
                if name.startswith("!"):
                    return "${" + name[1:] + "}"
                if name in variables:
                    return self.resolve(variables[name])
                logical_id, _, attribute = name.partition(".")
                return self.attribute(logical_id, attribute or None)

            return re.sub(r"\$\{([^}]*)\}", substitute, text)
        if function == "Fn::Select":
            index, items = inner
            if isinstance(items, dict):
                items = self.resolve(items).split(",")
            return self.resolve(items[int(index)])
        if function == "Fn::ImportValue":
            return self.resolve(inner)
        return json.dumps(value)

    def attribute(self, logical_id: str, attribute: str | None) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": LOCAL_ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack.name,
            "AWS::NoValue": "",
        }
        if logical_id in pseudo:
            return pseudo[logical_id]
        resource = self.resources.get(logical_id, {})
        if resource.get("Type") == "AWS::SQS::Queue":
            name = self.queue_name(logical_id)
            return {
                None: queue_url(self.region, name),
                "QueueUrl": queue_url(self.region, name),
                "QueueName": name,
                "Arn": f"arn:aws:sqs:{self.region}:{LOCAL_ACCOUNT}:{name}",
            }.get(attribute, f"{logical_id}.{attribute}")
        if resource.get("Type") == "AWS::DynamoDB::Table":
            name = self.table_name(logical_id)
            return {
                None: name,
                "Arn": f"arn:aws:dynamodb:{self.region}:{LOCAL_ACCOUNT}:table/{name}",
            }.get(attribute, f"{logical_id}.{attribute}")
        if resource.get("Type") == "AWS::Lambda::Function" and attribute is None:
            return self.properties(logical_id).get("FunctionName", logical_id)
        return logical_id if attribute is None else f"{logical_id}.{attribute}"

    # -- queues ------------------------------------------------------------------------------

    def queue_name(self, logical_id: str) -> str:
        properties = self.properties(logical_id)
        if "QueueName" in properties:
            return self.resolve(properties["QueueName"])
        # CloudFormation makes up a name from the stack's; a FIFO queue's must end in .fifo.
        name = f"{self.stack.name}-{logical_id}"[:75]
        return name + ".fifo" if properties.get("FifoQueue") else name

    def queue(self, logical_id: str) -> Queue:
        if logical_id in self.queues:
            return self.queues[logical_id]
        resource = self.resources.get(logical_id)
        if resource is None or resource.get("Type") != "AWS::SQS::Queue":
            raise AssemblyError(
                f"{logical_id} is not a queue of {self.stack.template_file}: expected an"
                " AWS::SQS::Queue there; synthesize again"
            )
        properties = resource.get("Properties", {})
        attributes = {
            name: self.resolve(properties[name]) for name in QUEUE_ATTRIBUTES if name in properties
        }
        dead_letter, max_receive_count = None, None
        redrive = properties.get("RedrivePolicy")
        if redrive:
            where = f"the RedrivePolicy of {self.where(logical_id)}"
            dead_letter_id = self.target(redrive.get("deadLetterTargetArn"), where)
            if dead_letter_id == logical_id:
                raise AssemblyError(f"{where}: a queue cannot be its own dead-letter queue")
            dead_letter = self.queue(dead_letter_id)
            max_receive_count = int(redrive.get("maxReceiveCount", 10))
        key = properties.get("KmsMasterKeyId")
        queue = Queue(
            logical_id=logical_id,
            name=self.queue_name(logical_id),
            fifo=attributes.get("FifoQueue") == "true",
            attributes=attributes,
            dead_letter=dead_letter,
            max_receive_count=max_receive_count,
            kms_master_key=self.resolve(key) if key else None,
            kms_data_key_reuse_seconds=int(
                properties.get("KmsDataKeyReusePeriodSeconds", DEFAULT_KMS_DATA_KEY_REUSE_SECONDS)
            ),
        )
        self.queues[logical_id] = queue
        return queue

    def queue_named_in(self, value: Any, where: str) -> Queue:
        """The one queue a value (a URL, an ARN, a URI, a mapping template) refers to, by
        reference or by the queue's literal name."""
        queue_ids = {
            logical_id
            for logical_id in _references(value)
            if self.resources.get(logical_id, {}).get("Type") == "AWS::SQS::Queue"
        }
        if not queue_ids:
            text = self.resolve(value) if not isinstance(value, str) else value
            queue_ids = {
                logical_id
                for logical_id in self.of_type("AWS::SQS::Queue")
                if re.search(rf"[/:]{re.escape(self.queue_name(logical_id))}(\b|$)", text)
            }
        if len(queue_ids) != 1:
            found = ", ".join(sorted(queue_ids)) or "none"
            raise AssemblyError(
                f"{where}: expected it to name one queue of the stack, found {found}: the"
                " emulator runs integrations that send to a queue of the same stack"
            )
        return self.queue(queue_ids.pop())

    # -- tables ------------------------------------------------------------------------------

    def table_name(self, logical_id: str) -> str:
        name = self.properties(logical_id).get("TableName")
        if name:
            return self.resolve(name)
        # CloudFormation makes one up from the stack's name and the logical id (and a random
        # suffix, left out here so that the name is the same on every run).
        return f"{self.stack.name}-{logical_id}"[:255]

    def tables(self) -> list[Table]:
        tables = []
        for logical_id, resource in self.of_type("AWS::DynamoDB::Table").items():
            properties = resource.get("Properties", {})
            ttl = properties.get("TimeToLiveSpecification", {})
            ttl_enabled = ttl.get("Enabled", True) not in (False, "false")
            tables.append(
                Table(
                    logical_id=logical_id,
                    name=self.table_name(logical_id),
                    key_schema=tuple(
                        (self.resolve(key["AttributeName"]), self.resolve(key["KeyType"]))
                        for key in properties.get("KeySchema", [])
                    ),
                    attribute_types={
                        self.resolve(attribute["AttributeName"]): self.resolve(
                            attribute["AttributeType"]
                        )
                        for attribute in properties.get("AttributeDefinitions", [])
                    },
                    ttl_attribute=(
                        self.resolve(ttl["AttributeName"])
                        if ttl.get("AttributeName") and ttl_enabled
                        else None
                    ),
                    billing_mode=self.resolve(properties.get("BillingMode", "PROVISIONED")),
                )
            )
        return tables

    # -- consumers ---------------------------------------------------------------------------

    def consumers(self) -> list[Consumer]:
        consumers = []
        for logical_id, mapping in self.of_type("AWS::Lambda::EventSourceMapping").items():
            properties = mapping.get("Properties", {})
            source = properties.get("EventSourceArn")
            source_ids = _references(source) & set(self.of_type("AWS::SQS::Queue"))
            if not source_ids:
                continue  # a stream or another source: not a queue consumer
            where = self.where(logical_id)
            queue = self.queue(source_ids.pop())
            function_id = self.target(properties.get("FunctionName"), f"FunctionName of {where}")
            function = self.resources.get(function_id, {})
            if function.get("Type") != "AWS::Lambda::Function":
                raise AssemblyError(
                    f"{where}: its function {function_id} is not an AWS::Lambda::Function of"
                    " the stack; synthesize again"
                )
            batch_size = int(properties.get("BatchSize", DEFAULT_BATCH_SIZE))
            window = int(properties.get("MaximumBatchingWindowInSeconds", 0))
            if queue.fifo and (batch_size > FIFO_MAX_BATCH_SIZE or window):
                raise AssemblyError(
                    f"{where}: batches of {batch_size}, a batching window of {window} s, from the"
                    f" FIFO queue {queue.name}: Lambda takes batches of at most"
                    f" {FIFO_MAX_BATCH_SIZE} and no batching window from a FIFO queue; lower"
                    " BatchSize, drop MaximumBatchingWindowInSeconds"
                )
            pollers = properties.get("ProvisionedPollerConfig")
            architectures = function["Properties"].get("Architectures") or ["x86_64"]
            consumers.append(
                Consumer(
                    logical_id=logical_id,
                    function_name=self.function_name(function_id),
                    handler=self.handler(function_id),
                    code_dir=self.code_dir(function_id),
                    timeout_seconds=int(
                        function["Properties"].get("Timeout", DEFAULT_LAMBDA_TIMEOUT)
                    ),
                    memory_mb=int(function["Properties"].get("MemorySize", DEFAULT_LAMBDA_MEMORY)),
                    environment={
                        name: self.resolve(value)
                        for name, value in function["Properties"]
                        .get("Environment", {})
                        .get("Variables", {})
                        .items()
                    },
                    queue=queue,
                    batch_size=batch_size,
                    batching_window_seconds=window,
                    max_concurrency=(
                        int(properties["ScalingConfig"]["MaximumConcurrency"])
                        if "MaximumConcurrency" in properties.get("ScalingConfig", {})
                        else None
                    ),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in properties.get("FunctionResponseTypes", []),
                    function_logical_id=function_id,
                    enabled=properties.get("Enabled", True) not in (False, "false"),
                    architecture=self.resolve(architectures[0]),
                    minimum_pollers=(
                        None
                        if pollers is None
                        else int(pollers.get("MinimumPollers", DEFAULT_MINIMUM_POLLERS))
                    ),
                    maximum_pollers=(
                        None
                        if pollers is None
                        else int(pollers.get("MaximumPollers", DEFAULT_MAXIMUM_POLLERS))
                    ),
                )
            )
        return consumers

    def function_name(self, function_id: str) -> str:
        name = self.properties(function_id).get("FunctionName")
        return self.resolve(name) if name else f"{self.stack.name}-{function_id}"[:64]

    def handler(self, function_id: str) -> str:
        handler = self.properties(function_id).get("Handler")
        if not isinstance(handler, str) or "." not in handler:
            raise AssemblyError(
                f"{self.where(function_id)}: Handler {handler!r} is not module.function; the"
                " emulator runs Python functions from an asset folder"
            )
        return handler

    def code_dir(self, function_id: str) -> Path:
        asset = self.resources[function_id].get("Metadata", {}).get("aws:asset:path")
        if not asset:
            raise AssemblyError(
                f"{self.where(function_id)}: the function has no asset folder (no aws:asset:path"
                " metadata): synthesize with the cdk CLI, or set the context"
                " aws:cdk:enable-asset-metadata to true"
            )
        code_dir = self.stack.directory / asset
        if not code_dir.is_dir():
            raise AssemblyError(
                f"{self.where(function_id)}: its asset folder {code_dir} is missing or not a"
                " folder (a zip or image asset?): the emulator runs Python code from a folder"
            )
        return code_dir

    # -- the API -----------------------------------------------------------------------------

    def api(self) -> Api:
        api_ids = _api_resources(self.resources)
        if len(api_ids) != 1:
            raise AssemblyError(
                f"{self.stack.template_file} holds {len(api_ids)} APIs ({', '.join(api_ids)}):"
                " the emulator runs a stack with one API"
            )
        (api_id,) = api_ids
        if self.resources[api_id]["Type"] == "AWS::ApiGatewayV2::Api":
            return self.http_api(api_id)
        return self.rest_api(api_id)

    def the_one(self, kind: str, api_id: str, api_key: str) -> tuple[str, dict] | None:
        matches = [
            (logical_id, resource.get("Properties", {}))
            for logical_id, resource in self.of_type(kind).items()
            if api_id in _references(resource.get("Properties", {}).get(api_key))
        ]
        return matches[0] if matches else None

    def http_api(self, api_id: str) -> Api:
        properties = self.properties(api_id)
        if properties.get("ProtocolType", "HTTP") != "HTTP":
            raise AssemblyError(
                f"{self.where(api_id)}: a {properties['ProtocolType']} API; the emulator runs"
                " HTTP and REST APIs"
            )
        stages = [
            (logical_id, resource.get("Properties", {}))
            for logical_id, resource in self.of_type("AWS::ApiGatewayV2::Stage").items()
            if api_id in _references(resource.get("Properties", {}).get("ApiId"))
        ]
        if not stages:
            raise AssemblyError(
                f"{self.where(api_id)}: the HTTP API has no stage: add one (the CDK's default"
                " stage is $default)"
            )
        # The $default stage is the one served at the root, as the deployed API's URL has it.
        _, stage = next(
            (item for item in stages if item[1].get("StageName") == "$default"), stages[0]
        )
        defaults = stage.get("DefaultRouteSettings", {})
        route_settings = stage.get("RouteSettings", {})
        routes = []
        for logical_id, resource in self.of_type("AWS::ApiGatewayV2::Route").items():
            route = resource.get("Properties", {})
            if api_id not in _references(route.get("ApiId")):
                continue
            routes.append(self.http_route(logical_id, route, route_settings))
        return Api(
            kind="http",
            name=self.resolve(properties.get("Name", api_id)),
            stage_name=self.resolve(stage.get("StageName", "$default")),
            rate_limit=float(defaults.get("ThrottlingRateLimit", ACCOUNT_RATE_LIMIT)),
            burst_limit=int(defaults.get("ThrottlingBurstLimit", ACCOUNT_BURST_LIMIT)),
            routes=tuple(routes),
            usage_plan=None,
            logical_id=api_id,
            cors=self.cors(properties.get("CorsConfiguration")),
        )

    def cors(self, configuration: dict | None) -> Cors | None:
        if not configuration:
            return None

        def strings(name: str) -> tuple[str, ...]:
            return tuple(self.resolve(value) for value in configuration.get(name, []))

        return Cors(
            allow_origins=strings("AllowOrigins"),
            allow_methods=strings("AllowMethods"),
            allow_headers=strings("AllowHeaders"),
            expose_headers=strings("ExposeHeaders"),
            max_age=_int_or_none(configuration.get("MaxAge")),
            allow_credentials=configuration.get("AllowCredentials") in (True, "true"),
        )

    def http_route(self, logical_id: str, route: dict, route_settings: dict) -> Route:
        where = self.where(logical_id)
        route_key = self.resolve(route.get("RouteKey", ""))
        if route_key == "$default":
            method, path = "ANY", "/{proxy+}"
        else:
            method, _, path = route_key.partition(" ")
        target = route.get("Target")
        integration_id = next(
            (
                ref
                for ref in _references(target)
                if self.resources.get(ref, {}).get("Type") == "AWS::ApiGatewayV2::Integration"
            ),
            None,
        )
        if integration_id is None:
            raise AssemblyError(f"{where}: route {route_key} has no integration target")
        integration = self.properties(integration_id)
        if integration.get("IntegrationSubtype") != "SQS-SendMessage":
            kind = integration.get("IntegrationSubtype") or integration.get("IntegrationType")
            raise AssemblyError(
                f"{self.where(integration_id)}: route {route_key} integrates with {kind}; the"
                " emulator runs SQS-SendMessage integrations only"
            )
        parameters = integration.get("RequestParameters", {})
        queue = self.queue_named_in(
            parameters.get("QueueUrl"), f"the QueueUrl of {self.where(integration_id)}"
        )
        authorization = route.get("AuthorizationType", "NONE")
        issuer, audiences, identity_header = "", (), "Authorization"
        if authorization == "JWT":
            authorizer_id = self.target(route.get("AuthorizerId"), f"AuthorizerId of {where}")
            authorizer = self.properties(authorizer_id)
            jwt = authorizer.get("JwtConfiguration", {})
            issuer = self.resolve(jwt.get("Issuer", ""))
            audiences = tuple(self.resolve(audience) for audience in jwt.get("Audience", []))
            identity_header = self.identity_header(authorizer.get("IdentitySource"))
        settings = route_settings.get(route_key, {})
        return Route(
            method=method.upper(),
            path=path,
            queue=queue,
            authorization=authorization,
            jwt_issuer=issuer,
            jwt_audiences=audiences,
            request_schema=None,
            request_template=None,
            api_key_required=bool(route.get("ApiKeyRequired", False)),
            request_parameters={
                name: self.resolve(value)
                for name, value in parameters.items()
                if name != "QueueUrl"
            },
            authorization_scopes=tuple(route.get("AuthorizationScopes", [])),
            identity_header=identity_header,
            rate_limit=_float_or_none(settings.get("ThrottlingRateLimit")),
            burst_limit=_int_or_none(settings.get("ThrottlingBurstLimit")),
            integration_type="AWS_PROXY",
        )

    def identity_header(self, source: Any) -> str:
        """The header an authorizer reads the token from ($request.header.X, method.request.
        header.X)."""
        sources = source if isinstance(source, list) else [source or ""]
        for item in sources:
            match = re.search(r"request\.header\.([\w-]+)$", str(item))
            if match:
                return match.group(1)
        return "Authorization"

    def rest_api(self, api_id: str) -> Api:
        properties = self.properties(api_id)
        stage_id, stage = self.rest_stage(api_id)
        stage_name = self.resolve(stage.get("StageName", ""))
        method_settings = stage.get("MethodSettings", [])
        defaults = next(
            (
                setting
                for setting in method_settings
                if setting.get("ResourcePath") == "/*" and setting.get("HttpMethod") == "*"
            ),
            {},
        )
        routes, mock_routes = [], []
        for logical_id, resource in self.of_type("AWS::ApiGateway::Method").items():
            method = resource.get("Properties", {})
            if api_id not in _references(method.get("RestApiId")):
                continue
            route = self.rest_route(api_id, logical_id, method, method_settings)
            (mock_routes if route.integration_type == "MOCK" else routes).append(route)
        return Api(
            kind="rest",
            name=self.resolve(properties.get("Name", api_id)),
            stage_name=stage_name,
            rate_limit=float(defaults.get("ThrottlingRateLimit", ACCOUNT_RATE_LIMIT)),
            burst_limit=int(defaults.get("ThrottlingBurstLimit", ACCOUNT_BURST_LIMIT)),
            routes=tuple(routes),
            usage_plan=self.usage_plan(api_id, stage_id),
            logical_id=api_id,
            mock_routes=tuple(mock_routes),
        )

    def rest_stage(self, api_id: str) -> tuple[str, dict]:
        stage = self.the_one("AWS::ApiGateway::Stage", api_id, "RestApiId")
        if stage:
            return stage
        # A deployment can create its stage itself.
        deployment = self.the_one("AWS::ApiGateway::Deployment", api_id, "RestApiId")
        if deployment and "StageName" in deployment[1]:
            logical_id, properties = deployment
            return logical_id, {
                "StageName": properties["StageName"],
                **properties.get("StageDescription", {}),
            }
        raise AssemblyError(
            f"{self.where(api_id)}: the REST API has no stage: deploy it to one (the CDK's"
            " RestApi does unless deploy=False)"
        )

    def rest_path(self, resource_value: Any, where: str) -> str:
        parts = []
        logical_id = self.target(resource_value, where)
        while self.resources.get(logical_id, {}).get("Type") == "AWS::ApiGateway::Resource":
            properties = self.properties(logical_id)
            parts.append(self.resolve(properties["PathPart"]))
            logical_id = self.target(properties["ParentId"], f"ParentId of {logical_id}")
        return "/" + "/".join(reversed(parts))

    def rest_route(self, api_id: str, logical_id: str, method: dict, settings: list) -> Route:
        where = self.where(logical_id)
        http_method = method.get("HttpMethod", "ANY").upper()
        path = self.rest_path(method.get("ResourceId"), f"ResourceId of {where}")
        integration = method.get("Integration", {})
        integration_type = integration.get("Type", "no integration")
        uri = self.resolve(integration.get("Uri", ""))
        if integration_type != "MOCK" and (integration_type != "AWS" or ":sqs:" not in uri):
            raise AssemblyError(
                f"{where}: {http_method} {path} integrates with {integration_type} {uri}; the"
                " emulator runs AWS integrations with SQS, and MOCK integrations, only"
            )
        templates = {
            content_type: self.resolve(template)
            for content_type, template in integration.get("RequestTemplates", {}).items()
        }
        queue = None
        if integration_type != "MOCK":
            queue = self.queue_named_in(
                [integration.get("Uri"), integration.get("RequestParameters", {}), templates],
                f"the integration of {where}",
            )
        authorization = method.get("AuthorizationType", "NONE")
        issuer, identity_header = "", "Authorization"
        if authorization == "COGNITO_USER_POOLS":
            authorizer_id = self.target(method.get("AuthorizerId"), f"AuthorizerId of {where}")
            authorizer = self.properties(authorizer_id)
            issuer = self.cognito_issuer(authorizer_id, authorizer)
            identity_header = self.identity_header(authorizer.get("IdentitySource"))
        elif authorization == "CUSTOM":
            raise AssemblyError(
                f"{where}: a Lambda authorizer (CUSTOM); the emulator checks AWS_IAM,"
                " COGNITO_USER_POOLS and NONE"
            )
        # The settings of this method's own path, as MethodSettings encode it: /~1orders~1{id}.
        encoded = "/" if path == "/" else "/" + path.replace("/", "~1")
        own = next(
            (
                setting
                for setting in settings
                if setting.get("ResourcePath") == encoded
                and setting.get("HttpMethod") in (http_method, "*")
            ),
            {},
        )
        response_headers = {
            str(response.get("StatusCode")): tuple(
                name.removeprefix("method.response.header.")
                for name in response.get("ResponseParameters", {})
            )
            for response in method.get("MethodResponses", [])
        }
        return Route(
            method=http_method,
            path=path,
            queue=queue,
            authorization=authorization,
            jwt_issuer=issuer,
            jwt_audiences=(),
            request_schema=self.request_schema(method, where),
            request_template=templates.get("application/json"),
            api_key_required=bool(method.get("ApiKeyRequired", False)),
            request_templates=templates,
            passthrough_behavior=integration.get("PassthroughBehavior", "WHEN_NO_MATCH"),
            integration_responses=self.integration_responses(integration, response_headers, where),
            authorization_scopes=tuple(method.get("AuthorizationScopes", [])),
            identity_header=identity_header,
            rate_limit=_float_or_none(own.get("ThrottlingRateLimit")),
            burst_limit=_int_or_none(own.get("ThrottlingBurstLimit")),
            integration_type=integration_type,
            response_headers=response_headers,
        )

    def integration_responses(
        self, integration: dict, response_headers: dict[str, tuple[str, ...]], where: str
    ) -> tuple[IntegrationResponse, ...]:
        """A REST integration's responses. A header one maps must be declared by the method
        response of its status code, or API Gateway refuses the method."""
        responses = []
        for response in integration.get("IntegrationResponses", []):
            status_code = str(response.get("StatusCode", "200"))
            parameters = {}
            for target, value in response.get("ResponseParameters", {}).items():
                name = target.removeprefix("method.response.header.")
                if name not in response_headers.get(status_code, ()):
                    raise AssemblyError(
                        f"{where}: the {status_code} integration response maps {target}, which"
                        f" no {status_code} method response declares: declare it in the method's"
                        " MethodResponses (API Gateway refuses the mapping otherwise)"
                    )
                parameters[name] = self.resolve(value)
            responses.append(
                IntegrationResponse(
                    status_code=status_code,
                    selection_pattern=response.get("SelectionPattern"),
                    templates={
                        content_type: self.resolve(template)
                        for content_type, template in response.get("ResponseTemplates", {}).items()
                    },
                    parameters=parameters,
                )
            )
        return tuple(responses)

    def request_schema(self, method: dict, where: str) -> dict | None:
        validator_value = method.get("RequestValidatorId")
        if not validator_value:
            return None
        validator = self.properties(self.target(validator_value, f"RequestValidatorId of {where}"))
        model = method.get("RequestModels", {}).get("application/json")
        if not validator.get("ValidateRequestBody") or not model:
            return None
        if isinstance(model, str):  # a built-in model: Empty or Error
            return {} if model == "Empty" else None
        return self.properties(self.target(model, f"RequestModels of {where}")).get("Schema", {})

    def cognito_issuer(self, authorizer_id: str, authorizer: dict) -> str:
        """The issuer of the ID tokens of the (first) user pool the authorizer names."""
        providers = authorizer.get("ProviderARNs", [])
        arn = self.resolve(providers[0]) if providers else ""
        match = re.search(r":cognito-idp:([a-z0-9-]+):[^:]*:userpool/(.+)$", arn)
        if match:
            region, pool_id = match.groups()
            return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        # A pool of the same stack: its id is known only once deployed.
        pool_id = next(iter(_references(providers)), authorizer_id)
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.region}_{pool_id}"

    def usage_plan(self, api_id: str, stage_id: str) -> UsagePlan | None:
        """The usage plan of the API's stage (the first, if several name it)."""
        for resource in self.of_type("AWS::ApiGateway::UsagePlan").values():
            properties = resource.get("Properties", {})
            if not any(
                api_id in _references(item.get("ApiId"))
                and _references(item.get("Stage")) <= {stage_id}
                for item in properties.get("ApiStages", [])
            ):
                continue
            throttle = properties.get("Throttle", {})
            quota = properties.get("Quota", {})
            limit = _int_or_none(quota.get("Limit"))
            period = quota.get("Period")
            return UsagePlan(
                rate_limit=float(throttle.get("RateLimit", ACCOUNT_RATE_LIMIT)),
                burst_limit=int(throttle.get("BurstLimit", ACCOUNT_BURST_LIMIT)),
                daily_quota=limit if period == "DAY" else None,
                quota_limit=limit,
                quota_period=period if limit is not None else None,
            )
        return None

    def service(self) -> Service:
        api = self.api()
        consumers = self.consumers()
        for logical_id in self.of_type("AWS::SQS::Queue"):
            self.queue(logical_id)
        return Service(
            stack_name=self.stack.name,
            region=self.stack.region,
            api=api,
            queues=tuple(self.queues[logical_id] for logical_id in self.of_type("AWS::SQS::Queue")),
            consumers=tuple(consumers),
            outputs={
                logical_id: output.get("Description", "")
                for logical_id, output in self.stack.outputs.items()
            },
            template_file=self.stack.template_file,
            tables=tuple(self.tables()),
            resource_counts=dict(
                Counter(resource.get("Type", "") for resource in self.resources.values())
            ),
        )


def queue_url(region: str, name: str) -> str:
    """The URL a queue has in AWS, with the local account."""
    return f"https://sqs.{region}.amazonaws.com/{LOCAL_ACCOUNT}/{name}"


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
