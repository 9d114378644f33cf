"""Print what `make demo` produced: the project's files and the synthesized stack's resources."""

import json
import sys
from collections import Counter
from pathlib import Path

SKIP = {"cdk.out", "__pycache__", ".venv", "node_modules"}


def main(project: Path) -> None:
    print(f"\nProject: {project.resolve()}")
    for path in sorted(project.rglob("*")):
        if path.is_file() and not SKIP & set(path.relative_to(project).parts):
            print(f"  {path.relative_to(project)}")
    for template_file in sorted((project / "cdk.out").glob("*.template.json")):
        resources = json.loads(template_file.read_text())["Resources"]
        print(f"\nSynthesized stack: {template_file.name.removesuffix('.template.json')}")
        print(f"  template: {template_file.resolve()}")
        for resource_type, count in sorted(Counter(r["Type"] for r in resources.values()).items()):
            print(f"  {count:3d}  {resource_type}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
