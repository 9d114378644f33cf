"""The table Powertools' idempotency utility keeps its records in (enable_idempotency=true): one
item per processed message, so a message SQS delivers again is not processed again."""

from __future__ import annotations
{% if cookiecutter.enable_kms %}
from aws_cdk import Aws, RemovalPolicy, Stack
{%- else %}
from aws_cdk import RemovalPolicy, Stack
{%- endif %}
from aws_cdk import aws_dynamodb as dynamodb
{%- if cookiecutter.enable_vpc %}
from aws_cdk import aws_ec2 as ec2
{%- endif %}
from aws_cdk import aws_iam as iam
{%- if cookiecutter.enable_kms %}
from aws_cdk import aws_kms as kms
{%- endif %}
from constructs import Construct
{% if cookiecutter.enable_vpc %}
from ..network.infrastructure import ConsumerNetwork
{%- endif %}
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
    """Records keyed `id`, expiring at `expiration` (DynamoDB's TTL): Powertools' schema. One
    per stack, shared by every consumer: Powertools starts each record's key with its function's
    name, so the records of two consumers never meet."""

    CONSTRUCT_ID = "Idempotency"

    @classmethod
    def of_stack(
        cls,
        scope: Construct,
        *,
        settings: Settings,
{%- if cookiecutter.enable_kms %}
        encryption_key: kms.IKey,
{%- endif %}
    ) -> IdempotencyTable:
        """The stack's table: made by its first consumer{% if cookiecutter.enable_kms %} (with that consumer's queue key){% endif %}, found by
        the others."""
        stack = Stack.of(scope)
        found = stack.node.try_find_child(cls.CONSTRUCT_ID)
        if found:
            return found
{%- if cookiecutter.enable_kms %}
        return cls(stack, cls.CONSTRUCT_ID, settings=settings, encryption_key=encryption_key)
{%- else %}
        return cls(stack, cls.CONSTRUCT_ID, settings=settings)
{%- endif %}

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

{%- if cookiecutter.enable_vpc %}

    def reach_from(self, network: ConsumerNetwork) -> None:
        """A DynamoDB gateway endpoint in the network's subnets (once per VPC), allowed to serve
        this table's records only, and HTTPS out of the consumer's security group to it (its
        addresses are DynamoDB's public ones; the subnets route nowhere else)."""
        if network.vpc.node.try_find_child("DynamoDb"):
            return
        endpoint = network.vpc.add_gateway_endpoint(
            "DynamoDb",
            service=ec2.GatewayVpcEndpointAwsService.DYNAMODB,
            subnets=[network.subnets],
        )
        endpoint.add_to_policy(
            iam.PolicyStatement(
                principals=[iam.AnyPrincipal()],
                actions=RECORD_ACTIONS,
                resources=[self.table.table_arn],
            )
        )
        network.consumer_security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to DynamoDB's gateway endpoint"
        )
{%- endif %}

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
