{% if cookiecutter.api_type == "rest" -%}
"""The REST API on 127.0.0.1: its method, authorization, API keys with their rate and quota,
stage throttle, body validation and answers, as API Gateway applies them."""
{%- else -%}
"""The HTTP API on 127.0.0.1: its route, body mapping, stage throttle and authorization."""
{%- endif %}

import base64
import hashlib
import hmac
import json
{%- if cookiecutter.api_type == "rest" %}
import secrets
{%- endif %}
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

{% if cookiecutter.api_type == "rest" -%}
import jsonschema
{% endif -%}
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from .pipeline import LocalPipeline

# Requests signed with these credentials are accepted, as `execute-api:Invoke` would allow.
LOCAL_CREDENTIALS = Credentials("testing", "testing")
REGION = "us-east-1"
# AWS refuses signatures more than this far from its clock.
MAX_CLOCK_SKEW = timedelta(minutes=15)
# The authorization type of a route that checks bearer tokens.
TOKEN_AUTHORIZATION = "{{ 'COGNITO_USER_POOLS' if cookiecutter.api_type == 'rest' else 'JWT' }}"
{%- if cookiecutter.api_type == "rest" %}
API_KEY_HEADER = "x-api-key"


def sent_answer(message_id: str) -> dict:
    """What the API answers when the message is queued (its integration response)."""
    return {"messageId": message_id}
{%- endif %}


class TokenBucket:
    """API Gateway's throttle: `burst` requests at once, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.updated = float(burst), clock()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


def sigv4_is_valid(method: str, url: str, headers: dict[str, str], body: bytes) -> bool:
    """Check a request's SigV4 signature as API Gateway does, with the local credentials: the
    signature itself, the region and service, the signed payload hash and the time."""
    try:
        scheme, _, parameters = headers.get("authorization", "").partition(" ")
        fields = dict(part.strip().split("=", 1) for part in parameters.split(","))
        key, date, region, service, _ = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        timestamp = headers["x-amz-date"]
        moment = datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except (KeyError, ValueError):
        return False
    if (
        scheme != "AWS4-HMAC-SHA256"
        or (key, region, service) != (LOCAL_CREDENTIALS.access_key, REGION, "execute-api")
        or not timestamp.startswith(date)
        or abs(datetime.now(UTC) - moment) > MAX_CLOCK_SKEW
        or "host" not in signed
    ):
        return False
    # A payload hash header, if sent, must be the body's: otherwise the body could be swapped.
    payload_hash = headers.get("x-amz-content-sha256")
    if payload_hash is not None and payload_hash != hashlib.sha256(body).hexdigest():
        return False
    request = AWSRequest(
        method=method, url=url, data=body, headers={name: headers.get(name, "") for name in signed}
    )
    request.context["timestamp"] = timestamp
    signer = SigV4Auth(LOCAL_CREDENTIALS, "execute-api", region)
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    expected = signer.signature(string_to_sign, request)
    return hmac.compare_digest(expected.encode(), fields.get("Signature", "").encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


{%- if cookiecutter.api_type == "rest" %}


class DailyQuota:
    """A usage plan's quota: `limit` requests per API key per UTC day."""

    def __init__(self, limit: int, today=lambda: datetime.now(UTC).date()) -> None:
        self.limit, self.today = limit, today
        self.day, self.used = today(), 0
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.today() != self.day:
                self.day, self.used = self.today(), 0
            if self.used >= self.limit:
                return False
            self.used += 1
            return True
{%- endif %}


