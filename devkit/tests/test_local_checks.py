"""The emulator's checks one by one, in this process: throttle and quota, SigV4, tokens, SQS's
rules, mapping templates and integration responses."""

import base64
import datetime
import json
import time
import urllib.parse
from types import SimpleNamespace

import botocore.auth
import pytest
from api_sqs_devkit.assembly import Cors, IntegrationResponse, Queue
from api_sqs_devkit.local import mapping
from api_sqs_devkit.local.gateway import (
    IncomingRequest,
    Quota,
    TokenBucket,
    allowed_origin,
    json_depth,
    route_pattern,
    sigv4_refusal,
)
from api_sqs_devkit.local.oidc import Audience, LocalIssuer, TokenRefused, TokenVerifier
from api_sqs_devkit.local.sqs import LocalQueue, SqsError, check_message, form_to_send_message
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from joserfc import jwt
from joserfc.jwk import RSAKey

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


def test_a_quota_resets_with_its_period():
    moment = [datetime.datetime(2026, 1, 31, 23, 0, tzinfo=datetime.UTC)]
    daily = Quota(2, "DAY", now=lambda: moment[0])
    monthly = Quota(2, "MONTH", now=lambda: moment[0])
    assert [daily.take() for _ in range(3)] == [True, True, False]
    assert [monthly.take() for _ in range(3)] == [True, True, False]
    moment[0] += datetime.timedelta(hours=2)  # February the 1st
    assert daily.take() and monthly.take()


def signed(
    body=BODY, secret="testing", region="us-east-1", sent_body=None, payload_hash=None
) -> tuple:
    headers = {"Content-Type": "x"}
    if payload_hash:
        headers["X-Amz-Content-SHA256"] = payload_hash
    request = AWSRequest(method="POST", url=URL, data=body, headers=headers)
    SigV4Auth(Credentials("testing", secret), "execute-api", region).add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = "127.0.0.1:8080"
    return "POST", URL, headers, body if sent_body is None else sent_body, "us-east-1"


def test_a_request_signed_with_the_local_credentials_passes():
    assert sigv4_refusal(*signed()) is None


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(signed(secret="wrong"), id="wrong secret"),
        pytest.param(signed(sent_body=b'{"orderId": "2"}'), id="body changed after signing"),
        pytest.param(signed(region="eu-west-1"), id="other region"),
        pytest.param(
            signed(payload_hash="UNSIGNED-PAYLOAD", sent_body=b'{"swapped": true}'),
            id="body left out of the signature",
        ),
    ],
)
def test_a_forged_request_is_refused(request_):
    assert sigv4_refusal(*request_)


def test_a_stale_signature_is_refused(monkeypatch):
    an_hour_ago = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(
        hours=1
    )
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_: an_hour_ago)
    assert "expired" in sigv4_refusal(*signed())


@pytest.mark.parametrize(
    "authorization", ["", "AWS4-HMAC-SHA256 garbage", "Bearer x", "AWS4-HMAC-SHA256 Credential=é"]
)
def test_a_malformed_authorization_is_refused_not_an_error(authorization):
    assert sigv4_refusal("POST", URL, {"authorization": authorization}, BODY, "us-east-1")


# -- tokens -------------------------------------------------------------------------------------

HTTP_AUDIENCE = Audience("https://issuer.example.com/", ("orders", "billing"), cognito=False)
COGNITO = Audience("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X", (), cognito=True)


@pytest.fixture(scope="module")
def issuer():
    return LocalIssuer()


@pytest.fixture(scope="module")
def verifier(issuer):
    # Built from the JWKS document the gateway serves, as API Gateway fetches it.
    return TokenVerifier(json.loads(json.dumps(issuer.jwks())))


def test_the_issued_token_passes_and_carries_issuer_and_audience(issuer, verifier):
    claims = verifier.verify(f"Bearer {issuer.token(HTTP_AUDIENCE)}", HTTP_AUDIENCE)
    assert (claims["iss"], claims["aud"]) == (HTTP_AUDIENCE.issuer, "orders")


