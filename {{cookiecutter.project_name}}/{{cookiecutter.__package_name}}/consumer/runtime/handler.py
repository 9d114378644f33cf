"""Lambda entry point: reads an SQS batch and reports the messages that failed.

Each record becomes a Message (envelope.py: the body parsed as JSON, the envelope read from the
message attributes) for business_logic.process_message. A record that cannot be parsed or that
raises is reported back in batchItemFailures, so only it returns to the queue (the event source
mapping has ReportBatchItemFailures on). Every log line written while a record is processed
carries its SQS message id as correlation_id.
{%- if cookiecutter.queue_type == "fifo" %}

On this FIFO queue, the later records of a failed record's message group return with it, so
that the group keeps its order; the other groups of the batch go on.
{%- endif %}
{%- if cookiecutter.enable_idempotency %}

A message is processed once, however often SQS delivers it: Powertools' idempotency utility
records each one in the IDEMPOTENCY_TABLE table.
{%- if cookiecutter.api_type == "rest" %} The record's key is the caller with the
Idempotency-Key header when the client sent one (a client's retry of a request is the same
message; two callers' keys never meet), otherwise SQS's message id (a redelivery of one message).
{%- else %} The record's key is SQS's message id: a
redelivery of one message (an HTTP API carries no Idempotency-Key header to the queue).
{%- endif %}
{%- endif %}
"""
{% if cookiecutter.enable_idempotency %}
import os
{%- endif %}
from typing import Any

from aws_lambda_powertools import Logger, Metrics{% if cookiecutter.enable_tracing %}, Tracer{% endif %}
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
{%- if cookiecutter.queue_type == "fifo" %}
    SqsFifoPartialProcessor,
{%- else %}
    BatchProcessor,
    EventType,
{%- endif %}
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
{%- if cookiecutter.enable_idempotency %}
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
{%- endif %}
from aws_lambda_powertools.utilities.typing import LambdaContext

from business_logic import process_message
from envelope import Message

logger = Logger()
metrics = Metrics()
{%- if cookiecutter.enable_tracing %}
tracer = Tracer()
{%- endif %}
{%- if cookiecutter.queue_type == "fifo" %}
# After a record fails, the later records of its message group fail unprocessed and return to
# the queue with it, in order; the other groups of the batch go on.
processor = SqsFifoPartialProcessor(skip_group_on_error=True)
# As on a standard queue, a batch whose every message failed is a partial response.
processor.raise_on_entire_batch_failure = False
{%- else %}
# A batch whose every message failed is still a partial response, not an invocation error: the
# failures go back to the queue one by one, and the consumer-errors alarm stays for crashes.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
{%- endif %}
{%- if cookiecutter.enable_idempotency %}
idempotency = IdempotencyConfig(
{%- if cookiecutter.api_type == "rest" %}
    event_key_jmespath="idempotency_key && [caller, idempotency_key] || message_id",
    # A key sent again with another body is refused (and ends in the DLQ), not taken as done.
    payload_validation_jmespath="body",
{%- else %}
    event_key_jmespath="message_id",
{%- endif %}
    expires_after_seconds=int(os.environ["IDEMPOTENCY_EXPIRES_AFTER_SECONDS"]),
)


@idempotent_function(
    data_keyword_argument="message",
    config=idempotency,
    persistence_store=DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"]),
)
def process_once(message: Message) -> None:
    process_message(message)
{%- endif %}

{% if cookiecutter.enable_tracing %}
@tracer.capture_method
{%- endif %}
def record_handler(record: SQSRecord) -> None:
    logger.set_correlation_id(record.message_id)
    try:
{%- if cookiecutter.enable_idempotency %}
        process_once(message=Message.of(record))
{%- else %}
        process_message(Message.of(record))
{%- endif %}
    except Exception:
        logger.exception("Message failed; it returns to the queue")
        raise
    finally:
        logger.set_correlation_id(None)


@logger.inject_lambda_context
{%- if cookiecutter.enable_tracing %}
@tracer.capture_lambda_handler
{%- endif %}
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
{%- if cookiecutter.enable_idempotency %}
    # A record left in progress by an invocation that timed out expires with it.
    idempotency.register_lambda_context(context)
{%- endif %}
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    failed = len(response["batchItemFailures"])
    metrics.add_metric(name="MessagesFailed", unit=MetricUnit.Count, value=failed)
    metrics.add_metric(
        name="MessagesProcessed", unit=MetricUnit.Count, value=len(event["Records"]) - failed
    )
    return response
