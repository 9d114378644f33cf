"""cdk.json holds valid settings, and a bad value stops the synth with one line."""

import json
import os
import subprocess
import sys
from pathlib import Path

from {{ cookiecutter.__package_name }}.settings import SETTING_NAMES

PROJECT_ROOT = Path(__file__).parents[2]


def test_cdk_json_holds_every_setting_with_its_type(settings, context):
    assert {name: context[name] for name in SETTING_NAMES} == vars(settings)


def test_a_bad_value_stops_the_app_with_one_line():
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "CDK_CONTEXT_JSON": json.dumps(
                {"project_name": "Bad_Name", "stage": "dev", "stages": {"dev": {}}}
            ),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # Node.js itself may warn on stderr (an old Node version); the app's own line is the error.
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        "error: project_name='Bad_Name': must be lowercase letters, digits and single hyphens,"
        " start with a letter and not end with a hyphen (set it in cdk.json or with"
        " -c project_name=VALUE)"
    ]
