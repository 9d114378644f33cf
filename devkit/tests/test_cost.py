"""Cost on paper: every expected figure is worked out by hand in the comments, with the shipped
us-east-1 prices: HTTP API $1.00 and REST API $3.50 a million requests, SQS $0.40 (FIFO $0.50)
a million requests, Lambda $0.20 a million requests and $0.0000133334 (arm64) or $0.0000166667
(x86_64) a GB-second, DynamoDB $0.625 a million writes, CloudWatch Logs $0.50 a GB, KMS $1 a
key-month and $0.03 for 10,000 requests, alarms $0.10 a month, SQS event pollers $0.00925 an
hour. A month is 730 hours: 2,628,000 s, so 100 messages/s is 262,800,000 messages."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from api_sqs_devkit.assembly import read_service
from api_sqs_devkit.cost import (
    CostInputs,
    Estimate,
    PricesError,
    estimate,
    load_prices,
    main,
    markdown,
    messages_per_invocation,
    text,
)
from assemblies import FixtureQueue, FixtureRoute, FixtureTable, write_assembly

SRC = Path(__file__).parents[1] / "src"
# The default render: HTTP API, standard queue, KMS (3 keys), idempotency, 256 MB arm64,
# batches of 10, 10 at once, messages up to 256 KiB (1 KiB typical), 6 alarms.
DEFAULT = {
    "api_kind": "http",
    "api_rate_limit": 100,
    "fifo": False,
    "batch_size": 10,
    "max_message_bytes": 262_144,
    "memory_mb": 256,
    "architecture": "arm64",
    "handler_seconds": 0.5,
    "max_concurrency": 10,
    "kms": True,
    "kms_keys": 3,
    "idempotency": True,
    "alarms": 6,
}


def inputs(**changed) -> CostInputs:
    return CostInputs(**{**DEFAULT, **changed})


def cost(rate: float, **changed) -> Estimate:
    return estimate(inputs(**changed), rate)


@pytest.fixture(autouse=True)
def no_region_around(monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))


def test_the_default_render_at_100_messages_a_second():
    item = cost(100)
    # 100/s x 0.5 s = 50 arrive while an invocation runs: full batches of 10.
    assert item.messages_per_invocation == 10
    assert item.usage == pytest.approx(
        {
            "api": 262.80,  # 262.8 M requests x $1/M
            # 1 send + 1/10 receive + 1/10 delete = 1.2 requests a message: 315.36 M x $0.40/M
            "sqs": 126.144,
            "lambda_requests": 5.256,  # 26.28 M invocations x $0.20/M
            # 26.28 M x 0.5 s x 256/1024 GB = 3,285,000 GB-s x $0.0000133334
            "lambda_duration": 43.800219,
            "dynamodb": 328.50,  # 2 writes a message: 525.6 M x $0.625/M
            # 408 + 627 bytes a message + 1480 an invocation / 10 = 1183 bytes a message:
            # 262.8 M x 1183 / 1024^3 GB = 289.54 GB x $0.50
            "logs": 144.7706,
        }
    )
    assert item.fixed == pytest.approx(
        {
            "kms_keys": 3.00,  # 3 key-months
            # 2,628,000 s / 300 s x (2 x 1 producer + 1 consumer) = 26,280 x $0.03/10,000
            "kms_requests": 0.07884,
            "alarms": 0.60,  # 6 x $0.10
            # 5 pollers x 2,628,000 s / 20 s = 657,000 receives x $0.40/M
            "idle_polling": 0.2628,
        }
    )
    assert item.total == pytest.approx(915.2124, abs=1e-3)
    # Per million messages: 1.00 + 0.48 + 0.02 + 0.1667 + 1.25 + 0.5509
    assert sum(item.per_million.values()) == pytest.approx(3.4675, abs=1e-4)


def test_the_default_render_at_10_messages_a_second():
    item = cost(10)
    # 10/s x 0.5 s = 5 a batch: twice the invocations, receives and deletes a message.
    assert item.messages_per_invocation == 5
    assert item.usage == pytest.approx(
        {
            "api": 26.28,  # 26.28 M x $1/M
            "sqs": 14.7168,  # (1 + 1/5 + 1/5) x 26.28 M = 36.792 M x $0.40/M
            "lambda_requests": 1.0512,  # 5.256 M x $0.20/M
            "lambda_duration": 8.7600438,  # 5.256 M x 0.125 GB-s x $0.0000133334
            "dynamodb": 32.85,  # 52.56 M writes x $0.625/M
            # 408 + 627 + 1480 / 5 = 1331 bytes: 26.28 M x 1331 / 1024^3 x $0.50
            "logs": 16.288217,
        }
    )
    assert item.per_million == pytest.approx(
        {
            "api": 1.00,
            "sqs": 0.56,
            "lambda_requests": 0.04,
            "lambda_duration": 0.33334,
            "dynamodb": 1.25,
            "logs": 0.6198,
        },
        abs=1e-4,
    )


def test_a_rest_api_costs_3_50_a_million_requests_and_logs_a_longer_line():
    http, rest = cost(100), cost(100, api_kind="rest")
    assert rest.usage["api"] == pytest.approx(919.80)  # 262.8 M x $3.50/M
    # 70 bytes more a request: 262.8 M x 70 / 1024^3 GB x $0.50
    assert rest.usage["logs"] - http.usage["logs"] == pytest.approx(8.5663, abs=1e-4)
    assert cost(10, api_kind="rest").usage["api"] == pytest.approx(91.98)  # 26.28 M x $3.50/M


def test_large_messages_are_metered_by_the_http_api_s_512_kb_and_sqs_s_64_kb():
    # 600 KiB: 2 HTTP API requests of 512 KiB; 10 SQS chunks of 64 KiB to send. The largest
    # messages of 1 MiB leave an effective batch of 5, and a receive of 5 x 600 KiB is 47
    # chunks: 47 / 5 = 9.4 a message, a delete 1/5. 10 + 9.4 + 0.2 = 19.6 requests a message.
    item = cost(100, message_bytes=600 * 1024, max_message_bytes=1_048_576)
    assert item.messages_per_invocation == 5
    assert item.per_million["api"] == pytest.approx(2.00)
    assert item.per_million["sqs"] == pytest.approx(7.84)  # 19.6 x $0.40
    # 100 KiB on a REST API: one request; SQS 2 chunks to send, a receive of 10 x 100 KiB is
    # 16 chunks: 2 + 1.6 + 0.1 = 3.7 requests a message.
    item = cost(100, api_kind="rest", message_bytes=100 * 1024)
    assert item.per_million["api"] == pytest.approx(3.50)
    assert item.per_million["sqs"] == pytest.approx(1.48)  # 3.7 x $0.40


def test_without_kms_there_are_no_key_months_or_data_key_requests():
    item = cost(100, kms=False, kms_keys=0)
    assert set(item.fixed) == {"alarms", "idle_polling"}
    # A longer data key reuse period: 2,628,000 / 3600 x 3 = 2190 requests x $0.03/10,000
    assert cost(100, kms_data_key_reuse_seconds=3600).fixed["kms_requests"] == pytest.approx(
        0.00657
    )


def test_without_idempotency_there_are_no_dynamodb_writes():
    assert "dynamodb" not in cost(100, idempotency=False).usage
    assert cost(100, idempotency=False).total == pytest.approx(915.2124 - 328.50, abs=1e-3)


def test_a_fifo_queue_s_requests_cost_0_50_a_million_and_it_takes_300_sends_a_second():
    item = cost(100, fifo=True)
    assert item.usage["sqs"] == pytest.approx(157.68)  # 315.36 M requests x $0.50/M
    assert item.fixed["idle_polling"] == pytest.approx(0.3285)  # 657,000 x $0.50/M
    # The default rates: the intake (300 of the 1000 the API allows) and a tenth of it.
    assert inputs(fifo=True, api_rate_limit=1000).default_rates == (300, 30)
    assert inputs(api_rate_limit=1000).default_rates == (1000, 100)
    # Milan's quota bounds a throttle of 5000: 2500 and 250.
    assert inputs(api_rate_limit=5000, region="eu-south-1").default_rates == (2500, 250)


def test_x86_64_costs_more_a_gb_second_than_arm64():
    # 3,285,000 GB-s x $0.0000166667 against x $0.0000133334
    assert cost(100, architecture="x86_64").usage["lambda_duration"] == pytest.approx(54.7501, 1e-6)
    assert cost(100).usage["lambda_duration"] == pytest.approx(43.8002, 1e-6)
    # Twice the memory, twice the GB-seconds.
    assert cost(100, memory_mb=512).usage["lambda_duration"] == pytest.approx(87.6004, 1e-6)


def test_provisioned_mode_bills_the_minimum_pollers_and_those_it_scales_to():
    item = cost(100, esm_mode="provisioned", max_concurrency=None, minimum_pollers=2)
    assert item.fixed["pollers_minimum"] == pytest.approx(13.505)  # 2 x 730 h x $0.00925
    # The 2 minimum pollers long-poll: 2 x 2,628,000 / 20 = 262,800 receives x $0.40/M
    assert item.fixed["idle_polling"] == pytest.approx(0.10512)
    # 100/s needs ceil(100 x 0.5 / 10) = 5 at once: one poller's worth, within the minimum.
    assert item.usage["pollers_scaling"] == 0
    # 2000/s: 2000 x 0.5 / 10 = 100 at once, 10 pollers: 8 above the minimum x 730 h x $0.00925
    item = cost(2000, esm_mode="provisioned", max_concurrency=None)
    assert item.usage["pollers_scaling"] == pytest.approx(54.02)
    # ... at most the maximum pollers: 4, so 2 above the minimum.
    item = cost(2000, esm_mode="provisioned", max_concurrency=None, maximum_pollers=4)
    assert item.usage["pollers_scaling"] == pytest.approx(13.505)


def test_a_batching_window_fills_batches_up_to_the_effective_batch():
    # Batches of 100 with a 5 s window; the largest messages (256 KiB) hold 23 an invocation:
    # 6291456 // (262144 + 1024) = 23.
    windowed = inputs(batch_size=100, batching_window_seconds=5)
    assert messages_per_invocation(windowed, 10) == 23  # 50 arrive in 5 s: 23 of them
    assert messages_per_invocation(windowed, 1) == 5  # 1/s x 5 s
    assert messages_per_invocation(windowed, 0.01) == 1  # never less than one
    assert messages_per_invocation(inputs(messages_per_invocation=3), 100) == 3  # as told


def test_a_user_s_prices_file_overrides_the_prices_it_names(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"prices": {"dynamodb.write_request_unit": {"usd": 1.25}}}))
    prices = load_prices(path)
    assert prices.overridden == ("dynamodb.write_request_unit",)
    assert prices.entries["dynamodb.write_request_unit"]["per"] == 1_000_000  # kept
    # 525.6 M writes x $1.25/M; the other lines as shipped.
    item = estimate(inputs(), 100, prices)
    assert item.usage["dynamodb"] == pytest.approx(657.00)
    assert item.usage["api"] == pytest.approx(262.80)
    assert f"dynamodb.write_request_unit from {path}" in markdown(inputs(), prices=prices)


def test_the_shipped_prices_are_dated_and_sourced():
    prices = load_prices()
    assert (prices.region, prices.read) == ("us-east-1", "2026-11-23")
    for name, entry in prices.entries.items():
        assert entry["source"].startswith("https://aws.amazon.com/"), name
        assert entry["usd"] > 0 and entry["per"] >= 1, name


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("{not json", "not JSON (Expecting property name"),
        ("[]", 'expected an object with "prices"'),
        ('{"prices": {"sqs.bulk": {"usd": 1}}}', '"prices"."sqs.bulk": no such price; known:'),
        ('{"prices": {"kms.request": {"usd": -1}}}', "usd must be a number of at least 0"),
        ('{"prices": {"kms.request": {"per": 0}}}', "per must be a number of at least 1"),
        ('{"prices": {"kms.request": {"usd": "3"}}}', "usd must be a number of at least 0"),
        ('{"prices": {"kms.request": {"cost": 3}}}', "expected an object of per, source, unit"),
    ],
)
def test_a_bad_prices_file_is_one_line_and_exit_2(tmp_path, capsys, content, said):
    path = tmp_path / "prices.json"
    path.write_text(content)
    with pytest.raises(PricesError, match="^" + str(path).replace("\\", "\\\\")):
        load_prices(path)
    cdk_out = write_assembly(tmp_path / "cdk.out")
    status, out, err = run_main(capsys, "--cdk-out", str(cdk_out), "--prices", str(path))
    assert (status, out) == (2, "")
    assert err.startswith(f"error: {path}: ")
    assert said in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_missing_prices_file_is_one_line_and_exit_2(tmp_path, capsys):
    status, _, err = run_main(capsys, "--prices", str(tmp_path / "none.json"))
    assert status == 2
    assert err == f"error: {tmp_path / 'none.json'}: cannot read it (No such file or directory)\n"


def test_inputs_come_from_the_assembly(tmp_path):
    cdk_out = write_assembly(
        tmp_path,
        api="rest",
        queues=[
            FixtureQueue(
                "orders", kms=True, kms_data_key_reuse=900, architecture="arm64", table="idem"
            )
        ],
        routes=[FixtureRoute("/orders", "orders")],
        tables=[FixtureTable("idem", kms=True)],
        alarms=6,
        rate_limit=250,
        region="ap-southeast-7",
    )
    assert CostInputs.from_service(read_service(cdk_out), handler_seconds=0.2) == CostInputs(
        api_kind="rest",
        api_rate_limit=250,
        region="ap-southeast-7",
        batch_size=10,
        max_message_bytes=262_144,
        memory_mb=256,
        architecture="arm64",
        handler_seconds=0.2,
        max_concurrency=2,
        kms=True,
        kms_data_key_reuse_seconds=900,
        kms_keys=2,  # the queue's and the table's
        alarms=6,
        idempotency=True,
    )
    plain = CostInputs.from_service(read_service(write_assembly(tmp_path / "plain")))
    assert (plain.api_kind, plain.kms, plain.kms_keys, plain.idempotency, plain.alarms) == (
        "http",
        False,
        0,
        False,
        0,
    )
    assert (plain.architecture, plain.esm_mode) == ("x86_64", "standard")


def test_a_stack_with_two_consumers_is_refused_in_one_line(tmp_path, capsys):
    cdk_out = write_assembly(
        tmp_path,
        queues=[FixtureQueue("orders"), FixtureQueue("refunds")],
        routes=[FixtureRoute("/orders", "orders"), FixtureRoute("/refunds", "refunds")],
    )
    status, _, _ = run_main(capsys, "--cdk-out", str(cdk_out))
    assert status == (
        "error: stack demo-dev-queue-stack has 2 consumers of queues: cost prices a service"
        " with one"
    )


def run_main(capsys, *arguments) -> tuple[int | str, str, str]:
    try:
        status = main(list(arguments))
    except SystemExit as stopped:
        status = stopped.code
    shown = capsys.readouterr()
    return status, shown.out, shown.err


def test_the_command_prints_the_cost_at_the_intake_and_a_tenth_of_it(tmp_path, capsys):
    cdk_out = write_assembly(
        tmp_path,
        queues=[FixtureQueue("orders", kms=True, architecture="arm64", table="idem")],
        tables=[FixtureTable("idem")],
        alarms=6,
    )
    status, out, err = run_main(capsys, "--cdk-out", str(cdk_out))
    assert (status, err) == (0, "")
    assert out.startswith("demo-dev-queue-stack, the consumer of demo-dev-orders:\n")
    assert "At 100 messages/s (262,800,000 a month), USD a month and per million" in out
    assert "At 10 messages/s (26,280,000 a month)" in out
    # 1 key: $1; the rest as in the default render (max concurrency 2: 5 idle pollers).
    assert "  KMS keys (1):" in out
    assert "  DynamoDB writes (idempotency records):" in out
    status, out, _ = run_main(
        capsys, "--cdk-out", str(cdk_out), "--rate", "1000", "--rate", "1", "--markdown"
    )
    assert status == 0
    assert out.startswith(
        "| a month, USD | 1000 messages/s | per million | 1 messages/s | per million |\n"
    )
    # 2,628 M requests x $1/M; 2.628 M x $1/M
    assert "| API Gateway (HTTP API requests) | 2,628.00 | 1.00 | 2.63 | 1.00 |" in out


def test_the_command_takes_the_log_sizes(tmp_path, capsys):
    cdk_out = write_assembly(tmp_path)
    arguments = ["--cdk-out", str(cdk_out), "--rate", "100", "--markdown"]
    status, out, _ = run_main(
        capsys,
        *arguments,
        "--access-log-bytes",
        "0",
        "--invocation-log-bytes",
        "0",
        "--message-log-bytes",
        "1073",
    )
    assert status == 0
    # 262.8 M x 1073 bytes / 1024^3 = 262.63 GB x $0.50 = 131.31; per million 0.4997
    assert "| CloudWatch Logs ingestion | 131.31 | 0.50 |" in out
    assert "Logs: 0 bytes a request, 0 an invocation, 1073 a message." in out


def test_the_markdown_says_what_is_left_out():
    shown = markdown(inputs())
    assert "no free tier" in shown
    assert "Not priced: data transfer, X-Ray, NAT gateways" in shown
    assert "| **in all** | **915.21** | **3.47** | **103.89** | **3.80** |" in shown
    assert "| KMS requests for the queue's data keys (reused 300 s) | 0.08 |" in shown
    assert "Prices in" not in shown
    assert "Prices in eu-west-1 can differ from us-east-1's." in text(inputs(region="eu-west-1"))


def test_cost_needs_the_standard_library_only():
    """The template's hooks import it with no packages installed (-S: no site-packages)."""
    code = (
        f"import sys; sys.path.insert(0, {str(SRC)!r})\n"
        "from api_sqs_devkit.cost import CostInputs, markdown\n"
        f"print(markdown(CostInputs(**{DEFAULT!r})).splitlines()[2])\n"
    )
    run = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True)
    assert run.stderr == ""
    assert run.stdout == "| API Gateway (HTTP API requests) | 262.80 | 1.00 | 26.28 | 1.00 |\n"


def test_the_command_runs_as_a_module(tmp_path):
    write_assembly(tmp_path / "cdk.out")
    run = subprocess.run(
        [sys.executable, "-m", "api_sqs_devkit.cost", "--markdown"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(SRC), "PATH": "", "AWS_CONFIG_FILE": str(tmp_path / "none")},
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.startswith("| a month, USD | 100 messages/s |")
