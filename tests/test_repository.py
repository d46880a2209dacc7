"""The repository's own promises: make help, the pinned CDK CLI, the licence."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT
from tests.docs import page, pages

MAKEFILE = (ROOT / "Makefile").read_text()
README = (ROOT / "README.md").read_text()


def _help() -> str:
    return subprocess.run(
        ["make", "--no-print-directory", "help"],  # noqa: S607 - make, as a user runs it
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def test_make_help_lists_every_target_and_variable() -> None:
    phony = re.search(r"^\.PHONY:(.*)$", MAKEFILE, re.MULTILINE)
    assert phony is not None
    targets = set(phony.group(1).split()) - {"help"}
    shown = _help()
    assert [t for t in sorted(targets) if f"make {t} " not in shown] == []
    variables = {"CDK_ARGS", "PYTEST_ARGS", "PYTEST_WORKERS", "BENCH_UPDATE", "PYTHON"}
    assert [v for v in sorted(variables) if f"{v}=" not in shown] == []


def test_every_page_pins_the_cdk_cli_the_makefile_pins() -> None:
    version = re.search(r"^CDK_CLI_VERSION := (\S+)$", MAKEFILE, re.MULTILINE)
    assert version is not None
    every_page = "".join(p.read_text() for p in pages())
    used = set(re.findall(r"aws-cdk@([0-9][0-9.]*[0-9])", every_page))
    assert used == {version.group(1)}


def test_licence_is_the_full_apache_2_text() -> None:
    licence = (ROOT / "LICENSE").read_text()
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in licence
    assert "END OF TERMS AND CONDITIONS" in licence


def test_the_tools_for_tests_and_review_import_without_starting_jsii() -> None:
    code = (
        "import sys\n"
        "import voice_constructs.testing, voice_constructs.review, voice_constructs.diagram\n"
        "import voice_constructs.status\n"
        "from voice_constructs._contract import contract\n"
        "assert 'jsii' not in sys.modules and 'aws_cdk' not in sys.modules, 'jsii started'\n"
    )
    run = subprocess.run(  # noqa: S603 - a fixed snippet of this repository's own imports
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr[-1000:]


def test_the_performance_page_is_the_committed_bench_run() -> None:
    bench = (ROOT / "bench" / "results.md").read_text()
    rows = [line for line in bench.splitlines() if line.startswith("|")]
    performance = page("performance.md").read_text()
    assert [line for line in performance.splitlines() if line.startswith("|")] == rows
    seconds = re.search(r"Command: `make bench` \((\d+) s\)", bench)
    assert seconds is not None
    assert f"`make bench` ({seconds.group(1)} s from an installed venv" in performance
