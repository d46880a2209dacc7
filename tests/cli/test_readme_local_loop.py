"""The README's local loop, as printed but for the port: emulate, the stand-in stack, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conformance.test_emulate_command import COMMAND, Emulate
from tests.docs import README, block, section
from tests.test_readme_examples import bare_env

LOCAL = section(README, "On your laptop")
PORT = "4566"


def test_the_local_loop_reads_and_redrives_the_stand_in_stack(tmp_path: Path) -> None:
    [start] = [line for line in LOCAL.splitlines() if line.startswith("voice-constructs emulate")]
    argv = start.split("#", 1)[0].split()
    assert argv[1:] == ["emulate", "--port", PORT]
    (tmp_path / "local_stack.py").write_text(block("voice-constructs:stack", "python", README))
    commands = block("python local_stack.py", "sh", README)
    env = bare_env(tmp_path)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])

    log = tmp_path / "emulate.log"
    with log.open("w") as stderr:
        emulator = subprocess.Popen(  # noqa: S603 - this venv's console script
            [str(COMMAND), *argv[1:-1], "0"], stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    try:
        assert emulator.stdout is not None
        endpoint = Emulate(emulator.stdout, log).lines(1)[0].split("serving on ")[1].split()[0]
        port = endpoint.rsplit(":", 1)[1]
        run = subprocess.run(  # noqa: S603 - bash on the README's own commands
            ["/bin/bash", "-euo", "pipefail", "-c", commands.replace(PORT, port)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        emulator.send_signal(signal.SIGINT)
        emulator.wait(timeout=20)

    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    out = run.stdout
    assert "Status     COMPLETED_CALL (final), at 2027-01-15T08:01:00.000+00:00" in out
    assert "invalid  ******0142  DestinationPhoneNumber must be in E.164 form" in out
    assert "redrove 1 dead letter(s) to the bulk queue" in out
    assert "2065550142" not in out.replace("******0142", "")
