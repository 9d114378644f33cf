"""Bad answers are refused, one line each, before anything is written; the rules at their edges."""

import importlib.metadata
import json
import re
import subprocess
from pathlib import Path

import pytest
from api_sqs_devkit.settings import SettingError
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .bakery import CDK, CHOICES_FILE, TEMPLATE_ROOT, VENV_BIN, bake_ok, load_rules, render, run_env

RULES = load_rules()
CHOICES = load_rules(CHOICES_FILE, "template_choices")

LOWERCASE = "must be lowercase letters, digits and single hyphens"
STAGE = "must be lowercase letters and digits, starting with a letter"
PROJECT_TEMPLATE = TEMPLATE_ROOT / "{{cookiecutter.project_name}}"
PACKAGE_TEMPLATE = PROJECT_TEMPLATE / "{{cookiecutter.__package_name}}"
FIFO_UNIT = load_rules(PACKAGE_TEMPLATE / "queue/fifo_settings.py", "template_fifo_settings")
IDEMPOTENCY_UNIT = load_rules(
    PACKAGE_TEMPLATE / "consumer/idempotency_settings.py", "template_idempotency_settings"
)


def clash(name: str, package: str, what: str) -> str:
    return f"project_name='{name}': it names the project's package '{package}', the name of {what}"