class LocalJwtIssuer:
    """Stands in for the stack's token issuer: signs and checks HS256 tokens with a local key."""

    def __init__(self, issuer: str, audiences: tuple[str, ...]) -> None:
        """No audiences: the audience is not checked."""
        self.issuer, self.audiences = issuer, audiences
        self.key = uuid.uuid4().bytes + uuid.uuid4().bytes

    def token(self, lifetime_seconds: int = 3600) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {
            "iss": self.issuer,
            "aud": self.audiences[0] if self.audiences else "local-client",
            "sub": "local-user",
            "exp": int(time.time()) + lifetime_seconds,
        }
        payload = _b64(json.dumps(claims).encode())
        signature = hmac.new(self.key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def is_valid(self, authorization: str) -> bool:
        """Algorithm, signature, expiry, not-before, issuer and audience, as API Gateway's JWT
        authorizer checks them. The token may follow "Bearer "."""
        token = authorization.removeprefix("Bearer ")
        try:
            header, payload, signature = token.split(".")
            if json.loads(_unb64(header)).get("alg") != "HS256":
                return False
            expected = hmac.new(self.key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(signature)):
                return False
            claims = json.loads(_unb64(payload))
            audiences = claims.get("aud", claims.get("client_id"))
            audiences = set(audiences if isinstance(audiences, list) else [audiences])
            now = time.time()
            return (
                claims.get("iss") == self.issuer
                and float(claims["exp"]) > now
                and float(claims.get("nbf", now)) <= now
                and (not self.audiences or bool(audiences & set(self.audiences)))
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return False


class Gateway(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a burst of clients must queue, not be refused

    def __init__(self, port: int, pipeline: LocalPipeline, sqs, queue_url: str, stats) -> None:
        super().__init__(("127.0.0.1", port), GatewayHandler)
        self.pipeline, self.sqs, self.queue_url, self.stats = pipeline, sqs, queue_url, stats
        self.throttle = TokenBucket(pipeline.rate_limit, pipeline.burst_limit)
        self.jwt = LocalJwtIssuer(pipeline.jwt_issuer, pipeline.jwt_audiences)
{%- if cookiecutter.api_type == "rest" %}
        self.api_key = ""
        if pipeline.usage_plan:
            # The one key of the usage plan, made up here as API Gateway makes up its value.
            self.api_key = secrets.token_urlsafe(30)
            self.key_throttle = TokenBucket(
                pipeline.usage_plan.rate_limit, pipeline.usage_plan.burst_limit
            )
            self.key_quota = DailyQuota(pipeline.usage_plan.daily_quota)
        self.schema = jsonschema.Draft4Validator(pipeline.request_schema or {})
{%- endif %}

    def authorized(self, method: str, url: str, headers: dict[str, str], body: bytes) -> bool:
        if self.pipeline.authorization == "AWS_IAM":
            return sigv4_is_valid(method, url, headers, body)
        if self.pipeline.authorization == TOKEN_AUTHORIZATION:
            return self.jwt.is_valid(headers.get("authorization", ""))
        return True

    def refusal(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int, str] | None:
        """Why API Gateway would refuse this request, in the order it checks: (status, message)."""
        if not self.authorized("POST", url, headers, body):
            if self.pipeline.authorization == "AWS_IAM":
                return 403, "Forbidden"
            return 401, "Unauthorized"
{%- if cookiecutter.api_type == "rest" %}
        if self.api_key:
            if not hmac.compare_digest(headers.get(API_KEY_HEADER, ""), self.api_key):
                return 403, "Forbidden"
            if not self.key_throttle.take():
                return 429, "Too Many Requests"
            if not self.key_quota.take():
                return 429, "Limit Exceeded"
{%- endif %}
        if not self.throttle.take():
            return 429, "Too Many Requests"
{%- if cookiecutter.api_type == "rest" %}
        # No mapping template for another content type: the body is never forwarded.
        if headers.get("content-type", "application/json").split(";")[0] != "application/json":
            return 415, "Unsupported Media Type"
        if not self.is_valid_body(body):
            return 400, "Invalid request body"
{%- else %}
        if not body:  # SQS refuses an empty message body; the integration answers 500
            return 500, "Internal Server Error"
{%- endif %}
        return None
{%- if cookiecutter.api_type == "rest" %}

    def is_valid_body(self, body: bytes) -> bool:
        try:
            return self.schema.is_valid(json.loads(body))
        except ValueError:
            return False
{%- endif %}


class GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway

    def do_GET(self) -> None:
        if self.path == "/_local/stats":
            self.answer(200, self.server.stats.snapshot())
        else:
            self.answer(404, {"message": "Not Found"})

    def do_POST(self) -> None:
        pipeline = self.server.pipeline
        if self.path.split("?")[0] != pipeline.route_path:
{%- if cookiecutter.api_type == "rest" %}
            # What API Gateway answers on a path the API does not have.
            self.answer(403, {"message": "Missing Authentication Token"})
{%- else %}
            self.answer(404, {"message": "Not Found"})
{%- endif %}
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        url = f"http://{self.headers.get('Host', 'localhost')}{self.path}"
        refusal = self.server.refusal(url, headers, body)
        if refusal:
            status, message = refusal
            self.answer(status, {"message": message})
            return
        try:
{%- if cookiecutter.api_type == "rest" %}
            # The integration URL-encodes the body into the SendMessage form; SQS decodes it
            # back to the same text.
{%- else %}
            # The integration maps $request.body, unchanged, to the message body.
{%- endif %}
            sent = self.server.sqs.send_message(
                QueueUrl=self.server.queue_url, MessageBody=body.decode("utf-8", errors="replace")
            )
        except ClientError:  # SQS refused the message
{%- if cookiecutter.api_type == "rest" %}
            self.answer(400, {"message": "The queue refused the message"})
{%- else %}
            self.answer(500, {"message": "Internal Server Error"})
{%- endif %}
            return
        self.server.stats.count("accepted")
{%- if cookiecutter.api_type == "rest" %}
        self.answer(200, sent_answer(sent["MessageId"]))
{%- else %}
        self.answer(
            200, {"MessageId": sent["MessageId"], "MD5OfMessageBody": sent["MD5OfMessageBody"]}
        )
{%- endif %}

    def answer(self, status: int, document: dict) -> None:
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass
