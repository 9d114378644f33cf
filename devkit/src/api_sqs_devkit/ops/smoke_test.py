"""Send one request to the deployed API and wait until the consumer has processed it.

Posts a small JSON object to the route that sends to the queue (--queue picks one when the
service has several), reads the SQS message id from the answer, then searches the log groups of
the queue's consumers for that id (every log line of a message carries it as correlation_id)
until the "Processed message" line appears or the time is up. The route's authorization decides
how the request is made: signed with your AWS credentials (AWS_IAM), with --token (JWT, Cognito)
or as it is; --api-key is sent when the route requires a key.
"""

import argparse
import http.client
import json
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError

from ..assembly import Consumer, Route, Service
from .arguments import number
from .common import ToolError, parser, pick_queue, run, service_of, session

PROCESSED = "Processed message"
URL_RULE = "must be an http:// or https:// URL with a host, in ASCII without spaces"
# Methods a route can take the smoke test's JSON body with.
POSTABLE = ("POST", "PUT", "ANY")


def api_url(text: str) -> str:
    """An argparse type: a URL the smoke test can post to."""
    try:
        parts = urlsplit(text)
        usable = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and parts.port != 0  # a port that is no number raises ValueError
            and text.isascii()
            and text.isprintable()
            and " " not in text
        )
    except ValueError:
        usable = False
    if not usable:
        raise argparse.ArgumentTypeError(f"{URL_RULE}, not {text!r}")
    return text


def header_value(text: str) -> str:
    """An argparse type: a token or key, sent as it is in an HTTP header."""
    if not (text and text.isascii() and text.isprintable() and " " not in text):
        # Not shown: it is a secret.
        raise argparse.ArgumentTypeError("must be printable ASCII without spaces")
    return text


def target(service: Service, queue_name: str | None) -> tuple[Route, list[Consumer]]:
    """The route to post to and the consumers of the queue it sends to."""
    consumed = {consumer.queue.name for consumer in service.consumers}
    candidates = list(
        {r.queue.name: r.queue for r in service.api.routes if r.queue.name in consumed}.values()
    )
    queue = pick_queue(
        service, queue_name, candidates, "that a route sends to and a consumer reads"
    )
    routes = [
        route
        for route in service.api.routes
        if route.queue.name == queue.name and route.method in POSTABLE and "{" not in route.path
    ]
    if not routes:
        raise ToolError(
            f"no route of the API posts to {queue.name} without path parameters: the smoke"
            " test posts a JSON object to a fixed path"
        )
    return routes[0], [
        consumer for consumer in service.consumers if consumer.queue.name == queue.name
    ]


