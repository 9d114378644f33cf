"""The hooks' functions, called one by one: each hook file is rendered with the answers, as
cookiecutter renders it, and imported (its main() runs only as a script)."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from jinja2 import Environment

from .bakery import TEMPLATE_ROOT

DEFAULTS = {
    name: value[0] if isinstance(value, list) else value
    for name, value in json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text()).items()
    if not name.startswith("_")
} | {"__package_name": "orders_ingest"}
COGNITO = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Orders1"
IDEMPOTENCY_SETTINGS = "consumer/idempotency_settings.py"


@pytest.fixture
def hook(tmp_path, monkeypatch):
    """hook("pre_gen_project", **answers): the hook rendered with the default answers changed,
    imported, with its changes to sys.path and bytecode writing undone after the test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "dont_write_bytecode", sys.dont_write_bytecode)

    def rendered(name: str, **answers):
        source = (TEMPLATE_ROOT / "hooks" / f"{name}.py").read_text()
        context = {"cookiecutter": DEFAULTS | answers, "template_dir": str(TEMPLATE_ROOT)}
        path = tmp_path / f"{name}.py"
        path.write_text(Environment().from_string(source).render(context))
        spec = importlib.util.spec_from_file_location(f"rendered_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.use_template_modules()
        return module

    return rendered


def test_a_hook_reads_the_answers_as_data(hook, tmp_path):
    marker = tmp_path / "injected"
    escape = f"'''\"\"\"); open({str(marker)!r}, 'w').close(); (\"\"\"'''"
    pre = hook("pre_gen_project", jwt_audience=escape)
    assert pre.ANSWERS["jwt_audience"] == escape
    assert not marker.exists()


def test_the_answers_are_checked_in_the_order_of_the_questions(hook):
    pre = hook("pre_gen_project")
    ordered = pre.in_question_order({"stage": "dev", "api_type": "http", "project_name": "x"})
    assert list(ordered) == ["api_type", "project_name", "stage"]


def test_every_bad_answer_is_one_line_and_warnings_wait_for_good_answers(hook):
    pre = hook("pre_gen_project", project_name="Orders", batch_size=0, api_auth="none")
    errors, warnings = pre.check(pre.in_question_order(pre.ANSWERS))
    assert [line.split(":")[0] for line in errors] == ["project_name='Orders'", "batch_size=0"]
    assert warnings == []


@pytest.mark.parametrize(
    ("answers", "warned"),
    [
        ({"api_auth": "none", "dlq_retries": 2}, ["dlq_retries=2", "api_auth=none"]),
        # A batch of the largest messages, with 1 KiB of event each, above Lambda's 6 MiB:
        # 23 x 257 KiB fits, 24 do not.
        ({"batch_size": 23}, []),
        ({"batch_size": 24}, ["batch_size=24 x max_message_kib=256"]),
        ({"batch_size": 5, "max_message_kib": 1024}, []),
        ({"batch_size": 6, "max_message_kib": 1024}, ["batch_size=6 x max_message_kib=1024"]),
    ],
)
def test_good_answers_may_bring_warnings(hook, answers, warned):
    pre = hook("pre_gen_project", **answers)
    errors, warnings = pre.check(pre.ANSWERS)
    assert errors == []
    assert [w.split(":")[0] for w in warnings] == warned


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"api_auth": "jwt"}, ["jwt_issuer is missing", "jwt_audience is missing"]),
        ({"api_type": "rest", "api_auth": "jwt"}, ["jwt_issuer is missing"]),
        ({"api_type": "rest", "api_auth": "jwt", "jwt_issuer": COGNITO}, []),
        ({"api_keys": True}, ["api_keys=True"]),
        ({"api_type": "rest", "api_keys": True}, []),
        ({"project_name": "json"}, ["project_name='json'"]),
        ({"project_name": "envelope"}, ["project_name='envelope'"]),
        ({"max_message_kib": 0}, ["max_message_kib=0"]),
        ({"max_message_kib": 1025}, ["max_message_kib=1025"]),
        # FIFO's limits: only with queue_type=fifo, every one broken named, in question order.
        ({"batch_size": 20, "api_throttling": 500}, []),
        ({"queue_type": "fifo", "batch_size": 10, "api_throttling": 300}, []),
        ({"queue_type": "fifo", "batch_size": 11}, ["batch_size=11"]),
        ({"queue_type": "fifo", "api_throttling": 301}, ["api_throttling=301"]),
        (
            {"queue_type": "fifo", "batch_size": 20, "api_throttling": 500},
            ["api_throttling=500", "batch_size=20"],
        ),
    ],
)
def test_the_rules_of_the_units_kept_check_the_answers(hook, answers, expected):
    pre = hook("pre_gen_project", **answers)
    errors, _ = pre.check(pre.in_question_order(pre.ANSWERS))
    assert [line.split(":")[0] for line in errors] == expected


