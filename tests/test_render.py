"""What rendering produces: no leftover template syntax, pruned options, lint-clean code."""

import itertools
import json
import re
import subprocess
import sys

import pytest

from .bakery import TEMPLATE_ROOT, VENV_BIN, bake_ok, run_env

# Jinja that was not rendered. A lone "}}" is left out: nested Python dicts end with it.
LEFTOVER = re.compile(r"{{|{%|%}|{#|cookiecutter\.")
CACHES = {"__pycache__", ".ruff_cache", ".pytest_cache", "cdk.out"}
JWT = {"jwt_issuer": "https://issuer.example.com/", "jwt_audience": "orders"}


def option_sets():
    booleans = (True, False)
    for kms, vpc, tracing, auth in itertools.product(
        booleans, booleans, booleans, ("iam", "jwt", "none")
    ):
        answers = {
            "enable_kms": kms,
            "enable_vpc": vpc,
            "enable_tracing": tracing,
            "api_auth": auth,
        }
        if auth == "jwt":
            answers |= JWT
        yield pytest.param(answers, id=f"kms={kms}-vpc={vpc}-tracing={tracing}-auth={auth}")


def project_files(project):
    return [p for p in project.rglob("*") if p.is_file() and not CACHES & set(p.parts)]


@pytest.mark.parametrize("answers", list(option_sets()))
def test_rendered_project_is_clean(cookies, answers):
    project = bake_ok(cookies, **answers)
    for path in project_files(project):
        text = path.read_text()
        assert not LEFTOVER.search(text), f"{path}: {LEFTOVER.search(text).group()}"
        if path.suffix == ".json":
            json.loads(text)
    lint = [
        [str(VENV_BIN / "ruff"), "check", "."],
        [str(VENV_BIN / "ruff"), "format", "--check", "."],
    ]
    for command in lint:
        result = subprocess.run(command, cwd=project, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


# What must not appear in a project rendered without an option. cdk.json's feature flags
# (lines starting "@aws-cdk/) name every CDK module and are left out of the search.
TRACES_OF_OPTION = {
    "enable_kms": re.compile(r"kms|encryption_key|customer-managed", re.IGNORECASE),
    "enable_vpc": re.compile(r"vpc|\bec2\b|subnet|security.group|network", re.IGNORECASE),
}


@pytest.mark.parametrize("option", sorted(TRACES_OF_OPTION))
def test_a_disabled_option_leaves_no_trace(cookies, option):
    project = bake_ok(cookies, **{option: False})
    found = [
        f"{path.relative_to(project)}:{number}: {line.strip()}"
        for path in project_files(project)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if TRACES_OF_OPTION[option].search(line) and not line.strip().startswith('"@aws-cdk/')
    ]
    found += [str(p) for p in project_files(project) if TRACES_OF_OPTION[option].search(p.name)]
    assert found == []


def test_an_enabled_option_keeps_its_code(cookies):
    project = bake_ok(cookies, enable_kms=True, enable_vpc=True)
    package = project / "orders_ingest"
    assert (package / "network.py").exists()
    assert "kms.Key(" in (package / "stack.py").read_text()


def test_every_variable_has_a_prompt():
    context = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())
    variables = {name for name in context if not name.startswith("_")}
    assert variables == set(context["__prompts__"])


def test_post_gen_says_where_the_project_went(tmp_path):
    result = subprocess.run(
        [str(VENV_BIN / "cookiecutter"), "--no-input", "-o", str(tmp_path), str(TEMPLATE_ROOT)],
        capture_output=True,
        text=True,
        env=run_env(),
    )
    assert result.returncode == 0, result.stderr
    assert f"Generated orders-ingest in {tmp_path / 'orders-ingest'}" in result.stdout


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({}, id="defaults"),
        pytest.param(
            {
                "enable_kms": True,
                "enable_vpc": True,
                "enable_tracing": True,
                "api_auth": "jwt",
                "alarm_email": "oncall@example.com",
                **JWT,
            },
            id="all-on",
        ),
    ],
)
def test_generated_project_passes_its_own_tests(cookies, answers):
    project = bake_ok(cookies, **answers)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=run_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", result.stdout)
