"""A project rendered from an older commit of the template takes the current one with cruft,
keeping its own changes."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .bakery import TEMPLATE_ROOT, VENV_BIN, run_env

PROJECT_TEMPLATE = "{{cookiecutter.project_name}}"
IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "__pycache__", ".*_cache")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, cwd=cwd, env={**run_env(), **GIT_IDENTITY}, capture_output=True, text=True
    )
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    return result


def commit_all(repo: Path, message: str) -> str:
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", message], repo)
    return run(["git", "rev-parse", "HEAD"], repo).stdout.strip()


@pytest.fixture
def template_history(tmp_path) -> tuple[Path, str, str]:
    """A git repository of the template: an older commit (without the pre-commit config, with
    another Makefile comment), then the template as it is now."""
    repo = tmp_path / "template"
    shutil.copytree(TEMPLATE_ROOT, repo, ignore=IGNORED)
    run(["git", "init", "-q", "-b", "main"], repo)
    project_template = repo / PROJECT_TEMPLATE
    (project_template / ".pre-commit-config.yaml").unlink()
    makefile = project_template / "Makefile"
    current_makefile = makefile.read_text()
    makefile.write_text(current_makefile.replace("# Everything installs", "# All installs", 1))
    older = commit_all(repo, "older")
    shutil.copy2(TEMPLATE_ROOT / PROJECT_TEMPLATE / ".pre-commit-config.yaml", project_template)
    makefile.write_text(current_makefile)
    current = commit_all(repo, "current")
    return repo, older, current


def test_cruft_updates_a_project_from_an_older_template_commit(template_history, tmp_path):
    repo, older, current = template_history
    cruft = str(VENV_BIN / "cruft")
    out = tmp_path / "out"
    run(
        [cruft, "create", str(repo), "--checkout", older, "--no-input", "--output-dir", str(out)],
        tmp_path,
    )
    project = out / "orders-ingest"
    record = json.loads((project / ".cruft.json").read_text())
    assert (record["template"], record["commit"]) == (str(repo), older)
    assert not (project / ".pre-commit-config.yaml").exists()

    # The team's own changes, committed: business logic and a README note.
    run(["git", "init", "-q", "-b", "main"], project)
    logic = project / "orders_ingest/consumer/runtime/business_logic.py"
    logic.write_text(logic.read_text() + "\n# our own processing\n")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOur team's notes.\n")
    commit_all(project, "rendered and changed")

    behind = subprocess.run([cruft, "check"], cwd=project, env=run_env(), capture_output=True)
    assert behind.returncode != 0, "cruft check should see the newer template commit"

    run([cruft, "update", "--skip-apply-ask", "--checkout", current], project)
    assert (project / ".pre-commit-config.yaml").exists()
    assert (project / "Makefile").read_text().startswith("# Everything installs")
    assert logic.read_text().endswith("# our own processing\n")
    assert readme.read_text().endswith("Our team's notes.\n")
    assert json.loads((project / ".cruft.json").read_text())["commit"] == current
    status = run(["git", "status", "--porcelain"], project).stdout
    assert not [line for line in status.splitlines() if line.endswith(".rej")], status


def test_a_plain_cookiecutter_render_records_what_it_was_made_from(cookies):
    result = cookies.bake()
    assert result.exception is None
    record = json.loads((Path(result.project_path) / ".cruft.json").read_text())
    head = run(["git", "rev-parse", "HEAD"], TEMPLATE_ROOT).stdout.strip()
    assert record["commit"] == head
    origin = subprocess.run(
        ["git", "remote", "get-url", "origin"], cwd=TEMPLATE_ROOT, capture_output=True, text=True
    )
    # A clone records where later versions come from; a local checkout without one, its path.
    assert record["template"] == (origin.stdout.strip() or str(TEMPLATE_ROOT))
    assert record["context"]["cookiecutter"]["project_name"] == "orders-ingest"
    assert "_output_dir" not in record["context"]["cookiecutter"]


def test_the_record_keeps_no_credentials_of_the_template_address(tmp_path):
    """A template cloned with a token in its address (https://user:token@host/...) is recorded
    without it: .cruft.json is committed with the project."""
    repo = tmp_path / "template"
    shutil.copytree(TEMPLATE_ROOT, repo, ignore=IGNORED)
    run(["git", "init", "-q", "-b", "main"], repo)
    commit = commit_all(repo, "template")
    address = "git.example.com/platform/api-sqs-template.git"
    secret = "glpat-s3cr3t-t0ken"
    run(["git", "remote", "add", "origin", f"https://deploy-bot:{secret}@{address}"], repo)
    out = tmp_path / "out"
    run([str(VENV_BIN / "cookiecutter"), "--no-input", "-o", str(out), str(repo)], tmp_path)
    project = out / "orders-ingest"
    record = json.loads((project / ".cruft.json").read_text())
    assert (record["template"], record["commit"]) == (f"https://{address}", commit)
    assert record["context"]["cookiecutter"]["_template"] == f"https://{address}"
    leaked = [
        path.relative_to(project)
        for path in project.rglob("*")
        if path.is_file()
        and any(s in path.read_text(errors="ignore") for s in (secret, "deploy-bot"))
    ]
    assert leaked == []


def devkit_requirement(project: Path) -> str:
    (line,) = [
        line
        for line in (project / "requirements.txt").read_text().splitlines()
        if line.startswith("api-sqs-devkit")
    ]
    return line


def test_a_render_pins_the_devkit_of_its_commit_and_cruft_update_moves_the_pin(
    template_history, tmp_path
):
    """Rendered from the template's git address (no package index of ours), a project installs
    the devkit from that repository at the commit it was rendered from; an update moves it."""
    repo, older, current = template_history
    address = repo.as_uri()
    cruft = str(VENV_BIN / "cruft")
    out = tmp_path / "out"
    run(
        [cruft, "create", address, "--checkout", older, "--no-input", "--output-dir", str(out)],
        out.parent,
    )
    project = out / "orders-ingest"
    assert devkit_requirement(project) == (
        f"api-sqs-devkit[cdk] @ git+{address}@{older}#subdirectory=devkit"
    )

    # pip installs that line as it is, offline (the venv's own pip is too old for it).
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    pip = [str(venv / "bin/python"), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run([*pip, "install", "--upgrade", "pip"], tmp_path)
    run([*pip, "install", "--no-deps", devkit_requirement(project)], tmp_path)
    installed = run(
        [
            str(venv / "bin/python"),
            "-c",
            "import importlib.metadata as m;"
            " print(m.distribution('api-sqs-devkit').read_text('direct_url.json'))",
        ],
        tmp_path,
    )
    source = json.loads(installed.stdout)
    assert (source["url"], source["vcs_info"]["commit_id"]) == (address, older)

    run(["git", "init", "-q", "-b", "main"], project)
    commit_all(project, "rendered")
    run([cruft, "update", "--skip-apply-ask", "--checkout", current], project)
    assert devkit_requirement(project) == (
        f"api-sqs-devkit[cdk] @ git+{address}@{current}#subdirectory=devkit"
    )