# (answer, the line the user must see)
REFUSED = [
    ("project_name=Orders", f"project_name='Orders': {LOWERCASE}"),
    ("project_name=1orders", f"project_name='1orders': {LOWERCASE}"),
    ("project_name=orders--ingest", f"project_name='orders--ingest': {LOWERCASE}"),
    ("project_name=orders-", f"project_name='orders-': {LOWERCASE}"),
    ("project_name=orders_ingest", f"project_name='orders_ingest': {LOWERCASE}"),
    ("project_name=orders ingest", f"project_name='orders ingest': {LOWERCASE}"),
    ("project_name=a/b", f"project_name='a/b': {LOWERCASE}"),
    ("project_name=..", f"project_name='..': {LOWERCASE}"),
    # The folder is named before any hook runs: an empty name stops the run there.
    ("project_name=", "project_name='': must be lowercase letters"),
    (
        f"project_name={'a' * 52}",
        f"project_name='{'a' * 52}': with stage 'dev' it makes the consumer function name"
        f" '{'a' * 52}-dev-consumer' 65 characters long; AWS allows 64",
    ),
    # Fits the answered stage, not prod, which every project's cdk.json lists too.
    (
        f"project_name={'a' * 51}",
        f"project_name='{'a' * 51}': with stage 'prod' it makes the consumer function name"
        f" '{'a' * 51}-prod-consumer' 65 characters long; AWS allows 64 (every project has"
        " stage 'prod' in cdk.json)",
    ),
    # The package named after project_name would not import, or would hide another module.
    ("project_name=lambda", clash("lambda", "lambda", "a Python keyword")),
    ("project_name=class", clash("class", "class", "a Python keyword")),
    ("project_name=json", clash("json", "json", "a standard-library module")),
    ("project_name=sys", clash("sys", "sys", "a standard-library module")),
    ("project_name=queue", clash("queue", "queue", "a standard-library module")),
    ("project_name=aws-cdk", clash("aws-cdk", "aws_cdk", "a module the project depends on")),
    ("project_name=constructs", clash("constructs", "constructs", "a module the project depends")),
    ("project_name=cdk-nag", clash("cdk-nag", "cdk_nag", "a module the project depends on")),
    ("project_name=boto3", clash("boto3", "boto3", "a module the project depends on")),
    ("project_name=yaml", clash("yaml", "yaml", "a module the project depends on")),
    ("project_name=tests", clash("tests", "tests", "the project's tests folder")),
    ("project_name=app", clash("app", "app", "the project's app.py")),
    ("project_name=node-modules", clash("node-modules", "node_modules", "the folder npm")),
    ("project_name=handler", clash("handler", "handler", "the consumer's handler module")),
    ("project_name=envelope", clash("envelope", "envelope", "the consumer's envelope module")),
    ("stage=Dev", f"stage='Dev': {STAGE}"),
    ("stage=dev-eu", f"stage='dev-eu': {STAGE}"),
    ("stage=1", f"stage='1': {STAGE}"),
    ("stage=", "stage is missing: must be lowercase letters and digits"),
    (f"stage={'s' * 42}", f"stage='{'s' * 42}': with project_name 'orders-ingest' it makes"),
    ("api_throttling=0", "api_throttling=0: must be a whole number from 1 to 10000 requests per"),
    ("api_throttling=10001", "api_throttling=10001: must be a whole number from 1 to 10000"),
    ("api_throttling=abc", "api_throttling='abc': must be a whole number from 1 to 10000"),
    ("api_throttling=1.5", "api_throttling='1.5': must be a whole number"),
    ("api_throttling=-5", "api_throttling='-5': must be a whole number"),
    ("api_throttling= 5", "api_throttling=' 5': must be a whole number"),
    ("queue_retention=0", "queue_retention=0: must be a whole number from 1 to 14 days"),
    ("queue_retention=15", "queue_retention=15: must be a whole number from 1 to 14 days"),
    ("batch_size=0", "batch_size=0: must be a whole number from 1 to 10000 messages"),
    ("batch_size=10001", "batch_size=10001: must be a whole number from 1 to 10000 messages"),
    ("dlq_retries=0", "dlq_retries=0: must be a whole number from 1 to 1000 receives"),
    ("dlq_retries=1001", "dlq_retries=1001: must be a whole number from 1 to 1000 receives"),
    ("lambda_concurrency=1", "lambda_concurrency=1: must be a whole number from 2 to 1000"),
    ("lambda_concurrency=1001", "lambda_concurrency=1001: must be a whole number from 2 to 1000"),
    ("max_message_kib=0", "max_message_kib=0: must be a whole number from 1 to 1024 KiB"),
    ("max_message_kib=1025", "max_message_kib=1025: must be a whole number from 1 to 1024 KiB"),
    ("max_message_kib=abc", "max_message_kib='abc': must be a whole number from 1 to 1024 KiB"),
    ("max_message_kib=1.5", "max_message_kib='1.5': must be a whole number from 1 to 1024 KiB"),
    ("alarm_email=oncall", "alarm_email='oncall': must be one e-mail address, or empty"),
    ("cors_origins=app.example.com", "cors_origins='app.example.com': must be origins such as"),
    (
        "cors_origins=https://app.example.com/",
        "cors_origins='https://app.example.com/': must be origins such as https://app.example.com",
    ),
    ("cors_origins=https://a.example.com;https://b", "cors_origins='https://a.example.com;https"),
    ("alarm_email=a@b.com,c@d.com", "alarm_email='a@b.com,c@d.com': must be one e-mail address"),
]
# Choice lists and booleans of cookiecutter.json: cookiecutter refuses a value outside them
# itself, before any hook runs, with its own message.
OUTSIDE_THE_LIST = [
    ("enable_kms=maybe", "maybe provided for variable enable_kms could not be converted to a bool"),
    ("api_keys=perhaps", "perhaps provided for variable api_keys could not be converted to a bool"),
    ("api_auth=oauth", "oauth provided for choice variable api_auth, but the choices are"),
    ("api_auth=IAM", "IAM provided for choice variable api_auth, but the choices are"),
    ("api_type=graphql", "graphql provided for choice variable api_type, but the choices are"),
    ("api_type=REST", "REST provided for choice variable api_type, but the choices are"),
    ("queue_type=lifo", "lifo provided for choice variable queue_type, but the choices are"),
    ("queue_type=FIFO", "FIFO provided for choice variable queue_type, but the choices are"),
    ("esm_mode=fast", "fast provided for choice variable esm_mode, but the choices are"),
    (
        "enable_idempotency=maybe",
        "maybe provided for variable enable_idempotency could not be converted to a bool",
    ),
]
# Answers that are each valid but not together.
FIFO = "queue_type=fifo"
FIFO_BATCH = (
    "batch_size={}: must be at most 10 with queue_type=fifo:"
    " Lambda reads at most 10 messages a batch from a FIFO queue"
)
FIFO_RATE = (
    "api_throttling={}: must be at most 300 with queue_type=fifo:"
    " a FIFO queue takes 300 messages a second, and API Gateway sends one per request"
)
CONFLICTING = [
    (
        ("api_keys=true",),
        "api_keys=True: API keys need api_type=rest (HTTP APIs have none)",
    ),
    (
        ("api_type=rest", "api_auth=jwt", "jwt_issuer=https://issuer.example.com"),
        "jwt_issuer='https://issuer.example.com': must be a Cognito user pool's issuer,"
        " https://cognito-idp.REGION.amazonaws.com/POOL_ID, with api_type=rest",
    ),
    (
        ("api_type=rest", "api_auth=jwt"),
        "jwt_issuer is missing: must be a Cognito user pool's issuer",
    ),
    ((FIFO, "batch_size=20"), FIFO_BATCH.format(20)),
    ((FIFO, "batch_size=11"), FIFO_BATCH.format(11)),
    ((FIFO, "api_throttling=500"), FIFO_RATE.format(500)),
    ((FIFO, "api_throttling=301"), FIFO_RATE.format(301)),
    ((FIFO, "api_type=rest", "batch_size=20"), FIFO_BATCH.format(20)),
    # Outside the rule every project has: that rule's line only, not FIFO's too.
    ((FIFO, "batch_size=10001"), "batch_size=10001: must be a whole number from 1 to 10000"),
    ((FIFO, "api_throttling=10001"), "api_throttling=10001: must be a whole number from 1 to"),
    ((FIFO, "batch_size=abc"), "batch_size='abc': must be a whole number from 1 to 10000"),
]
JWT_REFUSED = [
    (("jwt_audience=a",), "jwt_issuer is missing: must be the token issuer's https:// URL"),
    (
        ("jwt_issuer=http://issuer.example.com", "jwt_audience=a"),
        "jwt_issuer='http://issuer.example.com'",
    ),
    (("jwt_issuer=https://", "jwt_audience=a"), "jwt_issuer='https://'"),
    (
        ("jwt_issuer=https://issuer.example.com", "jwt_audience=a b"),
        "jwt_audience='a b': must be one or more audiences separated by commas, without spaces",
    ),
    (
        ("jwt_issuer=https://issuer.example.com", "jwt_audience=a,,b"),
        "jwt_audience='a,,b'",
    ),
]