def test_a_cognito_id_token_has_cognito_s_shape(issuer, verifier):
    claims = verifier.verify(issuer.token(COGNITO), COGNITO)
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] and claims["aud"]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        pytest.param({"exp": int(time.time()) - 10}, "expired", id="expired"),
        pytest.param({"nbf": int(time.time()) + 600}, "not valid yet", id="not yet valid"),
        pytest.param({"aud": "someone-else"}, "audience", id="wrong audience"),
        pytest.param({"iss": "https://evil.example.com/"}, "issuer", id="wrong issuer"),
        pytest.param({"exp": "soon"}, "exp", id="exp not a number"),
        pytest.param({"exp": "NaN"}, "exp", id="exp as text a float() takes"),
        pytest.param({"exp": float("inf")}, "exp", id="exp never"),
        pytest.param({"exp": True}, "exp", id="exp a boolean"),
        pytest.param({"nbf": "0"}, "nbf", id="nbf as text"),
        pytest.param({"exp": None}, "exp", id="no exp"),
    ],
)
def test_a_token_with_bad_claims_is_refused(issuer, verifier, overrides, reason):
    with pytest.raises(TokenRefused, match=reason):
        verifier.verify(issuer.token(HTTP_AUDIENCE, **overrides), HTTP_AUDIENCE)


def test_client_id_stands_for_a_missing_audience(issuer, verifier):
    token = issuer.token(HTTP_AUDIENCE, aud=None, client_id="billing")
    assert verifier.verify(token, HTTP_AUDIENCE)["client_id"] == "billing"


def test_an_access_token_is_refused_by_a_cognito_authorizer_without_scopes(issuer, verifier):
    with pytest.raises(TokenRefused, match="ID token"):
        verifier.verify(issuer.token(COGNITO, token_use="access"), COGNITO)


def test_a_token_signed_by_a_key_the_jwks_does_not_hold_is_refused(issuer, verifier):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
    claims = issuer.claims_for(HTTP_AUDIENCE)
    token = jwt.encode({"alg": "RS256", "kid": "stranger"}, claims, stranger)
    with pytest.raises(TokenRefused, match="invalid_key_id"):
        verifier.verify(token, HTTP_AUDIENCE)
    # The same key under the issuer's kid: the signature does not verify.
    token = jwt.encode({"alg": "RS256", "kid": issuer.key.kid}, claims, stranger)
    with pytest.raises(TokenRefused, match="bad_signature"):
        verifier.verify(token, HTTP_AUDIENCE)


def tampered(token: str, **changes) -> str:
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{payload}.{signature}"


def test_a_tampered_token_is_refused(issuer, verifier):
    token = tampered(issuer.token(HTTP_AUDIENCE), sub="admin")
    with pytest.raises(TokenRefused, match="bad_signature"):
        verifier.verify(token, HTTP_AUDIENCE)


@pytest.mark.parametrize("token", ["", "Bearer", "not.a.jwt", "Bearer a.b.c", "e30.e30."])
def test_garbage_is_refused_not_an_error(verifier, token):
    with pytest.raises(TokenRefused):
        verifier.verify(token, HTTP_AUDIENCE)


def test_an_unsigned_token_is_refused(issuer, verifier):
    head = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    payload = issuer.token(HTTP_AUDIENCE).split(".")[1]
    with pytest.raises(TokenRefused, match="not valid"):
        verifier.verify(f"{head}.{payload}.", HTTP_AUDIENCE)


def test_a_token_without_a_key_id_is_refused(issuer, verifier):
    """joserfc would take the JWKS's only key; API Gateway picks keys by kid alone."""
    token = jwt.encode({"alg": "RS256"}, issuer.claims_for(HTTP_AUDIENCE), issuer.key)
    with pytest.raises(TokenRefused, match="no kid"):
        verifier.verify(token, HTTP_AUDIENCE)


# -- SQS's rules --------------------------------------------------------------------------------

QUEUE = LocalQueue(
    Queue("Q", "q", False, {"MaximumMessageSize": "1024"}, None, None), "http://q", "arn:q"
)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param("", "MissingParameter", id="empty"),
        pytest.param("\x00\x1f\ufffe\ud800", "InvalidMessageContents", id="no valid character"),
        pytest.param("x" * 1025, "InvalidParameterValue", id="above MaximumMessageSize"),
    ],
)
def test_what_sqs_refuses(body, code):
    with pytest.raises(SqsError) as refused:
        check_message({"MessageBody": body}, QUEUE)
    assert (refused.value.code, refused.value.status) == (code, 400)


@pytest.mark.parametrize(
    "invalid",
    [
        pytest.param("\x00", id="NUL"),
        pytest.param("\x1f", id="unit separator"),
        pytest.param("\ufffe", id="U+FFFE"),
        pytest.param("\ud800", id="lone surrogate"),
    ],
)
def test_sqs_stores_a_character_outside_its_set_as_u_fffd(invalid):
    """SQS's API reference: it replaces invalid characters with U+FFFD, as long as the body has
    at least one valid character."""
    request = {"MessageBody": f"a{invalid}b"}
    check_message(request, QUEUE)
    assert request["MessageBody"] == "a\ufffdb"


