"""cfn-lint as a CDK validation plugin, so that every synth lints the templates it writes.

    cdk.Validations.of(app).add_plugins(CfnLintValidation())

It replaces aws-cdk-lib's built-in CloudFormation validation (turn that off with
`cdk.App(builtin_cloud_formation_validation=False)`): cfn-lint checks the same templates and more,
and one check per template is enough. Findings appear in the synth's validation report and fail
the synth, like cdk-nag's. A resource opts out of a rule with cfn-lint's own metadata,
`{"cfn-lint": {"config": {"ignore_checks": ["W3005"]}}}`, with a comment saying why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from importlib.metadata import version

import jsii
from aws_cdk import (
    IPolicyValidationContextBeta1,
    IPolicyValidationPluginBeta1,
    PolicyValidationPluginReportBeta1,
    PolicyViolatingResourceBeta1,
    PolicyViolationBeta1,
)

DEFAULT_REGIONS = ("us-east-1",)


class LintWorker:
    """A lint_worker process: it loads cfn-lint's rules as soon as it starts, then lints what
    it is given, as often as asked. One per process and set of Regions."""

    _shared: dict[tuple[str, ...], LintWorker] = {}

    def __init__(self, regions: tuple[str, ...]) -> None:
        # A file, not a pipe, for its errors: a full pipe would block it.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the worker)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "api_sqs_devkit.lint_worker", *regions],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            # It outlives the synth that started it (the next synth of the process reuses it):
            # not in that project's folder, which may be gone by then.
            cwd=tempfile.gettempdir(),
        )

    @classmethod
    def for_regions(cls, regions: tuple[str, ...]) -> LintWorker:
        """The process's worker for these Regions, started if there is none alive."""
        worker = cls._shared.get(regions)
        if worker is None or worker._process.poll() is not None:
            worker = cls._shared[regions] = cls(regions)
        return worker

    def lint(self, template_paths: list[str]) -> list[dict]:
        """cfn-lint's findings in these templates; RuntimeError if cfn-lint failed."""
        # Absolute paths: the worker runs in a folder of its own. Findings name them as given.
        given = {os.path.abspath(path): path for path in template_paths}
        try:
            self._process.stdin.write(json.dumps(list(given)) + "\n")
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
        except BrokenPipeError:
            answer = ""
        if not answer:
            self._process.wait()
            self._errors.seek(0)
            lines = self._errors.read().decode(errors="replace").strip().splitlines()
            reason = lines[-1] if lines else "no message"
            raise RuntimeError(f"cfn-lint failed (exit {self._process.returncode}): {reason}")
        findings = json.loads(answer)
        for finding in findings:
            finding["template"] = given.get(finding["template"], finding["template"])
        return findings


@jsii.implements(IPolicyValidationPluginBeta1)
class CfnLintValidation:
    """Lints every template of the assembly for the given Regions (an environment-agnostic stack:
    us-east-1, whose resource schemas are the most complete)."""

    def __init__(self, regions: Sequence[str] = DEFAULT_REGIONS) -> None:
        # cfn-lint takes longer to load its rules (0.6 s here) than to lint a template (0.2 s):
        # its worker process loads them while the app builds.
        self._worker = LintWorker.for_regions(tuple(regions))

    @property
    def name(self) -> str:
        return "cfn-lint"

    @property
    def version(self) -> str:
        return version("cfn-lint")

    @property
    def rule_ids(self) -> list[str] | None:
        return None  # every rule cfn-lint has

    def validate(self, context: IPolicyValidationContextBeta1) -> PolicyValidationPluginReportBeta1:
        violations: dict[str, tuple[str, list[PolicyViolatingResourceBeta1]]] = {}
        for finding in self._worker.lint(list(context.template_paths)):
            path = finding["path"]
            in_resource = len(path) > 1 and path[0] == "Resources"
            violations.setdefault(finding["rule"], (finding["description"], []))[1].append(
                PolicyViolatingResourceBeta1(
                    resource_logical_id=path[1] if in_resource else "(template)",
                    template_path=finding["template"],
                    locations=[f"{'/'.join(path)}: {finding['message']}"],
                )
            )
        return PolicyValidationPluginReportBeta1(
            success=not violations,
            violations=[
                PolicyViolationBeta1(
                    rule_name=rule_id, description=description, violating_resources=resources
                )
                for rule_id, (description, resources) in violations.items()
            ],
        )
