"""Every command of a generated project's README runs as written, from a fresh render.

The README's fenced bash blocks are run command by command, in the README's order, from the
project's folder, in a shell like a developer's: no virtual environment active and none on PATH
(not even the template's, which runs these tests), so `python3` is the machine's own. The
commands that cannot run here are left out by NOT_RUN, each with its reason; every entry there
must still match a command, so the list cannot go stale.
"""

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from .bakery import QUIET_NODE, TEMPLATE_ROOT, render

# One render and one `make install` (pip and npm, about a minute) for the whole module.

# (pattern searched in a command, why the command is not run here)
NOT_RUN = [
    (
        r"^make (bootstrap|deploy|diff|destroy|peek-dlq|redrive-dlq|smoke-test)\b",
        "needs an AWS account",
    ),
    (r"\baws |^curl |^TOKEN=", "needs an AWS account: the deployed stack, its URL, a token"),
    (r"^make local\b", "serves until Ctrl-C; tests/test_local.py runs the local stack"),
    (r"\bcruft\b", "needs the template's git remote; `pip install` would change this machine"),
    (r"^make test$", "the project's own suite: tests/test_render.py runs it on the same render"),
]
# Patterns and MUST_RUN see a command without its comment; the shell runs it as written.
COMMENT = re.compile(r"\s+#.*$")
# What the README must keep telling, and this test must run: the CDK CLI straight from the
# project's folder, with no virtual environment active.
MUST_RUN = ["make install", "make synth", "npx cdk synth -c stage=prod", "make capacity"]

BLOCK = re.compile(r"^```bash\n(.*?)^```", re.M | re.S)


def commands_of(readme: str) -> list[str]:
    """The commands of the README's bash blocks, in order, a continued line joined to the next."""
    commands = []
    for block in BLOCK.findall(readme):
        for command in re.sub(r"\\\n", " ", block).splitlines():
            if command.strip() and not command.lstrip().startswith("#"):
                commands.append(command.strip())
    return commands


def reason_not_run(command: str) -> str | None:
    bare = COMMENT.sub("", command)
    return next((why for pattern, why in NOT_RUN if re.search(pattern, bare)), None)


def developer_env() -> dict:
    """The environment of a developer's shell: no virtual environment active or on PATH."""
    path = [
        folder
        for folder in os.environ["PATH"].split(os.pathsep)
        if folder and not (Path(folder).parent / "pyvenv.cfg").exists()
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return {**env, **QUIET_NODE, "PATH": os.pathsep.join(path)}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("readme")
    result = render(out)
    assert result.returncode == 0, result.stderr
    project = out / "orders-ingest"
    # The template's tests install the devkit of this working tree, not the commit the render
    # pins, whose repository a clone may not reach offline (tests/test_updates.py installs a pin).
    requirements = project / "requirements.txt"
    working_tree = f"api-sqs-devkit[cdk] @ {(TEMPLATE_ROOT / 'devkit').as_uri()}"
    pinned = re.sub(
        r"^api-sqs-devkit\[cdk\] @ .*$", working_tree, requirements.read_text(), flags=re.M
    )
    assert working_tree in pinned
    requirements.write_text(pinned)
    return project


@pytest.fixture(scope="module")
def commands(project) -> list[str]:
    return commands_of((project / "README.md").read_text())


def test_the_key_commands_run_and_every_other_says_why_not(commands):
    bare = [COMMENT.sub("", command) for command in commands]
    assert set(MUST_RUN) <= set(bare), bare
    for command in MUST_RUN:
        assert reason_not_run(command) is None, command
    for pattern, why in NOT_RUN:
        assert [c for c in bare if re.search(pattern, c)], f"nothing matches {pattern} ({why})"


def test_the_readme_commands_run_as_written(project, commands):
    env = developer_env()
    failures = []
    for command in commands:
        if reason_not_run(command):
            continue
        started = time.monotonic()
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )
        print(f"{time.monotonic() - started:5.1f} s  {command}")
        if result.returncode != 0:
            output = (result.stdout + result.stderr)[-2000:]
            failures.append(f"$ {command}\nexit {result.returncode}\n{output}")
    assert not failures, "\n\n".join(failures)