def test_what_sqs_takes():
    check_message({"MessageBody": "\t\n\r é ✓ \U0001f600 \ue000 \ud7ff" + "x" * 900}, QUEUE)


def test_message_attributes_count_toward_the_size():
    attributes = {"note": {"DataType": "String", "StringValue": "y" * 600}}
    with pytest.raises(SqsError, match="shorter than 1024"):
        check_message({"MessageBody": "x" * 500, "MessageAttributes": attributes}, QUEUE)


def test_more_than_ten_message_attributes_are_refused_as_sqs_refuses_them():
    attributes = {f"a{n}": {"DataType": "String", "StringValue": "x"} for n in range(11)}
    with pytest.raises(SqsError) as refused:
        check_message({"MessageBody": "x", "MessageAttributes": attributes}, QUEUE)
    assert (refused.value.code, refused.value.message) == (
        "InvalidParameterValue",
        "Number of message attributes [11] exceeds the allowed maximum [10].",
    )
    del attributes["a10"]
    check_message({"MessageBody": "x", "MessageAttributes": attributes}, QUEUE)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        pytest.param({"DataType": "String", "StringValue": ""}, "String", id="String"),
        pytest.param({"DataType": "Number", "StringValue": ""}, "Number", id="Number"),
        pytest.param({"DataType": "String.trace"}, "String", id="custom type, no value"),
        pytest.param({"DataType": "Binary", "BinaryValue": b""}, "Binary", id="Binary"),
    ],
)
def test_an_empty_message_attribute_is_refused_as_sqs_refuses_it(value, kind):
    with pytest.raises(SqsError) as refused:
        check_message({"MessageBody": "x", "MessageAttributes": {"x": value}}, QUEUE)
    assert (refused.value.code, refused.value.message) == (
        "InvalidParameterValue",
        f"Message (user) attribute 'x' must contain a non-empty value of type '{kind}'.",
    )


