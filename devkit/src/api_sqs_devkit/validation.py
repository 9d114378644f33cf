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
import subprocess
import sys
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


def _start_worker(regions: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "api_sqs_devkit.lint_worker", *regions]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.Popen(command, text=True, **pipes)


@jsii.implements(IPolicyValidationPluginBeta1)
class CfnLintValidation:
    """Lints every template of the assembly for the given Regions (an environment-agnostic stack:
    us-east-1, whose resource schemas are the most complete)."""

    def __init__(self, regions: Sequence[str] = DEFAULT_REGIONS) -> None:
        self._regions = list(regions)
        # cfn-lint takes longer to load its rules (0.6 s here) than to lint a template (0.2 s);
        # its own process loads them while the app builds (see lint_worker).
        self._worker: subprocess.Popen | None = _start_worker(self._regions)

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
        worker, self._worker = self._worker or _start_worker(self._regions), None
        output, errors = worker.communicate("".join(f"{path}\n" for path in context.template_paths))
        if worker.returncode != 0:
            last_line = (errors.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"cfn-lint failed (exit {worker.returncode}): {last_line}")
        violations: dict[str, tuple[str, list[PolicyViolatingResourceBeta1]]] = {}
        for finding in json.loads(output):
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
