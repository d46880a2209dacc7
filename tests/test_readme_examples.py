"""The README's and docs/' Python examples: every one compiles; the runnable ones run as printed.

The quick start runs in ``tests/infra/test_quick_start.py``, the local loop in
``tests/cli/test_readme_local_loop.py``, the emulator's clients in ``tests/conformance``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.docs import blocks

BLOCKS = blocks("python")


def block(marker: str) -> str:
    [found] = [code for _, code in BLOCKS if marker in code]
    return found


def bare_env(home: Path) -> dict[str, str]:
    """No AWS configuration at all: no AWS_* variables, an empty home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**env, "HOME": str(home)}


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_every_python_example_compiles(number: int) -> None:
    page, example = BLOCKS[number]
    code = compile(example, f"{page.name} python block {number}", "exec")  # or SyntaxError

    assert code.co_names or code.co_consts, "an empty example"


def test_running_the_handler_locally_works_verbatim_without_aws_configuration(
    tmp_path: Path,
) -> None:
    script = tmp_path / "run.py"
    script.write_text(block('sys.path.insert(0, "lambda_src")'))

    run = subprocess.run(  # noqa: S603 - the README's own example
        [sys.executable, str(script)],
        cwd=ROOT,
        env=bare_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("{'MessageId': '")
    assert "'Your table is ready.'" in run.stdout


def test_testing_example_passes_verbatim_without_aws_configuration(tmp_path: Path) -> None:
    (tmp_path / "test_example.py").write_text(block("def test_calls_the_customer(voice_mock)"))

    run = subprocess.run(  # noqa: S603 - pytest on the README's own example
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=bare_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stdout[-2000:]
    assert "1 passed" in run.stdout
