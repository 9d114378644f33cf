"""The custom domain (domain_name answered) in every combination of the matrix: one domain,
mapped to the API, with the answered certificate; none without. Bad domain answers are refused
at render, one line each, with nothing left on disk."""

import pytest

from .bakery import render
from .test_validation import assert_refused

CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-000000000001"
API_TYPES = {"http": "AWS::ApiGatewayV2::Api", "rest": "AWS::ApiGateway::RestApi"}


def test_an_answered_domain_is_the_api_s_and_has_the_answered_certificate(baked):
    answers, synthesized = baked
    domains = synthesized.of_type("AWS::ApiGatewayV2::DomainName")
    mappings = synthesized.of_type("AWS::ApiGatewayV2::ApiMapping")
    if not answers.get("domain_name"):
        assert domains == mappings == {}
        assert "DomainTarget" not in synthesized.template["Outputs"]
        return
    domain_id, _ = synthesized.one(
        "AWS::ApiGatewayV2::DomainName",
        DomainName=answers["domain_name"],
        DomainNameConfigurations=[
            {
                "CertificateArn": answers["certificate_arn"],
                "EndpointType": "REGIONAL",
                "SecurityPolicy": "TLS_1_2",
            }
        ],
    )
    (api_id,) = synthesized.of_type(API_TYPES[answers["api_type"]])
    synthesized.one("AWS::ApiGatewayV2::ApiMapping", ApiId={"Ref": api_id})
    (mapping,) = mappings.values()
    assert mapping["Properties"]["DomainName"] == {"Ref": domain_id}
    assert "ApiMappingKey" not in mapping["Properties"]
    outputs = synthesized.template["Outputs"]
    assert outputs["MessagesUrl"]["Value"] == f"https://{answers['domain_name']}/messages"
    # The certificate's Region is checked before a deploy creates anything.
    region = answers["certificate_arn"].split(":")[3]
    assert {"Fn::Equals": [{"Ref": "AWS::Region"}, region]} in [
        assertion["Assert"]
        for rule in synthesized.template["Rules"].values()
        for assertion in rule["Assertions"]
    ]


REFUSED = [
    (
        ("domain_name=API.example.com", f"certificate_arn={CERTIFICATE}"),
        "domain_name='API.example.com': must be a DNS name in lowercase",
    ),
    (
        ("domain_name=api", f"certificate_arn={CERTIFICATE}"),
        "domain_name='api': must be a DNS name in lowercase",
    ),
    (
        ("domain_name=api.example.com",),
        "certificate_arn is missing: must be the ARN of an ACM certificate",
    ),
    (
        ("domain_name=api.example.com", "certificate_arn=arn:aws:acm:eu-west-1:123:certificate/x"),
        "certificate_arn='arn:aws:acm:eu-west-1:123:certificate/x': must be the ARN of an ACM",
    ),
    (
        (f"certificate_arn={CERTIFICATE}",),
        f"certificate_arn='{CERTIFICATE}': is the certificate of a custom domain",
    ),
]


@pytest.mark.parametrize(("answers", "expected"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_a_bad_domain_answer_is_refused_with_one_line(tmp_path, answers, expected):
    assert_refused(render(tmp_path, *answers), tmp_path, expected)


def test_both_bad_domain_answers_are_refused_at_once(tmp_path):
    result = render(tmp_path, "domain_name=api_example", "certificate_arn=nope")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["error", "error"]
    assert lines[0].startswith("error: domain_name='api_example'")
    assert lines[1].startswith("error: certificate_arn='nope'")
    assert list(tmp_path.iterdir()) == []
