"""CORS through the running local gateway, as the template's cors_origins synthesizes it: an HTTP
API's CorsConfiguration (API Gateway answers the preflights itself, before authorization), and a
REST API's OPTIONS method with a MOCK integration (one origin and two), Access-Control-Allow-
Origin on the methods' responses. The two-origin assemblies also hold a custom domain, which the
local gateway ignores: it serves the API on localhost all the same."""

import pytest
from assemblies import CORS_HEADERS, FixtureQueue, FixtureRoute

APP = "https://app.example.com"
ADMIN = "https://admin.example.com"
EVIL = "https://evil.example.com"
ALLOW_ORIGIN = "access-control-allow-origin"


def preflight(stack, origin: str, path: str = "/messages") -> tuple[int, dict[str, str]]:
    url = stack.route(f"POST {path}")["url"]
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization",
    }
    status, answer_headers, _ = stack.exchange("OPTIONS", url, headers=headers)
    return status, answer_headers


def post(stack, origin: str, body: bytes = b'{"cors": true}', path: str = "/messages"):
    """An allowed caller's POST from a page of that origin (Origin is added after signing)."""
    headers = {**stack.headers(body, route=f"POST {path}"), "Origin": origin}
    status, answer_headers, _ = stack.exchange(
        "POST", stack.route(f"POST {path}")["url"], body, headers
    )
    return status, answer_headers


def cors_headers(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.startswith("access-control-")}


# -- HTTP API ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http_stack(local_stack):
    return local_stack(
        api="http", auth="iam", cors_origins=[APP, ADMIN], custom_domain="api.example.com"
    )


@pytest.mark.parametrize("origin", [APP, ADMIN])
def test_an_http_api_answers_an_allowed_preflight_itself_before_authorization(http_stack, origin):
    status, headers = preflight(http_stack, origin)  # unsigned: no IAM authorization
    assert status == 204
    assert cors_headers(headers) == {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": ",".join(CORS_HEADERS),
        "access-control-max-age": "600",
    }


def test_an_http_api_s_preflight_from_another_origin_allows_nothing(http_stack):
    status, headers = preflight(http_stack, EVIL)
    assert status == 204 and cors_headers(headers) == {}


def test_an_options_request_that_is_no_preflight_is_routed_as_any_other(http_stack):
    url = http_stack.route()["url"]
    assert (
        http_stack.exchange("OPTIONS", url, headers={"Origin": APP})[0] == 404
    )  # no Access-Control-Request-Method


def test_an_http_api_adds_the_allowed_origin_to_the_integration_s_response(http_stack):
    status, headers = post(http_stack, ADMIN)
    assert status == 200 and headers[ALLOW_ORIGIN] == ADMIN
    status, headers = post(http_stack, EVIL)
    assert status == 200 and cors_headers(headers) == {}


def test_a_custom_domain_still_serves_on_localhost(http_stack):
    assert (
        "CustomDomainUrl"
        in http_stack.cdk_out.joinpath("demo-dev-queue-stack.template.json").read_text()
    )
    assert post(http_stack, APP)[0] == 200


# -- REST API, one origin ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def rest_stack(local_stack):
    return local_stack(api="rest", auth="iam", cors_origins=[APP])


def test_a_rest_preflight_is_its_mock_method_s_answer(rest_stack):
    status, headers = preflight(rest_stack, APP)  # unsigned: the OPTIONS method is NONE
    assert status == 204
    assert cors_headers(headers) == {
        "access-control-allow-origin": APP,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": ",".join(CORS_HEADERS),
        "access-control-max-age": "600",
    }
    assert headers["vary"] == "Origin"


def test_a_rest_preflight_from_another_origin_gets_the_static_origin_not_its_own(rest_stack):
    """The CDK maps the first origin as a static value: another origin's page is refused by
    the browser, since the header does not name it."""
    status, headers = preflight(rest_stack, EVIL)
    assert status == 204 and headers[ALLOW_ORIGIN] == APP


def test_a_rest_method_s_header_mapping_names_the_origin(rest_stack):
    status, headers = post(rest_stack, APP)
    assert status == 200 and headers[ALLOW_ORIGIN] == APP


# -- REST API, two origins ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def rest_two_origins(local_stack):
    return local_stack(
        api="rest",
        auth="none",
        cors_origins=[APP, ADMIN],
        custom_domain="api.example.com",
        queues=[FixtureQueue("orders", maximum_message_size=1024)],
        routes=[FixtureRoute("/messages", "orders", schema=None)],
    )


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        pytest.param(APP, APP, id="the first origin, static"),
        pytest.param(ADMIN, ADMIN, id="the second, echoed by the template"),
        pytest.param(EVIL, APP, id="another origin"),
    ],
)
def test_a_rest_preflight_echoes_an_allowed_origin(rest_two_origins, origin, allowed):
    status, headers = preflight(rest_two_origins, origin)
    assert status == 204
    assert headers[ALLOW_ORIGIN] == allowed and headers["vary"] == "Origin"


def test_every_integration_response_echoes_an_allowed_origin(rest_two_origins):
    status, headers = post(rest_two_origins, ADMIN)
    assert status == 200
    assert headers[ALLOW_ORIGIN] == ADMIN and headers["vary"] == "Origin"
    # Too large for the queue: SQS's refusal through the 400 integration response.
    status, headers = post(rest_two_origins, APP, b"x" * 1025)
    assert status == 400 and headers[ALLOW_ORIGIN] == APP
    status, headers = post(rest_two_origins, EVIL)
    assert status == 200 and ALLOW_ORIGIN not in headers and headers["vary"] == "Origin"
