"""Helpers of the template tests: bake the template with given answers, synthesize a bake."""

import importlib.util
import json
import os
import runpy
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import aws_cdk
import pytest

TEMPLATE_ROOT = Path(__file__).parents[1]
RULES_FILE = (
    TEMPLATE_ROOT / "{{cookiecutter.project_name}}/{{cookiecutter.__package_name}}/settings.py"
)
CHOICES_FILE = TEMPLATE_ROOT / "hooks/choices.py"
VENV_BIN = Path(sys.executable).parent
CDK = Path(os.environ.get("CDK_CLI", TEMPLATE_ROOT / "build/cdk-cli/node_modules/.bin/cdk"))
# jsii prints a banner on every run under an end-of-life Node.js; it is noise in test output.
QUIET_NODE = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
}


# What tools write into a project, not rendered from the template.
CACHES = {"__pycache__", ".ruff_cache", ".pytest_cache", "cdk.out"}


def project_files(project: Path) -> list[Path]:
    return [p for p in project.rglob("*") if p.is_file() and not CACHES & set(p.parts)]


def run_env() -> dict:
    """The environment of a command run in a bake: this venv's tools first on PATH."""
    return {**os.environ, **QUIET_NODE, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}


def load_rules(path: Path = RULES_FILE, name: str = "project_settings"):
    """The generated project's settings module (or another module of the template, such as
    hooks/choices.py), loaded from the template as the hooks load it, without writing its
    bytecode into the template (every later render would copy it)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes_bytecode
    return module


def render(output_dir: Path, *answers: str) -> subprocess.CompletedProcess:
    """`cookiecutter --no-input` from the command line, as a user or a CI job runs it."""
    return subprocess.run(
        [str(VENV_BIN / "cookiecutter"), "--no-input", "-o", str(output_dir), str(TEMPLATE_ROOT)]
        + list(answers),
        capture_output=True,
        text=True,
        env=run_env(),
        timeout=120,
    )


def bake_ok(cookies, **answers) -> Path:
    result = cookies.bake(extra_context=answers)
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return Path(result.project_path)


@dataclass
class Synth:
    project: Path
    template: dict
    report: dict
    manifest: dict
    other_templates: dict  # stack name: template, of the app's other stacks

    @property
    def resources(self) -> dict:
        return self.template["Resources"]

    def of_type(self, resource_type: str) -> dict:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def one(self, resource_type: str, **props) -> tuple[str, dict]:
        found = {
            k: v["Properties"]
            for k, v in self.of_type(resource_type).items()
            if all(v["Properties"].get(name) == value for name, value in props.items())
        }
        assert len(found) == 1, f"expected one {resource_type} with {props}, found {sorted(found)}"
        return next(iter(found.items()))


def synth(project: Path, *arguments: str) -> Synth:
    """`cdk synth` in the bake, as a user runs it: its own process, cdk.json, cdk-nag included;
    arguments are added to the command (`-c stage=prod`)."""
    if not CDK.exists():
        pytest.fail(f"CDK CLI not found at {CDK}: run the tests with `make test`")
    result = subprocess.run(
        [str(CDK), "synth", "--quiet", *arguments],
        cwd=project,
        env=run_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return read_synth(project)


# What the CDK CLI adds to an app's context (see `cdk synth --help`): asset and construct-path
# metadata, version reporting, every stack bundled.
CLI_CONTEXT = {
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:version-reporting": True,
    "aws:cdk:bundling-stacks": ["**"],
}


def synth_in_process(project: Path) -> Synth:
    """The bake's app.py run in this process, as `cdk synth` runs it (cdk.json's context and
    the CLI's, cdk-nag and cfn-lint included), writing the same cloud assembly without starting
    Node.js, the CLI and aws-cdk-lib again: a few seconds less per synth.

    The CLI passes context and output folder in environment variables, which the CDK's Node.js
    process reads once; in one process they go to the App instead. The bake's package replaces
    any other bake's of the same name."""
    context = {**json.loads((project / "cdk.json").read_text())["context"], **CLI_CONTEXT}
    package = next(path.parent.name for path in project.glob("*/application.py"))
    for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
        del sys.modules[name]
    original_app, saved_path, saved_cwd = aws_cdk.App, list(sys.path), Path.cwd()

    def app_of_this_bake(**options) -> aws_cdk.App:
        return original_app(**options, context=context, outdir=str(project / "cdk.out"))

    aws_cdk.App = app_of_this_bake
    sys.path.insert(0, str(project))
    os.chdir(project)
    try:
        runpy.run_path(str(project / "app.py"), run_name="__main__")
    finally:
        aws_cdk.App, sys.path[:] = original_app, saved_path
        os.chdir(saved_cwd)
    return read_synth(project)


def read_synth(project: Path) -> Synth:
    """What the last `cdk synth` of the bake wrote."""
    out = project / "cdk.out"
    manifest = json.loads((out / "manifest.json").read_text())
    # The stacks of this synth (cdk.out may still hold templates of earlier ones): the service's
    # stack and, in a REST project, the account's API Gateway logging stack.
    templates = {
        artifact["properties"].get("stackName", name): json.loads(
            (out / artifact["properties"]["templateFile"]).read_text()
        )
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    (service_stack,) = [name for name in templates if name.endswith("-queue-stack")]
    return Synth(
        project=project,
        template=templates.pop(service_stack),
        report=json.loads((out / "validation-report.json").read_text()),
        manifest=manifest,
        other_templates=templates,
    )
