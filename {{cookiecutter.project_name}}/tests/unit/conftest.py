import pytest
from aws_cdk.assertions import Template

from {{ cookiecutter.__package_name }}.application import build

from .cfn import app_of


@pytest.fixture(scope="session")
def synthesize(context):
    """Synthesize the stack as app.py builds it, from cdk.json's context with some values
    changed, in an app of its own."""

    def synthesized(**changed) -> Template:
        stack, _ = build(app_of({**context, **changed}))
        return Template.from_stack(stack)

    return synthesized


@pytest.fixture(scope="session")
def template(synthesize) -> Template:
    """The stack synthesized once from cdk.json; most tests read it."""
    return synthesize()
