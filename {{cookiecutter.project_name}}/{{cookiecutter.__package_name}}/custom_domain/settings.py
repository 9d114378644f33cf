"""Settings of the API's custom domain (the project was rendered with domain_name), in cdk.json:
the domain, its ACM certificate, the Route 53 zone to put its record in, and whether the API's
default endpoint stays open. Standard library and api_sqs_devkit only: the render checks the
answers with it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api_sqs_devkit.settings import SettingError, boolean, parse_each, text

# A DNS name as API Gateway takes it for a custom domain: lowercase labels of letters, digits and
# inner hyphens (at most 63 characters each), two or more, 253 characters in all.
LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_NAME = r"(?=.{1,253}\Z)" + LABEL + r"(\." + LABEL + r")+"
CERTIFICATE_ARN = (
    r"arn:aws[a-z-]*:acm:(?P<region>[a-z]{2}(-[a-z]+)+-[0-9]):[0-9]{12}:certificate/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
HOSTED_ZONE_ID = r"Z[A-Z0-9]{1,31}"
# AWS's own names: a custom domain is one the team owns.
AWS_DOMAINS = ("amazonaws.com", "amazonaws.com.cn", "aws")

RULES = {
    "domain_name": text(
        DOMAIN_NAME,
        "must be a DNS name in lowercase such as api.example.com (two or more labels of letters,"
        " digits and inner hyphens, 253 characters at most)",
    ),
    "certificate_arn": text(
        CERTIFICATE_ARN,
        "must be the ARN of an ACM certificate (arn:aws:acm:REGION:ACCOUNT:certificate/ID) that"
        " covers domain_name, in the stack's Region",
    ),
    # Empty: the stack makes no DNS record; point the domain at the DomainTarget output yourself.
    "hosted_zone_id": text(
        HOSTED_ZONE_ID,
        "must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, or empty for no DNS"
        " record",
        optional=True,
    ),
    # True: the API's execute-api endpoint is turned off, so clients must use the domain.
    "disable_default_endpoint": boolean,
}
# Settings a cdk.json may leave out, and what they are then.
DEFAULTS = {"hosted_zone_id": "", "disable_default_endpoint": False}


def certificate_region(certificate_arn: str) -> str:
    """The Region of an ACM certificate, from its ARN."""
    return re.fullmatch(CERTIFICATE_ARN, certificate_arn).group("region")


def region_error(certificate_arn: str, region: str, where: str) -> SettingError | None:
    """The certificate is not in the Region the stack deploys to (where: how that is known)."""
    found = certificate_region(certificate_arn)
    if found == region:
        return None
    return SettingError(
        "certificate_arn",
        certificate_arn,
        f"is in {found}, but the stack deploys to {region} ({where}): a regional API's"
        " certificate must be in the API's Region (only an edge-optimized one takes its"
        f" certificate from us-east-1); request or import one in {region} with ACM",
    )


def answer_errors(values: Mapping[str, Any]) -> list[SettingError]:
    """The values that break a rule of the domain's, and the domains that are AWS's own."""
    parsed, errors = parse_each(RULES, {**DEFAULTS, **values})
    domain = parsed.get("domain_name", "")
    if any(domain == aws or domain.endswith(f".{aws}") for aws in AWS_DOMAINS):
        errors.append(
            SettingError(
                "domain_name",
                domain,
                "is a name of AWS's (the API's default endpoint has one already); a custom"
                " domain is one you own, such as api.example.com",
            )
        )
    return errors


@dataclass(frozen=True)
class DomainSettings:
    domain_name: str
    certificate_arn: str
    hosted_zone_id: str
    disable_default_endpoint: bool

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> DomainSettings:
        """The values, checked; SettingError for the first that breaks a rule."""
        for error in answer_errors(values):
            raise error
        return cls(**parse_each(RULES, {**DEFAULTS, **values})[0])

    @property
    def certificate_region(self) -> str:
        return certificate_region(self.certificate_arn)

    @property
    def url(self) -> str:
        return f"https://{self.domain_name}"
