"""Jinja extension of this template, loaded by cookiecutter in its own process.

- It tells the hooks where the template is on disk: the pre-generation hook loads the generated
  project's settings rules from the template, and cookiecutter gives hooks the template's path
  only as typed on its command line (often relative, while hooks run in the new project's folder).
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


class HookSupport(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_dir"] = str(TEMPLATE_DIR)
        hooks_logger = logging.getLogger("cookiecutter.hooks")
        if not any(isinstance(f, _NoTracebackForFailedHooks) for f in hooks_logger.filters):
            hooks_logger.addFilter(_NoTracebackForFailedHooks())
