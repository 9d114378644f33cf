"""The cfn-lint side of `validation.CfnLintValidation`, in a process of its own:

    python -m api_sqs_devkit.lint_worker REGION [REGION ...]

It loads cfn-lint's rules at once, then reads template paths from stdin, one a line, until stdin
closes, and writes its findings to stdout as one JSON list. A process rather than a thread: loading
the rules is 0.6 s of Python, which in a thread holds the GIL the app builds with, and cfn-lint's
schemas make the interpreter's exit slower, which the CDK CLI waits for.
"""

import json
import os
import sys


def lint(template_paths: list[str], regions: list[str], rules) -> list[dict]:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import run_template_by_file_path

    findings = []
    for template in template_paths:
        # As cfn-lint's command line reads it: a .cfnlintrc in this folder or the home one counts.
        config = ConfigMixIn(["--template", template], regions=regions)
        for match in run_template_by_file_path(template, config, rules, False):
            findings.append(
                {
                    "template": template,
                    "rule": match.rule.id,
                    "description": match.rule.shortdesc,
                    "path": [str(part) for part in match.path or []],
                    "message": match.message,
                }
            )
    return findings


def main(regions: list[str]) -> None:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    rules = Runner(ConfigMixIn([], regions=regions)).rules
    template_paths = [line.strip() for line in sys.stdin if line.strip()]
    json.dump(lint(template_paths, regions, rules), sys.stdout)
    sys.stdout.flush()
    os._exit(0)  # no teardown of cfn-lint's schemas: the synth is waiting


if __name__ == "__main__":
    main(sys.argv[1:])
