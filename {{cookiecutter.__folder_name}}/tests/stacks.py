"""Build the stack in a test as app.py builds it."""

import aws_cdk as cdk
from aws_cdk.assertions import Template

{% if cookiecutter.api_auth == "jwt" -%}
from {{ cookiecutter.__package_name }}.settings import JWT_RULES, JwtSettings, Settings
{% else -%}
from {{ cookiecutter.__package_name }}.settings import Settings
{% endif -%}
from {{ cookiecutter.__package_name }}.stack import QueueStack


def build(context: dict, settings: Settings, app: cdk.App | None = None, **extra) -> Template:
    """The stack in an app of its own (or the one given), with cdk.json's context; extra
    keyword arguments go to the stack."""
    app = app or cdk.App(context=context)
    stack = QueueStack(
        app,
        settings.names.stack,
        settings=settings,
{%- if cookiecutter.api_auth == "jwt" %}
        jwt=JwtSettings.from_values({name: context[name] for name in JWT_RULES}),
{%- endif %}
        **extra,
    )
    return Template.from_stack(stack)
