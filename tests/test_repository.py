"""The repository's own promises: make help, the pinned CDK CLI, the licence."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT

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


def test_readme_pins_the_cdk_cli_the_makefile_pins() -> None:
    version = re.search(r"^CDK_CLI_VERSION := (\S+)$", MAKEFILE, re.MULTILINE)
    assert version is not None
    used = set(re.findall(r"aws-cdk@([0-9][0-9.]*[0-9])", README))
    assert used == {version.group(1)}


def test_licence_is_the_full_apache_2_text() -> None:
    licence = (ROOT / "LICENSE").read_text()
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
