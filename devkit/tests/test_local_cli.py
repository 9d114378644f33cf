"""The emulator as a command: the stage throttle, a REST API's Cognito authorizer, one-line
errors, Ctrl-C, and the benchmark."""

import json
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from api_sqs_devkit.assembly import read_service
from api_sqs_devkit.local import benchmark
from assemblies import COGNITO_ISSUER, FixtureQueue, write_assembly

RATE, BURST = 2, 4


@pytest.fixture(scope="module")
def throttled(local_stack):
    """A REST API with a Cognito authorizer and a stage throttle of 2 requests/s, burst 4."""
    return local_stack(
        api="rest",
        auth="jwt",
        rate_limit=RATE,
        burst_limit=BURST,
        queues=[FixtureQueue("orders", max_concurrency=1)],
    )


def test_a_burst_above_the_stage_throttle_is_answered_with_429(throttled):
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(throttled.call, [b'{"burst": true}'] * 30))
    elapsed = time.monotonic() - started
    assert {status for status, _ in answers} == {200, 429}
    assert {json.dumps(body) for status, body in answers if status == 429} == {
        json.dumps({"message": "Too Many Requests"})
    }
    accepted = [status for status, _ in answers].count(200)
    assert BURST <= accepted <= BURST + RATE * elapsed + 1
    assert throttled.stats()["accepted"] == accepted
    assert throttled.settle(timeout=60)["processed"] == accepted


def test_a_cognito_authorizer_takes_the_pool_s_id_tokens_only(throttled):
    time.sleep(BURST / RATE)  # the bucket full again
    token = throttled.token()
    assert throttled.info["routes"][0]["authorization"] == "COGNITO_USER_POOLS"
    assert throttled.get("/.well-known/openid-configuration")["issuer"] == COGNITO_ISSUER
    assert throttled.post(b'{"cognito": true}') == 200
    refused = (401, {"message": "Unauthorized"})
    for bad in (
        throttled.token(token_use="access"),
        throttled.token(iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"),
        throttled.token(exp=int(time.time()) - 1),
        token[:-6] + "AAAAAA",
    ):
        headers = {"Content-Type": "application/json", "Authorization": bad}
        assert throttled.call(b"{}", headers) == refused


def test_ctrl_c_stops_it_cleanly(throttled):
    throttled.process.send_signal(signal.SIGINT)
    assert throttled.process.wait(timeout=30) == 0
    assert "stopping" in throttled.log()
    assert "Traceback" not in throttled.log()


def run_local(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api_sqs_devkit.local", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_assembly_is_one_line_and_no_traceback(tmp_path):
    result = run_local("--cdk-out", str(tmp_path / "cdk.out"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: no cloud assembly in")
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_one_line(tmp_path):
    cdk_out = write_assembly(tmp_path / "cdk.out", api="http")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_local("--cdk-out", str(cdk_out), "--port", str(taken.getsockname()[1]))
    assert result.returncode == 1
    assert "error: cannot listen on 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_benchmark_runs_on_a_cloud_assembly(tmp_path, capsys):
    cdk_out = write_assembly(tmp_path / "cdk.out", api="http", rate_limit=1, burst_limit=1)
    code = benchmark.main(["--cdk-out", str(cdk_out), "--messages", "12", "--batch-sizes", "5"])
    output = capsys.readouterr().out
    assert code == 0, output
    (row,) = [line.split() for line in output.splitlines() if line.strip().startswith("5 ")]
    assert row[:2] == ["5", "12"]  # all processed: the copy's throttle does not limit intake


def test_the_benchmark_keeps_a_fifo_consumer_s_batches_to_10(tmp_path):
    """Lambda takes batches of at most 10 from a FIFO queue: batch size 100 runs as 10."""
    queues = [FixtureQueue("orders"), FixtureQueue("ledger", fifo=True)]
    cdk_out = write_assembly(tmp_path / "cdk.out", queues=queues)
    copy = benchmark.assembly_with(cdk_out, tmp_path / "copy", 100)
    sizes = {c.queue.name: c.batch_size for c in read_service(copy).consumers}
    assert sizes == {"demo-dev-orders": 100, "demo-dev-ledger.fifo": 10}
