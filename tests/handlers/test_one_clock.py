"""Every handler reads and waits on time through vc_common.clock, so tests can give it one clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

LAMBDA_SRC = ROOT / "lambda_src"
CLOCK_MODULE = LAMBDA_SRC / "vc_common" / "clock.py"
# Calls that read the real clock or wait on it.
REAL_TIME = {
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "sleep"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
}


def real_time_calls(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in REAL_TIME
        ):
            found.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            found.append(f"from time import ... (line {node.lineno})")
    return found


MODULES = sorted(p for p in LAMBDA_SRC.rglob("*.py") if p != CLOCK_MODULE)


@pytest.mark.parametrize("module", MODULES, ids=[str(p.relative_to(LAMBDA_SRC)) for p in MODULES])
def test_handler_code_reads_time_only_through_its_clock(module: Path) -> None:
    assert real_time_calls(module.read_text()) == []


def test_fails_to_miss_a_real_clock_read() -> None:
    assert real_time_calls("import time\nx = time.time()\n") == ["time.time (line 2)"]
    assert real_time_calls("from datetime import datetime\ndatetime.now()\n") == [
        "datetime.now (line 2)"
    ]
