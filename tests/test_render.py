"""What rendering produces: nothing of the choices not made, prompts, the closing message, and
projects whose own test suites pass. (test_synth checks every combination's code is clean.)"""

import json
import re
import shutil
import subprocess
import sys
import tomllib

import pytest
from api_sqs_devkit import capacity, cost
from api_sqs_devkit.assembly import read_service

from .bakery import TEMPLATE_ROOT, VENV_BIN, bake_ok, project_files, run_env, synth_in_process

JWT = {"jwt_issuer": "https://issuer.example.com/", "jwt_audience": "orders"}
COGNITO = {"jwt_issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Orders1"}


# What must not appear in a project rendered without a choice. cdk.json's feature flags
# (lines starting "@aws-cdk/) name every CDK module and are left out of the search, and so is
# .cruft.json: it records every answer.
TRACES_OF_CHOICE = {
    # The logs' key, which every project has, is one of the README's cost lines.
    "enable_kms=True": re.compile(
        r"(kms|encryption_key|customer-managed)(?! keys \(1\) \| )", re.IGNORECASE
    ),
    "enable_vpc=True": re.compile(r"vpc|\bec2\b|subnet|security.group|network", re.IGNORECASE),
    "api_type=rest": re.compile(
        r"ApiGateway::|RestApi|rest.api|usage.plan|api.key|message_schema|cognito",
        re.IGNORECASE,
    ),
    "api_type=http": re.compile(r"http.api|apigatewayv2|ApiGatewayV2", re.IGNORECASE),
    "queue_type=fifo": re.compile(
        r"fifo|MessageGroupId|message.group|deduplication|SqsFifo", re.IGNORECASE
    ),
    # The idempotency table and the code that uses it. Not the envelope's idempotency_key (the
    # client's Idempotency-Key header), which every project carries.
    "enable_idempotency=True": re.compile(
        r"(?i:dynamodb)|Idempotency(Table|Config)|idempotent_function|idempotency_settings"
        r"|IDEMPOTENCY_(?!KEY)|(?<![\w-])idempotency\.py"
    ),
}
OTHER_CHOICE = {
    "enable_kms=True": {"enable_kms": False},
    "enable_vpc=True": {"enable_vpc": False},
    "api_type=rest": {"api_type": "http"},
    "api_type=http": {"api_type": "rest"},
    "queue_type=fifo": {"queue_type": "standard"},
    "enable_idempotency=True": {"enable_idempotency": False},
}


def traces_in(project, traces: re.Pattern) -> list[str]:
    """The lines and file names of the project that match."""
    found = [
        f"{path.relative_to(project)}:{number}: {line.strip()}"
        for path in project_files(project)
        if path.name != ".cruft.json"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if traces.search(line) and not line.strip().startswith('"@aws-cdk/')
    ]
    return found + [str(p) for p in project_files(project) if traces.search(p.name)]


@pytest.mark.parametrize("choice", sorted(TRACES_OF_CHOICE))
def test_a_choice_not_made_leaves_no_trace(cookies, choice):
    project = bake_ok(cookies, **OTHER_CHOICE[choice])
    assert traces_in(project, TRACES_OF_CHOICE[choice]) == []


def test_an_enabled_option_keeps_its_code(cookies):
    project = bake_ok(
        cookies, enable_kms=True, enable_vpc=True, queue_type="fifo", enable_idempotency=True
    )
    package = project / "orders_ingest"
    assert (package / "network" / "infrastructure.py").exists()
    assert "kms.Key(" in (package / "queue" / "infrastructure.py").read_text()
    assert (package / "queue" / "fifo_settings.py").exists()
    queue_code = (package / "queue" / "infrastructure.py").read_text()
    assert "content_based_deduplication=True" in queue_code
    runtime = package / "consumer" / "runtime"
    assert "SqsFifoPartialProcessor(" in (runtime / "handler.py").read_text()
    assert "group_id" in (runtime / "envelope.py").read_text()
    assert (package / "consumer" / "idempotency.py").exists()
    assert (package / "consumer" / "idempotency_settings.py").exists()
    assert "IdempotencyTable.of_stack(" in (package / "consumer" / "infrastructure.py").read_text()
    assert "@idempotent_function(" in (runtime / "handler.py").read_text()
    # What test_a_choice_not_made_leaves_no_trace looks for is there when the choice is made.
    for choice in ("enable_kms=True", "enable_vpc=True", "queue_type=fifo"):
        assert traces_in(project, TRACES_OF_CHOICE[choice]), choice
    assert traces_in(project, TRACES_OF_CHOICE["enable_idempotency=True"])


