"""The API's custom domain: a regional API Gateway domain name with the ACM certificate that
covers it, mapped at its root to the API's stage (HTTP and REST APIs alike), and its DNS record
when the Route 53 zone is known."""

from __future__ import annotations

from api_sqs_devkit.environment import deploy_region
from aws_cdk import Aws, CfnOutput, CfnRule, CfnRuleAssertion, Fn, Stack, Token
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from constructs import Construct

from . import settings as domain_settings
from .settings import DomainSettings, region_error


class CustomDomain(Construct):
    """https://DOMAIN/ serves the API's stage: the route is https://DOMAIN/messages."""

    # The settings modules of this unit: its own rules, checked by the app.
    SETTINGS_MODULES = (domain_settings,)

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: DomainSettings,
        api_id: str,
        stage: apigw.IStage | apigwv2.IStage,
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = domain
        # A regional certificate must be in the stack's Region: stop a synth that knows the
        # Region, and a deploy into any other (CloudFormation checks rules before it creates
        # anything).
        known = deploy_region(Stack.of(self))
        error = known and region_error(domain.certificate_arn, *known)
        if error:
            raise error
        region = domain.certificate_region
        CfnRule(
            self,
            "CertificateRegion",
            assertions=[
                CfnRuleAssertion(
                    assert_=Fn.condition_equals(Aws.REGION, region),
                    assert_description=f"The certificate of {domain.domain_name} is in {region}:"
                    f" deploy this stack to {region}, or set certificate_arn in cdk.json to a"
                    " certificate in the Region you deploy to (a regional API's certificate must"
                    " be in the API's Region)",
                )
            ],
        )

        self.domain_name = apigwv2.DomainName(
            self,
            "DomainName",
            domain_name=domain.domain_name,
            certificate=acm.Certificate.from_certificate_arn(
                self, "Certificate", domain.certificate_arn
            ),
            endpoint_type=apigwv2.EndpointType.REGIONAL,
            security_policy=apigwv2.SecurityPolicy.TLS_1_2,
        )
        # API Gateway's v2 API mappings map HTTP and REST API stages alike; no base path: the
        # domain's root is the stage's.
        self.mapping = apigwv2.CfnApiMapping(
            self,
            "ApiMapping",
            api_id=api_id,
            domain_name=self.domain_name.name,
            stage=stage.stage_name,
        )
        if not Token.is_unresolved(stage.stage_name):  # a name, not a reference to the stage
            self.mapping.node.add_dependency(stage)

        self.record = None
        if domain.hosted_zone_id:
            zone = route53.HostedZone.from_hosted_zone_id(self, "Zone", domain.hosted_zone_id)
            self.record = route53.ARecord(
                self,
                "AliasRecord",
                zone=zone,
                # Fully qualified (the trailing dot): the zone's own name is not needed.
                record_name=f"{domain.domain_name}.",
                target=route53.RecordTarget.from_alias(
                    targets.ApiGatewayv2DomainProperties(
                        self.domain_name.regional_domain_name,
                        self.domain_name.regional_hosted_zone_id,
                    )
                ),
            )

    def add_outputs(self, stack: Construct) -> None:
        CfnOutput(
            stack,
            "DomainTarget",
            value=self.domain_name.regional_domain_name,
            description=f"Point {self.settings.domain_name} here (CNAME, or a Route 53 alias)",
        )
        CfnOutput(
            stack,
            "DomainTargetHostedZoneId",
            value=self.domain_name.regional_hosted_zone_id,
            description="The hosted zone of DomainTarget, for a Route 53 alias record",
        )
