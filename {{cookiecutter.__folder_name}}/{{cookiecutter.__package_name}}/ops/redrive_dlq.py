"""Move the messages in the dead-letter queue back to the queue, and follow the move until done.

Uses SQS's message move task: SQS moves the messages itself, in order, and this command prints
its progress. Fix what made them fail first, or they come back.
"""

import time

from .common import ToolError, client, deployed_names, parser, queue_url, run

FINISHED = {"COMPLETED", "FAILED", "CANCELLED"}


def main() -> int:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument(
        "--max-per-second", type=int, help="most messages moved per second (default: SQS decides)"
    )
    arguments.add_argument(
        "--poll-seconds", type=float, default=5.0, help="seconds between progress reports (5)"
    )
    options = arguments.parse_args()

    names = deployed_names(options.stage)
    sqs = client("sqs", options.region)
    dlq_url, queue_url_ = queue_url(sqs, names.dlq), queue_url(sqs, names.queue)
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
            f"{in_flight} messages of {names.dlq} are being read right now (by peek_dlq?):"
            " try again when they are visible"
        )
    if waiting == 0:
        print(f"The dead-letter queue {names.dlq} is empty: nothing to redrive.")
        return 0
    destination = sqs.get_queue_attributes(QueueUrl=queue_url_, AttributeNames=["QueueArn"])
    move = {"SourceArn": dlq["QueueArn"], "DestinationArn": destination["Attributes"]["QueueArn"]}
    if options.max_per_second:
        move["MaxNumberOfMessagesPerSecond"] = options.max_per_second
    handle = sqs.start_message_move_task(**move)["TaskHandle"]
    print(f"Moving about {waiting} messages from {names.dlq} to {names.queue} (task {handle})")

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
    if task["Status"] != "COMPLETED":
        raise ToolError(
            f"the move ended {task['Status']}: {task.get('FailureReason', 'no reason')}"
        )
    return 0


if __name__ == "__main__":
    run(main)
