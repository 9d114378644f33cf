"""The API's custom domain: the domain name with its certificate, mapped at its root to the API's
stage; the DNS record with a zone; the default endpoint off on request; the certificate's Region."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from {{ cookiecutter.__package_name }}.application import build
from {{ cookiecutter.__package_name }}.settings import SettingError

from .cfn import app_of, only

PROJECT_ROOT = Path(__file__).parents[2]
ZONE = "Z0123456789ABCDEFGHIJ"
OTHER_REGION_CERTIFICATE = (
    "arn:aws:acm:ap-southeast-2:123456789012:certificate/0a1b2c3d-0000-4000-8000-0000000000ff"
)
{%- if cookiecutter.api_type == "rest" %}
API_TYPE = "AWS::ApiGateway::RestApi"
{%- else %}
API_TYPE = "AWS::ApiGatewayV2::Api"
{%- endif %}


def domain_of(template) -> tuple[str, dict]:
    return only(template, "AWS::ApiGatewayV2::DomainName")


def the_api(template) -> tuple[str, dict]:
    return only(template, API_TYPE)


def certificate_region(context) -> str:
    return context["certificate_arn"].split(":")[3]


def test_the_domain_has_the_certificate_a_regional_endpoint_and_tls_1_2(template, context):
    _, domain = domain_of(template)
    assert domain["Properties"] == {
        "DomainName": context["domain_name"],
        "DomainNameConfigurations": [
            {
                "CertificateArn": context["certificate_arn"],
                "EndpointType": "REGIONAL",
                "SecurityPolicy": "TLS_1_2",
            }
        ],
    }


def test_the_domain_s_root_is_mapped_to_the_api_s_stage(template, settings):
    domain_id, _ = domain_of(template)
    api_id, _ = the_api(template)
    _, mapping = only(template, "AWS::ApiGatewayV2::ApiMapping")
    properties = mapping["Properties"]
    assert properties["ApiId"] == {"Ref": api_id}
    assert properties["DomainName"] == {"Ref": domain_id}
    assert "ApiMappingKey" not in properties  # the root: https://DOMAIN/messages
{%- if cookiecutter.api_type == "rest" %}
    stage_id, _ = only(template, "AWS::ApiGateway::Stage", {"StageName": settings.stage})
    assert properties["Stage"] == {"Ref": stage_id}
{%- else %}
    stage_id, _ = only(template, "AWS::ApiGatewayV2::Stage", {"StageName": "$default"})
    assert properties["Stage"] == "$default"
    assert mapping["DependsOn"] == [stage_id]
{%- endif %}


def test_clients_post_to_the_domain_and_the_default_endpoint_stays_beside_it(template, context):
    outputs = template.to_json()["Outputs"]
    assert outputs["MessagesUrl"]["Value"] == f"https://{context['domain_name']}/messages"
    assert "DefaultEndpointMessagesUrl" in outputs
    domain_id, _ = domain_of(template)
    assert outputs["DomainTarget"]["Value"] == {"Fn::GetAtt": [domain_id, "RegionalDomainName"]}
    assert outputs["DomainTargetHostedZoneId"]["Value"] == {
        "Fn::GetAtt": [domain_id, "RegionalHostedZoneId"]
    }


def test_no_dns_record_without_a_zone(template):
    assert template.find_resources("AWS::Route53::RecordSet") == {}


def test_with_a_zone_an_alias_record_points_the_domain_at_the_api(synthesize, context):
    template = synthesize(hosted_zone_id=ZONE)
    domain_id, _ = domain_of(template)
    _, record = only(template, "AWS::Route53::RecordSet")
    assert record["Properties"] == {
        "HostedZoneId": ZONE,
        "Name": f"{context['domain_name']}.",
        "Type": "A",
        "AliasTarget": {
            "DNSName": {"Fn::GetAtt": [domain_id, "RegionalDomainName"]},
            "HostedZoneId": {"Fn::GetAtt": [domain_id, "RegionalHostedZoneId"]},
        },
    }


def test_the_default_endpoint_is_on_unless_asked(template):
    _, api = the_api(template)
    assert "DisableExecuteApiEndpoint" not in api["Properties"]


def test_the_default_endpoint_can_be_turned_off(synthesize, context):
    template = synthesize(disable_default_endpoint=True)
    _, api = the_api(template)
    assert api["Properties"]["DisableExecuteApiEndpoint"] is True
    outputs = template.to_json()["Outputs"]
    # Every URL the stack gives out is the domain's.
    urls = [o["Value"] for o in outputs.values() if "execute-api." in json.dumps(o["Value"])]
    assert urls == []
    assert outputs["MessagesUrl"]["Value"] == f"https://{context['domain_name']}/messages"


def test_a_stage_may_have_its_own_domain(context):
    stages = {**context["stages"], "prod": {"domain_name": "api.prod.example.org"}}
    stack, _ = build(app_of({**context, "stage": "prod", "stages": stages}))
    template = Template.from_stack(stack)
    _, domain = domain_of(template)
    assert domain["Properties"]["DomainName"] == "api.prod.example.org"
    outputs = template.to_json()["Outputs"]
    assert outputs["MessagesUrl"]["Value"] == "https://api.prod.example.org/messages"


def test_a_deploy_into_another_region_fails_before_anything_is_created(template, context):
    region = certificate_region(context)
    rules = template.to_json()["Rules"]
    (rule,) = [rule for name, rule in rules.items() if name.startswith("CustomDomain")]
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, region]}
    assert f"deploy this stack to {region}" in assertion["AssertDescription"]
    assert "RuleCondition" not in rule


def run_app(context: dict, **environment: str) -> subprocess.CompletedProcess:
    """app.py in its own process, as the CDK CLI runs it: the context in CDK_CONTEXT_JSON, and
    only the AWS configuration given here (none of the test's own)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    return subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env={
            **inherited,
            "AWS_CONFIG_FILE": str(PROJECT_ROOT / "no-such-aws-config"),
            "CDK_CONTEXT_JSON": json.dumps(context),
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_a_certificate_in_another_region_than_the_configured_one_stops_the_synth(context):
    context = {**context, "certificate_arn": OTHER_REGION_CERTIFICATE}
    result = run_app(context, CDK_DEFAULT_REGION="eu-central-1", AWS_REGION="eu-central-1")
    assert result.returncode == 1
    assert error_lines(result) == [
        f"error: certificate_arn={OTHER_REGION_CERTIFICATE!r}: is in ap-southeast-2, but the"
        " stack deploys to eu-central-1 (the Region of your AWS configuration): a regional API's"
        " certificate must be in the API's Region (only an edge-optimized one takes its"
        " certificate from us-east-1); request or import one in eu-central-1 with ACM (set it"
        " in cdk.json or with -c certificate_arn=VALUE)"
    ]


def test_the_cdk_cli_s_region_without_an_aws_configuration_says_nothing(context):
    """Without a configured Region the CDK CLI sets us-east-1 anyway; the synth goes on, and the
    template's rule checks the Region at deploy."""
    context = {**context, "certificate_arn": OTHER_REGION_CERTIFICATE}
    result = run_app(context, CDK_DEFAULT_REGION="us-east-1")
    assert result.returncode == 0, result.stderr
    assert error_lines(result) == []


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("domain_name", "API.example.com", "must be a DNS name in lowercase"),
        ("domain_name", "localhost", "must be a DNS name in lowercase"),
        ("domain_name", "https://api.example.com", "must be a DNS name in lowercase"),
        ("domain_name", "abc.execute-api.eu-west-1.amazonaws.com", "is a name of AWS's"),
        ("certificate_arn", "", None),
        ("certificate_arn", "arn:aws:iam::123456789012:server-certificate/x", "must be the ARN"),
        ("hosted_zone_id", "example.com", "must be a Route 53 hosted zone id"),
        ("disable_default_endpoint", "maybe", "must be true or false"),
    ],
)
def test_a_bad_value_is_refused_with_one_line(context, name, value, rule):
    with pytest.raises(SettingError) as refused:
        build(app_of({**context, name: value}))
    assert refused.value.name == name
    message = str(refused.value)
    assert "\n" not in message
    if rule is None:
        assert message.startswith(f"{name} is missing: must be the ARN of an ACM certificate")
    else:
        assert message.startswith(f"{name}={value!r}: {rule}")
