"""The API on 127.0.0.1, as API Gateway runs it from the template: every route, its
authorization, API keys with their rate and quota, the stage's and routes' throttles, request
validation, the integration that sends to the route's queue, and API Gateway's answers.

How each API type refuses a request (AWS's documented answers where it documents one; the
choices made where it does not are marked CHOICE):
- no such route: HTTP API 404 {"message":"Not Found"}; REST 403 {"message":"Missing
  Authentication Token"}.
- authorization: IAM 403 (REST: "Missing Authentication Token" without a signature, SigV4's
  message with a wrong one; HTTP API: "Forbidden"); JWT/Cognito 401 {"message":"Unauthorized"}.
- API key missing or unknown: 403 {"message":"Forbidden"}; over the key's rate 429 {"message":
  "Too Many Requests"}; over its quota 429 {"message":"Limit Exceeded"}; stage or route
  throttle 429 {"message":"Too Many Requests"}.
- above API Gateway's 10 MB payload limit: 413 {"message":"Request Entity Too Large"}.
- REST, a content type with no mapping template (passthrough NEVER): 415 {"message":
  "Unsupported Media Type"}.
- REST with a request model: a body the validator refuses, including one that is not UTF-8 or
  not JSON: 400 {"message": "Invalid request body"}. JSON nested deeper than MAX_JSON_DEPTH is
  refused the same way (CHOICE: AWS documents no depth; the limit keeps parsing and validation
  off the interpreter's recursion limit, far above what a real document needs).
- what SQS refuses (no body, a body with no character in SQS's set, body and attributes above
  the queue's MaximumMessageSize, more than 10 message attributes or an empty one, a FIFO
  queue without a group id): SQS answers 400 with its error. A FIFO queue accepts a duplicate
  (the same deduplication id within 5 minutes) with the first send's MessageId, and does not
  deliver it. Characters outside the set beside valid ones SQS stores as U+FFFD (its API
  reference). A REST API maps that answer through the method's integration responses, as
  deployed; an HTTP API's SQS-SendMessage integration (AWS_PROXY) hands SQS's status and XML
  body to the client unchanged (CHOICE: AWS documents no transformation of an AWS_PROXY
  service response, and the success answer is SQS's own XML).
- a body that is not UTF-8 with no validator to refuse it: SQS's InvalidMessageContents, as
  above (CHOICE: a message body is Unicode text; AWS documents no behaviour for such bytes).
- a mapping template that fails to render: 500 {"message":"Internal server error"}, the
  reason in the log (as API Gateway logs "Execution failed due to configuration error").

CORS, as each API type does it:
- HTTP API with a CorsConfiguration: a preflight (OPTIONS with Origin and Access-Control-Request-
  Method) is answered by the gateway itself, before routing and authorization, unless a route
  takes OPTIONS (an OPTIONS route, or $default as AWS documents): 204, with Access-Control-Allow-
  Origin (the origin, or "*"), -Allow-Methods, -Allow-Headers, -Max-Age and -Allow-Credentials as
  configured when the origin is allowed; with none of them when it is not (CHOICE: AWS documents
  no answer for that case; the browser refuses either way). The requested method and headers
  are not checked: the browser checks them against the answer (CHOICE). The integration's
  responses to an allowed origin carry Access-Control-Allow-Origin, -Expose-Headers and
  -Allow-Credentials as configured; API Gateway's own refusals (401, 403, 404, 429) carry none
  (CHOICE: AWS documents the headers on the response from an integration). Without a
  CorsConfiguration nothing is added, and OPTIONS is routed as any method (404 without a route).
- REST API: nothing built in, as in AWS. An OPTIONS method with a MOCK integration (what the
  CDK's add_cors_preflight makes) is served as deployed: its request template's statusCode
  selects the integration response, whose header mappings and response template (with
  $context.responseOverride.header.*) make the answer. Every method's integration responses
  apply their header mappings ('static', integration.response.header.X, integration.response.
  body[.path], context.X), then the headers their templates set in $context.responseOverride.
"""

