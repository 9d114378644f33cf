"""Capacity on paper: intake, drain rate, backlog and downtime, from plain numbers or from the
cloud assembly. Every expected figure is worked out by hand in the comments."""

import math
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from api_sqs_devkit.assembly import read_service
from api_sqs_devkit.capacity import (
    REDUCED_QUOTA_REGIONS,
    Capacity,
    CapacityInputs,
    api_account_quota,
    default_region,
    duration,
    effective_batch_size,
    main,
    markdown,
    resolve_region,
)
from assemblies import FixtureQueue, FixtureRoute, write_assembly

SRC = Path(__file__).parents[1] / "src"
DAY = 86_400
# A project's defaults: 100 requests/s, batches of 10, 10 at once, 30 s timeout, 4 days.
DEFAULTS = {
    "api_rate_limit": 100,
    "api_burst_limit": 200,
    "batch_size": 10,
    "batching_window_seconds": 0,
    "max_concurrency": 10,
    "consumer_timeout_seconds": 30,
    "visibility_timeout_seconds": 180,
    "queue_retention_seconds": 4 * DAY,
    "max_receive_count": 5,
    "handler_seconds": 0.5,
}


@pytest.fixture(autouse=True)
def no_region_around(monkeypatch, tmp_path):
    """The command looks for a Region in the environment and AWS's configuration: none here,
    unless a test sets one."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))


def capacity(**changed) -> Capacity:
    return Capacity(CapacityInputs(**{**DEFAULTS, **changed}))


def test_drain_rate_is_concurrency_times_batch_over_handler_time():
    plan = capacity()
    assert plan.drain_per_second == 200  # 10 x 10 / 0.5
    assert plan.headroom_per_second == 100  # 200 - 100
    assert plan.keeps_up


def test_without_a_maximum_concurrency_the_accounts_concurrency_drains():
    plan = capacity(max_concurrency=None)
    assert plan.concurrency == 1000
    assert plan.drain_per_second == 20_000  # 1000 x 10 / 0.5


def test_a_backlog_drains_at_the_drain_rate_or_the_headroom():
    plan = capacity()
    assert plan.drain_seconds(36_000, intake_continues=False) == 180  # 36000 / 200
    assert plan.drain_seconds(36_000, intake_continues=True) == 360  # 36000 / 100


def test_the_longest_downtime_still_processes_every_message_before_it_expires():
    plan = capacity()
    # T = R (D - I) / D = 345600 x 100 / 200; its backlog 100 T drains at 100/s in T again.
    assert plan.max_downtime_seconds == 172_800
    catch_up = plan.drain_seconds(plan.intake_per_second * 172_800, intake_continues=True)
    assert catch_up + 172_800 == 4 * DAY


def test_settings_that_cannot_keep_up_are_said_so():
    plan = capacity(max_concurrency=2, batch_size=1, handler_seconds=2.0)
    assert plan.drain_per_second == 1  # 2 x 1 / 2
    assert plan.headroom_per_second == -99
    assert not plan.keeps_up
    assert plan.max_downtime_seconds == 0
    assert math.isinf(plan.drain_seconds(1000, intake_continues=True))
    assert plan.warnings == [
        "the consumer drains 1 messages/s, not more than the 100 the API accepts: at full intake"
        " the backlog grows until messages expire. Raise the maximum concurrency or the batch"
        " size, or make the handler faster"
    ]


@pytest.mark.parametrize(
    ("changed", "warned"),
    [
        # 1000 x 1000 in flight
        ({"max_concurrency": 1000, "batch_size": 1000}, "a queue allows 120000"),
        (
            {"handler_seconds": 45.0, "max_concurrency": 1000},
            "longer than the consumer's timeout (30 s)",
        ),
        # 6 x 30 + 0 = 180
        ({"visibility_timeout_seconds": 179}, "(179 s) is below 6 x the consumer's timeout"),
        # 6 x 30 + 5 = 185
        ({"batching_window_seconds": 5}, "plus the batching window (185 s)"),
    ],
)
def test_limits_of_sqs_and_lambda_are_warned_about(changed, warned):
    assert capacity().warnings == []
    plan = capacity(**changed)
    assert len(plan.warnings) == 1
    assert warned in plan.warnings[0]


def test_inputs_that_cannot_be_computed_are_refused():
    with pytest.raises(ValueError, match="handler_seconds=0: must be above 0"):
        capacity(handler_seconds=0)
    with pytest.raises(ValueError, match="batch_size=0: must be at least 1"):
        capacity(batch_size=0)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (119, "119 s"),
        (120, "2 min"),
        (7199, "120 min"),
        (7200, "2.0 h"),
        (172_799, "48.0 h"),
        (172_800, "2.0 days"),
        (math.inf, "never"),
    ],
)
def test_durations_are_shown_in_the_unit_that_reads_best(seconds, shown):
    assert duration(seconds) == shown


def test_the_markdown_table_names_every_figure_and_its_bound():
    rows = markdown(capacity()).splitlines()
    assert rows[:2] == ["| figure | value | set by, and bounded by |", "|---|---|---|"]
    values = {row.split(" | ")[0][2:]: row.split(" | ")[1] for row in rows[2:]}
    assert values == {
        "sustained intake": "100 messages/s (bursts of 200)",
        "drain rate": "200 messages/s (10 x 10 / 0.5 s)",
        # 100 x 0.5 / 10 = 5 invocations at once drain the intake: the 5 Lambda starts with
        "scale-up from idle": (
            "none: it starts with 5 concurrent invocations; 5 drain the full intake"
        ),
        # 360000 / 200 = 1800 s; 360000 / (200 - 100) = 3600 s
        "backlog of one hour at full intake": (
            "360000 messages: drained in 30 min once intake stops, 60 min while it goes on at"
            " full rate"
        ),
        "consumer may be down for": "2.0 days at full intake, before a message expires",
        "a batch waits to fill": "not at all: batches go as messages arrive",
        # 10 x (262144 + 1024) = 2631680 bytes = 2.5 MB of 6291456
        "a batch of the largest messages": (
            "fits in one invocation: 10 x 263168 bytes (2.5 MB) of Lambda's 6.0 MB"
        ),
        "a failed message": (
            "received again after 180 s, 5 receives in all, then moved to the dead-letter queue"
        ),
    }
    table = "\n".join(rows)
    assert "10000 requests/s per account and region" in table  # API Gateway
    assert "1000 concurrent executions" in table  # Lambda
    assert "the queue's retention (4 days, SQS allows 14)" in table
    assert "at least 6 x the consumer's timeout plus the batching window: 180 s" in table


def test_a_batching_window_and_no_dead_letter_queue_are_shown():
    values = [
        row.split(" | ")[1]
        for row in markdown(
            capacity(batching_window_seconds=20, max_receive_count=None)
        ).splitlines()[2:]
    ]
    assert "up to 20 s" in values
    assert "received again after 180 s until it expires" in values


def values_of(plan: Capacity) -> dict[str, str]:
    return {figure: value for figure, value, _ in plan.rows()}


def test_a_fifo_queue_takes_300_sends_a_second_and_says_so():
    plan = capacity(fifo=True, api_rate_limit=1000, max_concurrency=100)
    assert plan.intake_per_second == 300
    assert plan.headroom_per_second == 1700  # 100 x 10 / 0.5 - 300
    figures = {figure: (value, bound) for figure, value, bound in plan.rows()}
    value, bound = figures["sustained intake"]
    assert (
        value
        == "300 messages/s, bounded by the FIFO queue (the API lets 1000 through, bursts of 200)"
    )
    assert "a FIFO queue takes 300 SendMessage calls/s" in bound
    assert "high throughput mode is not enabled" in bound
    assert "at most the number of message groups" in figures["drain rate"][1]
    assert figures["a batch waits to fill"][0] == (
        "not at all: Lambda has no batching window on a FIFO queue"
    )


def test_below_300_a_second_a_fifo_queue_takes_what_the_api_lets_through():
    plan = capacity(fifo=True, api_rate_limit=250)
    assert plan.intake_per_second == 250
    assert values_of(plan)["sustained intake"] == "250 messages/s (bursts of 200)"


def test_a_fifo_consumer_that_cannot_keep_up_with_the_queue_is_warned_about():
    plan = capacity(fifo=True, api_rate_limit=5000)  # drains 200 of the 300 SQS takes
    assert not plan.keeps_up
    assert plan.warnings[0].startswith(
        "the consumer drains 200 messages/s, not more than the 300 the FIFO queue takes"
    )


def test_a_batch_of_the_largest_messages_above_lambda_s_payload_says_how_many_fit():
    # 6291456 // (1048576 + 1024) = 5; 10 x 1049600 = 10496000 bytes = 10.0 MB
    plan = capacity(max_message_bytes=1_048_576)
    assert plan.largest_messages_per_invocation == 5
    assert effective_batch_size(10, 1_048_576) == 5
    # The drain rate counts the 5 that fit: 10 at once x 5 / 0.5 s = 100, not 10 x 10 / 0.5.
    assert plan.drain_per_second == 100
    assert values_of(plan)["drain rate"] == "100 messages/s (10 x 5 / 0.5 s)"
    assert values_of(plan)["a batch of the largest messages"] == (
        "5 of them in one invocation, not 10: 10 x 1049600 bytes (10.0 MB) is above Lambda's 6.0 MB"
    )
    # 23 x 263168 = 6052864 fits; 24 x 263168 = 6316032 does not
    assert capacity(batch_size=23).largest_messages_per_invocation == 23
    assert capacity(batch_size=24).largest_messages_per_invocation == 23


def test_inputs_come_from_the_assembly_one_per_consumer_queue(tmp_path):
    cdk_out = write_assembly(
        tmp_path,
        queues=[
            FixtureQueue("orders", batch_size=50, batching_window=2, visibility_timeout=70),
            FixtureQueue("refunds", max_concurrency=None, max_receive_count=3, timeout=20),
        ],
        routes=[
            FixtureRoute("/orders", "orders"),
            FixtureRoute("/orders/bulk", "orders"),
            FixtureRoute("/refunds", "refunds"),
        ],
        rate_limit=40,
        burst_limit=80,
    )
    plans = CapacityInputs.from_service(read_service(cdk_out), handler_seconds=2.0)
    assert plans == {
        "demo-dev-orders": CapacityInputs(
            api_rate_limit=80,  # two routes of 40
            api_burst_limit=160,
            batch_size=50,
            batching_window_seconds=2,
            max_concurrency=2,
            consumer_timeout_seconds=10,
            visibility_timeout_seconds=70,
            queue_retention_seconds=345_600,
            max_receive_count=2,
            handler_seconds=2.0,
        ),
        "demo-dev-refunds": CapacityInputs(
            api_rate_limit=40,
            api_burst_limit=80,
            batch_size=10,
            batching_window_seconds=0,
            max_concurrency=None,
            consumer_timeout_seconds=20,
            visibility_timeout_seconds=30,
            queue_retention_seconds=345_600,
            max_receive_count=3,
            handler_seconds=2.0,
        ),
    }


def test_a_routes_own_throttle_and_the_account_quota_bound_the_intake(tmp_path):
    cdk_out = write_assembly(
        tmp_path,
        routes=[FixtureRoute("/a", "orders"), FixtureRoute("/b", "orders")],
        rate_limit=8000,
        burst_limit=4000,
    )
    service = read_service(cdk_out)
    (plan,) = CapacityInputs.from_service(service).values()
    # 8000 + 8000 requests/s, 4000 + 4000 burst: above the account's 10000 and 5000.
    assert (plan.api_rate_limit, plan.api_burst_limit) == (10_000, 5_000)
    first, second = service.api.routes
    own = replace(first, rate_limit=30.0, burst_limit=60)
    service = replace(service, api=replace(service.api, routes=(own, second)))
    (plan,) = CapacityInputs.from_service(service).values()
    assert (plan.api_rate_limit, plan.api_burst_limit) == (8030, 4060)


def test_consumers_sharing_a_queue_get_a_table_each(tmp_path):
    service = read_service(write_assembly(tmp_path))
    (consumer,) = service.consumers
    other = replace(consumer, function_name="demo-dev-audit")
    plans = CapacityInputs.from_service(replace(service, consumers=(consumer, other)))
    assert list(plans) == [
        "demo-dev-orders (demo-dev-orders-consumer)",
        "demo-dev-orders (demo-dev-audit)",
    ]


def test_capacity_needs_the_standard_library_only(tmp_path):
    """The template's hooks import it with no packages installed (-S: no site-packages)."""
    code = (
        f"import sys; sys.path.insert(0, {str(SRC)!r})\n"
        "from api_sqs_devkit.capacity import Capacity, CapacityInputs, markdown\n"
        f"print(markdown(Capacity(CapacityInputs(**{DEFAULTS!r}))).splitlines()[3])\n"
    )
    run = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True)
    assert run.stderr == ""
    assert run.stdout.startswith("| drain rate | 200 messages/s")