def assert_refused(result, output_dir, expected):
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {expected}"), lines[0]
    assert list(output_dir.iterdir()) == [], "a refused render left files behind"


@pytest.mark.parametrize(("answer", "expected"), REFUSED, ids=[a for a, _ in REFUSED])
def test_bad_answer_is_refused_with_one_line(tmp_path, answer, expected):
    assert_refused(render(tmp_path, answer), tmp_path, expected)


def test_a_project_name_that_is_a_path_writes_nothing_anywhere(tmp_path):
    """The project folder is {{cookiecutter.project_name}}: cookiecutter creates it (and deletes
    it on a failed hook) before any hook runs, so a path stops the run before that."""
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    (tmp_path / "kept").mkdir()  # what a `../kept` project would overwrite, then delete
    (tmp_path / "kept" / "file").write_text("keep me")
    for name in ("../escaped", "../kept", "/tmp/absolute"):
        result = render(output_dir, f"project_name={name}")
        assert_refused(result, output_dir, f"project_name={name!r}: must be lowercase letters")
        assert "cannot be a path" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept", "out"]
    assert (tmp_path / "kept" / "file").read_text() == "keep me"
    assert not Path("/tmp/absolute").exists()


@pytest.mark.parametrize(
    ("answer", "expected"), OUTSIDE_THE_LIST, ids=[a for a, _ in OUTSIDE_THE_LIST]
)
def test_a_choice_outside_its_list_is_refused_by_cookiecutter(tmp_path, answer, expected):
    result = render(tmp_path, answer)
    assert result.returncode != 0
    assert f"ValueError: {expected}" in result.stderr
    assert list(tmp_path.iterdir()) == [], "a refused render left files behind"


