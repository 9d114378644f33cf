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
OPTIONS = ("enable_kms", "enable_vpc")


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
        for option in OPTIONS:
            rules.parse_boolean(option, ANSWERS[option])
        if rules.parse_choice("api_auth", ANSWERS["api_auth"], rules.AUTH_CHOICES) == "jwt":
            rules.JwtSettings.from_values(ANSWERS)
    except rules.SettingError as error:
        sys.exit(f"error: {error}")
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if ANSWERS["api_auth"] != "jwt" and (ANSWERS["jwt_issuer"] or ANSWERS["jwt_audience"]):
        print(
            f"warning: jwt_issuer and jwt_audience are ignored with api_auth={ANSWERS['api_auth']}",
            file=sys.stderr,
        )
    if ANSWERS["api_auth"] == "none":
        print(
            "warning: api_auth=none: the API will be public; anyone with its URL can post messages",
            file=sys.stderr,
        )


main()