import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ..assembly import LOCAL_ACCOUNT, Cors, Route, Service
from . import mapping
from .oidc import Audience, LocalIssuer, TokenRefused, TokenVerifier
from .sqs import (
    LocalQueue,
    SqsError,
    form_to_send_message,
    json_answer,
    json_error,
    send_message,
    xml_answer,
    xml_error,
)

log = logging.getLogger("local")

# Requests signed with these credentials are allowed, as `execute-api:Invoke` would allow them.
LOCAL_CREDENTIALS = Credentials("testing", "testing")
# AWS refuses signatures more than this far from its clock.
MAX_CLOCK_SKEW = timedelta(minutes=15)
API_KEY_HEADER = "x-api-key"
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
MAX_JSON_DEPTH = 512
TOKEN_AUTHORIZATIONS = ("JWT", "COGNITO_USER_POOLS")
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your"
    " AWS Secret Access Key and signing method. Consult the service documentation for details."
)


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


def quota_period_of(period: str, moment: datetime) -> tuple:
    if period == "WEEK":
        return tuple(moment.isocalendar())[:2]
    if period == "MONTH":
        return moment.year, moment.month
    return (moment.date(),)


class Quota:
    """A usage plan's quota: `limit` requests per API key per day, week or month (UTC)."""

    def __init__(self, limit: int, period: str = "DAY", now=lambda: datetime.now(UTC)) -> None:
        self.limit, self.period, self.now = limit, period, now
        self.current, self.used = quota_period_of(period, now()), 0
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            current = quota_period_of(self.period, self.now())
            if current != self.current:
                self.current, self.used = current, 0
            if self.used >= self.limit:
                return False
            self.used += 1
            return True


def sigv4_refusal(
    method: str, url: str, headers: dict[str, str], body: bytes, region: str
) -> str | None:
    """Why API Gateway refuses a request's SigV4 signature made with the local credentials
    (the signature itself, region and service, the signed payload hash, the time); None if
    it is valid. Header names in lower case."""
    try:
        scheme, _, parameters = headers.get("authorization", "").partition(" ")
        fields = dict(part.strip().split("=", 1) for part in parameters.split(","))
        key, date, signed_region, service, _ = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        timestamp = headers["x-amz-date"]
        moment = datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except (KeyError, ValueError):
        return "Authorization header requires 'Credential', 'Signature', 'SignedHeaders'"
    if scheme != "AWS4-HMAC-SHA256":
        return "Authorization header requires AWS4-HMAC-SHA256"
    if key != LOCAL_CREDENTIALS.access_key:
        return "The security token included in the request is invalid."
    if (signed_region, service) != (region, "execute-api") or not timestamp.startswith(date):
        return f"Credential should be scoped to a valid region and to execute-api ({region})."
    if abs(datetime.now(UTC) - moment) > MAX_CLOCK_SKEW:
        return "Signature expired: the request time is more than 15 minutes from now."
    if "host" not in signed:
        return "'Host' must be a signed header."
    # A payload hash header, if sent, must be the body's (UNSIGNED-PAYLOAD included): otherwise
    # the signature would not cover the body, and the body could be swapped.
    payload_hash = headers.get("x-amz-content-sha256")
    if payload_hash is not None and payload_hash != hashlib.sha256(body).hexdigest():
        return SIGNATURE_MISMATCH
    request = AWSRequest(
        method=method, url=url, data=body, headers={name: headers.get(name, "") for name in signed}
    )
    request.context["timestamp"] = timestamp
    signer = SigV4Auth(LOCAL_CREDENTIALS, "execute-api", region)
    try:
        string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    except (ValueError, UnicodeError):
        return SIGNATURE_MISMATCH
    expected = signer.signature(string_to_sign, request)
    if not hmac.compare_digest(expected.encode(), fields.get("Signature", "").encode()):
        return SIGNATURE_MISMATCH
    return None


