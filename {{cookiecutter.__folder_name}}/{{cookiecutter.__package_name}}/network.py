"""The consumer's network: a VPC with private subnets only (no internet gateway, no NAT)."""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct


class ConsumerNetwork(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, log_retention: logs.RetentionDays
    ) -> None:
        super().__init__(scope, construct_id)

        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            # Nothing uses the default security group. Locking it down takes a custom resource
            # whose role carries an AWS-managed policy, which this stack avoids.
            restrict_default_security_group=False,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="consumer", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                )
            ],
        )
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        self.flow_log_group = logs.LogGroup(
            self, "FlowLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.vpc.add_flow_log(
            "FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group)
        )
        # The event source mapping polls SQS from outside the VPC, so the function itself needs no
        # route out. Egress is open only to HTTPS inside the VPC, for interface endpoints you add.
        self.consumer_security_group = ec2.SecurityGroup(
            self,
            "ConsumerSecurityGroup",
            vpc=self.vpc,
            description="Queue consumer: no inbound; outbound HTTPS inside the VPC only",
            allow_all_outbound=False,
        )
        self.consumer_security_group.add_egress_rule(
            ec2.Peer.ipv4(self.vpc.vpc_cidr_block),
            ec2.Port.tcp(443),
            "HTTPS to interface endpoints in the VPC",
        )
