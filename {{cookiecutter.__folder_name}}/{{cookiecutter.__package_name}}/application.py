"""The CDK app's stack, built from the app's context (cdk.json, or -c key=value)."""

import aws_cdk as cdk

from .settings import (
    SETTING_NAMES,
    STAGE_SETTING_NAMES,
{%- if cookiecutter.api_auth == "jwt" %}
    JwtSettings,
{%- endif %}
    ObservabilityHooks,
{%- if cookiecutter.api_type == "rest" %}
    RestApiSettings,
{%- endif %}
    Settings,
    stage_values,
)
from .stack import QueueStack


def build(app: cdk.App) -> tuple[QueueStack, list[str]]:
    """The stack of the stage the app's context names, built with that stage's settings, and
    the warnings about legal but risky values; SettingError if a value breaks its rule."""
    names = {*SETTING_NAMES, *STAGE_SETTING_NAMES, "stages"}
    values = stage_values({name: app.node.try_get_context(name) for name in names})
    settings = Settings.from_values(values)
{%- if cookiecutter.api_type == "rest" %}
    rest = RestApiSettings.from_values(values)
{%- endif %}
    stack = QueueStack(
        app,
        settings.names.stack,
        settings=settings,
{%- if cookiecutter.api_auth == "jwt" %}
        jwt=JwtSettings.from_values(
            values,
{%- if cookiecutter.api_type == "rest" %}
            cognito=True,
{%- endif %}
        ),
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
        rest=rest,
{%- endif %}
        observability=ObservabilityHooks.from_values(values.get("observability")),
    )
{%- if cookiecutter.api_type == "rest" %}
    return stack, settings.warnings + rest.warnings(settings)
{%- else %}
    return stack, settings.warnings
{%- endif %}