def run_main(capsys, *arguments) -> tuple[int | str, str, str]:
    try:
        status = main(list(arguments))
    except SystemExit as stopped:
        status = stopped.code
    shown = capsys.readouterr()
    return status, shown.out, shown.err


def test_the_command_prints_a_table_per_consumer_queue(tmp_path, capsys):
    cdk_out = write_assembly(
        tmp_path,
        queues=[
            FixtureQueue("orders", max_concurrency=10, visibility_timeout=60),
            FixtureQueue("refunds", max_concurrency=10, visibility_timeout=60),
        ],
        routes=[FixtureRoute("/orders", "orders"), FixtureRoute("/refunds", "refunds")],
    )
    status, out, err = run_main(capsys, "--cdk-out", str(cdk_out))
    assert (status, err) == (0, "")
    assert "demo-dev-queue-stack, queue demo-dev-orders, one invocation taking 0.5 s:" in out
    assert "drain rate:                          200 messages/s (10 x 10 / 0.5 s)" in out
    assert "queue demo-dev-refunds" in out
    status, out, _ = run_main(capsys, "--cdk-out", str(cdk_out), "--markdown")
    assert out.startswith("Queue `demo-dev-orders`:\n\n| figure | value |")
    assert "\n\nQueue `demo-dev-refunds`:\n\n| figure | value |" in out


