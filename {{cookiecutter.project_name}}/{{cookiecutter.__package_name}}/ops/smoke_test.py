"""Send one request to the deployed API and wait until the consumer has processed it.

Posts a small JSON object to POST /messages, reads the SQS message id from the answer, then
searches the consumer's log group for that id (every log line of a message carries it as
correlation_id) until the "Processed message" line appears or the time is up.
"""

import argparse
import http.client
import json
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

{% if cookiecutter.api_auth == "iam" -%}
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
{% endif -%}
from botocore.exceptions import ClientError

from .common import ToolError, deployed_names, number, parser, run, session

PROCESSED = "Processed message"
URL_RULE = "must be an http:// or https:// URL with a host, in ASCII without spaces"


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
{%- if cookiecutter.api_auth == "jwt" or cookiecutter.api_type == "rest" %}


def header_value(text: str) -> str:
    """An argparse type: a token or key, sent as it is in an HTTP header."""
    if not (text and text.isascii() and text.isprintable() and " " not in text):
        # Not shown: it is a secret.
        raise argparse.ArgumentTypeError("must be printable ASCII without spaces")
    return text
{%- endif %}


def messages_url(cloudformation, stack_name: str) -> str:
    try:
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ValidationError":
            raise
        raise ToolError(f"stack {stack_name!r} not found: deploy it, or pass --url") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    if "MessagesUrl" not in outputs:
        raise ToolError(
            f"stack {stack_name!r} has no MessagesUrl output (it is {stack['StackStatus']}):"
            " deploy it, or pass --url"
        )
    return outputs["MessagesUrl"]


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
    """The message id in the API's answer, whatever envelope is around it."""
    if isinstance(answer, dict):
{%- if cookiecutter.api_type == "rest" %}
        if isinstance(answer.get("messageId"), str):  # the integration response's JSON
            return answer["messageId"]
{%- else %}
        if isinstance(answer.get("MessageId"), str):
            return answer["MessageId"]
{%- endif %}
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
    return entry.get("message") == PROCESSED and entry.get("correlation_id") == message_id


def main() -> int:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument(
        "--url", type=api_url, help="the MessagesUrl output (default: read from the stack)"
    )
{%- if cookiecutter.api_auth == "jwt" and cookiecutter.api_type == "rest" %}
    arguments.add_argument(
        "--token", type=header_value, required=True, help="an ID token of the user pool"
    )
{%- elif cookiecutter.api_auth == "jwt" %}
    arguments.add_argument(
        "--token", type=header_value, required=True, help="a JWT the API accepts"
    )
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
    arguments.add_argument(
        "--api-key",
        type=header_value,
        help="an API key of the usage plan (needed when api_keys is on)",
    )
{%- endif %}
    arguments.add_argument(
        "--timeout",
        type=number(float, 1),
        default=120.0,
        help="seconds to wait for processing (120)",
    )
    options = arguments.parse_args()

    names = deployed_names(options.stage)
    aws = session(options.region)
    logs = aws.client("logs")  # before posting: a region botocore refuses stops the test here
    url = options.url or messages_url(aws.client("cloudformation"), names.stack)
    body = json.dumps({"smokeTest": True, "id": str(uuid.uuid4())}).encode()
    headers = {"Content-Type": "application/json"}
{%- if cookiecutter.api_auth == "iam" %}
    credentials = aws.get_credentials()
    if credentials is None:
        raise ToolError("no AWS credentials found: set AWS_PROFILE or run `aws sso login`")
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(credentials, "execute-api", aws.region_name).add_auth(request)
    headers = dict(request.headers)
{%- elif cookiecutter.api_auth == "jwt" and cookiecutter.api_type == "rest" %}
    headers["Authorization"] = options.token  # the Cognito authorizer takes the bare token
{%- elif cookiecutter.api_auth == "jwt" %}
    headers["Authorization"] = f"Bearer {options.token}"
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
    if options.api_key:
        headers["x-api-key"] = options.api_key
{%- endif %}

    posted_at = int(time.time() * 1000) - 60_000  # a minute's margin for clock skew
    message_id = find_message_id(post(url, body, headers))
    if not message_id:
        raise ToolError("the API answered without a message id: is the route wired to the queue?")
    print(f"Accepted as message {message_id}; waiting for the consumer")

    log_group = f"/aws/lambda/{names.consumer_function}"
    deadline = time.monotonic() + options.timeout
    pages = logs.get_paginator("filter_log_events")
    while time.monotonic() < deadline:
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
        f" look for it in {log_group} and in the dead-letter queue"
    )


if __name__ == "__main__":
    run(main)
