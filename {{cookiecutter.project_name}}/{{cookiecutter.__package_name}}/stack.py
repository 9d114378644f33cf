"""The stack: API -> SQS queue (+ DLQ) -> Lambda consumer, composed from one construct per unit."""

from api_sqs_devkit.settings import ObservabilityHooks
from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_logs as logs
from constructs import Construct

from .api.infrastructure import Api, ApiSettings
from .consumer.infrastructure import QueueConsumer
{%- if cookiecutter.domain_name %}
from .custom_domain.infrastructure import CustomDomain
from .custom_domain.settings import DomainSettings
{%- endif %}
from .logs.infrastructure import ServiceLogs
from .monitoring.infrastructure import Monitoring
from .queue.infrastructure import MessageQueues
from .settings import Settings


class QueueStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        api_settings: ApiSettings,
        observability: ObservabilityHooks | None = None,
{%- if cookiecutter.domain_name %}
        domain: DomainSettings,
{%- endif %}
        **kwargs,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=settings.names.stack,
            description=f"{settings.project_name} ({settings.stage}): {Api.KIND} API to SQS to"
            " Lambda",
            termination_protection=settings.is_production,
            **kwargs,
        )
        observability = observability or ObservabilityHooks()

        service_logs = ServiceLogs(self, "Logs", settings=settings)
        queues = MessageQueues(self, "Queues", settings=settings)
        consumer = QueueConsumer(
            self,
            "Consumer",
            settings=settings,
            queue=queues.queue,
            service_logs=service_logs,
            observability=observability,
        )
        api = Api(
            self,
            "Api",
            settings=settings,
            api_settings=api_settings,
            queue=queues.queue,
            send_role=queues.send_message_role(self, "SendMessageRole"),
            service_logs=service_logs,
{%- if cookiecutter.domain_name %}
            disable_execute_api_endpoint=domain.disable_default_endpoint,
{%- endif %}
        )
{%- if cookiecutter.domain_name %}
        custom_domain = CustomDomain(
            self,
            "CustomDomain",
            domain=domain,
            api_id=api.api_id,
            stage=api.stage,
        )
{%- endif %}
        Monitoring(
            self,
            "Monitoring",
            settings=settings,
            queue=queues.queue,
            dlq=queues.dlq,
            function=consumer.function,
            api_stage=api.stage,
        )

        if observability.log_destination_arn:
            for index, log_group in enumerate([*consumer.log_groups, *api.log_groups]):
                logs.CfnSubscriptionFilter(
                    self,
                    f"LogSubscription{index}",
                    log_group_name=log_group.log_group_name,
                    destination_arn=observability.log_destination_arn,
                    role_arn=observability.log_destination_role_arn or None,
                    filter_pattern="",
                )

{%- if cookiecutter.domain_name %}
        api.add_outputs(self, domain_name=domain.domain_name)
        custom_domain.add_outputs(self)
{%- else %}
        api.add_outputs(self)
{%- endif %}
        CfnOutput(self, "QueueUrl", value=queues.queue.queue_url)
        CfnOutput(self, "DeadLetterQueueUrl", value=queues.dlq.queue_url)
