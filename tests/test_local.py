"""From a fresh bake: cdk synth, start the local stack, and a user's curl goes through."""

import contextlib
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from .bakery import bake_ok, run_env, synth

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


def stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_local/stats", timeout=10) as answer:
        return json.loads(answer.read())


@contextlib.contextmanager
def local_stack(project, tmp_path):
    """`python -m orders_ingest.local` in the bake, as `make local` runs it: (port, banner)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_file = tmp_path / "local.log"
    log = log_file.open("w")
    local = subprocess.Popen(
        [sys.executable, "-m", "orders_ingest.local", "--port", str(port)]
        + ["--visibility-timeout", "1"],
        cwd=project,
        env=run_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while "stats:" not in log_file.read_text():
            assert local.poll() is None and time.monotonic() < deadline, log_file.read_text()
            time.sleep(0.2)
        yield port, log_file.read_text()
    finally:
        local.terminate()
        assert local.wait(timeout=30) == 0
        log.close()


def status_of(command: str) -> str:
    """The HTTP status a curl command line gets."""
    written = " --silent --output /dev/null --write-out '%{http_code}'"
    return subprocess.run(command + written, shell=True, capture_output=True, text=True).stdout


def test_signed_curl_is_processed_and_poison_reaches_the_dlq(cookies, tmp_path):
    project = bake_ok(cookies, dlq_retries="2")
    synth(project)  # cdk synth with the CLI, as the README says
    with local_stack(project, tmp_path) as (port, _):
        curl = [
            "curl", "--silent", f"http://127.0.0.1:{port}/messages",
            "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", "testing:testing",
            "--header", "Content-Type: application/json",
        ]  # fmt: skip
        good = subprocess.run([*curl, "--data", '{"orderId": "1234"}'], capture_output=True)
        assert "MessageId" in json.loads(good.stdout)
        poison = subprocess.run([*curl, "--data", "[1, 2]"], capture_output=True)
        assert "MessageId" in json.loads(poison.stdout)
        assert status_of(f"curl http://127.0.0.1:{port}/messages --data '{{}}'") == "403"
        deadline = time.monotonic() + 60
        while (now := stats(port))["in_dlq"] < 1 or now["processed"] < 1:
            assert time.monotonic() < deadline, now
            time.sleep(0.5)
        assert (now["accepted"], now["processed"], now["in_dlq"]) == (2, 1, 1)
        assert now["failed"] == 2  # dlq_retries receives, then the DLQ


def test_printed_curl_reaches_a_keyed_rest_api_and_invalid_bodies_do_not(cookies, tmp_path):
    project = bake_ok(cookies, api_type="rest", api_keys=True)
    synth(project)
    with local_stack(project, tmp_path) as (port, banner):
        (printed,) = re.findall(r"call it:  (curl .*)", banner)
        assert f"http://127.0.0.1:{port}/dev/messages" in printed
        sent = subprocess.run(printed + " --silent", shell=True, capture_output=True, text=True)
        assert set(json.loads(sent.stdout)) == {"messageId"}
        assert status_of(printed.replace('{"orderId": "1234"}', "[1, 2]")) == "400"
        without_key = re.sub(r" --header 'x-api-key: [^']+'", "", printed)
        assert without_key != printed
        assert status_of(without_key) == "403"
        deadline = time.monotonic() + 60
        while stats(port)["processed"] < 1:
            assert time.monotonic() < deadline, stats(port)
            time.sleep(0.5)
        assert (stats(port)["accepted"], stats(port)["in_dlq"]) == (1, 0)
