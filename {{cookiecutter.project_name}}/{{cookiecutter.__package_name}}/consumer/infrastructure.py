"""The consumer: a Lambda function fed by the queue in batches, with partial batch responses."""

from pathlib import Path

from api_sqs_devkit.settings import ObservabilityHooks
from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk.aws_lambda_event_sources import SqsEventSource
from constructs import Construct

from ..logs.infrastructure import ServiceLogs
{%- if cookiecutter.enable_vpc %}
from ..network.infrastructure import ConsumerNetwork
{%- endif %}
{%- if cookiecutter.enable_idempotency %}
from ..settings import CONSUMER_ARCHITECTURE, CONSUMER_MEMORY_MB, DAY_SECONDS, Settings
from . import idempotency_settings
from .idempotency import IdempotencyTable
{%- else %}
from ..settings import CONSUMER_ARCHITECTURE, CONSUMER_MEMORY_MB, Settings
{%- endif %}

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = {"arm64": lambda_.Architecture.ARM_64, "x86_64": lambda_.Architecture.X86_64}[
    CONSUMER_ARCHITECTURE
]
# The public Powertools layer, from the SSM parameter AWS publishes for each version, at deploy
# time. Keep it equal to requirements-dev.txt's aws-lambda-powertools (the handler tests' pin).
POWERTOOLS_VERSION = "3.37.0"
POWERTOOLS_LAYER_PARAMETER = (
    f"/aws/service/powertools/python/{ARCHITECTURE.name}/{RUNTIME.name}/{POWERTOOLS_VERSION}"
)
RUNTIME_CODE = Path(__file__).parent / "runtime"


