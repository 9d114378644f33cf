"""The CDK app's stacks, built from the app's context (cdk.json, or -c key=value). The API unit
(HTTP or REST) gives Api, ApiSettings and the account stacks the service's stack needs first;
each unit names its settings modules (SETTINGS_MODULES: the rules and names of its options)."""

import aws_cdk as cdk
from api_sqs_devkit.environment import deploy_region
from api_sqs_devkit.settings import ObservabilityHooks

from .api.infrastructure import Api, ApiSettings, account_stacks
from .consumer.infrastructure import QueueConsumer
{%- if cookiecutter.domain_name %}
from .custom_domain.infrastructure import CustomDomain
from .custom_domain.settings import DomainSettings
{%- endif %}
from .queue.infrastructure import MessageQueues
from .settings import Settings, project_values
from .stack import QueueStack

# The settings modules of the project's units, checked with the service's at every synth.
SETTINGS_MODULES = (
    *Api.SETTINGS_MODULES,
    *MessageQueues.SETTINGS_MODULES,
    *QueueConsumer.SETTINGS_MODULES,
{%- if cookiecutter.domain_name %}
    *CustomDomain.SETTINGS_MODULES,
{%- endif %}
)


def build(app: cdk.App) -> tuple[QueueStack, list[str]]:
    """The stack of the stage the app's context names, built with that stage's settings, and
    the warnings about legal but risky values; SettingError if a value breaks its rule."""
    values = project_values(app.node.get_all_context(), SETTINGS_MODULES)
    settings = Settings.from_values(values, SETTINGS_MODULES)
    api_settings = ApiSettings.from_values(values, settings)
    stack = QueueStack(
        app,
        settings.names.stack,
        settings=settings,
        api_settings=api_settings,
        observability=ObservabilityHooks.from_values(values.get("observability")),
{%- if cookiecutter.domain_name %}
        domain=DomainSettings.from_values(values),
{%- endif %}
    )
    for account_stack in account_stacks(app, api_settings):
        stack.add_stack_dependency(account_stack)
    warnings = settings.warnings + api_settings.warnings(settings)
    region = deploy_region(stack)
    return stack, warnings + settings.quota_warnings(region[0] if region else None)
