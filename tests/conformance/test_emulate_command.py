"""``voice-constructs emulate``: serves until interrupted, and says what is wrong in one line."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from voice_constructs.cli import main
from voice_constructs.cli._exit import OK, USAGE
from voice_constructs.cli.emulate import MISSING_EXTRA

COMMAND = Path(sys.executable).parent / "voice-constructs"


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_emulate_serves_until_interrupted(tmp_path: Path, stop: signal.Signals) -> None:
    # Standard error goes to a file: a pipe nobody reads would fill up with the request log.
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603 (this venv's console script)
            [str(COMMAND), "emulate", "--port", "0", "--json"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            # As a shell without job control starts a background command: SIGINT ignored.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    try:
        assert process.stdout is not None
        announced = json.loads(process.stdout.readline())
        assert announced["control_url"] == announced["endpoint_url"] + "/_voice_constructs"
        with urllib.request.urlopen(announced["control_url"] + "/", timeout=10) as response:  # noqa: S310 (http)
            assert "pinpoint-sms-voice-v2" in json.loads(response.read())["operations"]
    finally:
        process.send_signal(stop)
        try:
            status = process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise AssertionError(
                f"no exit after {stop.name}; stderr:\n{log.read_text()[-3000:]}"
            ) from None
    assert status == OK, log.read_text()[-3000:]


def test_fails_without_the_testing_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # What an install without moto's server looks like to the command: the import fails.
    monkeypatch.setitem(sys.modules, "voice_constructs.testing.server", None)
    assert main(["emulate", "--port", "0"]) == USAGE
    assert capsys.readouterr().err == f"voice-constructs: {MISSING_EXTRA}\n"


def test_fails_on_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["emulate", "--port", str(port)]) == USAGE
    error = capsys.readouterr().err
    assert error.startswith(f"voice-constructs: cannot listen on 127.0.0.1:{port}")
    assert error.count("\n") == 1
