#!/usr/bin/env python3
"""CDK app: reads the settings from cdk.json (or -c key=value), checks them, builds the stack."""

import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from {{ cookiecutter.__package_name }}.application import build
from {{ cookiecutter.__package_name }}.settings import SettingError


def main() -> None:
    app = cdk.App()
    try:
        _, warnings = build(app)
    except SettingError as error:
        sys.exit(f"error: {error} ({error.advice})")
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    # Every synth runs the rule packs; a finding that is not acknowledged fails it.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    app.synth()


if __name__ == "__main__":
    main()
