"""Finish the project: remove what the choices not made would need, quote its capacity in the
README, record what it was made from (for `cruft update`), and say what to do next."""

import importlib
import json
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

# fmt: off
ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')  # JSON text, never code
TEMPLATE_DIR = json.loads(r'''{{ template_dir | tojson }}''')
# fmt: on
PACKAGE = ANSWERS["__package_name"]
CAPACITY_MARKER = "<!-- capacity table -->"
COST_MARKER = "<!-- cost table -->"
# The requirement of the template's package, pinned to the commit the project is rendered from.
DEVKIT = "api-sqs-devkit[cdk]"


def use_template_modules() -> None:
    """Import hooks/choices.py and the blueprint's devkit from the template, and the project's
    package from here, without writing bytecode anywhere."""
    sys.dont_write_bytecode = True  # a new project starts without caches
    sys.path[:0] = [
        str(Path.cwd()),
        str(Path(TEMPLATE_DIR, "hooks")),
        str(Path(TEMPLATE_DIR, "devkit", "src")),
    ]


def prune(answers: dict) -> None:
    """Remove the files of the choices not made, and name the API unit kept `api`."""
    import choices

    for path in choices.files_of_choices_not_made(answers):
        path = choices.in_project(path, PACKAGE)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():  # a file of a folder removed already
            path.unlink()
    kept_api = choices.in_project(choices.API_UNITS[answers["api_type"]], PACKAGE)
    kept_api.rename(choices.in_project(choices.API_FOLDER, PACKAGE))


def quote_capacity() -> None:
    """Put the capacity and the cost of the rendered settings in the README, as `make capacity`
    and `make cost` print them for the synthesized stage (in a Region of the common quota)."""
    from api_sqs_devkit import capacity, cost

    settings_module = importlib.import_module(f"{PACKAGE}.settings")
    context = json.loads(Path("cdk.json").read_text())["context"]
    settings = settings_module.settings_of_stage(context)
    provisioned = settings.esm_mode == "provisioned"
    scaling = {
        "max_concurrency": settings.lambda_concurrency,
        "esm_mode": settings.esm_mode,
        "minimum_pollers": settings.pollers[0] if provisioned else None,
        "maximum_pollers": settings.pollers[1] if provisioned else None,
    }
    plan = capacity.Capacity(
        capacity.CapacityInputs(
            api_rate_limit=settings.api_throttling,
            api_burst_limit=settings.api_burst,
            batch_size=settings.batch_size,
            batching_window_seconds=settings.batching_window_seconds,
            consumer_timeout_seconds=settings.consumer_timeout_seconds,
            visibility_timeout_seconds=settings.visibility_timeout_seconds,
            queue_retention_seconds=settings.queue_retention * capacity.DAY,
            max_receive_count=settings.dlq_retries,
            fifo=ANSWERS["queue_type"] == "fifo",
            max_message_bytes=settings.max_message_bytes,
            **scaling,
        )
    )
    kms = ANSWERS["enable_kms"]
    costs = cost.CostInputs(
        api_kind=ANSWERS["api_type"],
        api_rate_limit=settings.api_throttling,
        fifo=ANSWERS["queue_type"] == "fifo",
        batch_size=settings.batch_size,
        batching_window_seconds=settings.batching_window_seconds,
        max_message_bytes=settings.max_message_bytes,
        memory_mb=settings_module.CONSUMER_MEMORY_MB,
        architecture=settings_module.CONSUMER_ARCHITECTURE,
        kms=kms,
        # The logs key, and with enable_kms the queues' and the alarm topic's; the six alarms
        # of monitoring/infrastructure.py (the template's tests compare with `make cost`).
        kms_keys=3 if kms else 1,
        alarms=6,
        idempotency=ANSWERS["enable_idempotency"],
        **scaling,
    )
    readme = Path("README.md")
    quoted = readme.read_text().replace(CAPACITY_MARKER, capacity.markdown(plan))
    readme.write_text(quoted.replace(COST_MARKER, cost.markdown(costs)))
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def git(*arguments: str) -> str | None:
    """git's answer about the template's checkout; None when it has none (or no git)."""
    try:
        result = subprocess.run(
            ["git", "-C", TEMPLATE_DIR, *arguments], capture_output=True, text=True
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def without_credentials(url: str) -> str:
    """The address without the user and password (often a token) an http(s) address may carry;
    an ssh:// address keeps its user (how to log in, not a secret) but not a password."""
    parts = urllib.parse.urlsplit(url)
    user, at, host = parts.netloc.rpartition("@")
    if not at:
        return url  # a path, an scp-like git@host:repo, or an address without credentials
    kept_user = "" if parts.scheme in ("http", "https") else user.partition(":")[0] + "@"
    return urllib.parse.urlunsplit(parts._replace(netloc=kept_user + host))


def template_address() -> str:
    """Where later versions of the template come from: the origin of the clone cookiecutter or
    cruft made of a remote template, or the checkout itself; without credentials."""
    return without_credentials(git("remote", "get-url", "origin") or TEMPLATE_DIR)


def as_pip_url(address: str) -> str:
    """A git address as pip takes it after `git+`: a path (relative to the template) as a
    file:// URL, and scp-like `git@host:org/repo` as ssh://."""
    if "://" in address:
        return address
    if ":" in address.split("/", 1)[0]:
        host, _, path = address.partition(":")
        return f"ssh://{host}/{path}"
    return Path(TEMPLATE_DIR, address).resolve().as_uri()


def devkit_requirement() -> str:
    """The devkit of this template's commit: installed from the template's own repository (no
    package index needed), so `cruft update` moves it with the rest of the template. A template
    that is not a git checkout pins its own devkit folder."""
    commit = git("rev-parse", "HEAD")
    if not commit:
        return f"{DEVKIT} @ {Path(TEMPLATE_DIR, 'devkit').as_uri()}"
    if git("status", "--porcelain", "--", "devkit"):
        print("warning: devkit/ has uncommitted changes; the project pins the committed devkit")
    # The template may sit in a folder of its repository.
    subdirectory = f"{git('rev-parse', '--show-prefix')}devkit"
    address = as_pip_url(template_address())
    return f"{DEVKIT} @ git+{address}@{commit}#subdirectory={subdirectory}"


def pin_devkit() -> None:
    requirements = Path("requirements.txt")
    lines = requirements.read_text().splitlines()
    pinned = [devkit_requirement() if line.startswith(DEVKIT) else line for line in lines]
    requirements.write_text("\n".join(pinned) + "\n")


def record_template() -> None:
    """Write .cruft.json, as `cruft create` would: the template's address and commit, and the
    answers. `cruft check` and `cruft update` then bring in later versions of the template; the
    files they leave alone are listed in pyproject.toml ([tool.cruft] skip)."""
    commit = git("rev-parse", "HEAD")
    if not commit:
        print("note: the template is not a git checkout; no .cruft.json for template updates")
        return
    template = template_address()
    answers = {k: v for k, v in ANSWERS.items() if k not in ("_output_dir", "_repo_dir")}
    record = {
        "template": template,
        "commit": commit,
        "checkout": ANSWERS.get("_checkout"),
        "context": {"cookiecutter": {**answers, "_template": template, "_commit": commit}},
        "directory": None,
    }
    Path(".cruft.json").write_text(json.dumps(record, indent=2) + "\n")


def main() -> None:
    use_template_modules()
    prune(ANSWERS)
    pin_devkit()
    quote_capacity()
    record_template()
    project = Path.cwd()
    print(f"Generated {project.name} in {project}")
    print(f"  next: cd {project} && make install && make test && make synth")


if __name__ == "__main__":
    main()
