"""The template's own CI workflow: it parses, pins its actions, reads only, runs real commands,
and every answer set of its matrix renders. And the generated project's pipeline: each stage is
synthesized and checked once, and that assembly is what its deploy job deploys."""

import re
import shlex
import subprocess

import pytest
import yaml

from .bakery import TEMPLATE_ROOT, render, run_env

WORKFLOW = TEMPLATE_ROOT / ".github/workflows/template.yml"
PINNED_ACTION = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}")


def make_targets(makefile) -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", makefile.read_text(), re.M))


ROOT_TARGETS = make_targets(TEMPLATE_ROOT / "Makefile")
PROJECT_TARGETS = make_targets(TEMPLATE_ROOT / "{{cookiecutter.project_name}}/Makefile")
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


def dry_run(project, command: str) -> list[str]:
    """The commands `make` would run for a workflow's command line, in the rendered project."""
    words = shlex.split(command)
    assert words[0] == "make", command
    result = subprocess.run(
        ["make", "--dry-run", *words[1:]],
        cwd=project,
        env=run_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [line.strip() for line in result.stdout.splitlines()]


def make_variables(command: str) -> dict[str, str]:
    return dict(word.split("=", 1) for word in shlex.split(command)[1:] if "=" in word)


def artifact(step: dict, action: str) -> dict | None:
    """The inputs of an actions/upload-artifact or actions/download-artifact step."""
    return step["with"] if step.get("uses", "").startswith(f"actions/{action}@") else None


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_generated_pipeline_deploys_the_assembly_its_check_job_synthesized(tmp_path, stage):
    result = render(tmp_path, f"stage={stage}")
    assert result.returncode == 0, result.stderr
    project = tmp_path / "orders-ingest"
    pipeline = yaml.safe_load((project / ".github/workflows/pipeline.yml").read_text())
    stages = [stage] if stage == "prod" else [stage, "prod"]
    assert list(pipeline["jobs"]) == ["check", *[f"deploy-{s}" for s in stages]]

    # The check job: each upload right after the synth of its stage into the uploaded folder.
    check = pipeline["jobs"]["check"]["steps"]
    uploaded = {}
    for before, step in zip(check, check[1:], strict=False):
        if upload := artifact(step, "upload-artifact"):
            synth = make_variables(before["run"])
            assert upload["path"] == synth["CDK_OUT"]
            uploaded[upload["name"]] = synth["STAGE"]
            commands = dry_run(project, before["run"])
            out, stage_context = upload["path"], f"-c stage={synth['STAGE']}"
            # cdk-nag and cfn-lint run inside this synth (test_synth.py: a finding fails it).
            assert f"npx --no-install cdk synth --quiet --output {out} {stage_context}" in commands
    assert uploaded == {f"cloud-assembly-{s}": s for s in stages}

    # Each deploy job: its stage's assembly, downloaded and deployed as it is, never synthesized.
    for s in stages:
        steps = pipeline["jobs"][f"deploy-{s}"]["steps"]
        (download,) = [inputs for step in steps if (inputs := artifact(step, "download-artifact"))]
        assert download["name"] == f"cloud-assembly-{s}"
        (command,) = [step["run"] for step in steps if "run" in step]
        commands = dry_run(project, command)
        assert not [c for c in commands if "synth" in c or "app.py" in c], commands
        # Every stack of the stage's assembly: the app synthesizes that stage's alone (the
        # generated project's tests/unit/test_ci_files.py checks it).
        deploy = f"npx --no-install cdk deploy --app {download['path']} --all"
        assert f"{deploy} --require-approval never" in commands, commands
