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


def render(template: str, variables: dict) -> str:
    try:
        return airspeed.Template(template).merge(variables)
    except MappingFailed:
        raise
    except airspeed.TemplateSyntaxError as error:
        raise MappingFailed(f"the mapping template does not parse: {error}") from None
    except Exception as error:  # a method or value the template uses fails
        raise MappingFailed(
            f"the mapping template failed: {type(error).__name__}: {error}"
        ) from None


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


def integration_response(
    responses, integration_status: int, integration_body: str, context: dict
) -> MethodAnswer:
    """Which of the method's integration responses applies (its selection pattern matched
    against the integration's status code; the one without a pattern otherwise), and the answer
    it makes: its status code, its template rendered, $context.responseOverride applied."""
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
            {"input": Input(integration_body), "util": Util(), "context": context,
             "stageVariables": {}},
        )  # fmt: skip
    status = int(chosen.status_code)
    override = context["responseOverride"].get("status")
    if override not in (None, ""):
        try:
            status = int(override)
        except (TypeError, ValueError):
            raise MappingFailed(f"$context.responseOverride.status is {override!r}") from None
    return MethodAnswer(status, body, "application/json")
