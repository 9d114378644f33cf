"""Lambda entry point: reads an SQS batch and reports the messages that failed.

Each record's body is parsed as JSON and passed to business_logic.process_message. A record
that cannot be parsed or that raises is reported back in batchItemFailures, so only it returns
to the queue (the event source mapping has ReportBatchItemFailures on).
"""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from business_logic import process_message

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    logger.append_keys(message_id=record.message_id)
    try:
        process_message(json.loads(record.body))
    finally:
        logger.remove_keys(["message_id"])


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
