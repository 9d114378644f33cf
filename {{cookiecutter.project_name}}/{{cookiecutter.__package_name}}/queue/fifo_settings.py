"""Settings of a FIFO queue (queue_type=fifo): its names, and what FIFO does not allow of the
service's settings, checked at render and at every synth. Standard library and api_sqs_devkit
only: the render checks the answers with it."""

from collections.abc import Mapping
from typing import Any

from api_sqs_devkit.assembly import FIFO_MAX_BATCH_SIZE
from api_sqs_devkit.capacity import SQS_FIFO_SEND_RATE
from api_sqs_devkit.settings import SettingError

# Lambda reads at most 10 messages a batch from a FIFO queue, and takes no batching window.
MAX_BATCH_SIZE = FIFO_MAX_BATCH_SIZE
# A FIFO queue takes 300 SendMessage calls a second (high throughput mode, which this project does
# not turn on, takes more); API Gateway makes one call per request.
MAX_SEND_RATE = SQS_FIFO_SEND_RATE
NAME_LIMITS = {"queue": 80, "dlq": 80}  # .fifo included


def resource_names(prefix: str) -> dict[str, str]:
    return {"queue": f"{prefix}-queue.fifo", "dlq": f"{prefix}-dlq.fifo"}


def answer_errors(values: Mapping[str, Any]) -> list[SettingError]:
    """The values FIFO refuses (a value that is not a whole number is left to its own rule)."""
    limits = {
        "batch_size": (
            MAX_BATCH_SIZE,
            "Lambda reads at most 10 messages a batch from a FIFO queue",
        ),
        "api_throttling": (
            MAX_SEND_RATE,
            "a FIFO queue takes 300 messages a second, and API Gateway sends one per request",
        ),
    }
    errors = []
    for name, (most, reason) in limits.items():
        value = values.get(name)
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value > most:
            errors.append(
                SettingError(name, value, f"must be at most {most} with queue_type=fifo: {reason}")
            )
    return errors