@pytest.mark.parametrize(
    ("answers", "expected"), JWT_REFUSED, ids=[" ".join(a) for a, _ in JWT_REFUSED]
)
def test_bad_jwt_settings_are_refused(tmp_path, answers, expected):
    assert_refused(render(tmp_path, "api_auth=jwt", *answers), tmp_path, expected)


@pytest.mark.parametrize(
    ("answers", "expected"), CONFLICTING, ids=[" ".join(a) for a, _ in CONFLICTING]
)
def test_answers_that_do_not_go_together_are_refused(tmp_path, answers, expected):
    assert_refused(render(tmp_path, *answers), tmp_path, expected)


def test_a_rest_api_with_cognito_needs_no_audience_and_says_it_ignores_one(tmp_path):
    issuer = "jwt_issuer=https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc1"
    result = render(tmp_path, "api_type=rest", "api_auth=jwt", issuer, "jwt_audience=client-1")
    assert result.returncode == 0, result.stderr
    assert "warning: jwt_audience is ignored with api_type=rest" in result.stderr
    context = json.loads((tmp_path / "orders-ingest" / "cdk.json").read_text())["context"]
    assert "jwt_audience" not in context


def test_answers_are_read_as_data_never_as_code(tmp_path):
    marker = tmp_path.parent / f"{tmp_path.name}-injected"
    escape = f"'''\"\"\"); open({str(marker)!r}, 'w').close(); (\"\"\"'''"
    result = render(
        tmp_path, "api_auth=jwt", "jwt_issuer=https://x.example.com", f"jwt_audience={escape}"
    )
    assert_refused(result, tmp_path, "jwt_audience=")
    assert not marker.exists()


def test_a_jinja_expression_in_an_answer_cannot_break_the_render(tmp_path):
    # cookiecutter renders --no-input answers as templates; the result is then just a value.
    assert_refused(render(tmp_path, "project_name={{ 7 * 7 }}"), tmp_path, "project_name='49'")


def test_a_quote_in_a_valid_answer_arrives_verbatim(cookies):
    issuer = "https://issuer.example.com/tenant's-pool"
    project = bake_ok(cookies, api_auth="jwt", jwt_issuer=issuer, jwt_audience="orders")
    assert json.loads((project / "cdk.json").read_text())["context"]["jwt_issuer"] == issuer


def test_a_risky_value_is_accepted_with_a_warning(tmp_path):
    result = render(tmp_path, "dlq_retries=2")
    assert result.returncode == 0
    assert "warning: dlq_retries=2: throttled receives count as receives too" in result.stderr


def test_public_api_is_said_so_at_render(tmp_path):
    result = render(tmp_path, "api_auth=none")
    assert result.returncode == 0
    assert "warning: api_auth=none: the API will be public" in result.stderr


