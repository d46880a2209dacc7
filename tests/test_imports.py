"""The modules' shape: no import cycle among the package's modules, and none over 400 lines.

The graph counts every import a module makes, at module level, in a function or under
``TYPE_CHECKING`` alike: an import moved into a function still ties the two modules together.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

MAX_LINES = 400
LAMBDA_SRC = ROOT / "lambda_src"


def _modules() -> dict[str, Path]:
    """Every module of ``voice_constructs`` and of the packages under ``lambda_src``, by name."""
    found: dict[str, Path] = {}
    roots = [(ROOT, ROOT / "voice_constructs"), (LAMBDA_SRC, LAMBDA_SRC)]
    for base, top in roots:
        for path in sorted(top.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imported(tree: ast.Module, name: str, is_package: bool, known: set[str]) -> Iterator[str]:
    """The modules of ``known`` that ``name``'s imports name, wherever they are (absolute names).

    ``from package import module`` counts as an import of the module, not of the package
    (unless a name it imports is not a module of the package).
    """
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            yield from (module for module in submodules if module in known)
            if base in known and not all(module in known for module in submodules):
                yield base


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        imported = _imported(tree, name, path.name == "__init__.py", known)
        graph[name] = set(imported) - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each knot of ``graph`` (modules that reach one another), as a path."""
    cycles: list[list[str]] = []
    seen: set[str] = set()
    for start in sorted(graph):
        if start in seen:
            continue
        path = _path_back(graph, start)
        if path is not None:
            cycles.append(path)
            seen.update(path)
    return cycles


def _path_back(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """The shortest import path from ``start`` back to itself, or None (breadth first)."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    return None


def test_the_graph_sees_imports_in_functions_and_under_type_checking() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from voice_constructs.sender import VoiceMessageSender\n"
        "def f():\n"
        "    from . import api\n"
        "    import voice_constructs._contract\n"
    )
    known = {"voice_constructs", *(f"voice_constructs.{m}" for m in ("sender", "api", "_contract"))}
    found = set(_imported(ast.parse(source), "voice_constructs._x", False, known))
    assert found == known - {"voice_constructs"}


def test_fails_on_a_cycle_each_is_named_by_its_path() -> None:
    graph = {"a": {"b"}, "b": {"c", "d"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "a"], ["d", "e", "d"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_import_cycle_between_modules() -> None:
    graph = _graph()
    assert "voice_constructs.sender" in graph
    assert "send_voice_message.pacing" in graph
    cycles = [" -> ".join(cycle) for cycle in _cycles(graph)]
    assert cycles == [], "import cycles (move what both need into a module below them): " + (
        "; ".join(cycles)
    )


def test_no_module_over_400_lines() -> None:
    paths = [*_modules().values(), ROOT / "app.py"]
    lines = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines()) for p in paths}
    over = {path: count for path, count in sorted(lines.items()) if count > MAX_LINES}
    assert over == {}, f"modules over {MAX_LINES} lines (split them along a seam): {over}"
