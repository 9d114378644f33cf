"""Shared fixtures: fixture cloud assemblies (tests/assemblies.py) and local stacks on them."""

import pytest
from api_sqs_devkit.local.harness import LocalStack
from assemblies import write_assembly


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    """Starts a local stack on a fixture assembly (write_assembly's arguments), once per call;
    every stack started in the module stops at its end, and must stop cleanly."""
    stacks: list[LocalStack] = []

    def start(visibility_timeout: int = 1, **assembly) -> LocalStack:
        directory = tmp_path_factory.mktemp("cdk.out")
        stack = LocalStack(write_assembly(directory, **assembly), visibility_timeout)
        stack.record_dir = directory / "records"
        stacks.append(stack)
        return stack

    yield start
    for stack in stacks:
        assert stack.close() == 0, f"the local stack did not stop cleanly:\n{stack.log()}"
