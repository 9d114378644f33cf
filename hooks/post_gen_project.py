"""Remove what a disabled option would need, then say what was generated and what to do next."""

import json
import shutil
from pathlib import Path

# fmt: off
ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')  # JSON text, never code
# fmt: on
PACKAGE = Path(ANSWERS["__package_name"])

# Files that only an enabled option uses. Lines inside shared files are left out when rendering.
FILES_OF_OPTION = {
    "enable_vpc": [PACKAGE / "network.py"],
}


def prune() -> None:
    for option, paths in FILES_OF_OPTION.items():
        if ANSWERS[option]:
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