@pytest.mark.parametrize(
    ("answers", "settings_files"),
    [
        ({}, ["http_api/settings.py", IDEMPOTENCY_SETTINGS]),
        (
            {"api_auth": "jwt"},
            ["http_api/settings.py", "http_api/jwt_settings.py", IDEMPOTENCY_SETTINGS],
        ),
        ({"api_type": "rest"}, ["rest_api/settings.py", IDEMPOTENCY_SETTINGS]),
        (
            {"api_type": "rest", "api_auth": "jwt"},
            ["rest_api/settings.py", "rest_api/cognito_settings.py", IDEMPOTENCY_SETTINGS],
        ),
        (
            {"queue_type": "fifo"},
            ["http_api/settings.py", "queue/fifo_settings.py", IDEMPOTENCY_SETTINGS],
        ),
        ({"enable_idempotency": False}, ["http_api/settings.py"]),
        (
            {"api_type": "rest", "queue_type": "fifo", "enable_idempotency": False},
            ["rest_api/settings.py", "queue/fifo_settings.py"],
        ),
    ],
)
def test_the_settings_modules_loaded_are_those_the_render_keeps(hook, answers, settings_files):
    hook("pre_gen_project")
    import choices

    answers = DEFAULTS | answers
    package = choices.PACKAGE + "/"
    assert [path.removeprefix(package) for path in choices.settings_files(answers)] == (
        settings_files
    )
    removed = choices.files_of_choices_not_made(answers)
    assert not set(choices.settings_files(answers)) & set(removed)
    _, units = choices.load_settings(TEMPLATE_ROOT, answers)
    assert [unit.__file__ for unit in units] == [
        str(TEMPLATE_ROOT / choices.PROJECT_TEMPLATE / path)
        for path in choices.settings_files(answers)
    ]


# Files beside those of the choices, in folders that hold some: every project keeps them.
EVERY_PROJECT = (
    "orders_ingest/queue/infrastructure.py",
    "orders_ingest/consumer/infrastructure.py",
)
IDEMPOTENCY_FILES = (
    "orders_ingest/consumer/idempotency.py",
    "orders_ingest/consumer/idempotency_settings.py",
)


def project_of_every_choice(root: Path) -> None:
    """A project as rendered before pruning: the files of every choice."""
    for path in (
        "orders_ingest/network/infrastructure.py",
        "orders_ingest/http_api/infrastructure.py",
        "orders_ingest/http_api/jwt_settings.py",
        "orders_ingest/rest_api/infrastructure.py",
        "orders_ingest/rest_api/cognito_settings.py",
        *EVERY_PROJECT,
        "orders_ingest/queue/fifo_settings.py",
        "orders_ingest/consumer/idempotency.py",
        "orders_ingest/consumer/idempotency_settings.py",
        "tests/unit/test_http_api.py",
        "tests/unit/test_rest_api.py",
    ):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).touch()


