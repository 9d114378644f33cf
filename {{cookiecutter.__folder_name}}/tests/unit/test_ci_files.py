"""The CI/CD workflow and the pre-commit hooks: they parse, pin what they run, ask for the least,
and name only commands this project has."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

PROJECT_ROOT = Path(__file__).parents[2]
WORKFLOW = PROJECT_ROOT / ".github/workflows/pipeline.yml"
PINNED_ACTION = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}")


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (PROJECT_ROOT / "Makefile").read_text(), re.M))


def steps(workflow):
    for job_id, job in workflow["jobs"].items():
        for step in job["steps"]:
            yield job_id, step


def test_it_runs_on_pull_requests_and_on_pushes_to_main(workflow):
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"] == {"branches": ["main"]}


def test_every_action_is_pinned_by_commit(workflow):
    used = [step["uses"] for _, step in steps(workflow) if "uses" in step]
    assert used
    for action in used:
        assert PINNED_ACTION.fullmatch(action), action
    # The version each commit stands for is written beside it.
    for line in WORKFLOW.read_text().splitlines():
        if "uses:" in line:
            assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_permissions_are_read_only_but_for_the_deploy_token(workflow):
    assert workflow["permissions"] == {"contents": "read"}
    for job_id, job in workflow["jobs"].items():
        if job_id.startswith("deploy-"):
            assert job["permissions"] == {"contents": "read", "id-token": "write"}, job_id
        else:
            assert "permissions" not in job, job_id


def test_every_command_exists_in_this_project(workflow, context):
    targets = make_targets()
    commands = [step["run"] for _, step in steps(workflow) if "run" in step]
    assert commands
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "make", command
        named = [word for word in words[1:] if "=" not in word]
        assert named and set(named) <= targets, command
        stages = [word.split("=", 1)[1] for word in words[1:] if word.startswith("STAGE=")]
        assert set(stages) <= set(context["stages"]), command


def test_pull_requests_lint_test_and_synthesize_before_any_deploy(workflow):
    check = workflow["jobs"]["check"]
    assert [step["run"] for step in check["steps"] if "run" in step] == [
        "make install",
        "make lint",
        "make test",
        "make synth",
    ]


def test_each_stage_deploys_from_main_after_the_one_before_prod_last(workflow, context):
    deploys = {job_id: job for job_id, job in workflow["jobs"].items() if job_id != "check"}
    assert list(deploys)[-1] == "deploy-prod"
    previous = "check"
    for job_id, job in deploys.items():
        stage = job_id.removeprefix("deploy-")
        assert stage in context["stages"]
        assert job["needs"] == previous
        assert job["if"] == "github.event_name == 'push'"
        # The environment holds the stage's role and region, and prod's required reviewers.
        assert job["environment"] == stage
        credentials = next(
            s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")
        )
        role = "{% raw %}${{ vars.AWS_DEPLOY_ROLE_ARN }}{% endraw %}"
        assert credentials["with"]["role-to-assume"] == role
        assert "aws-access-key-id" not in credentials["with"]  # no stored keys
        deploy = [s["run"] for s in job["steps"] if s.get("run", "").startswith("make deploy")]
        assert deploy == [f'make deploy STAGE={stage} DEPLOY_FLAGS="--require-approval never"']
        previous = job_id


def test_pre_commit_runs_the_pinned_ruff():
    config = yaml.safe_load((PROJECT_ROOT / ".pre-commit-config.yaml").read_text())
    (ruff,) = config["repos"]
    pinned = re.search(
        r"^ruff==(\S+)$", (PROJECT_ROOT / "requirements-dev.txt").read_text(), re.M
    ).group(1)
    assert ruff["rev"] == f"v{pinned}"
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff-check", "ruff-format"]
