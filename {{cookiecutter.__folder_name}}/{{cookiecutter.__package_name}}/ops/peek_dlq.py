"""Show the messages waiting in the dead-letter queue without taking them off it.

Each message is received with a visibility timeout of 0, so it stays on the queue, visible to
the next reader, and is printed as one JSON line: id, receive count, first sent, body.
"""

import json
from datetime import UTC, datetime

from .common import client, deployed_names, parser, queue_url, run


def main() -> int:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument("--count", type=int, default=10, help="most messages to show (10)")
    options = arguments.parse_args()

    sqs = client("sqs", options.region)
    dlq = queue_url(sqs, deployed_names(options.stage).dlq)
    seen: dict[str, dict] = {}
    for _ in range(max(options.count, 1)):
        batch = sqs.receive_message(
            QueueUrl=dlq,
            MaxNumberOfMessages=min(10, options.count - len(seen)) or 1,
            VisibilityTimeout=0,
            WaitTimeSeconds=1,
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        new = [m for m in batch if m["MessageId"] not in seen]
        if not new:
            break
        for message in new:
            seen[message["MessageId"]] = message
        if len(seen) >= options.count:
            break

    if not seen:
        print(f"The dead-letter queue {dlq} is empty.")
        return 0
    for message in list(seen.values())[: options.count]:
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