def test_a_form_carries_every_send_message_parameter():
    form = urllib.parse.parse_qsl(
        "Action=SendMessage&MessageBody=a%26b%3Dc%2Bd+e&MessageGroupId=g1"
        "&MessageDeduplicationId=d1&DelaySeconds=0"
        "&MessageAttribute.1.Name=source&MessageAttribute.1.Value.DataType=String"
        "&MessageAttribute.1.Value.StringValue=web+app"
        "&MessageAttribute.2.Name=blob&MessageAttribute.2.Value.DataType=Binary"
        "&MessageAttribute.2.Value.BinaryValue=AAE%3D",
        keep_blank_values=True,
    )
    assert form_to_send_message(form) == {
        "MessageBody": "a&b=c+d e",
        "MessageGroupId": "g1",
        "MessageDeduplicationId": "d1",
        "DelaySeconds": 0,
        "MessageAttributes": {
            "source": {"DataType": "String", "StringValue": "web app"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    }


@pytest.mark.parametrize(
    ("form", "code"),
    [
        pytest.param([("MessageBody", "x")], "MissingAction", id="no action"),
        pytest.param([("Action", "DeleteQueue")], "InvalidAction", id="another action"),
    ],
)
def test_a_form_sqs_cannot_take(form, code):
    with pytest.raises(SqsError) as refused:
        form_to_send_message(form)
    assert refused.value.code == code


# -- mapping templates --------------------------------------------------------------------------


def test_url_encode_is_java_s_url_encoder():
    assert mapping.url_encode("a b&c=d+e%f~g*h-i_j.k/é") == (
        "a+b%26c%3Dd%2Be%25f%7Eg*h-i_j.k%2F%C3%A9"
    )


def test_escape_java_script_escapes_as_api_gateway_does():
    assert mapping.escape_java_script('say "hi" it\'s a/b\\c\n\té😀') == (
        'say \\"hi\\" it\\\'s a\\/b\\\\c\\n\\t\\u00E9\\uD83D\\uDE00'
    )


def request_of(body: str, **headers) -> mapping.Request:
    return mapping.Request(body, headers, {"q": "1"}, {"id": "7"})


def test_the_default_template_round_trips_any_text():
    body = json.dumps({"t": "a&b=c+d %20 é ✓\n\u2028 😀"}, ensure_ascii=False)
    rendered = mapping.render_request(
        "Action=SendMessage&MessageBody=$util.urlEncode($input.body)", request_of(body), {}
    )
    assert dict(urllib.parse.parse_qsl(rendered))["MessageBody"] == body


def test_a_template_reads_the_request_and_the_context():
    template = (
        "Action=SendMessage&MessageBody=$util.urlEncode($input.json('$.order'))"
        "&MessageAttribute.1.Name=requestId&MessageAttribute.1.Value.DataType=String"
        "&MessageAttribute.1.Value.StringValue=$context.requestId"
        "&MessageAttribute.2.Name=who&MessageAttribute.2.Value.DataType=String"
        "&MessageAttribute.2.Value.StringValue=$util.urlEncode($context.authorizer.claims.sub)"
        "&x=$input.params('X-Trace')&q=$input.params('q')&id=$input.params().path.id"
        "&n=$input.path('$.order.n')&b=$util.base64Encode('hi')"
    )
    context = {"requestId": "r-1", "authorizer": {"claims": {"sub": "local user"}}}
    rendered = mapping.render_request(
        template, request_of('{"order": {"n": 3}}', **{"X-Trace": "t1"}), context
    )
    assert dict(urllib.parse.parse_qsl(rendered)) == {
        "Action": "SendMessage",
        "MessageBody": '{"n": 3}',
        "MessageAttribute.1.Name": "requestId",
        "MessageAttribute.1.Value.DataType": "String",
        "MessageAttribute.1.Value.StringValue": "r-1",
        "MessageAttribute.2.Name": "who",
        "MessageAttribute.2.Value.DataType": "String",
        "MessageAttribute.2.Value.StringValue": "local user",
        "x": "t1",
        "q": "1",
        "id": "7",
        "n": "3",
        "b": "aGk=",
    }


@pytest.mark.parametrize("api", ["rest", "http"])
def test_the_context_holds_the_caller_the_key_and_the_time_for_both_mappings(api):
    """What the template's integrations put in message attributes: $context.requestTimeEpoch,
    $context.identity.userArn (IAM), $context.authorizer.claims.sub (JWT, Cognito) and
    $context.identity.apiKeyId (REST with API keys), in a REST mapping template and in an HTTP
    API's parameter mapping alike."""
    gateway = SimpleNamespace(
        api=SimpleNamespace(stage_name="dev"), api_key="the-key", api_key_id="k1d"
    )
    handler = SimpleNamespace(
        command="POST",
        path="/dev/orders",
        headers={"x-api-key": "the-key"},
        client_address=("127.0.0.1", 1),
    )
    request = IncomingRequest(gateway, handler, b"{}")
    route = SimpleNamespace(
        route=SimpleNamespace(path="/orders", key="POST /orders", api_key_required=True)
    )
    arn = "arn:aws:iam::123456789012:user/local"
    request.identify(route, {"userArn": arn}, {"sub": "user-42"})
    names = ("requestTimeEpoch", "identity.userArn", "authorizer.claims.sub", "identity.apiKeyId")
    if api == "rest":
        template = "&".join(f"{name}=$context.{name}" for name in names)
        rendered = mapping.render_request(template, request.mapping_request("{}"), request.context)
        values = dict(urllib.parse.parse_qsl(rendered))
    else:
        values = {name: request.http_parameter(f"${{context.{name}}}") for name in names}
    assert abs(int(values["requestTimeEpoch"]) - time.time() * 1000) < 5000
    assert values["identity.userArn"] == arn
    assert values["authorizer.claims.sub"] == "user-42"
    assert values["identity.apiKeyId"] == "k1d"


def test_an_empty_body_is_rendered_as_an_empty_object():
    rendered = mapping.render_request("MessageBody=$input.body", request_of(""), {})
    assert rendered == "MessageBody={}"


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("Action=SendMessage&MessageBody=$util.urlEncode($input.body", id="syntax"),
        pytest.param("#if($x)unclosed", id="unclosed #if"),
        pytest.param("MessageBody=$input.json('$..[')", id="bad JSONPath"),
    ],
)
def test_a_broken_template_is_a_mapping_failure(template):
    with pytest.raises(mapping.MappingFailed):
        mapping.render_request(template, request_of('{"a": 1}'), {})


