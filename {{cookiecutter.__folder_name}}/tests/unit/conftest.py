import pytest
from aws_cdk.assertions import Template

from ..stacks import build


@pytest.fixture(scope="session")
def synthesize(context, settings):
    """Synthesize the stack (extra keyword arguments go to the stack)."""
    return lambda **extra: build(context, settings, **extra)


@pytest.fixture(scope="session")
def template(synthesize) -> Template:
    """The stack synthesized once from cdk.json; most tests read it."""
    return synthesize()
