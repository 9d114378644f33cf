"""REST API mapping templates (VTL), rendered with airspeed and what API Gateway provides to
them: $input, $util, $context, $stageVariables."""

import base64
import json
import re
import urllib.parse
from dataclasses import dataclass, field

import airspeed
from jsonpath_ng import parse as parse_json_path
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError

# A #set target whose names hold hyphens, as Velocity 1.7's identifiers may
# (#set($context.responseOverride.header.Access-Control-Allow-Origin = ...)): airspeed's names
# cannot, so each hyphen is written as HYPHEN for airspeed and turned back in what it set.
HYPHENATED_SET = re.compile(r"(#set\s*\(\s*\$)([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)(?=\s*=)")
HYPHEN = "__hyphen__"


class MappingFailed(Exception):
    """A template did not render; API Gateway answers 500 and logs the reason."""


@dataclass
class Request:
    """What a mapping template can read about the method request."""

    body: str
    headers: dict[str, str]  # names as sent
    query: dict[str, str] = field(default_factory=dict)
    path_parameters: dict[str, str] = field(default_factory=dict)


def url_encode(text: object) -> str:
    """Java's URLEncoder.encode(text, "UTF-8"), which $util.urlEncode is."""
    return urllib.parse.quote_plus(str(text), safe="*").replace("~", "%7E")


