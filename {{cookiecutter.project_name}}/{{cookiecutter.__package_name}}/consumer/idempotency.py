"""The table Powertools' idempotency utility keeps its records in (enable_idempotency=true): one
item per processed message, so a message SQS delivers again is not processed again."""
{% if cookiecutter.enable_kms %}
from aws_cdk import Aws, RemovalPolicy
{%- else %}
from aws_cdk import RemovalPolicy
{%- endif %}
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
{%- if cookiecutter.enable_kms %}
from aws_cdk import aws_kms as kms
{%- endif %}
from constructs import Construct

from ..settings import Settings
from . import idempotency_settings

# What Powertools' DynamoDB persistence layer does with its records, and nothing else.
RECORD_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
]
{%- if cookiecutter.enable_kms %}
# What DynamoDB asks of the caller's key permissions to read and write a table it encrypts with
# a customer-managed key.
KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
{%- endif %}


class IdempotencyTable(Construct):
    """Records keyed `id`, expiring at `expiration` (DynamoDB's TTL): Powertools' schema."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
{%- if cookiecutter.enable_kms %}
        encryption_key: kms.IKey,
{%- endif %}
    ) -> None:
        super().__init__(scope, construct_id)
{%- if cookiecutter.enable_kms %}
        self.encryption_key = encryption_key
        encryption = {
            "encryption": dynamodb.TableEncryption.CUSTOMER_MANAGED,
            "encryption_key": encryption_key,
        }
{%- else %}
        encryption = {"encryption": dynamodb.TableEncryption.AWS_MANAGED}
{%- endif %}
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=idempotency_settings.resource_names(settings.name_prefix)[
                "idempotency_table"
            ],
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute="expiration",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # A production stage keeps its records (and so its guarantee) if the stack is deleted.
            removal_policy=(
                RemovalPolicy.RETAIN if settings.is_production else RemovalPolicy.DESTROY
            ),
            deletion_protection=settings.is_production,
            **encryption,
        )

    def grant_records(self, role: iam.IRole) -> None:
        """Let the role read and write records, as the persistence layer does, spelled out
        (table.grant_read_write_data would add queries, scans and batch writes)."""
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=RECORD_ACTIONS, resources=[self.table.table_arn])
        )
{%- if cookiecutter.enable_kms %}
        # The key, only as DynamoDB uses it.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=KEY_ACTIONS,
                resources=[self.encryption_key.key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"dynamodb.{Aws.REGION}.amazonaws.com"}
                },
            )
        )
{%- endif %}
