"""Every log group of the stack, made in one place: one retention
{%- if cookiecutter.enable_kms %}, one key{% endif %}."""

{% if cookiecutter.enable_kms -%}
from aws_cdk import ArnFormat, Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
{%- else -%}
from aws_cdk import RemovalPolicy
{%- endif %}
from aws_cdk import aws_logs as logs
from constructs import Construct

from ..settings import Settings
{%- if cookiecutter.enable_kms %}

# What CloudWatch Logs needs of a customer-managed key, as AWS documents it for log groups.
LOGS_KEY_ACTIONS = [
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
]
{%- endif %}


def log_retention(settings: Settings) -> logs.RetentionDays:
    """Retention of every log group in the stack: short while developing, a year in production."""
    return logs.RetentionDays.ONE_YEAR if settings.is_production else logs.RetentionDays.TWO_WEEKS


class ServiceLogs(Construct):
{%- if cookiecutter.enable_kms %}
    """Makes the stack's log groups, each encrypted with a key of their own; the key's policy
    lets CloudWatch Logs use it for those groups and no other (log lines can carry request
    data)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.retention = log_retention(settings)
        self.encryption_key = kms.Key(
            self,
            "LogsKey",
            alias=settings.names.logs_key_alias,
            description=f"Encrypts the log groups of {settings.names.stack}",
            enable_key_rotation=True,
        )
{%- else %}
    """Makes the stack's log groups, all with the stack's retention."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.retention = log_retention(settings)
{%- endif %}

    def log_group(self, scope: Construct, construct_id: str, *, name: str) -> logs.LogGroup:
{%- if cookiecutter.enable_kms %}
        """A log group of a known name: the key policy names it before the group exists (a
        reference to the group's ARN would make the key and the group depend on each other)."""
        arn = Stack.of(scope).format_arn(
            service="logs",
            resource="log-group",
            resource_name=name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.encryption_key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=LOGS_KEY_ACTIONS,
                resources=["*"],
                conditions={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": arn}},
            )
        )
{%- endif %}
        return logs.LogGroup(
            scope,
            construct_id,
            log_group_name=name,
            retention=self.retention,
{%- if cookiecutter.enable_kms %}
            encryption_key=self.encryption_key,
{%- endif %}
            removal_policy=RemovalPolicy.DESTROY,
        )
