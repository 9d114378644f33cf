"""The CI/CD workflow and the pre-commit hooks: they parse, pin what they run, ask for the least,
and name only commands this project has."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.__package_name }}.application import build
from {{ cookiecutter.__package_name }}.settings import settings_of_stage

from .cfn import app_of

PROJECT_ROOT = Path(__file__).parents[2]
WORKFLOW = PROJECT_ROOT / ".github/workflows/pipeline.yml"
PINNED_ACTION = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}")


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (PROJECT_ROOT / "Makefile").read_text(), re.M))


def make_rules() -> dict[str, tuple[list[str], str]]:
    """Each named target of the Makefile: its prerequisites and its recipe."""
    rule = re.compile(r"^([a-z][\w-]*):([^=\n]*)\n((?:\t.*\n?)*)", re.M)
    return {
        target: (prerequisites.split(), recipe)
        for target, prerequisites, recipe in rule.findall((PROJECT_ROOT / "Makefile").read_text())
    }


def synthesizes(target: str) -> bool:
    """Whether `make TARGET` runs `cdk synth`, itself or through a prerequisite."""
    prerequisites, recipe = make_rules().get(target, ([], ""))
    return "$(CDK) synth" in recipe or any(synthesizes(p) for p in prerequisites)


def make_variables(command: str) -> dict[str, str]:
    """The NAME=value words of a make command line."""
    return dict(word.split("=", 1) for word in shlex.split(command)[1:] if "=" in word)


def run_commands(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def artifact_steps(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(f"actions/{action}@")]


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


def deploy_jobs(workflow) -> dict:
    return {job_id: job for job_id, job in workflow["jobs"].items() if job_id != "check"}


def test_pull_requests_lint_test_and_synthesize_every_stage_before_any_deploy(workflow):
    check = workflow["jobs"]["check"]
    stages = [job_id.removeprefix("deploy-") for job_id in deploy_jobs(workflow)]
    assert run_commands(check) == [
        "make install",
        "make lint",
        "make test",
        *[f"make synth STAGE={stage} CDK_OUT=cdk.out/{stage}" for stage in stages],
    ]
    assert synthesizes("synth")


def test_the_check_job_uploads_each_stage_s_assembly_right_after_synthesizing_it(workflow):
    steps = workflow["jobs"]["check"]["steps"]
    uploads = artifact_steps(workflow["jobs"]["check"], "upload-artifact")
    assert len(uploads) == len(deploy_jobs(workflow))
    for upload in uploads:
        synth = steps[steps.index(upload) - 1]["run"]
        assert synth.startswith("make synth ")
        variables = make_variables(synth)
        assert upload["with"] == {
            "name": f"cloud-assembly-{variables['STAGE']}",
            "path": variables["CDK_OUT"],
            "if-no-files-found": "error",
        }


def test_deploy_jobs_deploy_the_downloaded_assembly_of_their_stage_without_synthesizing(
    workflow,
):
    for job_id, job in deploy_jobs(workflow).items():
        stage = job_id.removeprefix("deploy-")
        (download,) = artifact_steps(job, "download-artifact")
        assert download["with"]["name"] == f"cloud-assembly-{stage}"
        (deploy,) = [step for step in job["steps"] if "run" in step]
        assert job["steps"].index(download) < job["steps"].index(deploy)
        assert deploy["run"] == (
            f"make deploy-assembly STAGE={stage} CDK_OUT={download['with']['path']}"
            ' DEPLOY_FLAGS="--require-approval never"'
        )
    # The target deploys the assembly in CDK_OUT (--app DIR) as it is: the stage's stacks.
    assert not synthesizes("deploy-assembly")
    _, recipe = make_rules()["deploy-assembly"]
    assert recipe.strip() == "$(CDK) deploy --app $(CDK_OUT) --all $(DEPLOY_FLAGS)"


def test_make_deploy_deploys_the_assembly_its_synth_checked():
    prerequisites, recipe = make_rules()["deploy"]
    assert prerequisites == ["synth"]
    assert recipe.strip() == "$(CDK) deploy --app $(CDK_OUT) --all $(DEPLOY_FLAGS)"


def test_a_stage_s_assembly_holds_that_stage_s_stack_and_no_other_stage_s(context):
    """Why deploying --all of a stage's assembly deploys that stage: the app builds only the
    stage the context names (and the account stacks its API needs first)."""
    for stage in context["stages"]:
        app = app_of({**context, "stage": stage})
        build(app)
        stacks = {stack.stack_name for stack in app.synth().stacks}
        service = settings_of_stage(context, stage).names.stack
        assert service in stacks
        assert all(not name.endswith("-queue-stack") for name in stacks - {service})
        assert len(stacks) <= 2


def test_each_stage_deploys_from_main_after_the_one_before_prod_last(workflow, context):
    deploys = deploy_jobs(workflow)
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
        previous = job_id


def test_pre_commit_runs_the_pinned_ruff():
    config = yaml.safe_load((PROJECT_ROOT / ".pre-commit-config.yaml").read_text())
    (ruff,) = config["repos"]
    pinned = re.search(
        r"^ruff==(\S+)$", (PROJECT_ROOT / "requirements-dev.txt").read_text(), re.M
    ).group(1)
    assert ruff["rev"] == f"v{pinned}"
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff-check", "ruff-format"]
