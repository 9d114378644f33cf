"""The message queue and its dead-letter queue, encrypted at rest and reachable only over TLS,
and the role API Gateway sends messages with."""

from dataclasses import replace

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
{%- if cookiecutter.enable_kms %}
from aws_cdk import aws_kms as kms
{%- endif %}
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..settings import DLQ_RETENTION_DAYS, ResourceNames, Settings
{%- if cookiecutter.queue_type == "fifo" %}
from . import fifo_settings
{%- endif %}


class MessageQueues(Construct):
    """The service's queue and DLQ; with a name, another pair beside them (name="refunds":
    {project}-{stage}-refunds-queue and -refunds-dlq, with a key of their own)."""
{% if cookiecutter.queue_type == "fifo" %}
    # FIFO: ordered per message group; duplicates within 5 minutes dropped (see fifo_settings).
    SETTINGS_MODULES = (fifo_settings,)
{%- else %}
    SETTINGS_MODULES = ()
{%- endif %}

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, name: str = ""
    ) -> None:
        super().__init__(scope, construct_id)
        names = settings.names
        if name:  # named as a stage of its own: {project}-{stage}-{name}-queue
            names = replace(
                ResourceNames.of(settings.project_name, f"{settings.stage}-{name}", settings.units),
                key_alias=f"alias/{settings.name_prefix}-{name}-key",
            )
        self.queue_name = names.queue
{%- if cookiecutter.enable_kms %}
        self.encryption_key = kms.Key(
            self,
            "QueueKey",
            alias=names.key_alias,
            description=f"Encrypts the messages in {names.queue} and {names.dlq}"
{%- if cookiecutter.enable_idempotency %}
            " (and the idempotency records of the stack's consumers)"
{%- endif %},
            enable_key_rotation=True,
        )
        encryption = {
            "encryption": sqs.QueueEncryption.KMS,
            "encryption_master_key": self.encryption_key,
        }
{%- else %}
        encryption = {"encryption": sqs.QueueEncryption.SQS_MANAGED}
{%- endif %}
        # A production stage keeps its messages even if the stack is deleted. The DLQ takes what
        # the queue takes{% if cookiecutter.queue_type == "fifo" %}; a FIFO queue needs a FIFO DLQ{% endif %}.
        removal_policy = RemovalPolicy.RETAIN if settings.is_production else RemovalPolicy.DESTROY
        common = {
            "removal_policy": removal_policy,
            "enforce_ssl": True,
            "max_message_size_bytes": settings.max_message_bytes,
{%- if cookiecutter.queue_type == "fifo" %}
            "fifo": True,
{%- endif %}
            **encryption,
        }

        self.dlq = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=names.dlq,
            retention_period=Duration.days(DLQ_RETENTION_DAYS),
            **common,
        )
        Validations.of(self.dlq).acknowledge(
            Acknowledgment(
                id="Serverless::Serverless-SQSRedrivePolicy",
                reason="This is the dead-letter queue: its messages stay here for inspection and"
                " redrive, so it has no dead-letter queue of its own",
            )
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=names.queue,
            retention_period=Duration.days(settings.queue_retention),
            visibility_timeout=Duration.seconds(settings.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dlq, max_receive_count=settings.dlq_retries
            ),
{%- if cookiecutter.queue_type == "fifo" %}
            # A request without an Idempotency-Key header is deduplicated by its body's SHA-256,
            # within its message group: two callers' messages never deduplicate each other.
            content_based_deduplication=True,
            deduplication_scope=sqs.DeduplicationScope.MESSAGE_GROUP,
{%- endif %}
            **common,
        )

    def send_message_role(self, scope: Construct, construct_id: str) -> iam.Role:
        """The role API Gateway sends messages to the queue with: exactly what sending needs,
        spelled out (queue.grant_send_messages would add more)."""
        role = iam.Role(
            scope,
            construct_id,
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description=f"Lets API Gateway send messages to {self.queue_name}",
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.queue.queue_arn])
        )
{%- if cookiecutter.enable_kms %}
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[self.encryption_key.key_arn],
            )
        )
{%- endif %}
        return role
