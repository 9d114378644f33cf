"""Settings of the REST API (api_type=rest), in cdk.json: API keys with a usage plan, a WAF web
ACL, the account's logging role; and the names of its resources. Standard library and
api_sqs_devkit only: the render checks the names' lengths with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api_sqs_devkit.settings import boolean, burst, integer, parse_all, text

WEB_ACL_ARN = r"arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/[A-Za-z0-9_-]+/[a-f0-9-]+"
RULES = {
    "api_keys": boolean,
    "api_key_rate_limit": integer(1, 10000, " requests per second per API key"),
    "api_key_daily_quota": integer(1, 1_000_000_000, " requests per API key per day"),
    "web_acl_arn": text(
        WEB_ACL_ARN, "must be a regional WAF web ACL's ARN, or empty for none", optional=True
    ),
    "manage_api_gateway_logging_role": boolean,
}
NAME_LIMITS = {"rest_api": 128, "usage_plan": 1024, "api_key": 1024}


def resource_names(prefix: str) -> dict[str, str]:
    return {
        "rest_api": f"{prefix}-rest-api",
        "usage_plan": f"{prefix}-usage-plan",
        "api_key": f"{prefix}-first-client",
    }


@dataclass(frozen=True)
class RestApiSettings:
    """What only a REST API has: API keys with a usage plan, a WAF web ACL, execution logs."""

    api_keys: bool
    api_key_rate_limit: int
    api_key_daily_quota: int
    web_acl_arn: str
    # API Gateway writes a REST API's logs as one role per account and region. False when the
    # account already has it (set by a platform team): the app then leaves it alone.
    manage_api_gateway_logging_role: bool

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> RestApiSettings:
        return cls(**parse_all(RULES, values))

    @property
    def api_key_burst_limit(self) -> int:
        """Requests one API key may send at once: two seconds' worth, as the stage."""
        return burst(self.api_key_rate_limit)

    def warnings(self, api_throttling: int) -> list[str]:
        found = []
        if self.api_keys and self.api_key_rate_limit > api_throttling:
            found.append(
                f"api_key_rate_limit={self.api_key_rate_limit} is above api_throttling="
                f"{api_throttling}: the stage's throttle is reached first"
            )
        return found