def url_path(value: str) -> str | None:
    """The path of an http(s) URL; None for anything else."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return parts.path if parts.scheme in ("http", "https") and parts.hostname else None


def route_url(cloudformation, service: Service, route: Route) -> str:
    """The route's URL, from the deployed stack's outputs: an output holding it, or the API's
    base URL (with the stage's path on a REST API) followed by the route's path."""
    name = service.stack_name
    try:
        (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ValidationError":
            raise
        raise ToolError(f"stack {name!r} not found: deploy it, or pass --url") from None
    values = [output["OutputValue"] for output in stack.get("Outputs", [])]
    stage = service.api.stage_name
    prefixes = [f"/{stage}", ""] if stage != "$default" else [""]
    for prefix in prefixes:
        for value in values:
            if url_path(value) == prefix + route.path:
                return value
    for prefix in prefixes:
        for value in values:
            path = url_path(value)
            if path is not None and path.rstrip("/") == prefix:
                return value.rstrip("/") + route.path
    raise ToolError(
        f"stack {name!r} has no output with the URL of {route.key} or of its API (it is"
        f" {stack['StackStatus']}): deploy it, or pass --url"
    )


def post(url: str, body: bytes, headers: dict[str, str]) -> dict:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = response.read()
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")[:200]
        raise ToolError(f"the API answered {error.code} {error.reason}: {detail}") from None
    except urllib.error.URLError as error:
        raise ToolError(f"cannot reach {url}: {error.reason}") from None
    except (OSError, http.client.HTTPException) as error:  # the connection broke while reading
        raise ToolError(f"no complete answer from {url}: {error}") from None
    try:
        return json.loads(answer or b"{}")
    except ValueError:
        detail = answer.decode(errors="replace")[:200]
        raise ToolError(f"the API answered, but not with JSON: {detail}") from None


def find_message_id(answer) -> str | None:
    """The message id in the API's answer, whatever envelope is around it: SQS's own
    (MessageId) or a REST integration response's (messageId)."""
    if isinstance(answer, dict):
        for key in ("MessageId", "messageId"):
            if isinstance(answer.get(key), str):
                return answer[key]
        for value in answer.values():
            found = find_message_id(value)
            if found:
                return found
    return None


def is_processed_line(line: str, message_id: str) -> bool:
    try:
        entry = json.loads(line)
    except ValueError:
        return False
    return (
        isinstance(entry, dict)
        and entry.get("message") == PROCESSED
        and entry.get("correlation_id") == message_id
    )


def main() -> int:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument(
        "--url", type=api_url, help="the route's URL (default: read from the stack's outputs)"
    )
    arguments.add_argument(
        "--token",
        type=header_value,
        help="a JWT the API accepts (JWT), or an ID token of the user pool (Cognito)",
    )
    arguments.add_argument(
        "--api-key", type=header_value, help="an API key of the usage plan, when routes need one"
    )
    arguments.add_argument(
        "--timeout",
        type=number(float, 1),
        default=120.0,
        help="seconds to wait for processing (120)",
    )
    options = arguments.parse_args()

    service = service_of(options.cdk_out)
    route, consumers = target(service, options.queue)
    if route.authorization in ("JWT", "COGNITO_USER_POOLS") and not options.token:
        token = "a JWT" if route.authorization == "JWT" else "an ID token of the user pool"
        raise ToolError(f"{route.key} takes {token}: pass --token TOKEN")
    if route.api_key_required and not options.api_key:
        raise ToolError(f"{route.key} requires an API key: pass --api-key KEY")
    aws = session(options.region, service)
    logs = aws.client("logs")  # before posting: a region botocore refuses stops the test here
    url = options.url or route_url(aws.client("cloudformation"), service, route)
    body = json.dumps({"smokeTest": True, "id": str(uuid.uuid4())}).encode()
    headers = {"Content-Type": "application/json"}
    if options.api_key:
        headers["x-api-key"] = options.api_key
    if route.authorization == "JWT":
        headers[route.identity_header] = f"Bearer {options.token}"
    elif route.authorization == "COGNITO_USER_POOLS":
        headers[route.identity_header] = options.token  # the Cognito authorizer takes it bare
    elif route.authorization == "AWS_IAM":
        credentials = aws.get_credentials()
        if credentials is None:
            raise ToolError("no AWS credentials found: set AWS_PROFILE or run `aws sso login`")
        request = AWSRequest(method="POST", url=url, data=body, headers=headers)
        SigV4Auth(credentials, "execute-api", aws.region_name).add_auth(request)
        headers = dict(request.headers)

    posted_at = int(time.time() * 1000) - 60_000  # a minute's margin for clock skew
    message_id = find_message_id(post(url, body, headers))
    if not message_id:
        raise ToolError("the API answered without a message id: is the route wired to the queue?")
    print(f"Accepted as message {message_id}; waiting for the consumer")

    log_groups = [f"/aws/lambda/{consumer.function_name}" for consumer in consumers]
    deadline = time.monotonic() + options.timeout
    pages = logs.get_paginator("filter_log_events")
    while time.monotonic() < deadline:
        for log_group in log_groups:
            # One search may come back empty with more pages to read: read them all.
            for page in pages.paginate(
                logGroupName=log_group, filterPattern=f'"{message_id}"', startTime=posted_at
            ):
                if any(is_processed_line(event["message"], message_id) for event in page["events"]):
                    print(f"Processed: {message_id} appears in {log_group}")
                    return 0
        time.sleep(min(5.0, max(deadline - time.monotonic(), 0)))
    raise ToolError(
        f"message {message_id} was accepted but not processed within {options.timeout:g} s:"
        f" look for it in {', '.join(log_groups)} and in the dead-letter queue"
    )


if __name__ == "__main__":
    run(main)
