"""How fast the template's loop is on this machine, every figure measured in the same run.

    make benchmark                      # all figures, the whole test suite included (~20 min)
    make benchmark ARGS=--skip-suite    # the quick ones (~2 min)

- the synth of an empty CDK app (one Stack, nothing in it): the floor any CDK app pays here for
  starting Node.js, the CDK CLI and aws-cdk-lib;
- one render of the default project, and its `cdk synth` (cdk-nag included), as a user runs them;
- the consumer handler's cold import (a new Python process importing it, Powertools included);
- the size of the consumer's asset, what Lambda downloads on a cold start;
- the whole test suite (`make test`'s pytest run).

Each timing is the median of --runs runs, the three synth figures interleaved so that the
machine's load weighs on them alike. The target, printed as met or missed: render + synth of
the default project within 1.5 x the empty app's synth.
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
TARGET_RATIO = 1.5
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
        project = workdir / "render" / "orders-ingest"
        # Interleaved, so that the machine's load weighs on both alike.
        empty, rendering, synth, ratios = [], [], [], []
        for _ in range(options.runs):
            empty.append(timed([str(CDK), "synth", "--quiet"], empty_app))
            rendering.append(render(workdir))
            synth.append(timed([str(CDK), "synth", "--quiet"], project))
            ratios.append((rendering[-1] + synth[-1]) / empty[-1])
        size, files = asset_size(project)
        cold_import = handler_import(project, options.runs)
    empty, rendering, synth, ratio = map(statistics.median, (empty, rendering, synth, ratios))
    rows = [
        ("empty CDK app, cdk synth", f"{empty:.2f} s"),
        ("default project, render", f"{rendering:.2f} s"),
        ("default project, cdk synth (cdk-nag included)", f"{synth:.2f} s"),
        (
            "render + synth / empty app synth (median of runs)",
            f"{ratio:.2f} (target {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'missed'})",
        ),
        ("consumer handler, cold import", f"{cold_import * 1000:.0f} ms"),
        ("consumer asset", f"{size / 1024:.1f} KiB in {files} files"),
    ]
    for name, value in rows:
        print(f"{name:<48} {value}", flush=True)
    if not options.skip_suite:
        suite = timed([str(VENV_BIN / "pytest"), "-q", "-p", "no:cacheprovider"], ROOT)
        print(f"{'whole test suite (pytest)':<48} {suite / 60:.1f} min")
    print(f"({os.cpu_count()} CPUs; median of {options.runs} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
