"""What the service does with one message. Edit this module; the handler around it needs no change.

`process_message` gets the request body the client posted, already parsed from JSON. Return to
mark the message done. Raise to fail it: it returns to the queue, is retried, and after the
configured number of receives moves to the dead-letter queue. Other messages of the same batch
are not affected.
"""

from typing import Any

from aws_lambda_powertools import Logger

logger = Logger(child=True)


def process_message(message: Any) -> None:
    if not isinstance(message, dict):
        raise ValueError(f"expected a JSON object, got {type(message).__name__}")
    logger.info("Processed message", extra={"fields": sorted(message)})