RESPONSES = (
    IntegrationResponse("200", None, {"application/json": '{"id": "$input.path(\'$.id\')"}'}),
    IntegrationResponse(
        "400",
        "4\\d{2}",
        {
            "application/json": "#set($code = $input.path('$.Error.Code'))"
            '#if($code == "Throttled")#set($context.responseOverride.status = 503)#end'
            '{"code": "$code"}'
        },
    ),
)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        pytest.param(200, {"id": "m1"}, (200, {"id": "m1"}), id="default response"),
        pytest.param(400, {"Error": {"Code": "X"}}, (400, {"code": "X"}), id="pattern"),
        pytest.param(
            403, {"Error": {"Code": "Throttled"}}, (503, {"code": "Throttled"}), id="override"
        ),
    ],
)
def test_integration_responses_select_by_status_and_may_override_it(status, body, expected):
    answer = mapping.integration_response(RESPONSES, status, json.dumps(body), {})
    assert (answer.status, json.loads(answer.body)) == expected


def test_no_matching_integration_response_is_a_mapping_failure():
    with pytest.raises(mapping.MappingFailed):
        mapping.integration_response(RESPONSES[1:], 200, "{}", {})


def test_a_template_may_set_a_hyphenated_response_header_as_velocity_allows():
    template = (
        '#set($origin = $input.params().header.get("Origin"))\n'
        "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n"
        "#set($n = 3)#set($n = $n - 1)$n"
    )
    request = mapping.Request("", {"Origin": "https://app.example.com"})
    context = {"responseOverride": {"status": None, "header": {}}}
    rendered = mapping.render(template, {"input": mapping.Input("", request), "context": context})
    assert rendered.strip() == "2"
    assert context["responseOverride"]["header"] == {
        "Access-Control-Allow-Origin": "https://app.example.com"
    }


HEADER_MAPPINGS = IntegrationResponse(
    "200",
    None,
    {
        "application/json": "#if($input.params('Origin') == \"https://b.example.com\")"
        '#set($context.responseOverride.header.Access-Control-Allow-Origin = "https://b.example.com")'
        "#end{}"
    },
    {
        "Access-Control-Allow-Origin": "'https://a.example.com'",
        "Vary": "'Origin'",
        "X-Request-Id": "context.requestId",
        "X-Message-Id": "integration.response.body.MessageId",
        "X-Type": "integration.response.header.content-type",
        "X-Missing": "integration.response.header.X-Nothing",
    },
)


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        pytest.param("https://a.example.com", "https://a.example.com", id="static"),
        pytest.param("https://b.example.com", "https://b.example.com", id="template override"),
        pytest.param("https://evil.example.com", "https://a.example.com", id="another origin"),
    ],
)
def test_integration_responses_map_headers_then_apply_the_template_s_overrides(origin, allowed):
    answer = mapping.integration_response(
        (HEADER_MAPPINGS,),
        200,
        '{"MessageId": "m-1"}',
        {"requestId": "r-1"},
        mapping.Request("", {"Origin": origin}),
        {"Content-Type": "application/json"},
    )
    assert answer.headers == {
        "Access-Control-Allow-Origin": allowed,
        "Vary": "Origin",
        "X-Request-Id": "r-1",
        "X-Message-Id": "m-1",
        "X-Type": "application/json",
    }


@pytest.mark.parametrize(
    ("allow_origins", "origin", "expected"),
    [
        pytest.param(("https://a.example.com",), "https://a.example.com", "https://a.example.com"),
        pytest.param(("https://a.example.com",), "https://b.example.com", None, id="not listed"),
        pytest.param(("https://a.example.com",), "", None, id="no origin"),
        pytest.param(("*",), "https://b.example.com", "*", id="any"),
        pytest.param(("https://*",), "https://b.example.com", "https://b.example.com", id="https"),
        pytest.param(("https://*",), "http://b.example.com", None, id="not https"),
    ],
)
def test_an_http_api_allows_the_origins_its_cors_configuration_names(
    allow_origins, origin, expected
):
    assert allowed_origin(Cors(allow_origins=allow_origins), origin) == expected
    assert allowed_origin(None, origin) is None


# -- routing and body depth ---------------------------------------------------------------------


def test_route_paths_take_parameters():
    assert route_pattern("/orders/{id}").fullmatch("/orders/7").groupdict() == {"id": "7"}
    assert not route_pattern("/orders/{id}").fullmatch("/orders/7/items")
    assert route_pattern("/files/{path+}").fullmatch("/files/a/b").groupdict() == {"path": "a/b"}


def test_json_depth_counts_nesting_not_brackets_in_strings():
    assert json_depth('{"a": [1, {"b": "[[[[{{"}]}') == 3
    assert json_depth("[" * 5000 + "]" * 5000) == 5000
