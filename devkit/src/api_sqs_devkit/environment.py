"""Where a stack deploys, as its CDK app can tell at synth (needs the `cdk` extra)."""

from __future__ import annotations

import os

from aws_cdk import Stack, Token

from .capacity import default_region


def deploy_region(stack: Stack) -> tuple[str, str] | None:
    """(Region, how it is known) of the stack: its own Region, or the one the CDK CLI took from
    the AWS configuration (CDK_DEFAULT_REGION); None when neither is known. Without a Region in
    the configuration the CLI still says us-east-1, which says nothing about where it goes."""
    if not Token.is_unresolved(stack.region):
        return stack.region, "the stack's own Region"
    region = os.environ.get("CDK_DEFAULT_REGION")
    if region and default_region():
        return region, "the Region of your AWS configuration"
    return None
