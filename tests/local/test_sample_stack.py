"""The sample app (v1, and v2 without Pinpoint) run in-process: the CLI's loop against it.

One synth of both variants for the module. The end-to-end test (tests/conformance/
test_local_loop.py) runs the same as a user does, with subprocesses and faults; this one keeps the
loop in ``make test``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docs import block, page
from tests.local.conftest import REGION, run
from tests.readme_tables import synthesize_assemblies
from tests.test_readme_examples import bare_env
from voice_constructs.cli import main
from voice_constructs.cli._runtime import Runtime
from voice_constructs.testing.local_stack import LocalStack, load
from voice_constructs.testing.server import Emulator

VARIANTS = {"v1": {}, "v2": {"api": "v2", "pinpoint": "false"}}
STACK = "VoiceConstructsSample"


@pytest.fixture(scope="module")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synthesize_assemblies(VARIANTS, tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(params=list(VARIANTS))
def local(
    request: pytest.FixtureRequest, assemblies: dict[str, Path], emulator: Emulator
) -> Iterator[LocalStack]:
    [stack] = load(assemblies[request.param])
    with run(emulator, stack) as (running, _):
        yield running


def cli(emulator: Emulator, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(
        [*argv, "--stack", STACK, "--endpoint-url", emulator.endpoint_url, "--region", REGION],
        runtime=Runtime(out=out, err=err, interactive=lambda: False),
    )
    return status, out.getvalue(), err.getvalue()


def test_the_stack_is_created_with_its_functions_run_in_process(local: LocalStack) -> None:
    [deployment] = local.deployments
    statuses = {e.type: e.status for e in deployment.entries}
    api = local.api_of(deployment)
    functions = [f for f in local.functions.all() if f.not_run is None]

    assert statuses["AWS::SQS::Queue"] == "created"
    assert statuses["AWS::DynamoDB::Table"] == "created"
    assert statuses["AWS::Lambda::EventSourceMapping"] == "created"
    assert not [e for e in deployment.entries if e.status == "not emulated"]
    if api == "v1":
        assert statuses["Custom::VoiceConfigurationSet"] == "created"
        assert statuses["AWS::SNS::Subscription"] == "created"
        assert len(functions) == 3  # the sender, the status function, the custom resources'
    else:
        assert api == "v2"
        assert statuses["AWS::Events::Rule"] == "created"
        assert len(functions) == 2
    assert [m.batch_size for p in local.pollers for m in [p.mapping]] == [2]


def test_the_cli_calls_and_follows_a_call_to_its_final_status(
    local: LocalStack, emulator: Emulator
) -> None:
    status, out, err = cli(emulator, "call", "--to", "+12065550142", "--text", "Hello")
    assert status == 0, err
    message_id = out.split()[1]

    status, out, err = cli(emulator, "status", message_id, "--follow", "--interval", "0.2")
    queue_status, queue, _ = cli(emulator, "queue")

    assert status == 0, err
    assert "Status     COMPLETED_CALL (final)" in out
    assert "ANSWERED" in out
    assert queue_status == 0
    assert queue.splitlines()[1].split() == ["bulk-queue", "0", "0", "0"]
    sent: list[Any] = emulator.voice.sent_messages(api=local.api_of(local.deployments[0]))
    assert [m.message_id for m in sent] == [message_id]


def test_the_faults_example_makes_a_retry_an_unknown_outcome_and_dead_letters(
    assemblies: dict[str, Path], emulator: Emulator, tmp_path: Path
) -> None:
    code = block("time-out-next", "bash", page("local-stack.md"))
    code = code.replace("<the token emulate printed>", emulator.token)
    code = code.replace("http://127.0.0.1:4566", emulator.endpoint_url)
    env = bare_env(tmp_path)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    [stack] = load(assemblies["v1"])
    with run(emulator, stack) as (_, notes):
        # Without -e: the second call fails, as the page says.
        shell = subprocess.run(  # noqa: S603 - bash on the page's own commands
            ["/bin/bash", "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        sent = _wait_for_calls(emulator, 4)

    assert "the call may have been placed" in shell.stderr, shell.stderr
    assert "outcome_unknown" in shell.stdout, shell.stdout
    assert "invalid" in shell.stdout
    assert "redrove 1 dead letter(s) to the bulk queue" in shell.stdout
    # Each number called once: the throttled call retried, the unknown one never again.
    assert sorted(sent) == ["+12065550142", "+12065550143", "+12065550144", "+12065550145"]
    assert notes == []


def _wait_for_calls(emulator: Emulator, count: int) -> list[str]:
    deadline = time.monotonic() + 30
    while True:
        sent = [m.request["DestinationPhoneNumber"] for m in emulator.voice.sent_messages()]
        if len(sent) >= count or time.monotonic() > deadline:
            return sent
        time.sleep(0.2)
