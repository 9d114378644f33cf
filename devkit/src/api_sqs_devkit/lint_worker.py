"""The cfn-lint side of `validation.CfnLintValidation`, in a process of its own:

    python -m api_sqs_devkit.lint_worker REGION [REGION ...]

It loads cfn-lint's rules at once, then, for each line it reads on stdin (a JSON list of template
paths), writes one line on stdout (a JSON list of findings), until stdin closes. A process rather
than a thread: loading the rules is 0.6 s of Python, which in a thread holds the GIL the app
builds with, and cfn-lint's schemas make the interpreter's exit slower, which the CDK CLI waits
for. One worker serves every synth of a process (the template's tests synthesize hundreds).
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
    for line in sys.stdin:
        print(json.dumps(lint(json.loads(line), regions, rules)), flush=True)
    os._exit(0)  # no teardown of cfn-lint's schemas: nobody waits for it


if __name__ == "__main__":
    main(sys.argv[1:])
