"""Refuse bad answers before anything is rendered, with the rules the generated project uses.

The rules live in the project template's settings module, the file the generated app.py checks
cdk.json with; this hook loads it from the template and applies it. Answers are read as JSON
data, never pasted into code.
"""

import importlib.util
import json
import sys
from pathlib import Path

# Answers arrive as JSON text, never as code: tojson escapes every quote character.
# fmt: off
ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')
TEMPLATE_DIR = json.loads(r'''{{ template_dir | tojson }}''')
# fmt: on
RULES_FILE = Path(
    TEMPLATE_DIR,
    "{% raw %}{{cookiecutter.__folder_name}}/{{cookiecutter.__package_name}}{% endraw %}",
    "settings.py",
)
OPTIONS = ("enable_kms", "enable_vpc", "enable_tracing", "api_keys")


def load_rules():
    spec = importlib.util.spec_from_file_location("project_settings", RULES_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def main() -> None:
    rules = load_rules()
    try:
        settings = rules.Settings.from_values(ANSWERS)
        options = {option: rules.parse_boolean(option, ANSWERS[option]) for option in OPTIONS}
        api_type = rules.parse_choice("api_type", ANSWERS["api_type"], rules.API_TYPE_CHOICES)
        auth = rules.parse_choice("api_auth", ANSWERS["api_auth"], rules.AUTH_CHOICES)
        if auth == "jwt":
            rules.JwtSettings.from_values(ANSWERS, cognito=api_type == "rest")
        if options["api_keys"] and api_type != "rest":
            raise rules.SettingError(
                "api_keys", ANSWERS["api_keys"], "API keys need api_type=rest (HTTP APIs have none)"
            )
    except rules.SettingError as error:
        sys.exit(f"error: {error}")
    warnings = list(settings.warnings)
    if auth != "jwt" and (ANSWERS["jwt_issuer"] or ANSWERS["jwt_audience"]):
        warnings.append(f"jwt_issuer and jwt_audience are ignored with api_auth={auth}")
    elif api_type == "rest" and ANSWERS["jwt_audience"]:
        warnings.append(
            "jwt_audience is ignored with api_type=rest: its Cognito authorizer accepts the ID"
            " tokens of every app client of the user pool"
        )
    if auth == "none":
        warnings.append(
            "api_auth=none: the API will be public; anyone with its URL can post messages"
        )
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


main()
