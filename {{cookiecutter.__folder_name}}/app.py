#!/usr/bin/env python3
"""CDK app: reads the settings from cdk.json (or -c key=value), checks them, builds the stack."""

import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from {{ cookiecutter.__package_name }}.settings import (
{%- if cookiecutter.api_auth == "jwt" %}
    JWT_RULES,
{%- endif %}
    SETTING_NAMES,
{%- if cookiecutter.api_auth == "jwt" %}
    JwtSettings,
{%- endif %}
    ObservabilityHooks,
    SettingError,
    Settings,
)
from {{ cookiecutter.__package_name }}.stack import QueueStack


def main() -> None:
    app = cdk.App()
    try:
        settings = Settings.from_values(
            {name: app.node.try_get_context(name) for name in SETTING_NAMES}
        )
{%- if cookiecutter.api_auth == "jwt" %}
        jwt = JwtSettings.from_values({name: app.node.try_get_context(name) for name in JWT_RULES})
{%- endif %}
        observability = ObservabilityHooks.from_values(app.node.try_get_context("observability"))
    except SettingError as error:
        sys.exit(f"error: {error} (set it in cdk.json or with -c {error.name}=VALUE)")
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)

    QueueStack(
        app,
        settings.names.stack,
        settings=settings,
{%- if cookiecutter.api_auth == "jwt" %}
        jwt=jwt,
{%- endif %}
        observability=observability,
    )
    # Every synth runs the rule packs; a finding that is not acknowledged fails it.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    app.synth()


if __name__ == "__main__":
    main()