def sigv4_is_valid(
    method: str, url: str, headers: dict[str, str], body: bytes, region: str = "us-east-1"
) -> bool:
    return sigv4_refusal(method, url, headers, body, region) is None


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text, without parsing it recursively."""
    depth = deepest = 0
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in "]}":
            depth -= 1
    return deepest


def route_pattern(path: str) -> re.Pattern:
    """A route's path as a regex: {name} is one segment, {name+} the rest of the path."""
    pattern = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("+}"):
            pattern += f"(?P<{part[1:-2]}>.+)"
        elif part.startswith("{") and part.endswith("}"):
            pattern += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            pattern += re.escape(part)
    return re.compile(pattern)


def allowed_origin(cors: Cors | None, origin: str) -> str | None:
    """The Access-Control-Allow-Origin an HTTP API's CORS configuration gives an origin: "*"
    when it allows any, the origin when it names it or its scheme ("https://*"); None when it
    does not allow it, or there is no configuration."""
    if cors is None or not origin:
        return None
    for allowed in cors.allow_origins:
        if allowed == "*":
            return "*"
        if allowed == origin:
            return origin
        if allowed in ("https://*", "http://*") and origin.startswith(allowed[:-1]):
            return origin
    return None


class Answer(Exception):
    """A response decided before the integration: status, body, headers."""

    def __init__(self, status: int, body: dict | str, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class LocalRoute:
    def __init__(self, route: Route, prefix: str, api_kind: str) -> None:
        self.route = route
        self.url_path = prefix + route.path
        self.pattern = route_pattern(self.url_path)
        self.throttle = (
            TokenBucket(route.rate_limit, route.burst_limit or 0)
            if route.rate_limit is not None
            else None
        )
        self.audience = None
        if route.authorization in TOKEN_AUTHORIZATIONS:
            self.audience = Audience(
                issuer=route.jwt_issuer,
                audiences=route.jwt_audiences,
                cognito=route.authorization == "COGNITO_USER_POOLS",
                scopes=route.authorization_scopes,
            )
        self.schema = (
            jsonschema.Draft4Validator(route.request_schema)
            if api_kind == "rest" and route.request_schema is not None
            else None
        )

    def matches(self, method: str, path: str) -> dict[str, str] | None:
        if self.route.method not in (method, "ANY"):
            return None
        match = self.pattern.fullmatch(path)
        return match.groupdict() if match else None


class Gateway(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a burst of clients must queue, not be refused

    def __init__(
        self,
        port: int,
        service: Service,
        sqs,
        queues: dict[str, LocalQueue],
        stats,
        issuer: LocalIssuer | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", port), GatewayHandler)
        self.service, self.api = service, service.api
        self.sqs, self.queues, self.stats = sqs, queues, stats
        self.region = sqs.meta.region_name
        self.base_url = f"http://127.0.0.1:{self.server_port}"
        stage = self.api.stage_name
        prefix = f"/{stage}" if self.api.kind == "rest" or stage != "$default" else ""
        self.routes = [
            LocalRoute(route, prefix, self.api.kind)
            for route in self.api.routes + self.api.mock_routes
        ]
        self.throttle = TokenBucket(self.api.rate_limit, self.api.burst_limit)
        self.issuer = issuer or LocalIssuer()
        self.verifier = TokenVerifier(self.issuer.jwks())
        # One ready token per route, the same in the banner and in /_local/info.
        self.ready_tokens = {
            route.route.key: self.issuer.token(route.audience)
            for route in self.routes
            if route.audience
        }
        self.api_key = self.api_key_id = ""
        plan = self.api.usage_plan
        if plan and any(route.api_key_required for route in self.api.routes):
            # The plan's key, made up here as API Gateway makes up a key's value.
            self.api_key = secrets.token_urlsafe(30)
            self.api_key_id = secrets.token_hex(5)
            self.key_throttle = TokenBucket(plan.rate_limit, plan.burst_limit)
            self.key_quota = (
                Quota(plan.quota_limit, plan.quota_period or "DAY")
                if plan.quota_limit is not None
                else None
            )

    @property
    def issuers(self) -> list[str]:
        return sorted({route.audience.issuer for route in self.routes if route.audience})

    def url(self, route: LocalRoute) -> str:
        return self.base_url + route.url_path

    def token(self, route: LocalRoute, **overrides) -> str:
        """The route's ready token, or a new one with claims replaced."""
        if not route.audience:
            return ""
        if not overrides:
            return self.ready_tokens[route.route.key]
        return self.issuer.token(route.audience, **overrides)

    def info(self) -> dict:
        """What a client needs to call every route (GET /_local/info)."""
        return {
            "api": self.api.kind,
            "name": self.api.name,
            "stage": self.api.stage_name,
            "base_url": self.base_url,
            "region": self.region,
            "api_key": self.api_key,
            "access_key": LOCAL_CREDENTIALS.access_key,
            "secret_key": LOCAL_CREDENTIALS.secret_key,
            # moto's server, where the queues and tables are (any boto3 client can use it).
            "aws_endpoint": self.sqs.meta.endpoint_url,
            "routes": [
                {
                    "key": route.route.key,
                    "method": route.route.method,
                    "path": route.route.path,
                    "url": self.url(route),
                    "queue": route.route.queue.name if route.route.queue else None,
                    "authorization": route.route.authorization,
                    "api_key_required": route.route.api_key_required and bool(self.api_key),
                    "token": self.token(route),
                }
                for route in self.routes
            ],
        }

    # -- CORS of an HTTP API (a REST API's is in its methods) ---------------------------------

    def is_preflight(self, request: "IncomingRequest") -> bool:
        """A CORS preflight the HTTP API answers itself: no route of its own takes it."""
        headers = request.lower_headers
        if not (
            self.api.cors
            and request.method == "OPTIONS"
            and headers.get("origin")
            and headers.get("access-control-request-method")
        ):
            return False
        return not any(
            route.matches("OPTIONS", request.path) is not None
            and (route.route.method == "OPTIONS" or route.route.path == "/{proxy+}")
            for route in self.routes
        )

    def preflight(self, request: "IncomingRequest") -> Answer:
        cors = self.api.cors
        origin = allowed_origin(cors, request.lower_headers["origin"])
        if cors is None or origin is None:
            return Answer(204, "")
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ",".join(cors.allow_methods),
        }
        if cors.allow_headers:
            headers["Access-Control-Allow-Headers"] = ",".join(cors.allow_headers)
        if cors.max_age is not None:
            headers["Access-Control-Max-Age"] = str(cors.max_age)
        if cors.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        return Answer(204, "", headers)

    def cors_headers(self, request: "IncomingRequest") -> dict[str, str]:
        """What an HTTP API's CORS configuration adds to an integration's response."""
        cors = self.api.cors
        origin = allowed_origin(cors, request.lower_headers.get("origin", ""))
        if cors is None or origin is None:
            return {}
        headers = {"Access-Control-Allow-Origin": origin}
        if cors.expose_headers:
            headers["Access-Control-Expose-Headers"] = ",".join(cors.expose_headers)
        if cors.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        return headers

    def find_route(self, method: str, path: str) -> tuple[LocalRoute, dict[str, str]]:
        for route in self.routes:
            parameters = route.matches(method, path)
            if parameters is not None:
                return route, parameters
        if self.api.kind == "rest":
            raise Answer(403, {"message": "Missing Authentication Token"})
        raise Answer(404, {"message": "Not Found"})

    # -- the checks before the integration, in API Gateway's order ---------------------------

    def authorize(self, route: LocalRoute, method: str, url: str, headers: dict, body: bytes):
        """The caller's identity for $context, or Answer with the refusal."""
        authorization = route.route.authorization
        if authorization == "AWS_IAM":
            if "authorization" not in headers:
                if self.api.kind == "rest":
                    raise Answer(403, {"message": "Missing Authentication Token"})
                raise Answer(403, {"message": "Forbidden"})
            refusal = sigv4_refusal(method, url, headers, body, self.region)
            if refusal:
                log.info("%s %s: SigV4 refused: %s", method, url, refusal)
                if self.api.kind == "rest":
                    raise Answer(403, {"message": refusal})
                raise Answer(403, {"message": "Forbidden"})
            return {
                "caller": LOCAL_CREDENTIALS.access_key,
                "accessKey": LOCAL_CREDENTIALS.access_key,
                "accountId": LOCAL_ACCOUNT,
                "user": LOCAL_CREDENTIALS.access_key,
                "userArn": f"arn:aws:iam::{LOCAL_ACCOUNT}:user/local",
            }, {}
        if route.audience:
            try:
                claims = self.verifier.verify(
                    headers.get(route.route.identity_header.lower(), ""), route.audience
                )
            except TokenRefused as refused:
                log.info("%s %s: token refused: %s", method, url, refused)
                extra = {}
                if self.api.kind == "http":
                    extra["www-authenticate"] = (
                        f'Bearer scope="" error="invalid_token" error_description="{refused}"'
                    )
                raise Answer(401, {"message": "Unauthorized"}, extra) from None
            return {}, claims
        return {}, {}

    def check_api_key(self, route: LocalRoute, headers: dict) -> None:
        if not (route.route.api_key_required and self.api_key):
            return
        if not hmac.compare_digest(headers.get(API_KEY_HEADER, "").encode(), self.api_key.encode()):
            raise Answer(403, {"message": "Forbidden"})
        if not self.key_throttle.take():
            raise Answer(429, {"message": "Too Many Requests"})
        if self.key_quota and not self.key_quota.take():
            raise Answer(429, {"message": "Limit Exceeded"})

    def check_throttles(self, route: LocalRoute) -> None:
        if route.throttle and not route.throttle.take():
            raise Answer(429, {"message": "Too Many Requests"})
        if not self.throttle.take():
            raise Answer(429, {"message": "Too Many Requests"})

    # -- integrations --------------------------------------------------------------------------

    def queue_of(self, route: LocalRoute) -> LocalQueue:
        return self.queues[route.route.queue.logical_id]

    def count_sent(self, queue: LocalQueue, sent) -> None:
        """A duplicate a FIFO queue accepted is not delivered: it is no message to wait for."""
        self.stats.count(queue.queue.name, "deduplicated" if sent.duplicate else "accepted")

    def http_integration(self, route: LocalRoute, request: "IncomingRequest") -> Answer:
        """SQS-SendMessage: the integration's parameters evaluated, SQS's answer handed back."""
        queue = self.queue_of(route)
        try:
            send = http_send_message_request(route.route.request_parameters, request)
            sent = send_message(self.sqs, queue, send)
        except SqsError as error:
            log.info("%s: SQS refused the message: %s %s", route.route.key, error.code, error)
            return Answer(
                error.status,
                xml_error(error),
                {"Content-Type": "text/xml", **self.cors_headers(request)},
            )
        self.count_sent(queue, sent)
        return Answer(
            200, xml_answer(sent), {"Content-Type": "text/xml", **self.cors_headers(request)}
        )

    def rest_integration(self, route: LocalRoute, request: "IncomingRequest") -> Answer:
        """The method's content handling, validation, mapping template, SQS, and integration
        responses."""
        content_type = request.content_type
        templates = route.route.request_templates
        template = templates.get(content_type)
        behavior = route.route.passthrough_behavior
        if template is None and (
            behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and templates)
        ):
            raise Answer(415, {"message": "Unsupported Media Type"})
        text = request.body.decode("utf-8", errors="strict") if request.utf8 else None
        if route.schema is not None and content_type == "application/json":
            self.validate(route, text)
        if route.route.integration_type == "MOCK":
            return self.mock_integration(route, request, template, text or "")
        queue = self.queue_of(route)
        context = request.context
        try:
            if text is None:
                raise SqsError(
                    "InvalidMessageContents",
                    "The message body is not UTF-8 text; SQS takes Unicode text only.",
                )
            form_text = (
                mapping.render_request(template, request.mapping_request(text), context)
                if template is not None
                else text  # passed through as the integration request
            )
            form = urllib.parse.parse_qsl(form_text.strip(), keep_blank_values=True)
            sent = send_message(self.sqs, queue, form_to_send_message(form))
            self.count_sent(queue, sent)
            status, answer = 200, json_answer(sent)
        except SqsError as error:
            log.info("%s: SQS refused the message: %s %s", route.route.key, error.code, error)
            status, answer = error.status, json_error(error)
        except mapping.MappingFailed as error:
            log.error("%s: execution failed due to configuration error: %s", route.route.key, error)
            raise Answer(500, {"message": "Internal server error"}) from None
        return self.method_response(
            route, request, status, json.dumps(answer), request.mapping_request(text or "")
        )

    def mock_integration(
        self, route: LocalRoute, request: "IncomingRequest", template: str | None, text: str
    ) -> Answer:
        """A MOCK integration: the status code its request template names ({"statusCode":
        200}, 200 without one) selects the integration response; the body is empty."""
        mapping_request = request.mapping_request(text)
        try:
            rendered = (
                mapping.render_request(template, mapping_request, request.context)
                if template is not None
                else ""
            )
        except mapping.MappingFailed as error:
            log.error("%s: execution failed due to configuration error: %s", route.route.key, error)
            raise Answer(500, {"message": "Internal server error"}) from None
        found = re.search(r"\bstatusCode\"?\s*:\s*(\d{3})", rendered)
        status = int(found.group(1)) if found else 200
        return self.method_response(route, request, status, "", mapping_request)

    def method_response(
        self,
        route: LocalRoute,
        request: "IncomingRequest",
        status: int,
        body: str,
        mapping_request: mapping.Request,
    ) -> Answer:
        """The integration's answer through the method's integration responses."""
        try:
            method_answer = mapping.integration_response(
                route.route.integration_responses,
                status,
                body,
                request.context,
                mapping_request,
                {"Content-Type": "application/json"},
            )
        except mapping.MappingFailed as error:
            log.error("%s: execution failed due to configuration error: %s", route.route.key, error)
            raise Answer(500, {"message": "Internal server error"}) from None
        return Answer(
            method_answer.status,
            method_answer.body,
            {"Content-Type": method_answer.content_type, **method_answer.headers},
        )

    def validate(self, route: LocalRoute, text: str | None) -> None:
        invalid = Answer(400, {"message": "Invalid request body"})
        if text is None or json_depth(text) > MAX_JSON_DEPTH:
            raise invalid
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            raise invalid from None
        try:
            valid = route.schema.is_valid(document)
        except RecursionError:
            valid = False
        if not valid:
            raise invalid


def http_send_message_request(parameters: dict[str, str], request: "IncomingRequest") -> dict:
    """SendMessage's parameters from an SQS-SendMessage integration's request parameters."""
    values = {name: request.http_parameter(value) for name, value in parameters.items()}
    if request.http_body_text() is None and "$request.body" in parameters.values():
        raise SqsError(
            "InvalidMessageContents",
            "The message body is not UTF-8 text; SQS takes Unicode text only.",
        )
    send: dict = {}
    for name in ("MessageBody", "MessageGroupId", "MessageDeduplicationId"):
        if values.get(name):
            send[name] = values[name]
    if values.get("DelaySeconds"):
        try:
            send["DelaySeconds"] = int(values["DelaySeconds"])
        except ValueError:
            raise SqsError(
                "InvalidParameterValue",
                f"Value {values['DelaySeconds']} for parameter DelaySeconds is invalid.",
            ) from None
    for name in ("MessageAttributes", "MessageSystemAttributes"):
        if values.get(name):
            try:
                send[name] = json.loads(values[name])
            except ValueError:
                raise SqsError(
                    "InvalidParameterValue", f"{name} is not a JSON map of attributes."
                ) from None
    return send


class IncomingRequest:
    """A request as the integration sees it."""

    def __init__(self, gateway: Gateway, handler: "GatewayHandler", body: bytes) -> None:
        self.gateway = gateway
        self.method = handler.command
        split = urllib.parse.urlsplit(handler.path)
        self.path = split.path
        self.query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        self.headers = {name: value for name, value in handler.headers.items()}
        self.lower_headers = {name.lower(): value for name, value in self.headers.items()}
        self.body = body
        self.source_ip = handler.client_address[0]
        self.path_parameters: dict[str, str] = {}
        raw_type = self.lower_headers.get("content-type") or "application/json"
        self.content_type = raw_type.split(";")[0].strip().lower()
        try:
            body.decode("utf-8")
            self.utf8 = True
        except UnicodeDecodeError:
            self.utf8 = False
        now = datetime.now(UTC)
        self.request_id = str(uuid.uuid4())
        self.context = {
            "requestId": self.request_id,
            "extendedRequestId": secrets.token_urlsafe(12),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "httpMethod": self.method,
            "path": self.path,
            "protocol": "HTTP/1.1",
            "stage": gateway.api.stage_name,
            "apiId": "local",
            "accountId": LOCAL_ACCOUNT,
            "domainName": self.lower_headers.get("host", "127.0.0.1"),
            "domainPrefix": "127",
            "identity": {
                "sourceIp": self.source_ip,
                "userAgent": self.lower_headers.get("user-agent", ""),
                "apiKey": "",
                "apiKeyId": "",
                "caller": "",
                "user": "",
                "userArn": "",
                "accessKey": "",
                "accountId": "",
                "cognitoIdentityId": "",
                "cognitoIdentityPoolId": "",
                "cognitoAuthenticationType": "",
                "cognitoAuthenticationProvider": "",
                "principalOrgId": "",
            },
            "authorizer": {"claims": {}, "principalId": "", "jwt": {"claims": {}, "scopes": []}},
            "responseOverride": {"status": None, "header": {}},
        }

    def identify(self, route: LocalRoute, identity: dict, claims: dict) -> None:
        self.context["resourcePath"] = route.route.path
        self.context["routeKey"] = route.route.key
        self.context["identity"].update(identity)
        if claims:
            self.context["authorizer"]["claims"] = claims
            self.context["authorizer"]["jwt"]["claims"] = claims
            self.context["authorizer"]["principalId"] = claims.get("sub", "")
        if route.route.api_key_required and self.gateway.api_key:
            self.context["identity"]["apiKey"] = self.lower_headers.get(API_KEY_HEADER, "")
            self.context["identity"]["apiKeyId"] = self.gateway.api_key_id

    def mapping_request(self, text: str) -> mapping.Request:
        return mapping.Request(text, self.headers, self.query, self.path_parameters)

    def http_body_text(self) -> str | None:
        return self.body.decode("utf-8") if self.utf8 else None

    def http_parameter(self, value: str) -> str:
        """An HTTP API parameter mapping's value: $request.body, $request.body.<path>,
        $request.header.<name>, $request.querystring.<name>, $request.path.<name>,
        $context.<name>, $stageVariables.<name>, or a text holding some of them."""

        def lookup(expression: str) -> str:
            source, _, name = expression.partition(".")
            if expression == "request.body":
                return self.http_body_text() or ""
            if expression.startswith("request.body."):
                try:
                    document = json.loads(self.http_body_text() or "")
                except (ValueError, RecursionError):
                    return ""
                found = mapping.json_path(document, "$." + expression[len("request.body.") :])
                return found if isinstance(found, str) else json.dumps(found)
            kind, _, key = name.partition(".")
            if source == "request" and kind == "header":
                return self.lower_headers.get(key.lower(), "")
            if source == "request" and kind == "querystring":
                return self.query.get(key, "")
            if source == "request" and kind == "path":
                return self.path_parameters.get(key, "")
            if source == "context":
                found: object = self.context
                for part in name.split("."):
                    found = found.get(part, "") if isinstance(found, dict) else ""
                return "" if found is None else str(found)
            return ""

        expression = r"\$\{?((?:request\.(?:header|querystring|path)\.[\w-]+)|request\.body(?:\.[\w.\[\]]+)?|context\.[\w.]+|stageVariables\.\w+)\}?"  # noqa: E501
        whole = re.fullmatch(expression, value)
        if whole:
            return lookup(whole.group(1))
        return re.sub(expression, lambda match: lookup(match.group(1)), value)


class GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        local = {
            "/_local/stats": lambda: self.server.stats.snapshot(),
            "/_local/info": self.server.info,
            "/.well-known/jwks.json": self.server.issuer.jwks,
            "/.well-known/openid-configuration": self.discovery,
        }
        path = urllib.parse.urlsplit(self.path).path
        if path in local:
            self.read_body()
            self.answer(200, local[path]())
            return
        self.dispatch()

    def do_POST(self) -> None:  # noqa: N802
        if urllib.parse.urlsplit(self.path).path == "/_local/token":
            self.local_token()
            return
        self.dispatch()

    def discovery(self) -> dict:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        issuers = self.server.issuers
        issuer = query.get("issuer") or (issuers[0] if issuers else self.server.base_url)
        return self.server.issuer.discovery(issuer, self.server.base_url)

    def local_token(self) -> None:
        """POST /_local/token {"route": "POST /orders", "claims": {...}}: a token for that
        route's authorizer, claims replaced as given (null drops one)."""
        try:
            request = json.loads(self.read_body() or b"{}")
            wanted = request.get("route")
            routes = [
                route
                for route in self.server.routes
                if route.audience and wanted in (None, route.route.key, route.route.path)
            ]
            if not routes:
                self.answer(404, {"message": f"no route with a token authorizer: {wanted}"})
                return
            token = self.server.token(routes[0], **request.get("claims", {}))
        except (ValueError, TypeError, AttributeError) as error:
            self.answer(400, {"message": f"expected {{'route': ..., 'claims': {{...}}}}: {error}"})
            return
        self.answer(200, {"token": token})

    def read_body(self) -> bytes | None:
        """The body, or None when it is above API Gateway's limit (then read and dropped, so
        the client gets the answer instead of a reset connection)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_PAYLOAD_BYTES:
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
            return None
        return self.rfile.read(length) if length else b""

    def dispatch(self) -> None:
        gateway = self.server
        body = self.read_body()
        try:
            if body is None:
                raise Answer(413, {"message": "Request Entity Too Large"})
            request = IncomingRequest(gateway, self, body)
            if gateway.is_preflight(request):
                raise gateway.preflight(request)
            route, request.path_parameters = gateway.find_route(request.method, request.path)
            url = f"http://{request.lower_headers.get('host', 'localhost')}{self.path}"
            identity, claims = gateway.authorize(
                route, request.method, url, request.lower_headers, body
            )
            gateway.check_api_key(route, request.lower_headers)
            gateway.check_throttles(route)
            request.identify(route, identity, claims)
            if gateway.api.kind == "http":
                outcome = gateway.http_integration(route, request)
            else:
                outcome = gateway.rest_integration(route, request)
        except Answer as answer:
            outcome = answer
        except Exception:  # a fault of the emulator: answered as API Gateway answers one
            log.exception("%s %s failed", self.command, self.path)
            outcome = Answer(500, {"message": "Internal Server Error"})
        self.answer(outcome.status, outcome.body, outcome.headers)

    do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = dispatch  # noqa: N815

    def answer(self, status: int, body: dict | str, headers: dict[str, str] | None = None) -> None:
        headers = dict(headers or {})
        if isinstance(body, str):
            payload = body.encode("utf-8")
        else:
            payload = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if status in (204, 304):  # no body, by HTTP's rules
            payload = b""
        else:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass
