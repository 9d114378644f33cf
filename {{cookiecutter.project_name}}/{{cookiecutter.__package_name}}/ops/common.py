"""What every tool shares: the deployed names (from cdk.json), AWS clients, and clean failures."""

import argparse
import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from ..settings import ResourceNames, SettingError, settings_of_stage

CDK_JSON = Path(__file__).parents[2] / "cdk.json"
# The exit status of a command stopped by Ctrl-C, as shells report it.
INTERRUPTED = 130


class ToolError(Exception):
    """Something the operator must fix; its text is the one line shown."""


def parser(description: str) -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(description=description)
    arguments.add_argument(
        "--stage", help="stage whose resources to use (default: the stage in cdk.json)"
    )
    arguments.add_argument("--region", help="AWS region (default: your AWS configuration's)")
    return arguments


def number(kind: type, low: float, high: float = math.inf) -> Callable[[str], float]:
    """An argparse type: a finite number of kind (int or float) from low to high."""
    rule = f"must be {'a whole number' if kind is int else 'a number'} of at least {low:g}"
    if high < math.inf:
        rule += f" and at most {high:g}"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{rule}, not {text!r}")
        return value

    return parse


def deployed_names(stage: str | None) -> ResourceNames:
    """The resource names of a stage, derived exactly as the stack derives them."""
    context = json.loads(CDK_JSON.read_text())["context"]
    try:
        return settings_of_stage(context, stage).names
    except SettingError as error:
        raise ToolError(str(error)) from None


def session(region: str | None) -> boto3.Session:
    """An AWS session in the region the AWS CLI would use: --region, AWS_REGION, then
    AWS_DEFAULT_REGION or the profile's region (which boto3 reads itself; AWS_REGION it does not).
    """
    aws = boto3.Session(region_name=region or os.environ.get("AWS_REGION") or None)
    if not aws.region_name:
        raise ToolError(
            "no AWS region: pass --region or set AWS_REGION (or AWS_DEFAULT_REGION, or region in"
            " your AWS profile)"
        )
    return aws


def queue_url(sqs, name: str) -> str:
    try:
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        if error.response["Error"]["Code"] in (
            "AWS.SimpleQueueService.NonExistentQueue",
            "QueueDoesNotExist",
        ):
            region = sqs.meta.region_name
            raise ToolError(
                f"queue {name!r} not found in {region}: is the stack deployed to this account"
                " and region?"
            ) from None
        raise


def run(main: Callable[[], int]) -> None:
    """Run a tool: AWS and operator errors become one line on stderr and exit status 1."""
    try:
        sys.exit(main())
    except ToolError as error:
        sys.exit(f"error: {error}")
    except NoCredentialsError:
        sys.exit("error: no AWS credentials found: set AWS_PROFILE or run `aws sso login`")
    except ClientError as error:
        details = error.response["Error"]
        sys.exit(
            f"error: AWS refused {error.operation_name}: {details['Code']}: {details['Message']}"
        )
    except BotoCoreError as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)
