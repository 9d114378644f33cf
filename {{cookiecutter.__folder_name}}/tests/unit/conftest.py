import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

{% if cookiecutter.api_auth == "jwt" -%}
from {{ cookiecutter.__package_name }}.settings import JWT_RULES, SETTING_NAMES, JwtSettings, Settings
{% else -%}
from {{ cookiecutter.__package_name }}.settings import SETTING_NAMES, Settings
{% endif -%}
from {{ cookiecutter.__package_name }}.stack import QueueStack

PROJECT_ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="session")
def context() -> dict:
    """The context cdk synth would use: settings and feature flags from cdk.json."""
    return json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]


@pytest.fixture(scope="session")
def settings(context) -> Settings:
    return Settings.from_values({name: context[name] for name in SETTING_NAMES})


@pytest.fixture(scope="session")
def template(context, settings) -> Template:
    """The stack synthesized once from cdk.json; the tests below read it."""
    app = cdk.App(context=context)
    stack = QueueStack(
        app,
        settings.names.stack,
        settings=settings,
{%- if cookiecutter.api_auth == "jwt" %}
        jwt=JwtSettings.from_values({name: context[name] for name in JWT_RULES}),
{%- endif %}
    )
    return Template.from_stack(stack)
