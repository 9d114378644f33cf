"""The CDK app's stacks, built from the app's context (cdk.json, or -c key=value). The API unit
(HTTP or REST) gives Api (SETTINGS_MODULES: its settings' rules), ApiSettings and the account
stacks the service's stack needs first."""

import aws_cdk as cdk
from api_sqs_devkit.settings import ObservabilityHooks

from .api.infrastructure import Api, ApiSettings, account_stacks
from .settings import Settings, project_values
from .stack import QueueStack


def build(app: cdk.App) -> tuple[QueueStack, list[str]]:
    """The stack of the stage the app's context names, built with that stage's settings, and
    the warnings about legal but risky values; SettingError if a value breaks its rule."""
    values = project_values(app.node.get_all_context(), Api.SETTINGS_MODULES)
    settings = Settings.from_values(values, Api.SETTINGS_MODULES)
    api_settings = ApiSettings.from_values(values, settings)
    stack = QueueStack(
        app,
        settings.names.stack,
        settings=settings,
        api_settings=api_settings,
        observability=ObservabilityHooks.from_values(values.get("observability")),
    )
    for account_stack in account_stacks(app, api_settings):
        stack.add_stack_dependency(account_stack)
    return stack, settings.warnings + api_settings.warnings(settings)
