"""What the service does with one message. Edit this module; the handler around it needs no change.

`process_message` gets a Message (envelope.py): the request body the client posted, already
parsed from JSON, and who sent it, when, with which request id{% if cookiecutter.api_type == "rest" %}, trace context and
idempotency key{% endif %}.

Return to mark the message done. Raise to fail it: it returns to the queue, is retried, and after
the configured number of receives moves to the dead-letter queue.
{%- if cookiecutter.queue_type == "fifo" %} The later messages of its message
group in the batch return to the queue with it, so that the group keeps its order; other groups
are not affected.
{%- else %} Other messages of the
same batch are not affected.
{%- endif %}
"""

from aws_lambda_powertools import Logger

from envelope import Message

logger = Logger(child=True)


def process_message(message: Message) -> None:
    if not isinstance(message.body, dict):
        raise ValueError(f"expected a JSON object, got {type(message.body).__name__}")
    logger.info(
        "Processed message",
        extra={
            "fields": sorted(message.body),
            "request_id": message.request_id,
            "caller": message.caller,
{%- if cookiecutter.api_type == "rest" %}
            "idempotency_key": message.idempotency_key,
            "traceparent": message.traceparent,
{%- endif %}
        },
    )
