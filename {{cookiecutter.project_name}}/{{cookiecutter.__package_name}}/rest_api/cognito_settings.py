"""Settings of a REST API that checks tokens with a Cognito user pool authorizer (api_auth=jwt):
the issuer names the pool. Standard library and api_sqs_devkit only: the render checks the
answers with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api_sqs_devkit.settings import SettingError, parse_all, parse_each, text

# The authorizer checks the pool, not an audience: the ID tokens of every app client pass.
RULES = {
    "jwt_issuer": text(
        r"https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([a-z0-9-]+_[A-Za-z0-9]+)",
        "must be a Cognito user pool's issuer, https://cognito-idp.REGION.amazonaws.com/POOL_ID,"
        " with api_type=rest (REST APIs check tokens with a Cognito user pool authorizer)",
    ),
}


@dataclass(frozen=True)
class CognitoSettings:
    issuer: str

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> CognitoSettings:
        return cls(issuer=parse_all(RULES, values)["jwt_issuer"])

    @property
    def user_pool(self) -> tuple[str, str]:
        """(region, pool id) of the issuer."""
        region, pool_id = RULES["jwt_issuer"].pattern.fullmatch(self.issuer).groups()
        return region, pool_id


def answer_errors(answers: Mapping[str, Any]) -> list[SettingError]:
    return parse_each(RULES, answers)[1]
