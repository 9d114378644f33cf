"""Jinja extension of this template: tells the hooks where the template is on disk.

The pre-generation hook loads the generated project's settings rules from the template itself,
and cookiecutter hands hooks the template's path only as given on its command line (often
relative, while hooks run from the new project's folder).
"""

from pathlib import Path

from jinja2.ext import Extension

TEMPLATE_DIR = Path(__file__).resolve().parent


class TemplateDirExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_dir"] = str(TEMPLATE_DIR)
