"""What every tool shares: the deployed names (from cdk.json), AWS clients, and clean failures."""

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from ..settings import ResourceNames, SettingError, settings_of_stage

CDK_JSON = Path(__file__).parents[2] / "cdk.json"


class ToolError(Exception):
    """Something the operator must fix; its text is the one line shown."""


def parser(description: str) -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(description=description)
    arguments.add_argument(
        "--stage", help="stage whose resources to use (default: the stage in cdk.json)"
    )
    arguments.add_argument("--region", help="AWS region (default: your AWS configuration's)")
    return arguments


def deployed_names(stage: str | None) -> ResourceNames:
    """The resource names of a stage, derived exactly as the stack derives them."""
    context = json.loads(CDK_JSON.read_text())["context"]
    try:
        return settings_of_stage(context, stage).names
    except SettingError as error:
        raise ToolError(str(error)) from None


def client(service: str, region: str | None):
    return boto3.client(service, region_name=region)


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
    except NoRegionError:
        sys.exit("error: no AWS region set: pass --region or set AWS_REGION")
    except ClientError as error:
        details = error.response["Error"]
        sys.exit(
            f"error: AWS refused {error.operation_name}: {details['Code']}: {details['Message']}"
        )
    except BotoCoreError as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        sys.exit("interrupted")
