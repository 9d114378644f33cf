"""The local API's checks, one by one: throttle, SigV4 and JWT, as API Gateway applies them."""

import base64
import datetime
import hashlib
import hmac
import json
import time

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from {{ cookiecutter.__package_name }}.local.gateway import (
    LocalJwtIssuer,
    TokenBucket,
    sigv4_is_valid,
)

URL = "http://127.0.0.1:8080/messages"
BODY = b'{"orderId": "1"}'


def test_token_bucket_allows_the_burst_then_the_rate():
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=4, clock=lambda: now[0])
    assert [bucket.take() for _ in range(5)] == [True] * 4 + [False]
    now[0] += 0.5  # one more token at 2 per second
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 100  # never more than the burst
    assert sum(bucket.take() for _ in range(10)) == 4


def signed(body=BODY, secret="testing", region="us-east-1", sent_body=None) -> tuple:
    request = AWSRequest(method="POST", url=URL, data=body, headers={"Content-Type": "x"})
    SigV4Auth(Credentials("testing", secret), "execute-api", region).add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = "127.0.0.1:8080"
    return "POST", URL, headers, body if sent_body is None else sent_body


def test_a_request_signed_with_the_local_credentials_passes():
    assert sigv4_is_valid(*signed())


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(signed(secret="wrong"), id="wrong secret"),
        pytest.param(signed(sent_body=b'{"orderId": "2"}'), id="body changed after signing"),
        pytest.param(signed(region="eu-west-1"), id="other region"),
    ],
)
def test_a_forged_request_is_refused(request_):
    assert not sigv4_is_valid(*request_)


def test_a_stale_signature_is_refused(monkeypatch):
    an_hour_ago = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(
        hours=1
    )
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_: an_hour_ago)
    assert not sigv4_is_valid(*signed())


@pytest.mark.parametrize(
    "authorization", ["", "AWS4-HMAC-SHA256 garbage", "Bearer x", "AWS4-HMAC-SHA256 Credential=é"]
)
def test_a_malformed_authorization_is_refused_not_an_error(authorization):
    assert not sigv4_is_valid("POST", URL, {"authorization": authorization}, BODY)


def b64(document) -> str:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forged_token(issuer: LocalJwtIssuer, header: dict, claims: dict) -> str:
    head, body = b64(header), b64(claims)
    signature = hmac.new(issuer.key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"Bearer {head}.{body}.{b64(signature)}"


@pytest.fixture
def issuer():
    return LocalJwtIssuer("https://issuer.example.com", ("orders",))


def test_the_printed_token_passes(issuer):
    assert issuer.is_valid(f"Bearer {issuer.token()}")


@pytest.mark.parametrize(
    ("header", "claims"),
    [
        pytest.param({"alg": "none"}, {}, id="alg none"),
        pytest.param({}, {"exp": time.time() - 10}, id="expired"),
        pytest.param({}, {"nbf": time.time() + 600}, id="not yet valid"),
        pytest.param({}, {"aud": "someone-else"}, id="other audience"),
        pytest.param({}, {"iss": "https://evil.example.com"}, id="other issuer"),
        pytest.param({}, {"exp": "soon"}, id="exp not a number"),
    ],
)
def test_a_bad_token_is_refused(issuer, header, claims):
    good = {"iss": issuer.issuer, "aud": "orders", "exp": time.time() + 600}
    assert not issuer.is_valid(forged_token(issuer, {"alg": "HS256", **header}, {**good, **claims}))


def test_a_token_signed_with_another_key_is_refused(issuer):
    other = LocalJwtIssuer(issuer.issuer, issuer.audiences)
    assert not issuer.is_valid(f"Bearer {other.token()}")
