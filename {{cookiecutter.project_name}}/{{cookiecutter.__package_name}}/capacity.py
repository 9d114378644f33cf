"""What the service can take, how fast it drains, and how long it may wait: from its settings.

    python -m {{ cookiecutter.__package_name }}.capacity [--handler-seconds 0.5] [--stage prod]
                                        [--markdown]

On paper, not measured: the intake is the API's throttle, the drain rate is what the consumer
clears when every invocation takes --handler-seconds for a full batch. Each figure names the
setting that sets it and the AWS quota that bounds it. Exits 1 when the settings cannot keep up.
Standard library only, like the settings it reads.
"""

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from .settings import SettingError, Settings, settings_of_stage

CDK_JSON = Path(__file__).parents[1] / "cdk.json"
HOUR = 3600
# How long one invocation takes for a full batch, unless told: measure yours (the consumer's
# Duration metric, p99) and pass it.
DEFAULT_HANDLER_SECONDS = 0.5

# AWS's default quotas per account and region (most can be raised through Service Quotas).
API_ACCOUNT_RATE = 10_000  # requests per second over every API Gateway API of the account
LAMBDA_ACCOUNT_CONCURRENCY = 1_000  # concurrent executions shared by every function
SQS_EVENT_SOURCE_CONCURRENCY = 1_250  # most invocations Lambda runs for one SQS event source
SQS_IN_FLIGHT = 120_000  # received, not yet deleted messages of a standard queue


@dataclass(frozen=True)
class Capacity:
    settings: Settings
    handler_seconds: float  # one invocation, a full batch

    @property
    def intake_per_second(self) -> int:
        return self.settings.api_throttling

    @property
    def drain_per_second(self) -> float:
        concurrency = min(self.settings.lambda_concurrency, SQS_EVENT_SOURCE_CONCURRENCY)
        return concurrency * self.settings.batch_size / self.handler_seconds

    @property
    def headroom_per_second(self) -> float:
        return self.drain_per_second - self.intake_per_second

    def drain_seconds(self, backlog: float, *, intake_continues: bool) -> float:
        """How long a backlog takes to clear; infinite when it cannot."""
        rate = self.headroom_per_second if intake_continues else self.drain_per_second
        return backlog / rate if rate > 0 else math.inf

    @property
    def max_downtime_seconds(self) -> float:
        """How long the consumer may stop with the API at full intake, so that once it is back
        even the oldest message is processed before the queue's retention expires it: the
        downtime T and the catch-up I*T/(D-I) must fit in the retention R, so T <= R(D-I)/D."""
        if self.headroom_per_second <= 0:
            return 0.0
        retention = self.settings.queue_retention * 24 * HOUR
        return retention * self.headroom_per_second / self.drain_per_second

    @property
    def warnings(self) -> list[str]:
        found = []
        if self.headroom_per_second <= 0:
            found.append(
                f"the consumer drains {self.drain_per_second:g} messages/s, not more than the"
                f" {self.intake_per_second} the API accepts: at full intake the backlog grows"
                " until messages expire. Raise lambda_concurrency or batch_size, or make the"
                " handler faster"
            )
        in_flight = self.settings.lambda_concurrency * self.settings.batch_size
        if in_flight > SQS_IN_FLIGHT:
            found.append(
                f"{in_flight} messages in flight at full concurrency: a standard queue allows"
                f" {SQS_IN_FLIGHT}; lower batch_size or lambda_concurrency"
            )
        if self.handler_seconds > self.settings.consumer_timeout_seconds:
            found.append(
                f"an invocation of {self.handler_seconds:g} s is longer than the consumer's"
                f" timeout ({self.settings.consumer_timeout_seconds} s): every batch would fail"
            )
        return found

    def rows(self) -> list[tuple[str, str, str]]:
        """(figure, value, what sets it and the AWS quota that bounds it)"""
        s = self.settings
        hour_of_intake = self.intake_per_second * HOUR
        once_stopped = duration(self.drain_seconds(hour_of_intake, intake_continues=False))
        going_on = duration(self.drain_seconds(hour_of_intake, intake_continues=True))
        return [
            (
                "sustained intake",
                f"{self.intake_per_second} messages/s (bursts of {s.api_burst})",
                f"api_throttling; API Gateway allows {API_ACCOUNT_RATE} requests/s per account"
                " and region, shared by all its APIs",
            ),
            (
                "drain rate",
                f"{self.drain_per_second:g} messages/s"
                f" ({s.lambda_concurrency} x {s.batch_size} / {self.handler_seconds:g} s)",
                f"lambda_concurrency x batch_size / handler time; Lambda allows"
                f" {LAMBDA_ACCOUNT_CONCURRENCY} concurrent executions per account and region"
                f" (shared) and {SQS_EVENT_SOURCE_CONCURRENCY} per SQS event source",
            ),
            (
                "backlog of one hour at full intake",
                f"{hour_of_intake} messages: drained in {once_stopped} once intake stops,"
                f" {going_on} while it goes on at full rate",
                f"drain rate and headroom; a standard queue holds any backlog, with at most"
                f" {SQS_IN_FLIGHT} messages in flight",
            ),
            (
                "consumer may be down for",
                f"{duration(self.max_downtime_seconds)} at full intake, before a message expires",
                f"queue_retention ({s.queue_retention} days, SQS allows 14) and the headroom",
            ),
        ]


def duration(seconds: float) -> str:
    if math.isinf(seconds):
        return "never"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * HOUR:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * HOUR:
        return f"{seconds / HOUR:.1f} h"
    return f"{seconds / (24 * HOUR):.1f} days"


def markdown(capacity: Capacity) -> str:
    lines = ["| figure | value | set by, and bounded by |", "|---|---|---|"]
    lines += [f"| {figure} | {value} | {bound} |" for figure, value, bound in capacity.rows()]
    return "\n".join(lines)


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument(
        "--handler-seconds",
        type=float,
        default=DEFAULT_HANDLER_SECONDS,
        help=f"how long one invocation (a full batch) takes ({DEFAULT_HANDLER_SECONDS})",
    )
    arguments.add_argument("--stage", help="stage in cdk.json (default: its stage)")
    arguments.add_argument("--markdown", action="store_true", help="print a Markdown table")
    options = arguments.parse_args()
    if not options.handler_seconds > 0:
        sys.exit(f"error: --handler-seconds={options.handler_seconds}: must be above 0")
    try:
        settings = settings_of_stage(json.loads(CDK_JSON.read_text())["context"], options.stage)
    except SettingError as error:
        sys.exit(f"error: {error}")
    capacity = Capacity(settings, options.handler_seconds)
    if options.markdown:
        print(markdown(capacity))
    else:
        print(f"{settings.names.stack}, one invocation taking {options.handler_seconds:g} s:")
        for figure, value, bound in capacity.rows():
            print(f"  {figure + ':':<36} {value}\n  {'':<36} ({bound})")
    for warning in capacity.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 1 if capacity.headroom_per_second <= 0 else 0


if __name__ == "__main__":
    sys.exit(main())
