"""Show the messages waiting in the dead-letter queue without taking them off it.

Messages are received in pages, held invisible for a moment so the next page holds others, then
made visible again at once; none is deleted. Each is printed as one JSON line: id, receive count,
first sent, body.
"""

import json
from datetime import UTC, datetime

from .arguments import number
from .common import parser, queue_url, queue_with_dead_letter, run, service_of, session

# Long enough to read the next pages; every message is released right after.
HOLD_SECONDS = 30
# How long a receive waits for messages before it answers that there are none.
WAIT_SECONDS = 1


def release(sqs, dlq: str, messages: list[dict]) -> None:
    """Make held messages visible again."""
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
            for index, message in enumerate(messages[start : start + 10])
        ]
        sqs.change_message_visibility_batch(QueueUrl=dlq, Entries=entries)


def main() -> int:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument(
        "--count", type=number(int, 1), default=10, help="most messages to show (10)"
    )
    options = arguments.parse_args()

    service = service_of(options.cdk_out)
    queue = queue_with_dead_letter(service, options.queue)
    sqs = session(options.region, service).client("sqs")
    dlq = queue_url(sqs, queue.dead_letter.name)
    seen: dict[str, dict] = {}
    try:
        while len(seen) < options.count:
            batch = sqs.receive_message(
                QueueUrl=dlq,
                MaxNumberOfMessages=min(10, options.count - len(seen)),
                VisibilityTimeout=HOLD_SECONDS,
                WaitTimeSeconds=WAIT_SECONDS,
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            new = [message for message in batch if message["MessageId"] not in seen]
            for message in batch:
                seen[message["MessageId"]] = message  # its newest receipt handle releases it
            # None, or only messages whose hold ran out: the whole queue has been read.
            if not new:
                break
    finally:
        release(sqs, dlq, list(seen.values()))

    if not seen:
        print(f"The dead-letter queue {queue.dead_letter.name} is empty.")
        return 0
    for message in seen.values():
        attributes = message.get("Attributes", {})
        sent = int(attributes.get("SentTimestamp", "0")) / 1000
        print(
            json.dumps(
                {
                    "messageId": message["MessageId"],
                    "receiveCount": int(attributes.get("ApproximateReceiveCount", "0")),
                    "sent": datetime.fromtimestamp(sent, UTC).isoformat(),
                    "body": message["Body"],
                }
            )
        )
    return 0


if __name__ == "__main__":
    run(main)
