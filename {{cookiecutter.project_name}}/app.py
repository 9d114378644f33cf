#!/usr/bin/env python3
"""CDK app: reads the settings from cdk.json (or -c key=value), checks them, builds the stack."""

import sys

import aws_cdk as cdk
from api_sqs_devkit.validation import CfnLintValidation
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from {{ cookiecutter.__package_name }}.application import build
from {{ cookiecutter.__package_name }}.settings import SettingError


def main() -> None:
    app = cdk.App(builtin_cloud_formation_validation=False)  # cfn-lint checks the templates
    template_lint = CfnLintValidation()  # made first: it loads cfn-lint while the app builds
    try:
        _, warnings = build(app)
    except SettingError as error:
        sys.exit(f"error: {error} ({error.advice})")
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    # Every synth runs cdk-nag's rule packs and cfn-lint; a finding not acknowledged fails it.
    cdk.Validations.of(app).add_plugins(
        AwsSolutionsChecks(app), ServerlessChecks(app), template_lint
    )
    app.synth()


if __name__ == "__main__":
    main()
