"""Settings of an HTTP API that checks JSON Web Tokens (api_auth=jwt): the issuer it trusts and
the audiences it accepts. Standard library and api_sqs_devkit only: the render checks the
answers with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api_sqs_devkit.settings import SettingError, parse_all, parse_each, text

RULES = {
    "jwt_issuer": text(
        r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?",
        "must be the token issuer's https:// URL",
    ),
    "jwt_audience": text(
        r"[A-Za-z0-9._:/@+-]+(,[A-Za-z0-9._:/@+-]+)*",
        "must be one or more audiences separated by commas, without spaces",
    ),
}


@dataclass(frozen=True)
class JwtSettings:
    issuer: str
    audiences: tuple[str, ...]

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> JwtSettings:
        parsed = parse_all(RULES, values)
        return cls(issuer=parsed["jwt_issuer"], audiences=tuple(parsed["jwt_audience"].split(",")))


def answer_errors(answers: Mapping[str, Any]) -> list[SettingError]:
    return parse_each(RULES, answers)[1]
