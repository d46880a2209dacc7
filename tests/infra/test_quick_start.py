"""The README's quick start, as printed: a new CDK app beside a clone, the wheel, synth.

Run with ``make test-package``. The clone is a copy of this checkout's files (``git clone`` of a
URL the README leaves to the reader is the one command not run), in a fresh directory with no
AWS configuration; every other command of the block runs verbatim in one shell, and the app's
``app.py`` and ``cdk.json`` are the README's own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.test_emulate_command import Emulate
from tests.docs import README, ROOT, block

pytestmark = pytest.mark.package

# The quick start's local loop: the emulator in one terminal, the call in another.
EMULATE = block("whl[testing]", "sh", README)
CALL = block("--endpoint-url http://127.0.0.1:4566", "sh", README)
CLONE = "git clone https://github.com/<your-org>/voice-constructs.git"
# What a clone does not hold: local environments and build output.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv*", "cdk.out", "dist", "build", "node_modules", "__pycache__", ".*_cache"
)


def commands() -> str:
    """The quick start's shell block, up to and including the install."""
    code = block("mkdir alerts", "sh", README)
    assert code.startswith(CLONE + "\n"), code
    return code.removeprefix(CLONE + "\n")


def consumer_env(home: Path) -> dict[str, str]:
    """A consumer's shell: no AWS configuration, nothing of this checkout's venv or CDK run."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "CDK_", "JSII_"))
        and k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    }
    # The system's PATH: the dev venv (and its Node) must not be what the app runs on.
    path = [p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p]
    return {
        **env,
        "PATH": os.pathsep.join(path),
        "AWS_CONFIG_FILE": str(home / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
    }


@pytest.fixture(scope="module")
def alerts(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The app directory after the quick start's commands, its files and its synth."""
    work = tmp_path_factory.mktemp("quick-start")
    shutil.copytree(ROOT, work / "voice-constructs", ignore=NOT_IN_A_CLONE)
    synth = block("synth --quiet", "sh", README).strip()
    script = "set -euo pipefail\n" + commands()
    script += "cat > app.py <<'APP'\n" + block("app = cdk.App()", "python", README) + "APP\n"
    script += "cat > cdk.json <<'JSON'\n" + block('"app": "python3 app.py"', "json", README)
    script += "JSON\n" + synth + "\n"
    # The local loop's install of the testing extra, into the same venv.
    [testing] = [line for line in EMULATE.splitlines() if line.startswith("pip install ")]
    script += testing + "\nvoice-constructs emulate --help > emulate-help.txt\n"
    run = subprocess.run(  # noqa: S603 - bash on the README's own commands
        ["/bin/bash", "-c", script],
        cwd=work,
        env=consumer_env(work),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return work / "alerts", run


def test_the_quick_start_synthesizes_the_stack_it_describes(
    alerts: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    app, _ = alerts
    template: dict[str, Any] = json.loads((app / "cdk.out" / "Alerts.template.json").read_text())
    types = [r["Type"] for r in template["Resources"].values()]
    assert not [t for t in types if t.startswith(("AWS::Pinpoint::", "Custom::"))], types
    assert types.count("AWS::Events::Rule") == 1  # call status through EventBridge
    assert types.count("AWS::SQS::Queue") == 4  # bulk, dead-letter, failure, failed events
    assert "SenderFunctionName" in template["Outputs"]


def test_the_quick_start_runs_on_the_venvs_node_and_imports_the_wheel(
    alerts: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    app, run = alerts
    assert "end-of-life" not in run.stderr, run.stderr[-2000:]
    installed = list((app / ".venv").glob("lib/python*/site-packages/voice_constructs"))
    assert len(installed) == 1, installed
    assert (installed[0] / "_lambda_src" / "send_voice_message").is_dir()
    assert (app / ".venv" / "bin" / "voice-constructs").exists()


def test_the_local_loops_install_gives_the_emulator(
    alerts: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    app, _ = alerts
    assert "usage: voice-constructs emulate" in (app / "emulate-help.txt").read_text()


def test_the_quick_starts_local_loop_places_a_call_in_the_emulator(
    alerts: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    app, _ = alerts
    [start] = [line for line in EMULATE.splitlines() if line.startswith("voice-constructs ")]
    argv = start.split("#", 1)[0].split()
    env = consumer_env(app.parent)
    env["PATH"] = os.pathsep.join([str(app / ".venv" / "bin"), env["PATH"]])
    log = app / "emulate.log"
    with log.open("w") as stderr:
        emulator = subprocess.Popen(  # noqa: S603 - the app venv's console script
            [str(app / ".venv" / "bin" / argv[0]), *argv[1:], "--port", "0"],
            cwd=app,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        assert emulator.stdout is not None
        lines = Emulate(emulator.stdout, log).lines(4)
        endpoint = lines[0].split("serving on ")[1].split()[0]
        call = subprocess.run(  # noqa: S603 - bash on the README's own commands
            [
                "/bin/bash",
                "-euo",
                "pipefail",
                "-c",
                CALL.replace("http://127.0.0.1:4566", endpoint),
            ],
            cwd=app,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        emulator.send_signal(signal.SIGINT)
        status = emulator.wait(timeout=60)

    assert lines[3].startswith("stack Alerts "), lines
    assert "SMS and Voice API v2" in lines[3]
    assert call.returncode == 0, f"{call.stdout}\n{call.stderr}\n{log.read_text()[-3000:]}"
    assert "To         +1******0142: placed" in call.stdout
    assert status == 0, log.read_text()[-3000:]