# The rules and names of the options a project was not rendered with, which none of its Python
# files may hold (api_key: also the envelope's api_key_id, REST's only), and the settings modules
# it holds besides the service's settings.py: those of its own choices.
REST_RULES = r"cognito|api_key|web_acl|RestApi|rest_api"
HTTP_RULES = r"http_api|HttpApi|apigatewayv2"
JWT_RULES = r"jwt_issuer|jwt_audience|JwtSettings"
FIFO_RULES = r"fifo_settings|MAX_SEND_RATE|message_group_id"
IDEMPOTENCY_RULES = r"idempotency_settings|IdempotencyTable|IDEMPOTENCY_TABLE|idempotent_function"
IDEMPOTENCY_SETTINGS = "consumer/idempotency_settings.py"
RULES_OF_OTHER_CHOICES = {
    "http-iam": (
        {},
        f"{JWT_RULES}|{REST_RULES}|{FIFO_RULES}",
        ["api/settings.py", IDEMPOTENCY_SETTINGS],
    ),
    "http-jwt": (
        {"api_auth": "jwt", "jwt_issuer": "https://issuer.example.com/", "jwt_audience": "a"},
        f"{REST_RULES}|{FIFO_RULES}",
        ["api/settings.py", "api/jwt_settings.py", IDEMPOTENCY_SETTINGS],
    ),
    "rest-iam": (
        {"api_type": "rest"},
        f"{JWT_RULES}|cognito|{HTTP_RULES}|{FIFO_RULES}",
        ["api/settings.py", IDEMPOTENCY_SETTINGS],
    ),
    "http-iam-fifo-at-least-once": (
        {"queue_type": "fifo", "enable_idempotency": False},
        f"{JWT_RULES}|{REST_RULES}|{IDEMPOTENCY_RULES}",
        ["api/settings.py", "queue/fifo_settings.py"],
    ),
    "rest-iam-fifo": (
        {"api_type": "rest", "queue_type": "fifo"},
        f"{JWT_RULES}|cognito|{HTTP_RULES}",
        ["api/settings.py", "queue/fifo_settings.py", IDEMPOTENCY_SETTINGS],
    ),
}


@pytest.mark.parametrize("kind", sorted(RULES_OF_OTHER_CHOICES))
def test_a_project_holds_the_rules_of_its_own_choices_only(cookies, kind):
    answers, other_rules, own_settings = RULES_OF_OTHER_CHOICES[kind]
    project = bake_ok(cookies, **answers)
    package = project / "orders_ingest"
    settings_modules = [str(p.relative_to(package)) for p in package.rglob("*settings.py")]
    assert sorted(settings_modules) == sorted(["settings.py", *own_settings])
    own = list(project.rglob("*.py"))
    found = [
        f"{path.relative_to(project)}:{number}: {line.strip()}"
        for path in own
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(other_rules, line, re.IGNORECASE)
    ]
    assert found == []


def test_the_readme_quotes_the_capacity_of_the_rendered_settings(cookies):
    project = bake_ok(cookies, api_throttling=300, lambda_concurrency=20, batch_size=5)
    readme = (project / "README.md").read_text()
    assert "<!-- capacity table -->" not in readme
    # 20 x 5 / 0.5 s: the consumer drains 200 messages/s, less than the 300 the API takes.
    assert "| drain rate | 200 messages/s (20 x 5 / 0.5 s) |" in readme
    assert "| sustained intake | 300 messages/s (bursts of 600) |" in readme


def synthesized_service(cookies, **answers):
    """The bake's stage as its cloud assembly describes it (what `make capacity` and `make
    cost` read), and the bake's README."""
    project = bake_ok(cookies, **answers)
    synth_in_process(project)
    return read_service(project / "cdk.out"), (project / "README.md").read_text()


@pytest.mark.parametrize("region", ["us-east-1", "eu-south-2"])
def test_the_default_render_s_capacity_and_cost_match_a_hand_calculation(cookies, region):
    """100 requests/s are under both quotas (10,000 in us-east-1, 2,500 in eu-south-2): the
    same figures in both Regions, and those the README quotes."""
    service, readme = synthesized_service(cookies)
    (plan,) = capacity.CapacityInputs.from_service(service, region=region).values()
    figures = capacity.Capacity(plan)
    assert (plan.api_rate_limit, plan.api_burst_limit) == (100, 200)
    assert figures.drain_per_second == 10 * 10 / 0.5  # maximum concurrency x batch / 0.5 s
    at_intake, at_a_tenth = (
        cost.estimate(cost.CostInputs.from_service(service, region=region), rate)
        for rate in (100, 10)
    )
    month = 730 * 3600  # seconds
    assert at_intake.usage["api"] == pytest.approx(100 * month / 1e6 * 1.00)  # $1 a million
    # One send and a tenth of a receive and of a delete a message (batches of 10), $0.40/M.
    assert at_intake.usage["sqs"] == pytest.approx(100 * month * 1.2 / 1e6 * 0.40)
    # 256 MB arm64: 10 invocations/s x 0.5 s x 0.25 GB x $0.0000133334 a GB-second.
    assert at_intake.usage["lambda_duration"] == pytest.approx(10 * month * 0.125 * 0.0000133334)
    # Idempotency: two writes a message at $0.625 a million.
    assert at_intake.usage["dynamodb"] == pytest.approx(100 * month * 2 / 1e6 * 0.625)
    # 3 keys (queues, logs, alarm topic) and 6 alarms.
    assert (at_intake.fixed["kms_keys"], at_intake.fixed["alarms"]) == pytest.approx((3, 0.6))
    assert at_intake.total == pytest.approx(915.21, abs=0.005)
    assert at_a_tenth.total == pytest.approx(103.89, abs=0.005)
    assert "| **in all** | **915.21** | **3.47** | **103.89** | **3.80** |" in readme
    assert "| drain rate | 200 messages/s (10 x 10 / 0.5 s) |" in readme


