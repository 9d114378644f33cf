"""End to end on this machine: signed requests in, through the queue, into the handler.

Synthesizes the stack into a temporary cloud assembly, starts `python -m
{{ cookiecutter.__package_name }}.local` on it, and checks that nothing is lost: every good
message processed exactly once, every poison message in the DLQ after exactly the configured
number of receives, refused requests refused.
"""

import json
{%- if cookiecutter.api_auth == "jwt" %}
import re
{%- endif %}
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aws_cdk as cdk
import pytest
{%- if cookiecutter.api_auth == "iam" %}
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
{%- endif %}

from {{ cookiecutter.__package_name }}.settings import Settings

from ..stacks import build

PROJECT_ROOT = Path(__file__).parents[2]
GOOD, POISON = 20, 3
THROTTLE = 20  # requests per second; the burst is twice that
VISIBILITY_TIMEOUT = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def throttled(settings) -> Settings:
    """The project's settings with a throttle low enough for one machine to exceed: moto's
    SQS takes no more than about a hundred messages a second."""
    return Settings.from_values({**vars(settings), "api_throttling": THROTTLE})


@pytest.fixture(scope="module")
def local(tmp_path_factory, context, throttled):
    cdk_out = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(cdk_out), context={**context, "aws:cdk:enable-asset-metadata": True})
    build(context, throttled, app=app)
    app.synth()
    port = free_port()
    # Its output goes to a file: a pipe nobody reads would fill up and stall it.
    output = cdk_out / "local.log"
    with output.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "{{ cookiecutter.__package_name }}.local",
                "--port",
                str(port),
                "--visibility-timeout",
                str(VISIBILITY_TIMEOUT),
                "--cdk-out",
                str(cdk_out),
            ],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while "stats:" not in output.read_text():
        assert process.poll() is None, output.read_text()
        assert time.monotonic() < deadline, "the local stack did not start"
        time.sleep(0.2)
    banner = output.read_text()
    base = f"http://127.0.0.1:{port}"
    yield base, banner
    process.terminate()
    assert process.wait(timeout=30) == 0, "the local stack did not stop cleanly on SIGTERM"


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def stats(base: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base}/_local/stats", timeout=30) as response:
        return json.loads(response.read())


def authorized_headers(url: str, body: bytes, banner: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
{%- if cookiecutter.api_auth == "iam" %}
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials("testing", "testing"), "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers)
{%- elif cookiecutter.api_auth == "jwt" %}
    (token,) = re.findall(r"Authorization: Bearer ([\w.-]+)", banner)
    return {**headers, "Authorization": f"Bearer {token}"}
{%- else %}
    return headers
{%- endif %}


def send(base: str, banner: str, bodies: list[bytes]) -> list[int]:
    url = f"{base}/messages"
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(lambda b: post(url, b, authorized_headers(url, b, banner)), bodies))


def settle(base: str, timeout: float = 180) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = stats(base)
        if now["in_queue"] == now["in_flight"] == 0 and (
            now["processed"] + now["in_dlq"] == now["accepted"]
        ):
            return now
        time.sleep(0.5)
    pytest.fail(f"the pipeline did not settle: {stats(base)}")


def test_nothing_is_lost_and_nothing_duplicated(local, settings):
    base, banner = local
    good = [json.dumps({"order": n}).encode() for n in range(GOOD)]
    poison = [b"not json", b"[1, 2]", b'"text"'][:POISON]
    assert send(base, banner, good + poison) == [200] * (GOOD + POISON)
    final = settle(base)
    assert final["accepted"] == GOOD + POISON
    assert final["processed"] == GOOD  # each good message exactly once
    assert final["in_dlq"] == POISON
    # Each poison message failed once per receive, and moved after the last one.
    assert final["failed"] == POISON * settings.dlq_retries
{%- if cookiecutter.api_auth != "none" %}


def test_requests_without_valid_credentials_are_refused(local):
    base, _ = local
    url = f"{base}/messages"
    refused = 401 if "Bearer" in _ else 403
    assert post(url, b"{}", {"Content-Type": "application/json"}) == refused
    forged = {"Content-Type": "application/json", "Authorization": "Bearer x.y.z"}
    if refused == 403:
        forged["Authorization"] = (
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/execute-api/aws4_request,"
            " SignedHeaders=host, Signature=" + "0" * 64
        )
    assert post(url, b"{}", forged) == refused
{%- endif %}


def test_a_burst_above_the_throttle_is_answered_with_429(local, throttled):
    base, banner = local
    settle(base)
    before = stats(base)["accepted"]
    started = time.monotonic()
    answers = send(base, banner, [b'{"burst": true}'] * (throttled.api_burst * 3))
    elapsed = time.monotonic() - started
    assert set(answers) <= {200, 429}
    assert 429 in answers
    accepted = answers.count(200)
    assert accepted <= throttled.api_burst + throttled.api_throttling * elapsed + 1
    assert stats(base)["accepted"] - before == accepted
    settle(base)