def test_every_bad_answer_is_reported_at_once_and_first(tmp_path):
    result = subprocess.run(
        [str(VENV_BIN / "cookiecutter"), "--no-input", "-o", str(tmp_path), str(TEMPLATE_ROOT)]
        + ["alarm_email=oncall", "api_throttling=0", "stage=Dev"]
        + ["project_name=Orders"],
        stderr=subprocess.STDOUT,  # what a terminal shows, in the order it shows it
        stdout=subprocess.PIPE,
        text=True,
        env=run_env(),
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stdout
    # In the order of the questions, before anything cookiecutter says about the failed hook.
    expected = [
        "error: project_name='Orders': must be lowercase",
        "error: stage='Dev': must be lowercase",
        "error: api_throttling=0: must be a whole number",
        "error: alarm_email='oncall': must be one e-mail address",
    ]
    shown = result.stdout.splitlines()
    assert [line[: len(start)] for line, start in zip(shown, expected, strict=False)] == expected
    assert list(tmp_path.iterdir()) == [], "a refused render left files behind"


def test_every_fifo_conflict_is_reported_at_once(tmp_path):
    result = render(
        tmp_path,
        FIFO,
        "max_message_kib=0",
        "batch_size=20",
        "api_throttling=500",
        "project_name=envelope",
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    envelope = clash("envelope", "envelope", "the consumer's envelope module")
    assert result.stderr.strip().splitlines() == [
        f"error: {envelope}; choose another name",
        f"error: {FIFO_RATE.format(500)}",
        f"error: {FIFO_BATCH.format(20)}",
        "error: max_message_kib=0: must be a whole number from 1 to 1024 KiB",
    ]
    assert list(tmp_path.iterdir()) == []


def test_fifo_limits_at_their_edges_are_accepted(cookies):
    project = bake_ok(cookies, queue_type="fifo", batch_size="10", api_throttling="300")
    context = json.loads((project / "cdk.json").read_text())["context"]
    assert (context["batch_size"], context["api_throttling"]) == (10, 300)
    assert (project / "orders_ingest" / "queue" / "fifo_settings.py").exists()


def test_a_batch_above_lambda_s_payload_is_accepted_with_a_warning(tmp_path):
    result = render(tmp_path, "batch_size=25")
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: batch")]
    assert len(warned) == 1, result.stderr
    assert warned[0].startswith(
        "warning: batch_size=25 x max_message_kib=256: a batch of the largest messages is 6.3 MiB"
        " with Lambda's event around them, above its 6 MB invocation payload"
    )


def test_every_jwt_setting_missing_is_named(tmp_path):
    result = render(tmp_path, "api_auth=jwt")
    assert result.stderr.strip().splitlines() == [
        "error: jwt_issuer is missing: must be the token issuer's https:// URL",
        "error: jwt_audience is missing: must be one or more audiences separated by commas,"
        " without spaces",
    ]
    assert list(tmp_path.iterdir()) == []


def test_a_name_too_long_in_both_parts_blames_each(tmp_path):
    stage = "s" * 60
    result = render(tmp_path, f"project_name={'a' * 51}", f"stage={stage}")
    lines = result.stderr.strip().splitlines()
    assert [line.split("=")[0] for line in lines] == ["error: project_name", "error: stage"]
    assert "with stage 'prod'" in lines[0]
    assert f"with project_name '{'a' * 51}'" in lines[1]


def pinned_distributions() -> set[str]:
    """The distributions the project's requirement files pin, and those they require, as this
    venv installed them (the template's requirements.txt installs the project's)."""
    lines = [
        line.split("#")[0].strip()
        for name in ("requirements.txt", "requirements-dev.txt")
        for line in (PROJECT_TEMPLATE / name).read_text().splitlines()
    ]
    todo = [Requirement(line) for line in lines if line and not line.startswith("-")]
    found = set()
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # required only on another platform or Python version
        found.add(name)
        for needed in map(Requirement, distribution.requires or []):
            extras = {*requirement.extras, ""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras):
                todo.append(needed)
    return found


def test_every_module_of_the_pinned_requirements_is_refused_as_a_package_name():
    pinned = pinned_distributions()
    modules = {
        module
        for module, distributions in importlib.metadata.packages_distributions().items()
        if pinned & {canonicalize_name(d) for d in distributions}
        and re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", module)  # a package name can be one
    }
    assert {"aws_cdk", "constructs", "cdk_nag", "boto3", "moto", "yaml", "cfnlint"} <= modules
    assert sorted(modules - CHOICES.DEPENDENCY_MODULES) == [], "add them to DEPENDENCY_MODULES"


def test_every_top_level_module_of_the_project_is_refused_as_a_package_name():
    runtime = PROJECT_TEMPLATE / "{{cookiecutter.__package_name}}/consumer/runtime"
    importable = {
        path.stem
        for path in [*PROJECT_TEMPLATE.iterdir(), *runtime.iterdir()]
        if (path.is_dir() or path.suffix == ".py") and re.fullmatch(r"[a-z][a-z0-9_]*", path.stem)
    }
    assert importable - set(CHOICES.PROJECT_MODULES) == set()


@pytest.mark.parametrize("name", ["match", "type", "orders-ingest", "my-lambda", "queue-worker"])
def test_names_near_a_clash_are_fine(name):
    assert CHOICES.package_name_error(name) is None


def refused_synth(project: Path, *arguments: str) -> list[str]:
    """The error lines of a `cdk synth` of the bake that must fail, without a traceback."""
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
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_a_setting_the_project_does_not_use_stops_cdk_synth(cookies):
    project = bake_ok(cookies)  # an HTTP API with IAM auth: no API keys
    assert refused_synth(project, "-c", "api_keys=true") == [
        "error: api_keys='true': is not a setting of this project;"
        " its settings are project_name, stage, api_throttling, queue_retention,"
        " batch_size, dlq_retries, esm_mode, lambda_concurrency, minimum_pollers,"
        " maximum_pollers, max_message_kib, cors_origins, alarm_email, stages, observability"
        " (remove it from cdk.json and the -c options)"
    ]


def test_provisioned_pollers_stand_for_the_answered_concurrency(cookies):
    """AWS refuses a maximum concurrency with provisioned pollers: the render writes the pollers
    that run lambda_concurrency invocations at once (10 each) instead."""
    project = bake_ok(cookies, esm_mode="provisioned", lambda_concurrency="35")
    context = json.loads((project / "cdk.json").read_text())["context"]
    assert context["lambda_concurrency"] is None
    assert (context["esm_mode"], context["minimum_pollers"], context["maximum_pollers"]) == (
        "provisioned",
        2,
        4,  # ceil(35 / 10)
    )
    standard = json.loads((bake_ok(cookies).joinpath("cdk.json")).read_text())["context"]
    assert (standard["lambda_concurrency"], standard["minimum_pollers"]) == (10, None)
    for concurrency, pollers in [(2, 2), (10, 2), (21, 3), (1000, 100)]:
        assert RULES.maximum_pollers_for(concurrency) == pollers


def test_cors_origins_are_a_list_in_cdk_json(cookies):
    project = bake_ok(cookies, cors_origins=" https://app.example.com,http://localhost:3000 ")
    context = json.loads((project / "cdk.json").read_text())["context"]
    assert context["cors_origins"] == ["https://app.example.com", "http://localhost:3000"]
    assert (
        json.loads((bake_ok(cookies).joinpath("cdk.json")).read_text())["context"]["cors_origins"]
        == []
    )


def test_any_origin_is_accepted_with_a_warning(tmp_path):
    result = render(tmp_path, "cors_origins=*")
    assert result.returncode == 0, result.stderr
    assert "warning: cors_origins=*: the scripts of any web site may call the API" in (
        result.stderr
    )


SCALING = {"esm_mode": "standard", "lambda_concurrency": 10}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"esm_mode": "provisioned", "lambda_concurrency": None, "maximum_pollers": 20}, None),
        # AWS's defaults: 2 to 200 pollers.
        ({"esm_mode": "provisioned", "lambda_concurrency": None}, None),
        (
            {"esm_mode": "provisioned", "maximum_pollers": 20},
            "lambda_concurrency=10: a maximum concurrency, which AWS refuses with"
            " esm_mode=provisioned; set it to null",
        ),
        (
            {"minimum_pollers": 2},
            "minimum_pollers=2: event pollers are set with esm_mode=provisioned only",
        ),
        (
            {
                "esm_mode": "provisioned",
                "lambda_concurrency": None,
                "minimum_pollers": 30,
                "maximum_pollers": 20,
            },
            "minimum_pollers=30: must not be above maximum_pollers=20",
        ),
        ({"esm_mode": "burst"}, "esm_mode='burst': must be one of standard, provisioned"),
        ({"maximum_pollers": 2001}, "maximum_pollers=2001: must be a whole number from 2 to 2000"),
        ({"lambda_concurrency": None}, None),  # standard mode without a maximum concurrency
    ],
)
def test_each_scaling_mode_takes_its_own_settings(values, expected):
    values = {**VALID, **SCALING, **values}
    if expected is None:
        settings = RULES.Settings.from_values(values)
        assert settings.esm_mode == values["esm_mode"]
        return
    with pytest.raises(SettingError) as raised:
        RULES.Settings.from_values(values)
    assert str(raised.value).startswith(expected)


