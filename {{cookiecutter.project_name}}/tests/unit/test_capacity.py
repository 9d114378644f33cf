"""Capacity on paper: intake, drain rate, backlog and downtime from the settings."""

import math
import subprocess
import sys

import pytest

from {{ cookiecutter.__package_name }}.capacity import HOUR, Capacity, markdown
from {{ cookiecutter.__package_name }}.settings import Settings

DAY = 24 * HOUR


def capacity(settings, handler_seconds=0.5, **changed) -> Capacity:
    return Capacity(Settings.from_values({**vars(settings), **changed}), handler_seconds)


def test_drain_rate_is_concurrency_times_batch_over_handler_time(settings):
    plan = capacity(settings, 0.5, lambda_concurrency=10, batch_size=10, api_throttling=100)
    assert plan.drain_per_second == 200
    assert plan.headroom_per_second == 100


def test_a_backlog_drains_at_the_drain_rate_or_the_headroom(settings):
    plan = capacity(settings, 0.5, lambda_concurrency=10, batch_size=10, api_throttling=100)
    assert plan.drain_seconds(36_000, intake_continues=False) == 180
    assert plan.drain_seconds(36_000, intake_continues=True) == 360


def test_the_longest_downtime_still_processes_every_message_before_it_expires(settings):
    plan = capacity(settings, 0.5, lambda_concurrency=10, batch_size=10, api_throttling=100)
    retention = plan.settings.queue_retention * DAY
    downtime = plan.max_downtime_seconds
    # Down for T at full intake, then the backlog I*T drains at the headroom D-I: together R.
    catch_up = plan.drain_seconds(plan.intake_per_second * downtime, intake_continues=True)
    assert math.isclose(downtime + catch_up, retention)
    assert 0 < downtime < retention


def test_settings_that_cannot_keep_up_are_said_so(settings):
    plan = capacity(settings, 2.0, lambda_concurrency=2, batch_size=1, api_throttling=100)
    assert plan.headroom_per_second < 0
    assert plan.max_downtime_seconds == 0
    assert math.isinf(plan.drain_seconds(1000, intake_continues=True))
    (warning,) = plan.warnings
    assert warning.startswith("the consumer drains 1 messages/s, not more than the 100")


@pytest.mark.parametrize(
    ("changed", "handler_seconds", "warned"),
    [
        ({"lambda_concurrency": 1000, "batch_size": 1000}, 0.5, "a standard queue allows 120000"),
        ({"batch_size": 10}, 45.0, "longer than the consumer's timeout (30 s)"),
    ],
)
def test_limits_of_sqs_and_lambda_are_warned_about(settings, changed, handler_seconds, warned):
    plan = capacity(settings, handler_seconds, **changed)
    assert any(warned in warning for warning in plan.warnings), plan.warnings


def test_the_markdown_table_names_every_figure_and_its_bound(settings):
    table = markdown(capacity(settings))
    rows = table.splitlines()
    assert rows[0] == "| figure | value | set by, and bounded by |"
    assert len(rows) == 2 + 4
    assert "10000 requests/s per account and region" in table  # API Gateway
    assert "1000 concurrent executions" in table  # Lambda
    assert "queue_retention" in table


def test_the_command_fails_when_the_consumer_cannot_keep_up():
    run = [sys.executable, "-m", "{{ cookiecutter.__package_name }}.capacity"]
    slow = subprocess.run([*run, "--handler-seconds", "1000"], capture_output=True, text=True)
    assert slow.returncode == 1
    assert "warning: the consumer drains" in slow.stderr
    bad = subprocess.run([*run, "--handler-seconds", "0"], capture_output=True, text=True)
    assert (bad.returncode, bad.stderr.strip()) == (
        1,
        "error: --handler-seconds=0.0: must be above 0",
    )
