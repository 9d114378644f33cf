"""The message queue and its dead-letter queue, encrypted at rest and reachable only over TLS."""

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
{%- if cookiecutter.enable_kms %}
from aws_cdk import aws_kms as kms
{%- endif %}
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class MessageQueues(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        queue_name: str,
        dlq_name: str,
        retention: Duration,
        dlq_retention: Duration,
        max_receive_count: int,
        visibility_timeout: Duration,
        removal_policy: RemovalPolicy,
{%- if cookiecutter.enable_kms %}
        encryption_key: kms.IKey,
{%- endif %}
    ) -> None:
        super().__init__(scope, construct_id)
{%- if cookiecutter.enable_kms %}
        encryption = {
            "encryption": sqs.QueueEncryption.KMS,
            "encryption_master_key": encryption_key,
        }
{%- else %}
        encryption = {"encryption": sqs.QueueEncryption.SQS_MANAGED}
{%- endif %}

        self.dlq = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=dlq_name,
            retention_period=dlq_retention,
            removal_policy=removal_policy,
            enforce_ssl=True,
            **encryption,
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
            queue_name=queue_name,
            retention_period=retention,
            visibility_timeout=visibility_timeout,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dlq, max_receive_count=max_receive_count
            ),
            removal_policy=removal_policy,
            enforce_ssl=True,
            **encryption,
        )


def send_message_role(
    scope: Construct,
    construct_id: str,
    *,
    description: str,
    queue: sqs.IQueue,
{%- if cookiecutter.enable_kms %}
    encryption_key: kms.IKey,
{%- endif %}
) -> iam.Role:
    """The role API Gateway sends messages to the queue with: exactly what sending needs, spelled
    out (queue.grant_send_messages would add more)."""
    role = iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description=description,
    )
    role.add_to_policy(
        iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn])
    )
{%- if cookiecutter.enable_kms %}
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=[encryption_key.key_arn],
        )
    )
{%- endif %}
    return role
