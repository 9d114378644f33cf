"""The CDK app's stack, built from the app's context (cdk.json, or -c key=value)."""

import aws_cdk as cdk

from .settings import (
{%- if cookiecutter.api_auth == "jwt" %}
    JWT_RULES,
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
    REST_RULES,
{%- endif %}
    SETTING_NAMES,
{%- if cookiecutter.api_auth == "jwt" %}
    JwtSettings,
{%- endif %}
    ObservabilityHooks,
{%- if cookiecutter.api_type == "rest" %}
    RestApiSettings,
{%- endif %}
    Settings,
)
from .stack import QueueStack


def build(app: cdk.App) -> tuple[QueueStack, Settings]:
    """The stack of the settings in the app's context; SettingError if one breaks its rule."""
    context = app.node.try_get_context
    settings = Settings.from_values({name: context(name) for name in SETTING_NAMES})
    stack = QueueStack(
        app,
        settings.names.stack,
        settings=settings,
{%- if cookiecutter.api_auth == "jwt" %}
        jwt=JwtSettings.from_values(
            {name: context(name) for name in JWT_RULES},
{%- if cookiecutter.api_type == "rest" %}
            cognito=True,
{%- endif %}
        ),
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
        rest=RestApiSettings.from_values({name: context(name) for name in REST_RULES}),
{%- endif %}
        observability=ObservabilityHooks.from_values(context("observability")),
    )
    return stack, settings