def test_a_maximum_concurrency_with_provisioned_pollers_stops_cdk_synth(cookies):
    project = bake_ok(cookies, esm_mode="provisioned")
    assert refused_synth(project, "-c", "lambda_concurrency=10") == [
        "error: lambda_concurrency='10': a maximum concurrency, which AWS refuses with"
        " esm_mode=provisioned; set it to null (maximum_pollers bounds the consumer's"
        " concurrency) (set it in cdk.json or with -c lambda_concurrency=VALUE)"
    ]


def test_a_fifo_limit_broken_after_the_render_stops_cdk_synth(cookies):
    """cdk.json (here -c) can change after the render: app.py checks FIFO's limits too."""
    project = bake_ok(cookies, queue_type="fifo")
    assert refused_synth(project, "-c", "batch_size=20") == [
        f"error: {FIFO_BATCH.format(20)} (set it in cdk.json or with -c batch_size=VALUE)"
    ]


EDGES = {
    "api_throttling": (1, 10000),
    "queue_retention": (1, 14),
    "batch_size": (1, 10000),
    "dlq_retries": (1, 1000),
    "lambda_concurrency": (2, 1000),
    "max_message_kib": (1, 1024),
}


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, value) for name, edges in EDGES.items() for value in edges],
)
def test_values_at_the_edges_are_accepted(cookies, name, value):
    project = bake_ok(cookies, **{name: str(value)})
    assert json.loads((project / "cdk.json").read_text())["context"][name] == value


