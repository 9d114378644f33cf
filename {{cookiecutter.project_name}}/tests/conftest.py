import json
import os
from pathlib import Path

import pytest

from {{ cookiecutter.__package_name }}.settings import Settings, settings_of_stage

# Powertools reads these when the handler module is imported; Lambda sets them in the cloud.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "{{ cookiecutter.project_name }}")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "{{ cookiecutter.project_name }}")
{%- if cookiecutter.enable_tracing %}
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
{%- endif %}
{%- if cookiecutter.enable_idempotency %}
# The handler's idempotency table, which its tests make in moto (never a real account).
os.environ.setdefault("IDEMPOTENCY_TABLE", "idempotency-records")
os.environ.setdefault("IDEMPOTENCY_EXPIRES_AFTER_SECONDS", "3600")
for name, value in {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}.items():
    os.environ[name] = value
{%- endif %}

PROJECT_ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="session")
def context() -> dict:
    """The context cdk synth would use: settings and feature flags from cdk.json."""
    return json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]


@pytest.fixture(scope="session")
def settings(context) -> Settings:
    """The settings of the stage cdk.json deploys by default."""
    from {{ cookiecutter.__package_name }}.application import SETTINGS_MODULES

    return settings_of_stage(context, units=SETTINGS_MODULES)
