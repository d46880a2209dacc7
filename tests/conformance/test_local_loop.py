"""The whole loop on a laptop: the sample app synthesized, ``voice-constructs emulate --app`` on it,
and the command-line tool, unchanged, against it, for the v1 and the v2 variant.

Each variant's emulator is a subprocess, as a user starts it; the tool's commands are
subprocesses too, pointed at it by ``AWS_ENDPOINT_URL`` or ``--endpoint-url``. The sample is
synthesized with a quota of 600 calls a minute, so that 50 queued messages are paced in seconds
rather than minutes. Run with ``make test-conformance`` (about two minutes: a synth, and a
throttled message's retry comes 30 s later, as the sender schedules it); ``-s`` prints the
figures: the time from starting ``emulate --app`` to a call's first status.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import boto3
import pytest

from tests.conformance.test_emulate_command import COMMAND, Emulate
from tests.readme_tables import synthesize_assemblies
from tests.test_readme_examples import bare_env
from voice_constructs.testing.server import TOKEN_HEADER

pytestmark = pytest.mark.conformance

STACK = "VoiceConstructsSample"
QUOTA = {"maxCallsPerMinute": "600"}
VARIANTS = {"v1": QUOTA, "v2": {"api": "v2", "pinpoint": "false", **QUOTA}}
JS = Path(__file__).resolve().parent / "js"
NODE = Path(sys.executable).parent / "node"
BULK = [f"+1206555{2000 + n:04d}" for n in range(50)]
WAIT = 120.0


@pytest.fixture(scope="module")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synthesize_assemblies(VARIANTS, tmp_path_factory.mktemp("cdk.out"))


@dataclass
class LocalLoop:
    """A running ``voice-constructs emulate --app``, and the tool pointed at it."""

    api: str
    process: subprocess.Popen[str]
    started: float
    announced: dict[str, Any]
    stderr: Path
    env: dict[str, str]

    @property
    def endpoint(self) -> str:
        return str(self.announced["endpoint_url"])

    @property
    def outputs(self) -> dict[str, str]:
        [stack] = self.announced["stacks"]
        return dict(stack["outputs"])

    def cli(self, *argv: str, flag: bool = False) -> subprocess.CompletedProcess[str]:
        """The tool, by ``AWS_ENDPOINT_URL``, or by ``--endpoint-url`` with ``flag``."""
        env = {**self.env, "AWS_ENDPOINT_URL": self.endpoint} if not flag else self.env
        extra = ["--endpoint-url", self.endpoint] if flag else []
        return subprocess.run(  # noqa: S603 - this venv's console script
            [str(COMMAND), *argv, "--stack", STACK, *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=False,
        )

    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 (http)
            f"{self.announced['control_url']}/{path}",
            data=data,
            method=method,
            headers={TOKEN_HEADER: self.announced["token"], "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http)
            return json.loads(response.read())

    def sent(self) -> list[str]:
        """Every destination the fake accepted a call to, once per call."""
        messages = self.control("GET", f"sent?api={self.api}")["messages"]
        return [m["request"]["DestinationPhoneNumber"] for m in messages]

    def sqs(self) -> Any:
        return boto3.client(
            "sqs",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def _first_line(stdout: IO[str], log: Path) -> dict[str, Any]:
    [line] = Emulate(stdout, log).lines(1)
    announced: dict[str, Any] = json.loads(line)
    return announced


@pytest.fixture(scope="module", params=list(VARIANTS))
def loop(
    request: pytest.FixtureRequest,
    assemblies: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalLoop]:
    api = str(request.param)
    home = tmp_path_factory.mktemp(f"home-{api}")
    env = {
        **bare_env(home),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    log = home / "emulate.log"
    started = time.monotonic()
    with log.open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603 - this venv's console script
            [str(COMMAND), "emulate", "--app", str(assemblies[api]), "--port", "0", "--json"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )
    try:
        assert process.stdout is not None
        announced = _first_line(process.stdout, log)
        yield LocalLoop(api, process, started, announced, log, env)
    finally:
        stopping = time.monotonic()
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=60)
        print(f"\n[{api}] Ctrl-C to exit: {time.monotonic() - stopping:.1f} s, status {status}")
    assert status == 0, log.read_text()[-3000:]


def test_the_stack_runs_as_announced(loop: LocalLoop) -> None:
    [stack] = loop.announced["stacks"]
    statuses = Counter(r["status"] for r in stack["resources"])

    assert stack["name"] == STACK
    assert stack["api"] == loop.api
    assert statuses["not emulated"] == 0, stack["resources"]
    assert statuses["created"] >= 10
    assert {"SenderFunctionName", "CallStatusTableName", "QueueUrl"} <= set(stack["outputs"])


def test_call_and_status_follow_reach_a_final_status(loop: LocalLoop) -> None:
    called = loop.cli("call", "--to", "+12065550142", "--text", "Your table is ready.", "--json")
    assert called.returncode == 0, called.stderr
    message_id = json.loads(called.stdout)["MessageId"]
    while loop.cli("status", message_id).returncode != 0:
        assert time.monotonic() - loop.started < WAIT
        time.sleep(0.1)
    first_status = time.monotonic() - loop.started

    followed = loop.cli("status", message_id, "--follow", "--interval", "0.5", flag=True)

    print(f"\n[{loop.api}] emulate --app started to a call's first status: {first_status:.1f} s")
    assert followed.returncode == 0, followed.stderr
    assert "Status     COMPLETED_CALL (final)" in followed.stdout
    assert loop.sent().count("+12065550142") == 1


def _wait_for(loop: LocalLoop, called: int, dead: int) -> tuple[Counter[str], int]:
    """Until ``called`` of the 50 were called and the bulk queue is empty."""
    sqs = loop.sqs()
    urls = loop.outputs["QueueUrl"], loop.outputs["DeadLetterQueueUrl"]
    deadline = time.monotonic() + WAIT
    while True:
        calls = Counter(number for number in loop.sent() if number in BULK)
        counts = [
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            for url in urls
        ]
        waiting = sum(
            int(counts[0][name])
            for name in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        )
        letters = int(counts[1]["ApproximateNumberOfMessages"])
        if (len(calls) >= called and waiting == 0 and letters == dead) or (
            time.monotonic() > deadline
        ):
            return calls, letters
        time.sleep(0.5)


def test_fifty_queued_messages_with_faults_are_each_called_once_or_dead_lettered(
    loop: LocalLoop,
) -> None:
    operation = {"operation": "SendVoiceMessage", "api": loop.api}
    # In this order, on the first three sends: a throttle (placed no call: retried later), a
    # timeout after the service accepted (outcome unknown: dead-lettered, never called again),
    # a refusal (placed no call: dead-lettered as invalid, redriven below once "fixed").
    loop.control("POST", "fail-next", {**operation, "status": 429})
    loop.control("POST", "time-out-next", operation)
    loop.control("POST", "fail-next", {**operation, "status": 400})
    sqs = loop.sqs()
    started = time.monotonic()
    for start in range(0, 50, 10):
        sqs.send_message_batch(
            QueueUrl=loop.outputs["QueueUrl"],
            Entries=[
                {
                    "Id": str(n),
                    "MessageBody": json.dumps(
                        {
                            "DestinationPhoneNumber": BULK[n],
                            "Content": {"PlainTextMessage": {"Text": f"Message {n}."}},
                        }
                    ),
                }
                for n in range(start, start + 10)
            ],
        )

    calls, letters = _wait_for(loop, called=49, dead=2)
    shown = loop.cli("queue", "--json", "--limit", "10")
    redriven = loop.cli("queue", "redrive", "--yes", flag=True)
    after, left = _wait_for(loop, called=50, dead=1)
    print(f"\n[{loop.api}] 50 queued messages settled in {time.monotonic() - started:.1f} s")

    assert (len(calls), letters) == (49, 2)
    assert shown.returncode == 0, shown.stderr
    dead = json.loads(shown.stdout)["DeadLetters"]
    types = sorted(letter["FailureType"] for letter in dead)
    assert types == ["invalid", "outcome_unknown"], dead
    assert all(letter["FailureReason"] for letter in dead)
    assert redriven.returncode == 0, redriven.stderr
    assert "redrove 1 dead letter(s) to the bulk queue" in redriven.stdout
    # Every message called once; none twice; none lost; the unknown outcome stays dead.
    assert (len(after), max(after.values()), left) == (50, 1, 1)
    final = json.loads(loop.cli("queue", "--json").stdout)["DeadLetters"]
    assert [letter["FailureType"] for letter in final] == ["outcome_unknown"]
    assert "voice message will be retried" in loop.stderr.read_text()


def test_the_javascript_sdk_invokes_the_sender_and_reads_the_status(loop: LocalLoop) -> None:
    if not (JS / "node_modules" / "@aws-sdk" / "client-lambda").is_dir():
        pytest.fail("the JavaScript SDK is not installed: run `make test-conformance`")
    run = subprocess.run(  # noqa: S603 (the venv's node and this directory's script)
        [str(NODE), "local_stack.mjs"],
        cwd=JS,
        env={
            **os.environ,
            "VOICE_ENDPOINT": loop.endpoint,
            "SENDER": loop.outputs["SenderFunctionName"],
            "TABLE": loop.outputs["CallStatusTableName"],
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["status"] == "COMPLETED_CALL"
    assert result["history"] == ["AnsweredAt", "CompletedCallAt", "InitiatedCallAt", "RingingAt"]
    assert loop.sent().count("+12065550177") == 1
