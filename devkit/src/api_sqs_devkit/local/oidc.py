"""A local OpenID Connect issuer, and the token check API Gateway's authorizers make.

The issuer signs RS256 tokens with keys made at start; the gateway serves its discovery document
and JWKS. Tokens carry the issuer and audience the deployed authorizer expects (from the
template), so a route's authorizer runs locally exactly as configured: an HTTP API JWT
authorizer, or a REST API Cognito user pool authorizer (which takes Cognito's ID tokens).
"""

import math
import time
import uuid
from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

ALGORITHM = "RS256"
TOKEN_LIFETIME_SECONDS = 12 * 3600  # long enough for a working day of `make local`
LOCAL_SUBJECT = "local-user"
LOCAL_CLIENT_ID = "local-client"  # a Cognito app client stands behind `aud` of ID tokens


@dataclass(frozen=True)
class Audience:
    """Who a route's authorizer takes tokens from."""

    issuer: str
    audiences: tuple[str, ...]  # HTTP JWT authorizer: aud or client_id must be one of them
    cognito: bool  # REST Cognito authorizer: Cognito ID tokens of the pool
    scopes: tuple[str, ...] = ()  # the route's authorization scopes, if any


class LocalIssuer:
    """Signs tokens for any of the stack's issuers with its own keys (it stands in for them)."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": uuid.uuid4().hex, "use": "sig", "alg": ALGORITHM}
        )
        self.keys = KeySet([self.key])

    def jwks(self) -> dict:
        """The public keys, as a JWKS endpoint serves them."""
        return self.keys.as_dict(private=False)

    def discovery(self, issuer: str, base_url: str) -> dict:
        """The OpenID Connect discovery document of an issuer, served by the gateway."""
        return {
            "issuer": issuer,
            "jwks_uri": f"{base_url}/.well-known/jwks.json",
            "authorization_endpoint": f"{base_url}/_local/token",
            "token_endpoint": f"{base_url}/_local/token",
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
        }

    def claims_for(self, audience: Audience, lifetime: int = TOKEN_LIFETIME_SECONDS) -> dict:
        now = int(time.time())
        claims = {
            "iss": audience.issuer,
            "sub": LOCAL_SUBJECT,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        if audience.cognito:  # a Cognito user pool's ID token
            claims.update(
                {
                    "aud": LOCAL_CLIENT_ID,
                    "token_use": "id",
                    "auth_time": now,
                    "cognito:username": LOCAL_SUBJECT,
                    "email": "local-user@example.com",
                }
            )
        else:
            claims["aud"] = audience.audiences[0] if audience.audiences else LOCAL_CLIENT_ID
        if audience.scopes:
            claims["scope"] = " ".join(audience.scopes)
        return claims

    def token(self, audience: Audience, **overrides) -> str:
        """A token the route's authorizer accepts; `overrides` replace claims (None drops
        one), e.g. exp=0 for an expired token."""
        claims = {**self.claims_for(audience), **overrides}
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode({"alg": ALGORITHM, "kid": self.key.kid, "typ": "JWT"}, claims, self.keys)


class TokenRefused(Exception):
    """Why the authorizer refuses a token: the error description API Gateway gives."""


class TokenVerifier:
    """Checks tokens as API Gateway does, with the keys of a JWKS document: the signature with
    the key the token's kid names, the algorithm, then iss, aud or client_id, exp, nbf."""

    def __init__(self, jwks: dict, leeway_seconds: int = 0) -> None:
        self.keys = KeySet.import_key_set(jwks)
        self.leeway = leeway_seconds

    def verify(self, authorization: str, audience: Audience) -> dict:
        """The token's claims; TokenRefused otherwise. The token may follow "Bearer "."""
        token = authorization.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise TokenRefused("no token")
        try:
            decoded = jwt.decode(token, self.keys, algorithms=[ALGORITHM])
        except JoseError as error:
            raise TokenRefused(f"the token is not valid: {error.error}") from None
        except (ValueError, TypeError, KeyError):
            raise TokenRefused("the token is not valid: not a signed JWT") from None
        if not decoded.header.get("kid"):
            # API Gateway picks the key by kid; a token without one names no key.
            raise TokenRefused("the token is not valid: its header has no kid")
        claims = decoded.claims
        now = time.time()
        if claims.get("iss") != audience.issuer:
            raise TokenRefused(f"the token's issuer is not {audience.issuer}")
        expires, not_before = claims.get("exp"), claims.get("nbf", now)
        if not (is_time(expires) and is_time(not_before)):
            raise TokenRefused("the token has no valid exp claim, or an invalid nbf claim")
        if expires + self.leeway <= now:
            raise TokenRefused("the token has expired")
        if not_before - self.leeway > now:
            raise TokenRefused("the token is not valid yet")
        if audience.cognito:
            self.check_cognito(claims, audience)
        else:
            self.check_audience(claims, audience)
        if audience.scopes:
            granted = set(str(claims.get("scope", "")).split())
            if not granted & set(audience.scopes):
                raise TokenRefused("the token has none of the route's scopes")
        return claims

    @staticmethod
    def check_audience(claims: dict, audience: Audience) -> None:
        """An HTTP JWT authorizer: aud, or client_id when aud is absent, in its audiences."""
        if not audience.audiences:
            return
        presented = claims.get("aud", claims.get("client_id"))
        presented = set(presented if isinstance(presented, list) else [presented])
        if not presented & set(audience.audiences):
            raise TokenRefused("the token's audience is not one the authorizer accepts")

    @staticmethod
    def check_cognito(claims: dict, audience: Audience) -> None:
        """A Cognito authorizer without scopes takes the pool's ID tokens."""
        if not audience.scopes and claims.get("token_use") != "id":
            raise TokenRefused("not an ID token (token_use is not id)")
        if not claims.get("aud") and not claims.get("client_id"):
            raise TokenRefused("the token names no app client")


def is_time(value: object) -> bool:
    """A NumericDate (RFC 7519): a finite number of seconds, not text or a boolean."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
