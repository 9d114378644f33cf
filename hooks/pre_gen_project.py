"""Refuse bad answers before anything is rendered, with the rules the generated project uses.

The rules live in the project template's settings modules: the service's settings.py and those
of the units the answers keep (hooks/choices.py lists them). This hook loads them from the
template and applies them. Answers are read as JSON data, never pasted into code.
"""

import json
import sys
from pathlib import Path

# Answers arrive as JSON text, never as code: tojson escapes every quote character.
# fmt: off
ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')
TEMPLATE_DIR = json.loads(r'''{{ template_dir | tojson }}''')
# fmt: on


def use_template_modules() -> None:
    """Import hooks/choices.py and the blueprint's devkit from the template, without writing
    their bytecode into it."""
    sys.dont_write_bytecode = True
    sys.path[:0] = [str(Path(TEMPLATE_DIR, "hooks")), str(Path(TEMPLATE_DIR, "devkit", "src"))]


def in_question_order(answers: dict) -> dict:
    """The answers in the order cookiecutter.json asks them (tojson sorted them by name)."""
    questions = json.loads(Path(TEMPLATE_DIR, "cookiecutter.json").read_text())
    return {name: answers[name] for name in questions if name in answers} | answers


def check(answers: dict) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the answers, one line each; warnings only when there is no error."""
    import choices

    service, units = choices.load_settings(Path(TEMPLATE_DIR), answers)
    values = choices.settings_values(answers, service)
    errors = choices.answer_errors(values, service, units)
    return errors, [] if errors else choices.answer_warnings(values, service, units)


def main() -> None:
    use_template_modules()
    errors, warnings = check(in_question_order(ANSWERS))
    if errors:
        # Every bad answer at once, one line each, and nothing before them.
        sys.exit("\n".join(f"error: {error}" for error in errors))
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


if __name__ == "__main__":
    main()