def escape_java_script(text: object) -> str:
    """Commons Lang's escapeJavaScript, which $util.escapeJavaScript is: quotes, backslash and
    slash escaped, control characters and every non-ASCII UTF-16 unit as \\uXXXX."""
    named = {'"': '\\"', "'": "\\'", "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f"}
    named |= {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    escaped = []
    for character in str(text):
        if character in named:
            escaped.append(named[character])
        elif " " <= character <= "~":
            escaped.append(character)
        else:
            units = character.encode("utf-16-be", "surrogatepass")
            escaped += [
                f"\\u{int.from_bytes(units[i : i + 2]):04X}" for i in range(0, len(units), 2)
            ]
    return "".join(escaped)


def json_path(document: object, path: str) -> object:
    """The value at a JSONPath in a document; a list when several match, None when none."""
    try:
        matches = [match.value for match in parse_json_path(path).find(document)]
    except (JsonPathLexerError, JsonPathParserError, Exception) as error:
        raise MappingFailed(f"invalid JSONPath {path!r}: {error}") from None
    if not matches:
        return None
    return matches[0] if len(matches) == 1 else matches


class Util:
    """$util."""

    def urlEncode(self, text):  # noqa: N802 - VTL names
        return url_encode(text)

    def urlDecode(self, text):  # noqa: N802
        return urllib.parse.unquote_plus(str(text))

    def escapeJavaScript(self, text):  # noqa: N802
        return escape_java_script(text)

    def base64Encode(self, text):  # noqa: N802
        return base64.b64encode(str(text).encode()).decode()

    def base64Decode(self, text):  # noqa: N802
        return base64.b64decode(str(text)).decode("utf-8", errors="replace")

    def parseJson(self, text):  # noqa: N802
        try:
            return json.loads(str(text))
        except (ValueError, RecursionError) as error:
            raise MappingFailed(f"$util.parseJson: not JSON ({error})") from None


class Input:
    """$input: the request body (or, in a response template, the integration's answer)."""

    def __init__(self, body: str, request: Request | None = None) -> None:
        # API Gateway renders an empty body as {} in a template.
        self.body = body if body else "{}"
        self.request = request
        self._document = None

    def document(self):
        if self._document is None:
            try:
                self._document = json.loads(self.body)
            except (ValueError, RecursionError) as error:
                raise MappingFailed(f"$input: the body is not JSON ({error})") from None
        return self._document

    def path(self, path):
        return json_path(self.document(), str(path))

    def json(self, path):
        return json.dumps(json_path(self.document(), str(path)), ensure_ascii=False)

    def params(self, name=None):
        request = self.request or Request("", {})
        every = {
            "path": dict(request.path_parameters),
            "querystring": dict(request.query),
            "header": dict(request.headers),
        }
        if name is None:
            return every
        lowered = {key.lower(): value for key, value in request.headers.items()}
        for source in (every["path"], every["querystring"]):
            if name in source:
                return source[name]
        return lowered.get(str(name).lower(), "")


def compiled(template: str) -> airspeed.Template:
    """The template as airspeed parses it (airspeed.TemplateSyntaxError if it does not)."""
    encoded = HYPHENATED_SET.sub(
        lambda match: match.group(1) + match.group(2).replace("-", HYPHEN), template
    )
    parsed = airspeed.Template(encoded)
    parsed.ensure_compiled()
    return parsed


def with_hyphens(value):
    """The dictionaries a template set into, with the hyphens of their keys back."""
    if isinstance(value, dict):
        for key in [key for key in value if isinstance(key, str) and HYPHEN in key]:
            value[key.replace(HYPHEN, "-")] = value.pop(key)
        for inner in value.values():
            with_hyphens(inner)
    return value


def render(template: str, variables: dict) -> str:
    try:
        return compiled(template).merge(variables)
    except MappingFailed:
        raise
    except airspeed.TemplateSyntaxError as error:
        raise MappingFailed(f"the mapping template does not parse: {error}") from None
    except Exception as error:  # a method or value the template uses fails
        raise MappingFailed(
            f"the mapping template failed: {type(error).__name__}: {error}"
        ) from None
    finally:
        with_hyphens(variables.get("context"))


def render_request(template: str, request: Request, context: dict) -> str:
    """The integration request body the method's mapping template makes of a request."""
    return render(
        template,
        {"input": Input(request.body, request), "util": Util(), "context": context,
         "stageVariables": {}},
    )  # fmt: skip


@dataclass(frozen=True)
class MethodAnswer:
    status: int
    body: str
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def response_parameter(
    expression: str, body: str, headers: dict[str, str], context: dict
) -> str | None:
    """The value of an integration response's header mapping: a 'static' value,
    integration.response.header.X, integration.response.body[.JSONPath] or context.X; None
    when it has none (the header is then left out)."""
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    source, _, name = expression.partition(".response.")
    if source == "integration" and name.startswith("header."):
        lowered = {key.lower(): value for key, value in headers.items()}
        return lowered.get(name.removeprefix("header.").lower())
    if source == "integration" and name == "body":
        return body
    if source == "integration" and name.startswith("body."):
        try:
            found = json_path(json.loads(body), "$." + name.removeprefix("body."))
        except ValueError:
            return None
        return found if isinstance(found, str) or found is None else json.dumps(found)
    if expression.startswith("context."):
        found: object = context
        for part in expression.removeprefix("context.").split("."):
            found = found.get(part) if isinstance(found, dict) else None
        return None if found is None else str(found)
    return None


def integration_response(
    responses,
    integration_status: int,
    integration_body: str,
    context: dict,
    request: Request | None = None,
    integration_headers: dict[str, str] | None = None,
) -> MethodAnswer:
    """Which of the method's integration responses applies (its selection pattern matched
    against the integration's status code; the one without a pattern otherwise), and the answer
    it makes: its status code, its header mappings, its template rendered (reading the
    integration's answer, and the method request's parameters), $context.responseOverride's
    status and headers applied over them."""
    default = next((r for r in responses if not r.selection_pattern), None)
    chosen = next(
        (
            r
            for r in responses
            if r.selection_pattern and re.fullmatch(r.selection_pattern, str(integration_status))
        ),
        default,
    )
    if chosen is None:
        raise MappingFailed(
            f"no integration response matches the integration's status {integration_status}"
        )
    context.setdefault("responseOverride", {"status": None, "header": {}})
    template = chosen.templates.get("application/json")
    if template is None and chosen.templates:
        template = next(iter(chosen.templates.values()))
    body = integration_body
    if template:
        body = render(
            template,
            {"input": Input(integration_body, request), "util": Util(), "context": context,
             "stageVariables": {}},
        )  # fmt: skip
    headers = {}
    for name, expression in chosen.parameters.items():
        value = response_parameter(expression, integration_body, integration_headers or {}, context)
        if value is not None:
            headers[name] = value
    for name, value in context["responseOverride"].get("header", {}).items():
        if value is not None:
            headers[name] = str(value)
    status = int(chosen.status_code)
    override = context["responseOverride"].get("status")
    if override not in (None, ""):
        try:
            status = int(override)
        except (TypeError, ValueError):
            raise MappingFailed(f"$context.responseOverride.status is {override!r}") from None
    return MethodAnswer(status, body, "application/json", headers)
