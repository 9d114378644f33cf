"""cdk.json holds valid settings, and a bad value stops the synth with one line."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.__package_name }}.application import build
from {{ cookiecutter.__package_name }}.settings import SETTING_NAMES, STAGES_OF_EVERY_PROJECT, SettingError

from .cfn import app_of

PROJECT_ROOT = Path(__file__).parents[2]
CONTEXT = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]


def cdk_json_settings(context: dict) -> set[str]:
    """The settings in cdk.json: everything but the CDK's feature flags."""
    return {name for name in context if not name.startswith("@")}


# Names this project reads no setting by (other projects may: each reads those of its choices).
UNUSED = ["queue_type", "memory_size"]
# What the CDK CLI adds to the context of every `cdk synth` (seen in one), and what it caches in
# cdk.context.json: none of it is a setting.
CDK_OWN_CONTEXT = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
    "aws:cdk:bundling-stacks": ["**"],
    "acknowledged-issue-numbers": [32775],
    "cli-telemetry": False,
    "availability-zones:account=123456789012:region=eu-west-1": ["eu-west-1a"],
}


def run_app(context: dict) -> subprocess.CompletedProcess:
    """app.py in its own process, given the context as the CDK CLI gives it."""
    return subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CDK_CONTEXT_JSON": json.dumps(context)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    # Node.js itself may warn on stderr (an old Node version); the app's own line is the error.
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_cdk_json_holds_every_setting_with_its_type(settings, context):
    assert {name: context[name] for name in SETTING_NAMES} == {
        name: list(value) if isinstance(value, tuple) else value
        for name in SETTING_NAMES
        for value in [getattr(settings, name)]
    }


def test_cdk_json_lists_every_stage_the_render_checked(context):
    assert set(STAGES_OF_EVERY_PROJECT) <= set(context["stages"])


def test_a_bad_value_stops_the_app_with_one_line():
    result = run_app({"project_name": "Bad_Name", "stage": "dev", "stages": {"dev": {}}})
    assert result.returncode == 1
    assert error_lines(result) == [
        "error: project_name='Bad_Name': must be lowercase letters, digits and single hyphens,"
        " start with a letter and not end with a hyphen (set it in cdk.json or with"
        " -c project_name=VALUE)"
    ]


@pytest.mark.parametrize("name", UNUSED)
def test_a_setting_this_project_does_not_use_is_refused(context, name):
    with pytest.raises(SettingError) as refused:
        build(app_of({**context, name: "x"}))
    message = str(refused.value)
    assert refused.value.name == name
    assert message.startswith(f"{name}='x': is not a setting of this project")
    # The settings it lists are the ones this project reads: those in its cdk.json.
    listed = re.search(r"its settings are (.*)$", message).group(1)
    assert set(listed.split(", ")) == cdk_json_settings(context)


@pytest.mark.parametrize("name", UNUSED)
def test_a_setting_this_project_does_not_use_is_refused_in_a_stage_s_entry(context, name):
    stage = context["stage"]
    stages = {**context["stages"], stage: {name: "x"}}
    with pytest.raises(SettingError) as refused:
        build(app_of({**context, "stages": stages}))
    assert refused.value.name == f"stages.{stage}"
    listed = re.search(r"must be an object of settings, among (.*)$", str(refused.value)).group(1)
    assert set(listed.split(", ")) == cdk_json_settings(context) - {
        "project_name",
        "stage",
        "stages",
    }


def test_a_setting_this_project_does_not_use_stops_the_app_given_with_c(context):
    # `cdk synth -c name=value` passes the value as text.
    result = run_app({**context, UNUSED[0]: "x"})
    assert result.returncode == 1
    (line,) = error_lines(result)
    assert line.startswith(f"error: {UNUSED[0]}='x': is not a setting of this project")
    assert line.endswith("(remove it from cdk.json and the -c options)")


@pytest.mark.parametrize("name", ["batch-size", "batchsize", "BATCH_SIZE", "stage_name"])
def test_a_misspelt_setting_is_refused(context, name):
    with pytest.raises(SettingError, match=f"^{name}=5: is not a setting of this project; its"):
        build(app_of({**context, name: 5}))


def test_the_cdk_s_own_context_is_not_taken_for_settings(synthesize):
    synthesize(**CDK_OWN_CONTEXT)