def test_a_throttle_above_a_reduced_quota_is_held_to_it(cookies):
    """API Gateway takes 2,500 requests/s per account in eu-south-2, 10,000 in us-east-1."""
    service, _ = synthesized_service(cookies, api_throttling="4000", batch_size="100")
    for region, intake in [("us-east-1", 4000), ("eu-south-2", 2500)]:
        (plan,) = capacity.CapacityInputs.from_service(service, region=region).values()
        assert plan.api_rate_limit == intake
        inputs = cost.CostInputs.from_service(service, region=region)
        assert inputs.default_rates[0] == intake
        month = 730 * 3600
        assert cost.estimate(inputs, intake).usage["api"] == pytest.approx(intake * month / 1e6)


def test_provisioned_pollers_of_the_default_render_match_a_hand_calculation(cookies):
    """lambda_concurrency=10 becomes 2 pollers of 10 invocations each: 20 at once."""
    service, readme = synthesized_service(cookies, esm_mode="provisioned")
    (plan,) = capacity.CapacityInputs.from_service(service, region="us-east-1").values()
    assert (plan.esm_mode, plan.pollers, plan.max_concurrency) == ("provisioned", (2, 2), None)
    assert capacity.Capacity(plan).drain_per_second == 2 * 10 * 10 / 0.5
    estimate = cost.estimate(cost.CostInputs.from_service(service), 100)
    # The 2 minimum pollers all month at $0.00925 a poller-hour.
    assert sum(usd for line, usd in estimate.fixed.items() if "poller" in line) == pytest.approx(
        2 * 730 * 0.00925
    )
    assert "| drain rate | 400 messages/s" in readme


def test_every_variable_has_a_prompt():
    context = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())
    variables = {name for name in context if not name.startswith("_")}
    assert variables == set(context["__prompts__"])


def test_a_render_writes_nothing_into_the_project_template(tmp_path):
    """The hooks import the project's modules; bytecode left beside them in the template would
    be copied into every later render. (cookiecutter's own import of local_extensions.py may
    cache it beside the template's root: never rendered, and ignored by git.)"""
    template = tmp_path / "template"
    ignored = shutil.ignore_patterns(".git", ".venv", "build", "__pycache__", ".*_cache")
    shutil.copytree(TEMPLATE_ROOT, template, ignore=ignored)
    project_template = template / "{{cookiecutter.project_name}}"
    before = sorted(project_template.rglob("*"))
    # As most people run it: Python writes bytecode unless told not to.
    env = {k: v for k, v in run_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    for output in (tmp_path / "first", tmp_path / "second"):
        result = subprocess.run(
            [str(VENV_BIN / "cookiecutter"), "--no-input", "-o", str(output), str(template)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
    assert sorted(project_template.rglob("*")) == before
    assert list((tmp_path / "second").rglob("__pycache__")) == []


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
                "cors_origins": "https://app.example.com",
                **JWT,
            },
            id="all-on",
        ),
        pytest.param(
            {
                "api_type": "rest",
                "api_auth": "jwt",
                "api_keys": True,
                "enable_vpc": True,
                "alarm_email": "oncall@example.com",
                "esm_mode": "provisioned",
                "cors_origins": "https://app.example.com,http://localhost:3000",
                **COGNITO,
            },
            id="rest-all-on",
        ),
        pytest.param(
            {"api_type": "rest", "queue_type": "fifo", "enable_idempotency": False},
            id="rest-fifo-at-least-once",
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


@pytest.mark.parametrize("api_type", ["http", "rest"])
def test_every_file_template_updates_leave_alone_exists(cookies, api_type):
    """[tool.cruft] skip names the project's own files; a path that no longer exists would let
    `cruft update` overwrite the file it meant."""
    project = bake_ok(cookies, api_type=api_type)
    skipped = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["cruft"]["skip"]
    assert "orders_ingest/consumer/runtime/business_logic.py" in skipped
    assert ("orders_ingest/api/message_schema.json" in skipped) == (api_type == "rest")
    assert [path for path in skipped if not (project / path).exists()] == []
