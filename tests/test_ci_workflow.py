"""The template's own CI workflow: it parses, pins its actions, reads only, runs real commands,
and every answer set of its matrix renders."""

import re
import shlex

import pytest
import yaml

from .bakery import TEMPLATE_ROOT, render

WORKFLOW = TEMPLATE_ROOT / ".github/workflows/template.yml"
PINNED_ACTION = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}")


def make_targets(makefile) -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", makefile.read_text(), re.M))


ROOT_TARGETS = make_targets(TEMPLATE_ROOT / "Makefile")
PROJECT_TARGETS = make_targets(TEMPLATE_ROOT / "{{cookiecutter.__folder_name}}/Makefile")
workflow = yaml.safe_load(WORKFLOW.read_text())
MATRIX = workflow["jobs"]["render"]["strategy"]["matrix"]["include"]


def all_steps():
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_runs_on_pull_requests_and_pushes_to_main():
    assert workflow[True] == {"pull_request": None, "push": {"branches": ["main"]}}


def test_actions_are_pinned_by_commit_and_permissions_read_only():
    for step in all_steps():
        if "uses" in step:
            assert PINNED_ACTION.fullmatch(step["uses"]), step
    assert workflow["permissions"] == {"contents": "read"}
    assert not [job for job in workflow["jobs"].values() if "permissions" in job]


def test_the_test_job_runs_what_ci_runs():
    commands = [s["run"] for s in workflow["jobs"]["test"]["steps"] if "run" in s]
    assert commands == ["make test"]
    assert "make test" in (TEMPLATE_ROOT / ".ci/run").read_text()


def test_every_command_exists():
    for step in all_steps():
        if "run" not in step:
            continue
        words = shlex.split(step["run"].replace("${{ matrix.answers }}", ""))
        if words[0] == "make" and words[1] == "-C":
            assert set(words[3:]) <= PROJECT_TARGETS, step["run"]
        elif words[0] == "make":
            assert set(words[1:]) <= ROOT_TARGETS, step["run"]
        else:
            assert words[:2] == [".venv/bin/cookiecutter", "--no-input"], step["run"]


@pytest.mark.parametrize("entry", MATRIX, ids=[entry["name"] for entry in MATRIX])
def test_every_matrix_entry_renders(tmp_path, entry):
    result = render(tmp_path, *shlex.split(entry["answers"]))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "orders-ingest" / "cdk.json").exists()
