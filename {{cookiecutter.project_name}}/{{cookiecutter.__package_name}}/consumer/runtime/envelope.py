"""A message as the API put it on the queue: the body the client posted, and the envelope API
Gateway set around it as SQS message attributes (the README's "Message envelope" lists them)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


@dataclass(frozen=True)
class Message:
    body: Any  # the JSON the client posted, parsed
    message_id: str  # SQS's id: the same on every delivery of this message
    request_id: str | None  # API Gateway's id of the request that sent it
    received_at: datetime | None  # when API Gateway received that request
    caller: str | None  # who sent it, as the API's authorization saw them ("anonymous": none)
{%- if cookiecutter.api_type == "rest" %}
    api_key_id: str | None  # the API key it came with (with api_keys on)
    traceparent: str | None  # the W3C trace context the client sent
    idempotency_key: str | None  # the Idempotency-Key header the client sent
{%- endif %}
{%- if cookiecutter.queue_type == "fifo" %}
    group_id: str  # the message group: the caller's, then the Message-Group-Id header
{%- endif %}

    @classmethod
    def of(cls, record: SQSRecord) -> Message:
        """The message of an SQS record; ValueError if its body is not JSON."""

        def attribute(name: str) -> str | None:
            value = record.message_attributes[name]
            return value.string_value if value else None

        received_ms = attribute("received-at")
        return cls(
            body=json.loads(record.body),
            message_id=record.message_id,
            request_id=attribute("request-id"),
            received_at=(
                datetime.fromtimestamp(int(received_ms) / 1000, UTC) if received_ms else None
            ),
            caller=attribute("caller"),
{%- if cookiecutter.api_type == "rest" %}
            api_key_id=attribute("api-key-id"),
            traceparent=attribute("traceparent"),
            idempotency_key=attribute("idempotency-key"),
{%- endif %}
{%- if cookiecutter.queue_type == "fifo" %}
            group_id=record.attributes.message_group_id,
{%- endif %}
        )
