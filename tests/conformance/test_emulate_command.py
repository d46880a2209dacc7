"""``voice-constructs emulate``: serves until interrupted, and says what is wrong in one line."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from voice_constructs.cli import main
from voice_constructs.cli._exit import OK, USAGE
from voice_constructs.cli.emulate import MISSING_EXTRA
from voice_constructs.testing.server import TOKEN_HEADER

COMMAND = Path(sys.executable).parent / "voice-constructs"


@contextmanager
def _emulate(tmp_path: Path, *args: str, stop: signal.Signals = signal.SIGINT) -> Iterator[Emulate]:
    """``voice-constructs emulate --port 0`` with ``args``, stopped by ``stop`` at the end."""
    # Standard error goes to a file: a pipe nobody reads would fill up with the request log.
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603 (this venv's console script)
            [str(COMMAND), "emulate", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            # As a shell without job control starts a background command: SIGINT ignored.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    try:
        assert process.stdout is not None
        yield Emulate(process.stdout, log)
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


@dataclass
class Emulate:
    """A running ``voice-constructs emulate``: what it prints."""

    stdout: IO[str]
    stderr: Path

    def lines(self, count: int) -> list[str]:
        """The next ``count`` lines of standard output, within 20 seconds."""
        lines: list[str] = []

        def read() -> None:
            for _ in range(count):
                lines.append(self.stdout.readline())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout=20)
        assert len(lines) == count, (lines, self.stderr.read_text()[-3000:])
        return lines


def _get(url: str, token: str | None) -> tuple[int, dict[str, Any]]:
    headers = {} if token is None else {TOKEN_HEADER: token}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_emulate_serves_until_interrupted(tmp_path: Path, stop: signal.Signals) -> None:
    with _emulate(tmp_path, "--json", stop=stop) as running:
        [line] = running.lines(1)
        announced = json.loads(line)
        assert announced["control_url"] == announced["endpoint_url"] + "/_voice_constructs"
        assert announced["token_header"] == TOKEN_HEADER
        status, index = _get(announced["control_url"] + "/", announced["token"])
        assert status == 200
        assert "pinpoint-sms-voice-v2" in index["operations"]


def test_emulate_tells_people_the_token_the_control_path_needs(tmp_path: Path) -> None:
    with _emulate(tmp_path) as running:
        serving, control, token = running.lines(3)
        control_url = control.split(": ", 1)[1].strip()
        assert serving.startswith("voice-constructs emulate: serving on http://127.0.0.1:")
        assert TOKEN_HEADER in token
        assert _get(control_url, None)[0] == 403
        assert _get(control_url, token.rsplit(" ", 1)[1].strip())[0] == 200


def test_emulate_allow_remote_listens_and_warns(tmp_path: Path) -> None:
    with _emulate(tmp_path, "--json", "--host", "0.0.0.0", "--allow-remote") as running:  # noqa: S104
        [line] = running.lines(1)
        announced = json.loads(line)
        assert announced["endpoint_url"].startswith("http://0.0.0.0:")
        [warning] = [line for line in running.stderr.read_text().splitlines() if "warning" in line]
        assert "listening on 0.0.0.0" in warning


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])  # noqa: S104 (refused)
def test_fails_a_remote_host_without_allow_remote(host: str) -> None:
    # A subprocess: before hosts were checked, this served until stopped.
    run = subprocess.run(  # noqa: S603 (this venv's console script)
        [str(COMMAND), "emulate", "--port", "0", "--host", host],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert run.returncode == USAGE
    assert run.stderr.count("\n") == 1
    assert f"--host {host} " in run.stderr
    assert "--allow-remote" in run.stderr


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
    assert error.startswith(f"voice-constructs: --port {port} is in use on 127.0.0.1 (")
    assert error.count("\n") == 1


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """``voice-constructs emulate`` with ``args``, which must end on its own within 30 seconds."""
    return subprocess.run(  # noqa: S603 (this venv's console script)
        [str(COMMAND), "emulate", *args], capture_output=True, text=True, timeout=30, check=False
    )


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "http"])
def test_fails_a_port_out_of_range_naming_it(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    # 99999 and -1 reached bind(): an OverflowError's traceback, exit 1.
    assert main(["emulate", "--port", port]) == USAGE
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert error.splitlines()[-1] == (
        "voice-constructs emulate: error: argument --port: must be a whole number from 0 to "
        f"65535 (0 picks a free port), got {port!r}"
    )


def test_fails_a_port_out_of_range_as_a_usage_error() -> None:
    run = _run("--port", "99999")
    assert (run.returncode, run.stdout) == (USAGE, "")
    assert "Traceback" not in run.stderr
    assert "argument --port: must be a whole number from 0 to 65535" in run.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--host", "999.1.1.1"), "--host 999.1.1.1 does not resolve (Name or service not known)"),
        (("--host", "no-such-host.invalid"), "--host no-such-host.invalid does not resolve ("),
        (("--host", "192.0.2.1", "--allow-remote"), "--host 192.0.2.1 is not an address of this"),
    ],
    ids=["not-an-address", "no-such-name", "not-this-machine"],
)
def test_fails_a_host_it_cannot_listen_on_naming_it(
    args: tuple[str, ...], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # It said "cannot listen on 999.1.1.1:0: ...; pick another --port".
    assert main(["emulate", "--port", "0", *args]) == USAGE
    error = capsys.readouterr().err
    assert error.startswith(f"voice-constructs: {expected}")
    assert "--port" not in error
    assert error.count("\n") == 1


def test_fails_a_region_the_fakes_do_not_serve() -> None:
    # A subprocess: before regions were checked, this served until stopped.
    run = _run("--port", "0", "--region", "mars-1")
    assert run.returncode == USAGE
    assert run.stderr.startswith("voice-constructs: --region: 'mars-1' is not a region the fakes")
    assert run.stderr.count("\n") == 1


def _requests(announced: dict[str, Any]) -> None:
    """A request answered 200, one refused 403 and one 404: werkzeug colours the last two."""
    control = announced["control_url"]
    assert _get(control + "/", announced["token"])[0] == 200
    assert _get(control + "/", None)[0] == 403
    assert _get(control + "/nothing", announced["token"])[0] == 404


@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_the_request_log_is_off_unless_verbose_and_plain_off_a_terminal(
    tmp_path: Path, verbose: bool
) -> None:
    # Every request was logged, in ANSI colours, into a file too.
    with _emulate(tmp_path, "--json", *(["--verbose"] if verbose else [])) as running:
        _requests(json.loads(running.lines(1)[0]))
    log = running.stderr.read_text()
    assert "\x1b" not in log
    requests = [line for line in log.splitlines() if "HTTP/1.1" in line]
    if not verbose:
        assert requests == []
        return
    assert [line.split('"', 1)[1] for line in requests] == [
        'GET /_voice_constructs/ HTTP/1.1" 200 -',
        'GET /_voice_constructs/ HTTP/1.1" 403 -',
        'GET /_voice_constructs/nothing HTTP/1.1" 404 -',
    ]