class QueueConsumer(Construct):
{%- if cookiecutter.enable_idempotency %}
    SETTINGS_MODULES = (idempotency_settings,)
{%- else %}
    SETTINGS_MODULES = ()
{%- endif %}

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        queue: sqs.IQueue,
        service_logs: ServiceLogs,
        observability: ObservabilityHooks,
    ) -> None:
        super().__init__(scope, construct_id)
        function_name = settings.names.consumer_function

        self.log_group = service_logs.log_group(
            self, "LogGroup", name=f"/aws/lambda/{function_name}"
        )
{%- if cookiecutter.enable_vpc %}
        self.network = ConsumerNetwork(
            self,
            "Network",
            name_prefix=settings.name_prefix,
            service_logs=service_logs,
        )
{%- endif %}
        # An explicit role instead of the managed AWSLambdaBasicExecutionRole: it may write to
        # its own log group only. The event source mapping adds what consuming the queue needs.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {function_name}",
        )
        self.log_group.grant_write(self.role)
{%- if cookiecutter.enable_vpc %}
        # What the managed AWSLambdaVPCAccessExecutionRole would give. EC2 does not support
        # resource-level permissions for these actions, so the resource has to be "*".
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                resources=["*"],
            )
        )
{%- endif %}
{%- if cookiecutter.enable_idempotency %}
        # Each message is processed once however often SQS delivers it: Powertools' idempotency
        # records, kept as long as the queue keeps a message (a record that expired earlier
        # would let a late delivery run again){% if cookiecutter.enable_kms %}, encrypted with the queue's key{% endif %}.
        self.idempotency = IdempotencyTable.of_stack(
            self,
            settings=settings,
{%- if cookiecutter.enable_kms %}
            encryption_key=queue.encryption_master_key,
{%- endif %}
        )
        self.idempotency.grant_records(self.role)
{%- if cookiecutter.enable_vpc %}
        # The function reaches the table from its isolated subnets through a gateway endpoint,
        # which may serve that table's records only.
        self.idempotency.reach_from(self.network)
{%- endif %}
{%- endif %}
        powertools = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            ssm.StringParameter.value_for_string_parameter(self, POWERTOOLS_LAYER_PARAMETER),
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(RUNTIME_CODE), exclude=["__pycache__"]),
            role=self.role,
            layers=[
                powertools,
                *(
                    lambda_.LayerVersion.from_layer_version_arn(self, f"ExtraLayer{index}", arn)
                    for index, arn in enumerate(observability.layers)
                ),
            ],
            memory_size=CONSUMER_MEMORY_MB,
            timeout=Duration.seconds(settings.consumer_timeout_seconds),
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
{%- if cookiecutter.enable_tracing %}
            tracing=lambda_.Tracing.ACTIVE,
{%- endif %}
            environment={
                "POWERTOOLS_SERVICE_NAME": settings.project_name,
                "POWERTOOLS_METRICS_NAMESPACE": settings.project_name,
                "POWERTOOLS_LOG_LEVEL": "INFO",
{%- if cookiecutter.enable_idempotency %}
                "IDEMPOTENCY_TABLE": self.idempotency.table.table_name,
                "IDEMPOTENCY_EXPIRES_AFTER_SECONDS": str(settings.queue_retention * DAY_SECONDS),
{%- endif %}
                **dict(observability.environment),
            },
{%- if cookiecutter.enable_vpc %}
            vpc=self.network.vpc,
            vpc_subnets=self.network.subnets,
            security_groups=[self.network.consumer_security_group],
{%- endif %}
        )
        # CDK adds an explicit DependsOn on the role beside the GetAtt that already orders them.
        self.function.node.default_child.add_metadata(
            "cfn-lint", {"config": {"ignore_checks": ["W3005"]}}
        )
{%- if cookiecutter.enable_tracing or cookiecutter.enable_vpc %}
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
{%- if cookiecutter.enable_tracing and cookiecutter.enable_vpc %}
                reason="Only for actions AWS authorizes on Resource * alone: X-Ray's"
                " PutTraceSegments and PutTelemetryRecords, and the EC2 network-interface actions"
                " Lambda uses to place the function in the VPC",
{%- elif cookiecutter.enable_tracing %}
                reason="Only for X-Ray's PutTraceSegments and PutTelemetryRecords (added by active"
                " tracing), which AWS authorizes on Resource * alone",
{%- else %}
                reason="Only for the EC2 network-interface actions Lambda uses to place the"
                " function in the VPC, which AWS authorizes on Resource * alone",
{%- endif %}
            )
        )
{%- endif %}
{%- if not cookiecutter.enable_tracing %}
        Validations.of(self.function).acknowledge(
            Acknowledgment(
                id="Serverless::Serverless-LambdaTracing",
                reason="X-Ray tracing was turned off when the project was rendered"
                " (enable_tracing=false)",
            )
        )
{%- endif %}
        Validations.of(self.function).acknowledge(
            Acknowledgment(
                id="Serverless::Serverless-LambdaDLQ",
                reason="Invoked synchronously by the SQS event source mapping; a function DLQ only"
                " receives failed asynchronous invocations. The queue's redrive policy moves failed"
                " messages to its dead-letter queue",
            )
        )
        Validations.of(self.function).acknowledge(
            Acknowledgment(
                id="Serverless::Serverless-LambdaEventSourceMappingDestination",
                reason="Lambda supports on-failure destinations for stream and Kafka sources, not"
                " for SQS; the queue's redrive policy moves failed messages to its dead-letter"
                " queue",
            )
        )
        self.function.add_event_source(
            SqsEventSource(
                queue,
                batch_size=settings.batch_size,
                # None when 0: no batching window at all.
                max_batching_window=(
                    Duration.seconds(settings.batching_window_seconds)
                    if settings.batching_window_seconds
                    else None
                ),
                # One of the two scaling modes (settings.esm_mode): a maximum concurrency, or
                # provisioned event pollers; AWS takes one or the other.
                max_concurrency=settings.lambda_concurrency,
                provisioned_poller_config=(
                    lambda_.ProvisionedPollerConfig(
                        minimum_pollers=settings.pollers[0], maximum_pollers=settings.pollers[1]
                    )
                    if settings.esm_mode == "provisioned"
                    else None
                ),
                report_batch_item_failures=True,
                metrics_config=lambda_.MetricsConfig(metrics=[lambda_.MetricType.EVENT_COUNT]),
            )
        )

    @property
    def log_groups(self) -> list[logs.ILogGroup]:
{%- if cookiecutter.enable_vpc %}
        # The function's, and its network's flow logs.
        return [self.log_group, self.network.flow_log_group]
{%- else %}
        return [self.log_group]
{%- endif %}
