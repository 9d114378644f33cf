"""From a fresh bake: cdk synth, start the local stack, and a user's signed curl goes through."""

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from .bakery import bake_ok, run_env, synth


def stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_local/stats", timeout=10) as answer:
        return json.loads(answer.read())


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_signed_curl_is_processed_and_poison_reaches_the_dlq(cookies, tmp_path):
    project = bake_ok(cookies, dlq_retries="2")
    synth(project)  # cdk synth with the CLI, as the README says
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "local.log").open("w")
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
        while "stats:" not in (tmp_path / "local.log").read_text():
            assert local.poll() is None and time.monotonic() < deadline, (
                tmp_path / "local.log"
            ).read_text()
            time.sleep(0.2)
        curl = [
            "curl", "--silent", f"http://127.0.0.1:{port}/messages",
            "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", "testing:testing",
            "--header", "Content-Type: application/json",
        ]  # fmt: skip
        good = subprocess.run([*curl, "--data", '{"orderId": "1234"}'], capture_output=True)
        assert "MessageId" in json.loads(good.stdout)
        poison = subprocess.run([*curl, "--data", "[1, 2]"], capture_output=True)
        assert "MessageId" in json.loads(poison.stdout)
        unsigned = subprocess.run(
            ["curl", "--silent", "--output", "/dev/null", "--write-out", "%{http_code}"]
            + [f"http://127.0.0.1:{port}/messages", "--data", "{}"],
            capture_output=True,
            text=True,
        )
        assert unsigned.stdout == "403"
        deadline = time.monotonic() + 60
        while (now := stats(port))["in_dlq"] < 1 or now["processed"] < 1:
            assert time.monotonic() < deadline, now
            time.sleep(0.5)
        assert (now["accepted"], now["processed"], now["in_dlq"]) == (2, 1, 1)
        assert now["failed"] == 2  # dlq_retries receives, then the DLQ
    finally:
        local.terminate()
        assert local.wait(timeout=30) == 0
        log.close()
