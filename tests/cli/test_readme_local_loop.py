"""The README's local loop, as printed but for the port: the quick start's app synthesized,
``voice-constructs emulate --app cdk.out`` on it, and the command-line tool against it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance.test_emulate_command import COMMAND, Emulate
from tests.docs import README, ROOT, block, section
from tests.test_readme_examples import bare_env

LOCAL = section(README, "On your laptop")
PORT = "4566"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quick start's ``app.py`` and ``cdk.json``, synthesized as ``cdk synth`` runs an app."""
    directory = tmp_path_factory.mktemp("alerts")
    (directory / "app.py").write_text(block("app = cdk.App()", "python", README))
    context = json.loads(block('"app": "python3 app.py"', "json", README))["context"]
    env = {
        **os.environ,
        "CDK_OUTDIR": str(directory / "cdk.out"),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, "app.py"], cwd=directory, env=env, check=True, timeout=300)
    return directory


def test_the_local_loop_calls_follows_and_reads_the_queues(app: Path, tmp_path: Path) -> None:
    [start] = [line for line in LOCAL.splitlines() if line.startswith("voice-constructs emulate")]
    argv = start.split("#", 1)[0].split()
    assert argv[1:] == ["emulate", "--app", "cdk.out", "--port", PORT]
    commands = block('voice-constructs status "$id" --follow', "sh", README)
    env = bare_env(tmp_path)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])

    log = tmp_path / "emulate.log"
    with log.open("w") as stderr:
        emulator = subprocess.Popen(  # noqa: S603 - this venv's console script
            [str(COMMAND), *argv[1:-1], "0"],
            cwd=app,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**env, "AWS_DEFAULT_REGION": "us-east-1"},
        )
    try:
        assert emulator.stdout is not None
        endpoint = Emulate(emulator.stdout, log).lines(1)[0].split("serving on ")[1].split()[0]
        port = endpoint.rsplit(":", 1)[1]
        run = subprocess.run(  # noqa: S603 - bash on the README's own commands
            ["/bin/bash", "-euo", "pipefail", "-c", commands.replace(PORT, port)],
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

    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{log.read_text()[-3000:]}"
    assert status == 0, log.read_text()[-3000:]
    out = run.stdout
    assert "Status     COMPLETED_CALL (final)" in out
    assert "ANSWERED" in out
    [bulk] = [line for line in out.splitlines() if line.startswith("bulk-queue ")]
    assert bulk.split() == ["bulk-queue", "0", "0", "0"]
    assert "2065550142" not in out
