"""Jinja extension of this template, loaded by cookiecutter in its own process.

- It tells the hooks where the template is on disk: the pre-generation hook loads the generated
  project's settings rules from the template, and cookiecutter gives hooks the template's path
  only as typed on its command line (often relative, while hooks run in the new project's folder).
- It keeps the project folder inside the output folder: the folder is named after project_name
  and cookiecutter creates it before the pre-generation hook can refuse the name (and deletes it
  when the hook fails), so a name that is a path (`../x`, `a/b`, `..`) stops the run first.
- It keeps a refused answer to one line: the hook prints what was wrong, and cookiecutter's own
  log of the failed hook would add a Python traceback of its internals after it.
"""

import logging
from pathlib import Path

from cookiecutter.exceptions import FailedHookException
from jinja2.ext import Extension

TEMPLATE_DIR = Path(__file__).resolve().parent


class _NoTracebackForFailedHooks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], FailedHookException):
            record.exc_info = None
        return True


def project_folder(project_name: str) -> str:
    """project_name, once it is safe as a folder name; otherwise the run stops here, before
    anything is written (the hook checks every other rule of the name, with the other answers)."""
    if project_name in ("", ".", "..") or any(c in project_name for c in "/\\\0"):
        raise SystemExit(
            f"error: project_name={project_name!r}: must be lowercase letters, digits and single"
            " hyphens; it names the project's folder, so it cannot be a path"
        )
    return project_name


class HookSupport(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_dir"] = str(TEMPLATE_DIR)
        environment.filters["project_folder"] = project_folder
        hooks_logger = logging.getLogger("cookiecutter.hooks")
        if not any(isinstance(f, _NoTracebackForFailedHooks) for f in hooks_logger.filters):
            hooks_logger.addFilter(_NoTracebackForFailedHooks())
