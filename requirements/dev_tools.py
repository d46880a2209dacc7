"""Print the dev group's tools at the versions uv.lock pins, one ``name==version`` a line.

make test-lowest and make test-newest install them beside the lowest or newest releases
of the declared dependencies, so that only what the ranges promise to users varies.

Run with any Python 3.11 or later (tomllib); it reads the two files and prints, nothing else.
"""

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Print the dev group's direct members with their locked versions."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    packages = {package["name"]: package for package in lock["package"]}
    project = packages["voice-constructs"]
    # Their extras are left out: boto3-stubs' only serve mypy, which these runs leave to make test.
    for name in sorted(item["name"] for item in project["dev-dependencies"]["dev"]):
        sys.stdout.write(f"{name}=={packages[name]['version']}\n")


if __name__ == "__main__":
    main()