def test_the_command_fails_when_a_consumer_cannot_keep_up(tmp_path, capsys):
    # 2 at once, batches of 10; 100 requests/s.
    cdk_out = write_assembly(tmp_path, queues=[FixtureQueue("orders", visibility_timeout=60)])
    # 2 x 10 / 0.2 = 100 messages/s: no headroom.
    status, _, err = run_main(capsys, "--cdk-out", str(cdk_out), "--handler-seconds", "0.2")
    assert status == 1
    assert err.startswith("warning: demo-dev-orders: the consumer drains 100 messages/s")
    status, _, err = run_main(capsys, "--cdk-out", str(cdk_out), "--handler-seconds", "0.1")
    assert (status, err) == (0, "")  # 200 messages/s


def test_the_command_fails_when_one_of_several_consumers_cannot_keep_up(tmp_path, capsys):
    cdk_out = write_assembly(
        tmp_path,
        queues=[
            # 1 x 10 / 0.5 = 20 messages/s, 10 x 10 / 0.5 = 200: against 100 each.
            FixtureQueue("orders", max_concurrency=1, visibility_timeout=60),
            FixtureQueue("refunds", max_concurrency=10, visibility_timeout=60),
        ],
        routes=[FixtureRoute("/orders", "orders"), FixtureRoute("/refunds", "refunds")],
    )
    status, _, err = run_main(capsys, "--cdk-out", str(cdk_out))
    assert status == 1
    (warning,) = err.splitlines()
    assert warning.startswith("warning: demo-dev-orders: the consumer drains 20 messages/s")


