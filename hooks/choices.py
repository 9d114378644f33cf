"""What each answer keeps in a project, and the checks of answers that span units.

Both hooks import this module as it is (no Jinja): the pre-generation hook loads the settings
modules of the units a render will keep and checks the answers with them; the post-generation
hook removes the files of the choices not made. Standard library and api_sqs_devkit only.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from api_sqs_devkit.settings import SettingError, package_clash, parse_each

PROJECT_TEMPLATE = "{{cookiecutter.project_name}}"
PACKAGE = "{{cookiecutter.__package_name}}"


# A value of Choice.needs: the answer is not empty.
ANSWERED = object()


@dataclass(frozen=True)
class Choice:
    """Files only some projects have: those whose answers match `needs` (a value, or ANSWERED).
    `settings` lists the settings modules among them, whose rules the answers and cdk.json
    follow."""

    needs: Mapping[str, Any]
    files: tuple[str, ...]
    settings: tuple[str, ...] = ()

    def is_made(self, answers: Mapping[str, Any]) -> bool:
        return all(
            answers.get(name) not in (None, "") if value is ANSWERED else answers.get(name) == value
            for name, value in self.needs.items()
        )


# Paths inside the project, PACKAGE standing for its package.
CHOICES = (
    Choice({"enable_vpc": True}, (f"{PACKAGE}/network",)),
    Choice(
        {"api_type": "http"},
        (f"{PACKAGE}/http_api", "tests/unit/test_http_api.py"),
        settings=(f"{PACKAGE}/http_api/settings.py",),
    ),
    Choice(
        {"api_type": "http", "api_auth": "jwt"},
        (f"{PACKAGE}/http_api/jwt_settings.py",),
        settings=(f"{PACKAGE}/http_api/jwt_settings.py",),
    ),
    Choice(
        {"api_type": "rest"},
        (f"{PACKAGE}/rest_api", "tests/unit/test_rest_api.py"),
        settings=(f"{PACKAGE}/rest_api/settings.py",),
    ),
    Choice(
        {"api_type": "rest", "api_auth": "jwt"},
        (f"{PACKAGE}/rest_api/cognito_settings.py",),
        settings=(f"{PACKAGE}/rest_api/cognito_settings.py",),
    ),
    Choice(
        {"queue_type": "fifo"},
        (f"{PACKAGE}/queue/fifo_settings.py",),
        settings=(f"{PACKAGE}/queue/fifo_settings.py",),
    ),
    Choice(
        {"domain_name": ANSWERED},
        (f"{PACKAGE}/custom_domain", "tests/unit/test_custom_domain.py"),
        settings=(f"{PACKAGE}/custom_domain/settings.py",),
    ),
    Choice(
        {"enable_idempotency": True},
        (f"{PACKAGE}/consumer/idempotency.py", f"{PACKAGE}/consumer/idempotency_settings.py"),
        settings=(f"{PACKAGE}/consumer/idempotency_settings.py",),
    ),
)
# The API unit a project keeps (one per api_type) is its package's `api` folder.
API_UNITS = {"http": f"{PACKAGE}/http_api", "rest": f"{PACKAGE}/rest_api"}
API_FOLDER = f"{PACKAGE}/api"


def in_project(path: str, package: str) -> Path:
    """A path of the tables, in a project whose package is `package`."""
    return Path(path.replace(PACKAGE, package))


def files_of_choices_not_made(answers: Mapping[str, Any]) -> list[str]:
    return [path for c in CHOICES if not c.is_made(answers) for path in c.files]


def settings_files(answers: Mapping[str, Any]) -> list[str]:
    """The settings modules of the units a project with these answers keeps (besides the
    service's own settings.py), in the order the units are listed."""
    return [path for c in CHOICES if c.is_made(answers) for path in c.settings]


def load_module(path: Path, name: str) -> ModuleType:
    """A module loaded from a file of the template, without writing bytecode beside it (every
    later render would copy it)."""
    sys.dont_write_bytecode = True
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def load_settings(template_dir: Path, answers: Mapping[str, Any]) -> tuple[ModuleType, list]:
    """The service's settings module and the settings modules of the units the render keeps,
    loaded from the template."""
    project = Path(template_dir, PROJECT_TEMPLATE)
    service = load_module(project / PACKAGE / "settings.py", "project_settings")
    units = [
        load_module(project / path, "project_" + Path(path).parent.name + "_" + Path(path).stem)
        for path in settings_files(answers)
    ]
    return service, units


# The project's package is named after project_name; it is imported from the project's folder,
# ahead of everything installed, so it must not take the name of a module something imports.
# Modules of every distribution the project's requirement files pin, with what they pull in (the
# template's tests keep this list in step with the pins):
DEPENDENCY_MODULES = frozenset(
    """
    airspeed annotated_types antlr4 api_sqs_devkit attr attrs aws_cdk aws_lambda_powertools
    aws_xray_sdk blinker boto3 botocore cachetools cattr cattrs cdk_nag certifi cffi cfnlint
    charset_normalizer click constructs cryptography dateutil docker dotenv flask flask_cors
    graphql idna iniconfig isympy itsdangerous jinja2 jmespath joserfc jsii jsonpatch
    jsonpatch_cli jsonpath_ng jsonpointer jsonschema jsonschema_path jsonschema_specifications
    lazy_object_proxy markupsafe moto mpmath networkx openapi_schema_validator
    openapi_spec_validator packaging pathable pluggy publication py py_partiql_parser pycparser
    pydantic pydantic_core pydantic_settings pygments pyparsing pytest referencing regex
    requests responses rfc3339_validator rpds ruff s3transfer six sympy typeguard
    typing_extensions typing_inspection urllib3 werkzeug wrapt xmltodict yaml
    """.split()  # noqa: SIM905 (a list literal would take a line per name)
)
# The project's own top-level modules and folders, and the consumer's, which its tests import as
# top-level modules.
PROJECT_MODULES = {
    "app": "the project's app.py",
    "tests": "the project's tests folder",
    "node_modules": "the folder npm installs the CDK CLI into",
    "handler": "the consumer's handler module",
    "business_logic": "the consumer's business_logic module",
    "envelope": "the consumer's envelope module",
}


def package_name_error(project_name: str) -> SettingError | None:
    package = project_name.replace("-", "_")
    clash = package_clash(package, DEPENDENCY_MODULES, PROJECT_MODULES)
    if not clash:
        return None
    return SettingError(
        "project_name",
        project_name,
        f"it names the project's package {package!r}, the name of {clash}; choose another name",
    )


def settings_values(answers: Mapping[str, Any], service: ModuleType) -> dict[str, Any]:
    """The answers as the project's settings (cdk.json holds these): with esm_mode=provisioned,
    lambda_concurrency becomes the event pollers that run that many invocations at once (AWS
    refuses a maximum concurrency with provisioned pollers)."""
    if answers.get("esm_mode") != "provisioned":
        return dict(answers)
    try:
        concurrency = service.RULES["lambda_concurrency"](
            "lambda_concurrency", answers.get("lambda_concurrency")
        )
    except SettingError:
        return dict(answers)  # its rule says what is wrong with it
    values = {}
    for name, value in answers.items():
        if name == "lambda_concurrency":
            values["minimum_pollers"] = service.DEFAULT_MINIMUM_POLLERS
            values["maximum_pollers"] = service.maximum_pollers_for(concurrency)
        else:
            values[name] = value
    return values


def choice_errors(answers: Mapping[str, Any]) -> list[SettingError]:
    """Answers that only go with another choice. (cookiecutter itself refuses a value outside a
    choice list, or a yes/no answer that is neither.)"""
    if answers.get("api_keys") is True and answers.get("api_type") == "http":
        return [SettingError("api_keys", True, "API keys need api_type=rest (HTTP APIs have none)")]
    if answers.get("certificate_arn") and not answers.get("domain_name"):
        return [
            SettingError(
                "certificate_arn",
                answers["certificate_arn"],
                "is the certificate of a custom domain: answer domain_name too, or neither",
            )
        ]
    return []


def rule_errors(answers: Mapping[str, Any], service: ModuleType, units: list) -> list:
    """The answers that break a rule of the service's or of its units' (at most one error each),
    and the names too long in any stage the project deploys: the one answered, and those every
    project has."""
    parsed, errors = parse_each(service.RULES, answers)
    if "project_name" in parsed and "stage" in parsed:
        blamed = set()
        for stage in dict.fromkeys((parsed["stage"], *service.STAGES_OF_EVERY_PROJECT)):
            every_project = f" (every project has stage {stage!r} in cdk.json)"
            note = "" if stage == parsed["stage"] else every_project
            error = service.name_error(parsed["project_name"], stage, units, note)
            if error and error.name not in blamed:
                blamed.add(error.name)
                errors.append(error)
    return errors + service.unit_errors(answers, units)


def answer_errors(answers: Mapping[str, Any], service: ModuleType, units: list) -> list[str]:
    """Every bad answer, one line each, in the order the questions are asked."""
    errors = rule_errors(answers, service, units) + choice_errors(answers)
    try:
        project_name = service.RULES["project_name"]("project_name", answers.get("project_name"))
    except SettingError:
        pass  # service.answer_errors said so
    else:
        errors += [e for e in [package_name_error(project_name)] if e]
    position = {name: index for index, name in enumerate(answers)}
    errors.sort(key=lambda error: position.get(error.name, len(position)))
    # One line per answer: the first rule it breaks (a unit's rule of a value the service's own
    # rule refused already would say it twice).
    first = {error.name: error for error in reversed(errors)}
    return [str(error) for error in errors if first[error.name] is error]


def answer_warnings(answers: Mapping[str, Any], service: ModuleType, units: list) -> list[str]:
    """Legal answers that are likely mistakes, one line each (of answers answer_errors passed)."""
    settings = service.Settings.from_values(answers, units)
    # The Region is not known at render: the throttle is held against the lowest quota.
    warnings = settings.warnings + settings.quota_warnings(None)
    api_type, auth = answers["api_type"], answers["api_auth"]
    if auth != "jwt" and (answers.get("jwt_issuer") or answers.get("jwt_audience")):
        warnings.append(f"jwt_issuer and jwt_audience are ignored with api_auth={auth}")
    elif api_type == "rest" and answers.get("jwt_audience"):
        warnings.append(
            "jwt_audience is ignored with api_type=rest: its Cognito authorizer accepts the ID"
            " tokens of every app client of the user pool"
        )
    if auth == "none":
        warnings.append(
            "api_auth=none: the API will be public; anyone with its URL can post messages"
        )
    return warnings
