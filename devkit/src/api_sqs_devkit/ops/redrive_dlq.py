"""Move the messages in the dead-letter queue back to the queue, and follow the move until done.

Uses SQS's message move task: SQS moves the messages itself, in order, and this command prints
its progress. Fix what made them fail first, or they come back. Stopping this command (Ctrl-C)
leaves the move task running in AWS; the command to cancel it is printed.
"""

import shlex
import sys
import time

from .arguments import number
from .common import (
    INTERRUPTED,
    ToolError,
    parser,
    queue_url,
    queue_with_dead_letter,
    run,
    service_of,
    session,
)

FINISHED = {"COMPLETED", "FAILED", "CANCELLED"}


def main() -> int:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument(
        "--max-per-second",
        type=number(int, 1, 500),
        help="most messages moved per second, 1 to 500 (default: SQS decides)",
    )
    arguments.add_argument(
        "--poll-seconds",
        type=number(float, 0),
        default=5.0,
        help="seconds between progress reports (5)",
    )
    options = arguments.parse_args()

    service = service_of(options.cdk_out)
    queue = queue_with_dead_letter(service, options.queue)
    dlq_name = queue.dead_letter.name
    sqs = session(options.region, service).client("sqs")
    dlq_url, queue_url_ = queue_url(sqs, dlq_name), queue_url(sqs, queue.name)
    dlq = sqs.get_queue_attributes(
        QueueUrl=dlq_url,
        AttributeNames=[
            "QueueArn",
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
        ],
    )["Attributes"]
    waiting = int(dlq["ApproximateNumberOfMessages"])
    in_flight = int(dlq["ApproximateNumberOfMessagesNotVisible"])
    if waiting == 0 and in_flight:
        raise ToolError(
            f"{in_flight} messages of {dlq_name} are being read right now (by peek_dlq?):"
            " try again when they are visible"
        )
    if waiting == 0:
        print(f"The dead-letter queue {dlq_name} is empty: nothing to redrive.")
        return 0
    destination = sqs.get_queue_attributes(QueueUrl=queue_url_, AttributeNames=["QueueArn"])
    move = {"SourceArn": dlq["QueueArn"], "DestinationArn": destination["Attributes"]["QueueArn"]}
    if options.max_per_second is not None:
        move["MaxNumberOfMessagesPerSecond"] = options.max_per_second
    handle = sqs.start_message_move_task(**move)["TaskHandle"]
    print(f"Moving about {waiting} messages from {dlq_name} to {queue.name} (task {handle})")
    try:
        while True:
            tasks = sqs.list_message_move_tasks(SourceArn=dlq["QueueArn"], MaxResults=1)["Results"]
            task = next(
                (t for t in tasks if t.get("TaskHandle") == handle), tasks[0] if tasks else None
            )
            if task is None:
                raise ToolError(f"the move task {handle} is no longer listed")
            moved, total = (
                task.get("ApproximateNumberOfMessagesMoved", 0),
                task.get("ApproximateNumberOfMessagesToMove", waiting),
            )
            print(f"{task['Status'].lower()}: {moved} of {total} moved")
            if task["Status"] in FINISHED:
                break
            time.sleep(options.poll_seconds)
    except KeyboardInterrupt:
        print(
            f"stopped: the move task {handle} keeps running in AWS; cancel it with: aws sqs"
            f" cancel-message-move-task --task-handle {shlex.quote(handle)}"
            f" --region {sqs.meta.region_name}",
            file=sys.stderr,
        )
        return INTERRUPTED
    if task["Status"] != "COMPLETED":
        raise ToolError(
            f"the move ended {task['Status']}: {task.get('FailureReason', 'no reason')}"
        )
    return 0


if __name__ == "__main__":
    run(main)
