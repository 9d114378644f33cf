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
    "{% raw %}{{cookiecutter.project_name}}/{{cookiecutter.__package_name}}{% endraw %}",
    "settings.py",
)


def load_rules():
    # Bytecode written beside settings.py would be copied into every later render.
    sys.dont_write_bytecode = True
    spec = importlib.util.spec_from_file_location("project_settings", RULES_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def in_question_order(answers: dict) -> dict:
    """The answers in the order cookiecutter.json asks them (tojson sorted them by name)."""
    questions = json.loads(Path(TEMPLATE_DIR, "cookiecutter.json").read_text())
    return {name: answers[name] for name in questions if name in answers} | answers


def main() -> None:
    rules = load_rules()
    answers = in_question_order(ANSWERS)
    errors = rules.answer_errors(answers)
    if errors:
        # Every bad answer at once, one line each, and nothing before them.
        sys.exit("\n".join(f"error: {error}" for error in errors))
    for warning in rules.answer_warnings(answers):
        print(f"warning: {warning}", file=sys.stderr)


main()
