"""The CDK app's stack, built from the app's context (cdk.json, or -c key=value)."""

import aws_cdk as cdk

{% if cookiecutter.api_type == "rest" -%}
from .rest_api import ApiGatewayAccountLogging
{% endif -%}
from .settings import (
{%- if cookiecutter.api_auth == "jwt" %}
    JwtSettings,
{%- endif %}
    ObservabilityHooks,
{%- if cookiecutter.api_type == "rest" %}
    RestApiSettings,
{%- endif %}
    Settings,
    project_values,
)
from .stack import QueueStack


def build(app: cdk.App) -> tuple[QueueStack, list[str]]:
    """The stack of the stage the app's context names, built with that stage's settings, and
    the warnings about legal but risky values; SettingError if a value breaks its rule."""
    values = project_values(
        app.node.get_all_context(),
        api_type={{ cookiecutter.api_type | tojson }},
        api_auth={{ cookiecutter.api_auth | tojson }},
    )
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
    if rest.manage_api_gateway_logging_role:
        # The stage logs, so the account's logging role must be set first (see rest_api.py).
        stack.add_stack_dependency(ApiGatewayAccountLogging(app, "ApiGatewayAccountLogging"))
    return stack, settings.warnings + rest.warnings(settings)
{%- else %}
    return stack, settings.warnings
{%- endif %}
