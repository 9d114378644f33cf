"""What every tool shares: the stage's cloud assembly, AWS clients, and clean failures."""

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from ..assembly import AssemblyError, Queue, Service, read_service
from .arguments import add_cdk_out

# The exit status of a command stopped by Ctrl-C, as shells report it.
INTERRUPTED = 130


class ToolError(Exception):
    """Something the operator must fix; its text is the one line shown."""


def parser(description: str) -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(description=description)
    add_cdk_out(arguments)
    arguments.add_argument(
        "--queue", metavar="NAME", help="the queue to work on, when the service has several"
    )
    arguments.add_argument(
        "--region",
        help="AWS region (default: AWS_REGION, then the stack's, then your AWS configuration's)",
    )
    return arguments


def service_of(cdk_out: Path) -> Service:
    """The service the cloud assembly describes."""
    try:
        return read_service(cdk_out)
    except AssemblyError as error:
        raise ToolError(str(error)) from None


def pick_queue(service: Service, name: str | None, candidates: list[Queue], which: str) -> Queue:
    """The candidate queue --queue names, or the only one. which: what the candidates are
    ("with a dead-letter queue" ...), for the messages."""
    names = ", ".join(queue.name for queue in candidates)
    if name is not None:
        for queue in candidates:
            if queue.name == name:
                return queue
        raise ToolError(
            f"--queue {name!r}: no queue {which} in stack {service.stack_name} has that name;"
            f" choose one of: {names or 'none'}"
        )
    if not candidates:
        raise ToolError(f"stack {service.stack_name} has no queue {which}")
    if len(candidates) > 1:
        raise ToolError(
            f"stack {service.stack_name} has {len(candidates)} queues {which} ({names}):"
            " pick one with --queue NAME"
        )
    return candidates[0]


def queue_with_dead_letter(service: Service, name: str | None) -> Queue:
    """The queue the DLQ tools work on; its dead_letter is set."""
    candidates = [queue for queue in service.queues if queue.dead_letter is not None]
    return pick_queue(service, name, candidates, "with a dead-letter queue")


def session(region: str | None, service: Service) -> boto3.Session:
    """An AWS session in the region the stage is in: --region, AWS_REGION, the stack's own
    environment, then AWS_DEFAULT_REGION or the profile's region (which boto3 reads itself;
    AWS_REGION it does not)."""
    region = region or os.environ.get("AWS_REGION") or service.region
    aws = boto3.Session(region_name=region or None)
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
