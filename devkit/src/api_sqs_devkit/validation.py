"""cfn-lint as a CDK validation plugin, so that every synth lints the templates it writes.

    cdk.Validations.of(app).add_plugins(CfnLintValidation())

It replaces aws-cdk-lib's built-in CloudFormation validation (turn that off with
`cdk.App(builtin_cloud_formation_validation=False)`): cfn-lint checks the same templates and more,
and one check per template is enough. Findings appear in the synth's validation report and fail
the synth, like cdk-nag's. A resource opts out of a rule with cfn-lint's own metadata,
`{"cfn-lint": {"config": {"ignore_checks": ["W3005"]}}}`, with a comment saying why.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import jsii
from aws_cdk import (
    IPolicyValidationContextBeta1,
    IPolicyValidationPluginBeta1,
    PolicyValidationPluginReportBeta1,
    PolicyViolatingResourceBeta1,
    PolicyViolationBeta1,
)

DEFAULT_REGIONS = ("us-east-1",)


def _import_cfn_lint() -> None:
    import cfnlint.api  # noqa: F401 (imported for its cost, paid while the app builds)


@jsii.implements(IPolicyValidationPluginBeta1)
class CfnLintValidation:
    """Lints every template of the assembly for the given Regions (an environment-agnostic stack:
    us-east-1, whose resource schemas are the most complete)."""

    def __init__(self, regions: Sequence[str] = DEFAULT_REGIONS) -> None:
        self._regions = list(regions)
        # cfn-lint takes about half a second to import; the app spends longer waiting on the
        # CDK's Node.js process while it builds, so the import runs meanwhile.
        self._loading = threading.Thread(target=_import_cfn_lint, daemon=True)
        self._loading.start()

    @property
    def name(self) -> str:
        return "cfn-lint"

    @property
    def version(self) -> str:
        from cfnlint.version import __version__

        return __version__

    @property
    def rule_ids(self) -> list[str] | None:
        return None  # every rule cfn-lint has

    def validate(self, context: IPolicyValidationContextBeta1) -> PolicyValidationPluginReportBeta1:
        self._loading.join()
        from cfnlint.api import ManualArgs, lint_file

        config = ManualArgs(regions=self._regions)
        violations: dict[str, tuple[object, list[PolicyViolatingResourceBeta1]]] = {}
        for template in context.template_paths:
            for match in lint_file(Path(template), config):
                path = [str(part) for part in match.path or []]
                in_resource = len(path) > 1 and path[0] == "Resources"
                violations.setdefault(match.rule.id, (match.rule, []))[1].append(
                    PolicyViolatingResourceBeta1(
                        resource_logical_id=path[1] if in_resource else "(template)",
                        template_path=template,
                        locations=[f"{'/'.join(path)}: {match.message}"],
                    )
                )
        return PolicyValidationPluginReportBeta1(
            success=not violations,
            violations=[
                PolicyViolationBeta1(
                    rule_name=rule_id,
                    description=rule.shortdesc,
                    violating_resources=resources,
                )
                for rule_id, (rule, resources) in violations.items()
            ],
        )