@pytest.mark.parametrize("seconds", ["0", "-1", "soon", "nan"])
def test_the_command_refuses_a_handler_time_that_is_no_positive_number(tmp_path, capsys, seconds):
    status, _, err = run_main(capsys, "--cdk-out", str(tmp_path), "--handler-seconds", seconds)
    assert status == 2
    assert err.splitlines()[-1].endswith(
        f"error: argument --handler-seconds: must be a number of at least 0.001, not '{seconds}'"
    )


def test_the_command_without_an_assembly_is_one_line(tmp_path, capsys):
    status, _, _ = run_main(capsys, "--cdk-out", str(tmp_path / "cdk.out"))
    assert status.startswith(f"error: no cloud assembly in {tmp_path / 'cdk.out'}")
    assert "\n" not in status


def test_the_command_runs_as_a_module(tmp_path):
    orders = FixtureQueue("orders", max_concurrency=10, visibility_timeout=60)
    write_assembly(tmp_path / "cdk.out", queues=[orders])
    run = subprocess.run(
        [sys.executable, "-m", "api_sqs_devkit.capacity", "--markdown"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(SRC), "PATH": ""},
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.startswith("| figure | value | set by, and bounded by |")


def test_a_fifo_queue_and_its_message_size_come_from_the_assembly(tmp_path):
    cdk_out = write_assembly(
        tmp_path, queues=[FixtureQueue("ledger", fifo=True, maximum_message_size=1_048_576)]
    )
    (plan,) = CapacityInputs.from_service(read_service(cdk_out)).values()
    assert (plan.fifo, plan.max_message_bytes) == (True, 1_048_576)
    (plan,) = CapacityInputs.from_service(read_service(write_assembly(tmp_path / "std"))).values()
    assert (plan.fifo, plan.max_message_bytes) == (False, 262_144)  # SQS's default


# -- Regions ----------------------------------------------------------------------------------


def test_api_gateway_s_quota_depends_on_the_region():
    assert len(REDUCED_QUOTA_REGIONS) == 13
    common = api_account_quota("us-east-1")
    assert (common.rate, common.burst, common.region, common.region_known) == (
        10_000,
        5_000,
        "us-east-1",
        True,
    )
    jakarta = api_account_quota("ap-southeast-3")
    assert (jakarta.rate, jakarta.burst, jakarta.region_known) == (2_500, 1_250, True)
    assert api_account_quota(" EU-SOUTH-1 ").rate == 2_500  # Milan, however it is written
    unknown = api_account_quota(None)
    assert (unknown.rate, unknown.burst, unknown.region_known) == (10_000, 5_000, False)


def test_the_region_s_quota_bounds_the_intake():
    # A throttle of 5000/s, bursts of 4000: us-east-1 lets it all through ...
    plan = capacity(api_rate_limit=5000, api_burst_limit=4000, region="us-east-1")
    assert (plan.intake_per_second, plan.api_burst) == (5000, 4000)
    figures = {figure: (value, bound) for figure, value, bound in plan.rows()}
    assert figures["sustained intake"][0] == "5000 messages/s (bursts of 4000)"
    assert (
        "10000 requests/s (bursts of 5000) per account in us-east-1"
        in (figures["sustained intake"][1])
    )
    # ... Milan (eu-south-1) at most 2500/s, bursts of 1250.
    plan = capacity(api_rate_limit=5000, api_burst_limit=4000, region="eu-south-1")
    assert (plan.intake_per_second, plan.api_burst) == (2500, 1250)
    # 10 at once x 10 / 0.5 s = 200 drained of 2500: 2300/s short.
    assert plan.headroom_per_second == -2300
    value, bound = {figure: (value, bound) for figure, value, bound in plan.rows()}[
        "sustained intake"
    ]
    assert value == "2500 messages/s (bursts of 1250)"
    assert "2500 requests/s (bursts of 1250) per account in eu-south-1" in bound
    assert "the throttle asks for 5000: above the quota" in bound


def test_without_a_region_the_table_says_which_regions_have_less():
    bound = values_and_bounds(capacity())["sustained intake"][1]
    assert "10000 requests/s per account and region in most Regions" in bound
    assert "2500 in af-south-1, ap-south-2," in bound
    assert "the Region is not known, pass --region" in bound


def values_and_bounds(plan: Capacity) -> dict[str, tuple[str, str]]:
    return {figure: (value, bound) for figure, value, bound in plan.rows()}


def test_the_assembly_s_region_or_the_one_given_sets_the_quota(tmp_path):
    cdk_out = write_assembly(tmp_path, rate_limit=8000, burst_limit=4000, region="il-central-1")
    service = read_service(cdk_out)
    (plan,) = CapacityInputs.from_service(service).values()
    # Tel Aviv: 2500/s, bursts of 1250.
    assert (plan.region, plan.api_rate_limit, plan.api_burst_limit) == (
        "il-central-1",
        2500,
        1250,
    )
    (plan,) = CapacityInputs.from_service(service, region="us-west-2").values()
    assert (plan.region, plan.api_rate_limit, plan.api_burst_limit) == ("us-west-2", 8000, 4000)


def test_the_region_comes_from_the_option_the_stack_or_boto3(tmp_path, monkeypatch):
    service = read_service(write_assembly(tmp_path / "agnostic"))
    bound = read_service(write_assembly(tmp_path / "bound", region="eu-west-1"))
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-2")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert resolve_region("ca-west-1", bound) == "ca-west-1"
    assert resolve_region(None, bound) == "eu-west-1"
    assert resolve_region(None, service) == "ap-south-2"  # boto3's default session
    monkeypatch.setenv("AWS_REGION", "eu-south-2")
    assert resolve_region(None, service) == "eu-south-2"
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setitem(sys.modules, "boto3", None)  # not installed: import fails
    assert default_region() is None
    assert resolve_region(None, service) is None


def test_the_command_takes_the_region(tmp_path, capsys):
    cdk_out = write_assembly(
        tmp_path,
        queues=[FixtureQueue("orders", max_concurrency=400, visibility_timeout=60)],
        rate_limit=8000,
        burst_limit=4000,
    )
    status, out, err = run_main(capsys, "--cdk-out", str(cdk_out), "--region", "mx-central-1")
    assert (status, err) == (0, "")
    # Mexico (Central): 2500 of the 8000 asked; 400 x 10 / 0.5 = 8000 drained.
    assert "sustained intake:                    2500 messages/s (bursts of 1250)" in out


# -- scaling modes ----------------------------------------------------------------------------

BUSY = {
    "api_rate_limit": 10_000,
    "api_burst_limit": 5_000,
    "region": "us-east-1",
    "max_concurrency": None,
    "max_message_bytes": 1024,
}


def test_standard_mode_starts_at_5_and_adds_300_a_minute():
    plan = capacity(**BUSY)
    # No maximum concurrency: the account's 1000 (within the event source's 1250).
    assert plan.concurrency == 1000
    assert plan.drain_per_second == 20_000  # 1000 x 10 / 0.5
    # 10000/s x 0.5 s / 10 a batch = 500 at once; from 5, 300 more a minute: 495 / 300 min.
    assert plan.needed_concurrency == 500
    assert plan.scale_up_seconds == pytest.approx(99)  # 1.65 min
    value, bound = values_and_bounds(plan)["scale-up from idle"]
    assert value == "99 s from 5 to 500 concurrent invocations, which drain the full intake"
    assert "starts 5 concurrent invocations and adds up to 300 a minute" in bound
    # With a maximum concurrency of 2000 the event source still runs at most 1250.
    assert capacity(**{**BUSY, "max_concurrency": 2000}).concurrency == 1250


def test_provisioned_mode_starts_at_the_minimum_pollers_and_adds_1000_a_minute():
    plan = capacity(**BUSY, esm_mode="provisioned", minimum_pollers=2, maximum_pollers=200)
    # 200 pollers x 10 = 2000 at once, within the account's 1000.
    assert plan.concurrency == 1000
    # 1000 x 10 / 0.5 = 20000; the pollers read 200 x 1048576 / 1024 = 204800 messages/s.
    assert plan.poller_drain_per_second == 204_800
    assert plan.drain_per_second == 20_000
    # From 2 x 10 = 20 to 500, 1000 more a minute: 480 / 1000 min = 28.8 s.
    assert plan.start_concurrency == 20
    assert plan.scale_up_seconds == pytest.approx(28.8)
    assert values_and_bounds(plan)["scale-up from idle"][0] == (
        "29 s from 20 to 500 concurrent invocations, which drain the full intake"
    )
    # 50 pollers: 50 x 10 = 500 at once; 500 x 10 / 0.5 = 10000, no more than the intake.
    plan = capacity(**BUSY, esm_mode="provisioned", maximum_pollers=50)
    assert (plan.concurrency, plan.drain_per_second, plan.keeps_up) == (500, 10_000, False)
    assert values_and_bounds(plan)["scale-up from idle"][0] == (
        "29 s from 20 to 500 concurrent invocations, which drain all it can, not more than the"
        " intake"
    )
    assert "Raise the maximum pollers" in plan.warnings[0]


def test_provisioned_pollers_read_about_1_mb_a_second_each():
    # AWS's defaults, 2 to 200 pollers; messages of 256 KiB: 200 x 1048576 / 262144 = 800/s,
    # below what 1000 invocations at once clear (1000 x 10 / 0.5 = 20000).
    large = {"esm_mode": "provisioned", "max_concurrency": None, "message_bytes": 262_144}
    plan = capacity(**large, api_rate_limit=500)
    assert plan.inputs.pollers == (2, 200)
    assert plan.drain_per_second == 800
    value, bound = values_and_bounds(plan)["drain rate"]
    assert value == "800 messages/s (200 pollers x about 1 MB/s of messages of 262144 bytes)"
    assert "provisioned mode: 2 to 200 event pollers" in bound
    # Messages of 1 KiB (the default): 200 x 1024 a second, the invocations bound it.
    assert capacity(esm_mode="provisioned", max_concurrency=None).drain_per_second == 20_000
    # 1000 asked of 800 drained: scale up to what drains 800, ceil(800 x 0.5 / 10) = 40 at once,
    # from the 2 x 10 ready: 20 more at 1000 a minute, 1.2 s.
    plan = capacity(**large, api_rate_limit=1000)
    assert (plan.needed_concurrency, plan.scale_up_seconds) == (40, pytest.approx(1.2))


def test_the_drain_row_says_how_to_read_the_account_s_concurrency():
    bound = values_and_bounds(capacity())["drain rate"][1]
    assert "a new account starts with less" in bound
    assert "`aws lambda get-account-settings --query AccountLimit.ConcurrentExecutions`" in bound
    assert "Service Quotas L-B99A9384" in bound


@pytest.mark.parametrize(
    ("changed", "refused"),
    [
        ({"esm_mode": "provisioned"}, "max_concurrency=10 with esm_mode='provisioned'"),
        ({"esm_mode": "on-demand"}, "esm_mode='on-demand': must be one of standard, provisioned"),
        (
            {"esm_mode": "provisioned", "max_concurrency": None, "maximum_pollers": 1},
            "maximum_pollers=1: must be at least the minimum (2)",
        ),
    ],
)
def test_scaling_settings_lambda_refuses_are_refused(changed, refused):
    with pytest.raises(ValueError, match=re.escape(refused)):
        capacity(**changed)


def test_the_scaling_mode_comes_from_the_assembly(tmp_path):
    cdk_out = write_assembly(
        tmp_path,
        queues=[FixtureQueue("orders", max_concurrency=None, pollers=(None, 50))],
    )
    (consumer,) = read_service(cdk_out).consumers
    assert (consumer.esm_mode, consumer.minimum_pollers, consumer.maximum_pollers) == (
        "provisioned",
        2,  # AWS's default
        50,
    )
    (plan,) = CapacityInputs.from_service(read_service(cdk_out)).values()
    assert (plan.esm_mode, plan.minimum_pollers, plan.maximum_pollers) == ("provisioned", 2, 50)
    (plan,) = CapacityInputs.from_service(read_service(write_assembly(tmp_path / "std"))).values()
    assert (plan.esm_mode, plan.minimum_pollers, plan.maximum_pollers) == ("standard", None, None)


def test_the_command_refuses_both_a_maximum_concurrency_and_pollers_in_one_line(tmp_path, capsys):
    cdk_out = write_assembly(tmp_path, queues=[FixtureQueue("orders", pollers=(2, 10))])
    status, _, _ = run_main(capsys, "--cdk-out", str(cdk_out))
    assert status == (
        "error: max_concurrency=2 with esm_mode='provisioned': Lambda takes a maximum"
        " concurrency or provisioned pollers, not both"
    )
