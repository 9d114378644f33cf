"""Remove what a disabled option would need, then say what was generated and what to do next."""

import json
import shutil
from pathlib import Path

# fmt: off
ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')  # JSON text, never code
# fmt: on
PACKAGE = Path(ANSWERS["__package_name"])

# Files that only one choice uses: (option, value that needs them, files). Lines inside shared
# files are left out when rendering.
FILES_OF_CHOICE = [
    ("enable_vpc", True, [PACKAGE / "network.py"]),
    ("api_type", "http", [PACKAGE / "http_api.py", Path("tests/unit/test_http_api.py")]),
    (
        "api_type",
        "rest",
        [
            PACKAGE / "rest_api.py",
            PACKAGE / "message_schema.json",
            Path("tests/unit/test_rest_api.py"),
        ],
    ),
]


def prune() -> None:
    for option, needed_with, paths in FILES_OF_CHOICE:
        if ANSWERS[option] == needed_with:
            continue
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


def main() -> None:
    prune()
    project = Path.cwd()
    print(f"Generated {project.name} in {project}")
    print(f"  next: cd {project} && make install && make test && make synth")


main()
