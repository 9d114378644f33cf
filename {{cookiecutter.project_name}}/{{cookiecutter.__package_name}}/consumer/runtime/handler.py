"""Lambda entry point: reads an SQS batch and reports the messages that failed.

Each record's body is parsed as JSON and passed to business_logic.process_message. A record
that cannot be parsed or that raises is reported back in batchItemFailures, so only it returns
to the queue (the event source mapping has ReportBatchItemFailures on). Every log line written
while a record is processed carries its SQS message id as correlation_id.
"""

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics{% if cookiecutter.enable_tracing %}, Tracer{% endif %}
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from business_logic import process_message

logger = Logger()
metrics = Metrics()
{%- if cookiecutter.enable_tracing %}
tracer = Tracer()
{%- endif %}
# A batch whose every message failed is still a partial response, not an invocation error: the
# failures go back to the queue one by one, and the consumer-errors alarm stays for crashes.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

{% if cookiecutter.enable_tracing %}
@tracer.capture_method
{%- endif %}
def record_handler(record: SQSRecord) -> None:
    logger.set_correlation_id(record.message_id)
    try:
        process_message(json.loads(record.body))
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
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    failed = len(response["batchItemFailures"])
    metrics.add_metric(name="MessagesFailed", unit=MetricUnit.Count, value=failed)
    metrics.add_metric(
        name="MessagesProcessed", unit=MetricUnit.Count, value=len(event["Records"]) - failed
    )
    return response
