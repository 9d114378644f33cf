"""How fast the template's loop is on this machine, every figure measured in the same run.

    make benchmark                      # all figures, the whole test suite included (~6 min)
    make benchmark ARGS=--skip-suite    # the quick ones (~1 min)

- the synth of an empty CDK app (one Stack, nothing in it, aws-cdk-lib's defaults): the floor any
  CDK app pays here for starting Node.js, the CDK CLI and aws-cdk-lib;
- the default project's `make synth`: `cdk synth`, with cdk-nag and cfn-lint inside it;
- the default project's size: lines of Python it owns, outside its tests, and in all;
- the default project's own test suite (its `make test`'s pytest run);
- the consumer handler's cold import (a new Python process importing it, Powertools included);
- the size of the consumer's asset, what Lambda downloads on a cold start;
- the whole test suite of the template (`make test`'s pytest run).

Each timing is the median of --runs runs, the synth figures interleaved so that the machine's
load weighs on them alike. Targets, printed as met or missed: the default project's synth within
1.0 x the empty app's, its test suite under 20 s, its Python outside tests at most 1,200 lines,
and the template's suite within 5 minutes.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
CDK = ROOT / "build/cdk-cli/node_modules/.bin/cdk"
TARGET_RATIO = 1.0
TARGET_PROJECT_TESTS_SECONDS = 20
TARGET_PROJECT_LINES = 1200
TARGET_SUITE_MINUTES = 5
EMPTY_APP = """import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "Empty")
app.synth()
"""


def environment() -> dict:
    return {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
    }


def timed(command: list[str], cwd: Path, env: dict | None = None) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env or environment(), capture_output=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(command)} failed in {cwd}:\n{result.stderr.decode()[-2000:]}")
    return elapsed


def median_of(runs: int, measure) -> float:
    return statistics.median(measure() for _ in range(runs))


def make_empty_app(workdir: Path) -> Path:
    app = workdir / "empty-app"
    app.mkdir()
    (app / "app.py").write_text(EMPTY_APP)
    (app / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    return app


def render(workdir: Path) -> float:
    output = workdir / "render"
    subprocess.run(["rm", "-rf", str(output)], check=True)
    command = [str(VENV_BIN / "cookiecutter"), "--no-input", "-o", str(output), str(ROOT)]
    return timed(command, ROOT)


def asset_size(project: Path) -> tuple[int, int]:
    """(bytes, files) of the consumer's asset in the cloud assembly."""
    (template_file,) = (project / "cdk.out").glob("*.template.json")
    resources = json.loads(template_file.read_text())["Resources"]
    (function,) = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    asset = project / "cdk.out" / function["Metadata"]["aws:asset:path"]
    files = [path for path in asset.rglob("*") if path.is_file()]
    return sum(path.stat().st_size for path in files), len(files)


def python_lines(project: Path) -> tuple[int, int]:
    """(lines outside tests, lines in all) of the project's Python files."""
    counts = {
        path: len(path.read_text().splitlines())
        for path in project.rglob("*.py")
        if not {".venv", "node_modules", "cdk.out"} & set(path.parts)
    }
    outside_tests = sum(n for path, n in counts.items() if "tests" not in path.parts)
    return outside_tests, sum(counts.values())


def verdict(met: bool) -> str:
    return "met" if met else "missed"


def handler_import(project: Path, runs: int) -> float:
    runtime = next(project.glob("*/consumer/runtime"))
    probe = (
        "import time; started = time.perf_counter(); import handler;"
        " print(time.perf_counter() - started)"
    )
    env = {
        **environment(),
        "PYTHONPATH": str(runtime),
        "POWERTOOLS_SERVICE_NAME": "benchmark",
        "POWERTOOLS_METRICS_NAMESPACE": "benchmark",
        # What Lambda and the stack set for an idempotent consumer (its store's client is made
        # at import, which the figure includes).
        "IDEMPOTENCY_TABLE": "benchmark-idempotency",
        "IDEMPOTENCY_EXPIRES_AFTER_SECONDS": "3600",
        "AWS_DEFAULT_REGION": "us-east-1",
    }

    def measure() -> float:
        result = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        return float(result.stdout)

    return median_of(runs, measure)


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--runs", type=int, default=3, help="runs per timing (3)")
    arguments.add_argument("--skip-suite", action="store_true", help="leave out the test suite")
    options = arguments.parse_args()
    if not CDK.exists():
        sys.exit(f"error: no CDK CLI at {CDK}: run `make install` first")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        empty_app = make_empty_app(workdir)
        render(workdir)
        project = workdir / "render" / "orders-ingest"
        # Interleaved, so that the machine's load weighs on both alike.
        empty, synth, ratios = [], [], []
        for _ in range(options.runs):
            empty.append(timed([str(CDK), "synth", "--quiet"], empty_app))
            synth.append(timed([str(CDK), "synth", "--quiet"], project))
            ratios.append(synth[-1] / empty[-1])
        size, files = asset_size(project)
        cold_import = handler_import(project, options.runs)
        own_lines, all_lines = python_lines(project)
        project_tests = median_of(
            options.runs,
            lambda: timed([str(VENV_BIN / "pytest"), "-q", "-p", "no:cacheprovider"], project),
        )
    empty, synth, ratio = map(statistics.median, (empty, synth, ratios))
    rows = [
        ("empty CDK app, cdk synth", f"{empty:.2f} s"),
        ("default project, make synth (cdk-nag, cfn-lint)", f"{synth:.2f} s"),
        (
            "  synth / empty app synth (median of runs)",
            f"{ratio:.2f} (target {TARGET_RATIO}: {verdict(ratio <= TARGET_RATIO)})",
        ),
        (
            "default project, Python outside tests",
            f"{own_lines} lines (target {TARGET_PROJECT_LINES}:"
            f" {verdict(own_lines <= TARGET_PROJECT_LINES)}); {all_lines} with its tests",
        ),
        (
            "default project, its test suite",
            f"{project_tests:.1f} s (target {TARGET_PROJECT_TESTS_SECONDS} s:"
            f" {verdict(project_tests < TARGET_PROJECT_TESTS_SECONDS)})",
        ),
        ("consumer handler, cold import", f"{cold_import * 1000:.0f} ms"),
        ("consumer asset", f"{size / 1024:.1f} KiB in {files} files"),
    ]
    for name, value in rows:
        print(f"{name:<50} {value}", flush=True)
    if not options.skip_suite:
        suite = timed([str(VENV_BIN / "pytest"), "-q", "-p", "no:cacheprovider"], ROOT) / 60
        target = f"target {TARGET_SUITE_MINUTES} min: {verdict(suite <= TARGET_SUITE_MINUTES)}"
        print(f"{'template test suite (pytest)':<50} {suite:.1f} min ({target})")
    print(f"({os.cpu_count()} CPUs; median of {options.runs} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
