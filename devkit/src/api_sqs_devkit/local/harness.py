"""Drive a local stack from Python: start it on a cloud assembly, send requests, read the stats.

    with LocalStack(Path("cdk.out")) as stack:
        status, answer = stack.call(b'{"orderId": "1"}')
        assert stack.settle()["processed"] == 1

Tests and the benchmark use it; so can your own scripts. It needs a synthesized cloud assembly,
never the project's code.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalStack:
    """`python -m api_sqs_devkit.local` on a cloud assembly, in a process of its own, until
    closed. Routes are named by key ("POST /orders") or path ("/orders"); the first is the
    default."""

    def __init__(
        self,
        cdk_out: Path,
        visibility_timeout: int | None = 3,
        port: int | None = None,
        log_file: Path | None = None,
        environments: int | None = None,
    ) -> None:
        self.cdk_out = Path(cdk_out)
        port = port or free_port()
        self.base = f"http://127.0.0.1:{port}"
        # Its output goes to a file: a pipe nobody reads would fill up and stall it.
        self.output = log_file or self.cdk_out / "local.log"
        command = [sys.executable, "-m", "api_sqs_devkit.local", "--port", str(port)]
        command += ["--cdk-out", str(self.cdk_out)]
        if visibility_timeout is not None:
            command += ["--visibility-timeout", str(visibility_timeout)]
        if environments is not None:
            command += ["--environments", str(environments)]
        # The package as this process imports it, installed or not.
        package_root = str(Path(__file__).resolve().parents[2])
        paths = [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        with self.output.open("w") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=environment
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while "stats:" not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the local stack did not start:\n{self.log()}")
            time.sleep(0.1)
        self.banner = self.log()
        self.info = self.get("/_local/info")
        self.routes = {route["key"]: route for route in self.info["routes"]}
        self.api_key = self.info["api_key"]
        self.region = self.info["region"]
        self.credentials = Credentials(self.info["access_key"], self.info["secret_key"])
        self.aws_endpoint = self.info["aws_endpoint"]  # moto's server: queues and tables
        self.url = self.info["routes"][0]["url"] if self.info["routes"] else self.base

    def log(self) -> str:
        return self.output.read_text(errors="replace")

    def close(self) -> int:
        """Stop it as Ctrl-C would; its exit status."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def __enter__(self) -> "LocalStack":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def client(self, service: str):
        """A boto3 client of the local AWS (moto's server): "sqs", "dynamodb"."""
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.aws_endpoint,
            aws_access_key_id=self.credentials.access_key,
            aws_secret_access_key=self.credentials.secret_key,
        )

    def route(self, name: str | None = None) -> dict:
        if name is None:
            return self.info["routes"][0]
        for route in self.info["routes"]:
            if name in (route["key"], route["path"], route["url"]):
                return route
        raise KeyError(f"no route {name}; the stack has {', '.join(self.routes)}")

    def token(self, route: str | None = None, **claims) -> str:
        """A token for the route's authorizer, claims replaced as given (None drops one)."""
        if not claims:
            return self.route(route)["token"]
        request = {"route": self.route(route)["key"], "claims": claims}
        return self.request("POST", f"{self.base}/_local/token", json.dumps(request).encode())[1][
            "token"
        ]

    def headers(
        self,
        body: bytes = b"",
        content_type: str = "application/json",
        route: str | None = None,
        api_key: bool = True,
    ) -> dict[str, str]:
        """What an allowed caller of the route sends: the authorization it checks, the API key
        it needs (unless api_key is False)."""
        chosen = self.route(route)
        headers = {"Content-Type": content_type}
        if chosen["api_key_required"] and api_key:
            headers["x-api-key"] = self.api_key
        if chosen["authorization"] == "AWS_IAM":
            request = AWSRequest(
                method=chosen["method"], url=chosen["url"], data=body, headers=headers
            )
            SigV4Auth(self.credentials, "execute-api", self.region).add_auth(request)
            return dict(request.headers)
        if chosen["token"]:
            headers["Authorization"] = f"Bearer {chosen['token']}"
        return headers

    def request(
        self, method: str, url: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, object]:
        """Status and answer (JSON when it is JSON, text otherwise)."""
        status, _, answer = self.exchange(method, url, body, headers)
        return status, answer

    def exchange(
        self, method: str, url: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], object]:
        """Status, response headers (names in lower case) and answer."""
        request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, answer_headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, raw = error.code, error.headers, error.read()
        names = {name.lower(): value for name, value in answer_headers.items()}
        text = raw.decode("utf-8", errors="replace")
        try:
            return status, names, json.loads(text)
        except ValueError:
            return status, names, text

    def get(self, path: str) -> dict:
        return self.request("GET", self.base + path)[1]

    def call(
        self, body: bytes, headers: dict[str, str] | None = None, route: str | None = None
    ) -> tuple[int, object]:
        """Send the body to the route (the first by default) as an allowed caller, unless
        headers are given; the status and the answer."""
        chosen = self.route(route)
        headers = self.headers(body, route=route) if headers is None else headers
        return self.request(chosen["method"], chosen["url"], body, headers)

    def post(
        self, body: bytes, headers: dict[str, str] | None = None, route: str | None = None
    ) -> int:
        """Send the body to the route; the status code."""
        return self.call(body, headers, route)[0]

    def send(self, bodies: list[bytes], clients: int = 16, route: str | None = None) -> list[int]:
        """Many allowed requests at once; their status codes, in order."""
        with ThreadPoolExecutor(max_workers=clients) as pool:
            return list(pool.map(lambda body: self.post(body, route=route), bodies))

    def stats(self) -> dict:
        return self.get("/_local/stats")

    def settle(self, timeout: float = 120) -> dict:
        """Wait until every accepted message is processed or in a dead-letter queue; the final
        stats."""
        deadline = time.monotonic() + timeout
        ahead = 0  # a message can be processed before its request is counted: allow a moment
        while time.monotonic() < deadline:
            now = self.stats()
            finished = now["processed"] + now["in_dlq"]
            ahead = ahead + 1 if finished > now["accepted"] else 0
            if ahead > 5:
                raise AssertionError(f"more finished than accepted: a duplicate? {now}")
            if finished == now["accepted"] and now["in_queue"] == now["in_flight"] == 0:
                return now
            time.sleep(0.1)
        raise TimeoutError(f"the pipeline did not settle: {self.stats()}")
