"""Drive a local stack from Python: synthesize, start, send requests, read the stats.

The end-to-end tests and the benchmark use it; so can your own scripts.
"""

import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aws_cdk as cdk
{%- if cookiecutter.api_auth == "iam" %}
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
{%- endif %}

from ..application import build
{%- if cookiecutter.api_auth == "iam" %}
from .gateway import LOCAL_CREDENTIALS
{%- endif %}

PROJECT_ROOT = Path(__file__).parents[2]


def synthesize(outdir: Path, **settings) -> Path:
    """A cloud assembly of the stack, from cdk.json's context with some settings changed."""
    context = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]
    context.update(settings, **{"aws:cdk:enable-asset-metadata": True})
    app = cdk.App(outdir=str(outdir), context=context)
    build(app)
    app.synth()
    return outdir


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalStack:
    """`python -m ....local` on a cloud assembly, in a process of its own, until closed."""

    def __init__(self, cdk_out: Path, visibility_timeout: int = 3) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        # Its output goes to a file: a pipe nobody reads would fill up and stall it.
        self.output = cdk_out / "local.log"
        with self.output.open("w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "{{ cookiecutter.__package_name }}.local",
                    "--port",
                    str(port),
                    "--visibility-timeout",
                    str(visibility_timeout),
                    "--cdk-out",
                    str(cdk_out),
                ],
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while "stats:" not in self.output.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the local stack did not start:\n{self.output.read_text()}")
            time.sleep(0.2)
        self.banner = self.output.read_text()
        (self.url,) = re.findall(r"pipeline \(\w+ API\): POST (\S+)", self.banner)
{%- if cookiecutter.api_type == "rest" %}
        self.api_key = next(iter(re.findall(r"api key:  (\S+)", self.banner)), "")
{%- endif %}

    def close(self) -> int:
        """Stop it as Ctrl-C would; its exit status."""
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=30)

    def __enter__(self) -> "LocalStack":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def headers(self, body: bytes, content_type: str = "application/json") -> dict[str, str]:
{%- if cookiecutter.api_type == "rest" %}
        """What an allowed caller sends: the authorization the stack checks, its API key."""
        headers = {"Content-Type": content_type}
        if self.api_key:
            headers["x-api-key"] = self.api_key
{%- else %}
        """What an allowed caller sends: the authorization the stack checks."""
        headers = {"Content-Type": content_type}
{%- endif %}
{%- if cookiecutter.api_auth == "iam" %}
        request = AWSRequest(method="POST", url=self.url, data=body, headers=headers)
        SigV4Auth(LOCAL_CREDENTIALS, "execute-api", "us-east-1").add_auth(request)
        return dict(request.headers)
{%- elif cookiecutter.api_auth == "jwt" %}
        (token,) = re.findall(r"Authorization: Bearer ([\w.-]+)", self.banner)
        return {**headers, "Authorization": f"Bearer {token}"}
{%- else %}
        return headers
{%- endif %}

    def call(self, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
        """POST the body to the messages route; the status code and the JSON answer."""
        headers = self.headers(body) if headers is None else headers
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> int:
        """POST the body to the messages route; the status code."""
        return self.call(body, headers)[0]

    def send(self, bodies: list[bytes], clients: int = 16) -> list[int]:
        """Many allowed requests at once; their status codes, in order."""
        with ThreadPoolExecutor(max_workers=clients) as pool:
            return list(pool.map(self.post, bodies))

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.base}/_local/stats", timeout=30) as response:
            return json.loads(response.read())

    def settle(self, timeout: float = 180) -> dict[str, int]:
        """Wait until every accepted message is processed or in the DLQ; the final stats."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.stats()
            finished = now["processed"] + now["in_dlq"]
            if finished > now["accepted"]:
                raise AssertionError(f"more finished than accepted: a duplicate? {now}")
            if finished == now["accepted"] and now["in_queue"] == now["in_flight"] == 0:
                return now
            time.sleep(0.2)
        raise TimeoutError(f"the pipeline did not settle: {self.stats()}")