def test_the_longest_names_are_accepted(cookies):
    longest = "a" * 50  # a50-prod-consumer is 64 characters, the function name limit
    project = bake_ok(cookies, project_name=longest)
    assert json.loads((project / "cdk.json").read_text())["context"]["project_name"] == longest


# The rules themselves, as the hook and the generated app.py use them.

VALID = {
    "project_name": "orders-ingest",
    "stage": "dev",
    "api_throttling": 100,
    "queue_retention": 4,
    "batch_size": 10,
    "dlq_retries": 5,
    "esm_mode": "standard",
    "lambda_concurrency": 10,
    "max_message_kib": 256,
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("project_name", "orders-"),
        ("project_name", 7),
        ("stage", "prod_eu"),
        ("api_throttling", True),
        ("api_throttling", 10.0),
        ("api_throttling", "1000000"),
        ("batch_size", None),
        ("max_message_kib", 0),
        ("max_message_kib", 1025),
        ("max_message_kib", "abc"),
        ("max_message_kib", None),
    ],
)
def test_rules_refuse(name, value):
    with pytest.raises(SettingError) as refused:
        RULES.Settings.from_values({**VALID, name: value})
    assert refused.value.name == name
    assert str(refused.value).startswith(name)


def test_rules_accept_numbers_given_as_text():
    settings = RULES.Settings.from_values({**VALID, "batch_size": "25", "dlq_retries": "7"})
    assert (settings.batch_size, settings.dlq_retries) == (25, 7)


@pytest.mark.parametrize(("rate", "burst"), [(1, 2), (100, 200), (2500, 5000), (10000, 5000)])
def test_burst_is_two_seconds_of_the_rate_within_the_account_limit(rate, burst):
    assert RULES.Settings.from_values({**VALID, "api_throttling": rate}).api_burst == burst


@pytest.mark.parametrize(
    ("batch_size", "rate", "window"),
    [(10, 100, 0), (11, 100, 1), (500, 100, 5), (10000, 1, 300), (10000, 10000, 1)],
)
def test_batching_window_is_the_time_to_fill_a_batch(batch_size, rate, window):
    settings = RULES.Settings.from_values(
        {**VALID, "batch_size": batch_size, "api_throttling": rate}
    )
    assert settings.batching_window_seconds == window
    assert settings.visibility_timeout_seconds == 6 * settings.consumer_timeout_seconds + window


