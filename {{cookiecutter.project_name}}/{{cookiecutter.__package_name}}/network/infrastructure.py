"""The consumer's network: a VPC with private subnets only (no internet gateway, no NAT)."""

from aws_cdk import Aws, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..logs.infrastructure import ServiceLogs


class ConsumerNetwork(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        service_logs: ServiceLogs,
    ) -> None:
        super().__init__(scope, construct_id)

        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            # The default security group keeps no rule: nothing placed in it by mistake can
            # talk to anything. CloudFormation cannot remove its rules, so a custom resource
            # of aws-cdk-lib does (see the README's Security section).
            restrict_default_security_group=True,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="consumer", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                )
            ],
        )
        # Its function has the same explicit DependsOn on its role as the consumer's.
        Stack.of(self).node.find_child(
            "Custom::VpcRestrictDefaultSGCustomResourceProvider"
        ).node.find_child("Handler").add_metadata(
            "cfn-lint", {"config": {"ignore_checks": ["W3005"]}}
        )
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        # Far below the 512 characters AWS allows whenever the consumer's name fits its 64.
        self.flow_log_group = service_logs.log_group(
            self, "FlowLogs", name=f"/aws/vpc/{name_prefix}/flow-logs"
        )
        # The service may act for flow logs of this account only (the confused-deputy guidance).
        flow_log_role = iam.Role(
            self,
            "FlowLogRole",
            assumed_by=iam.ServicePrincipal(
                "vpc-flow-logs.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}:{Aws.ACCOUNT_ID}"
                        ":vpc-flow-log/*"
                    },
                },
            ),
            description="Lets VPC flow logs write to the flow log group of the consumer's VPC",
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                self.flow_log_group, flow_log_role
            ),
        )
        # The event source mapping polls SQS from outside the VPC, so the function itself needs no
        # route out. Egress is open only to HTTPS inside the VPC, for interface endpoints you add
{%- if cookiecutter.enable_idempotency %}
        # (and to DynamoDB's gateway endpoint: see consumer/idempotency.py)
{%- endif %}.
        self.consumer_security_group = ec2.SecurityGroup(
            self,
            "ConsumerSecurityGroup",
            vpc=self.vpc,
{%- if cookiecutter.enable_idempotency %}
            description="Queue consumer: no inbound; outbound HTTPS to the VPC and DynamoDB only",
{%- else %}
            description="Queue consumer: no inbound; outbound HTTPS inside the VPC only",
{%- endif %}
            allow_all_outbound=False,
        )
        self.consumer_security_group.add_egress_rule(
            ec2.Peer.ipv4(self.vpc.vpc_cidr_block),
            ec2.Port.tcp(443),
            "HTTPS to interface endpoints in the VPC",
        )
