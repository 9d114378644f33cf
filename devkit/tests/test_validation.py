"""cfn-lint inside the synth: a finding fails it and lands in the validation report."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

APP = textwrap.dedent(
    """
    import aws_cdk as cdk
    from aws_cdk import aws_sqs as sqs
    from api_sqs_devkit.validation import CfnLintValidation

    app = cdk.App(outdir={outdir!r}, builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Linted")
    sqs.CfnQueue(stack, "Queue", visibility_timeout={visibility_timeout})
    cdk.Validations.of(app).add_plugins(CfnLintValidation())
    app.synth()
    """
)


def synth(tmp_path: Path, visibility_timeout: int) -> tuple[subprocess.CompletedProcess, list]:
    """The synth's result and cfn-lint's reports (the CDK reports a plugin only when it found
    something)."""
    outdir = tmp_path / "cdk.out"
    app = APP.format(outdir=str(outdir), visibility_timeout=visibility_timeout)
    result = subprocess.run([sys.executable, "-c", app], capture_output=True, text=True)
    report = json.loads((outdir / "validation-report.json").read_text())
    return result, [p for p in report["pluginReports"] if p["pluginName"] == "cfn-lint"]


def test_a_template_cfn_lint_refuses_fails_the_synth(tmp_path):
    # SQS takes a visibility timeout of at most 43,200 seconds (12 hours).
    result, (report,) = synth(tmp_path, visibility_timeout=50_000)
    assert result.returncode != 0
    assert "ValidationFailed" in result.stderr
    assert report["conclusion"] == "failure"
    (violation,) = report["violations"]
    assert violation["ruleName"] == "E3034"  # a number outside its range
    (construct,) = violation["violatingConstructs"]
    resource = construct["cloudFormationResource"]
    assert resource["logicalId"] == "Queue"
    assert resource["propertyPaths"] == [
        "Resources/Queue/Properties/VisibilityTimeout: 50000 is greater than the maximum of 43200"
    ]


def test_a_clean_template_passes(tmp_path):
    result, reports = synth(tmp_path, visibility_timeout=30)
    assert result.returncode == 0, result.stderr
    assert reports == []


def test_a_failing_cfn_lint_fails_the_synth_with_its_reason(tmp_path):
    app = APP.format(outdir=str(tmp_path / "cdk.out"), visibility_timeout=30).replace(
        "CfnLintValidation()", "CfnLintValidation(regions=['xx-nowhere-1'])"
    )
    result = subprocess.run([sys.executable, "-c", app], capture_output=True, text=True)
    assert result.returncode != 0
    assert "cfn-lint failed (exit 1): " in result.stderr
    assert "xx-nowhere-1" in result.stderr.split("cfn-lint failed")[1].splitlines()[0]