@pytest.mark.parametrize(
    ("batch_size", "max_message_kib", "timeout"),
    [
        (1, 1, 30),
        (300, 1, 30),
        (1000, 1, 100),
        # Lambda's 6 MB payload holds 23 messages of 256 KiB with their records
        # (6 MiB // (256 KiB + 1 KiB)): 30 s, not 100.
        (1000, 256, 30),
        # ... and 3,072 of 1 KiB (6 MiB // (1 KiB + 1 KiB)): 308 s, not 900 (1,000 s capped).
        (10000, 1, 308),
    ],
)
def test_consumer_timeout_grows_with_the_batch_one_invocation_gets(
    batch_size, max_message_kib, timeout
):
    settings = RULES.Settings.from_values(
        {**VALID, "batch_size": batch_size, "max_message_kib": max_message_kib}
    )
    assert settings.consumer_timeout_seconds == timeout


@pytest.mark.parametrize(
    ("values", "refused"),
    [
        ({"batch_size": 10, "api_throttling": 300}, None),
        ({"batch_size": 11}, "batch_size"),
        ({"batch_size": "20"}, "batch_size"),  # as -c gives it
        ({"api_throttling": 301}, "api_throttling"),
        ({"api_throttling": "500"}, "api_throttling"),
    ],
)
def test_fifo_limits_are_checked_at_every_synth(values, refused):
    assert RULES.Settings.from_values({**VALID, **values})  # a standard queue takes them
    if refused is None:
        assert RULES.Settings.from_values({**VALID, **values}, [FIFO_UNIT])
        return
    with pytest.raises(SettingError) as error:
        RULES.Settings.from_values({**VALID, **values}, [FIFO_UNIT])
    assert error.value.name == refused
    assert "with queue_type=fifo" in str(error.value)


def test_a_fifo_queue_and_its_dlq_are_named_fifo():
    settings = RULES.Settings.from_values(VALID, [FIFO_UNIT])
    assert (settings.names.queue, settings.names.dlq) == (
        "orders-ingest-dev-queue.fifo",
        "orders-ingest-dev-dlq.fifo",
    )
    standard = RULES.Settings.from_values(VALID)
    assert (standard.names.queue, standard.names.dlq) == (
        "orders-ingest-dev-queue",
        "orders-ingest-dev-dlq",
    )


def test_the_idempotency_table_is_named_after_project_and_stage():
    assert IDEMPOTENCY_UNIT.resource_names("orders-ingest-dev") == {
        "idempotency_table": "orders-ingest-dev-idempotency"
    }
    assert RULES.name_error("orders-ingest", "dev", [IDEMPOTENCY_UNIT, FIFO_UNIT]) is None


@pytest.mark.parametrize(
    ("batch_size", "max_message_kib", "mib"),
    # Lambda's 6 MB invocation payload is 6 MiB, and each message comes in 1 KiB of event:
    # 23 x 257 KiB fits, 24 do not.
    [
        (23, 256, None),
        (24, 256, "6.0"),
        (5, 1024, None),
        (6, 1024, "6.0"),
        (3072, 1, None),
        (3073, 1, "6.0"),
    ],
)
def test_a_batch_above_lambda_s_payload_is_warned_about(batch_size, max_message_kib, mib):
    settings = RULES.Settings.from_values(
        {**VALID, "batch_size": batch_size, "max_message_kib": max_message_kib}
    )
    assert settings.max_message_bytes == max_message_kib * 1024
    warned = [w for w in settings.warnings if w.startswith("batch_size=")]
    if mib is None:
        assert warned == []
    else:
        assert len(warned) == 1
        assert warned[0].startswith(
            f"batch_size={batch_size} x max_message_kib={max_message_kib}: a batch of the largest"
            f" messages is {mib} MiB with Lambda's event around them, above its 6 MB invocation"
            " payload"
        )