@pytest.mark.parametrize(
    ("answers", "kept"),
    [
        (
            {},
            [
                "orders_ingest/api/infrastructure.py",
                *IDEMPOTENCY_FILES,
                "tests/unit/test_http_api.py",
            ],
        ),
        (
            {"api_type": "rest", "api_auth": "jwt", "enable_vpc": True},
            [
                "orders_ingest/api/cognito_settings.py",
                "orders_ingest/api/infrastructure.py",
                *IDEMPOTENCY_FILES,
                "orders_ingest/network/infrastructure.py",
                "tests/unit/test_rest_api.py",
            ],
        ),
        (
            {"api_auth": "jwt"},
            [
                "orders_ingest/api/infrastructure.py",
                "orders_ingest/api/jwt_settings.py",
                *IDEMPOTENCY_FILES,
                "tests/unit/test_http_api.py",
            ],
        ),
        (
            {"queue_type": "fifo", "enable_idempotency": False},
            [
                "orders_ingest/api/infrastructure.py",
                "orders_ingest/queue/fifo_settings.py",
                "tests/unit/test_http_api.py",
            ],
        ),
        (
            {"api_type": "rest", "queue_type": "fifo"},
            [
                "orders_ingest/api/infrastructure.py",
                *IDEMPOTENCY_FILES,
                "orders_ingest/queue/fifo_settings.py",
                "tests/unit/test_rest_api.py",
            ],
        ),
    ],
)
def test_prune_removes_the_files_of_choices_not_made(hook, tmp_path, monkeypatch, answers, kept):
    project = tmp_path / "project"
    project_of_every_choice(project)
    post = hook("post_gen_project", **answers)
    monkeypatch.chdir(project)
    post.prune(post.ANSWERS)
    files = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert files == sorted([*kept, *EVERY_PROJECT])


@pytest.mark.parametrize(
    ("url", "recorded"),
    [
        ("https://x-access-token:ghp_secret@github.com/org/t.git", "https://github.com/org/t.git"),
        ("https://ghp_secret@github.com/org/t.git", "https://github.com/org/t.git"),
        ("ssh://git:secret@github.com/org/t.git", "ssh://git@github.com/org/t.git"),
        ("git@github.com:org/t.git", "git@github.com:org/t.git"),
        ("/home/me/templates/t", "/home/me/templates/t"),
    ],
)
def test_the_template_s_address_is_recorded_without_credentials(
    hook, tmp_path, monkeypatch, url, recorded
):
    post = hook("post_gen_project")
    answers = {"rev-parse": "0" * 40, "remote": url}
    monkeypatch.setattr(post, "git", lambda command, *arguments: answers[command])
    monkeypatch.chdir(tmp_path)
    post.record_template()
    record = json.loads((tmp_path / ".cruft.json").read_text())
    assert record["template"] == recorded
    assert record["commit"] == "0" * 40
    assert "secret" not in (tmp_path / ".cruft.json").read_text()


COMMIT = "1" * 40


@pytest.mark.parametrize(
    ("origin", "prefix", "pinned"),
    [
        (
            "https://bot:secret@git.example.com/platform/t.git",
            "",
            f"git+https://git.example.com/platform/t.git@{COMMIT}#subdirectory=devkit",
        ),
        (
            "git@github.com:org/t.git",
            "",
            f"git+ssh://git@github.com/org/t.git@{COMMIT}#subdirectory=devkit",
        ),
        (
            "/srv/git/t",
            "templates/api-sqs/",
            f"git+file:///srv/git/t@{COMMIT}#subdirectory=templates/api-sqs/devkit",
        ),
        (
            "../t",  # relative to the template's checkout, not to the new project
            "",
            f"git+{(TEMPLATE_ROOT.parent / 't').resolve().as_uri()}@{COMMIT}#subdirectory=devkit",
        ),
    ],
)
def test_the_devkit_is_pinned_to_the_template_s_repository_and_commit(
    hook, monkeypatch, origin, prefix, pinned
):
    post = hook("post_gen_project")
    answers = {"rev-parse": lambda a: COMMIT if a == ["HEAD"] else prefix, "remote": origin}
    answers["status"] = ""

    def git(command, *arguments):
        answer = answers[command]
        return answer(list(arguments)) if callable(answer) else answer

    monkeypatch.setattr(post, "git", git)
    assert post.devkit_requirement() == f"api-sqs-devkit[cdk] @ {pinned}"


def test_a_template_that_is_no_git_checkout_pins_its_own_devkit_folder(hook, monkeypatch):
    post = hook("post_gen_project")
    monkeypatch.setattr(post, "git", lambda *arguments: None)
    devkit = (TEMPLATE_ROOT / "devkit").as_uri()
    assert post.devkit_requirement() == f"api-sqs-devkit[cdk] @ {devkit}"
