"""The CLI's world: the sample stack in moto, a simulated clock, captured output."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from tests.cli.harness import LocalLambda, MotoStack
from tests.readme_tables import synthesize
from voice_constructs.cli import main
from voice_constructs.cli._runtime import Runtime
from voice_constructs.testing import mock_voice

STACK = "VoiceConstructsSample"
# IAM's names where they differ from the client's service and operation names.
IAM_PREFIX = {"resourcegroupstaggingapi": "tag", "pinpoint-sms-voice-v2": "sms-voice"}
IAM_ACTION = {"ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}


class Terminal(io.StringIO):
    """Captured output that says whether it is a terminal."""

    def __init__(self, tty: bool = False) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@dataclass
class World:
    """The deployed stack, the tool's runtime, and what the tool printed."""

    stack: MotoStack
    lambda_: LocalLambda
    on_sleep: Callable[[World], None] | None = None
    sleeps: list[float] = field(default_factory=list)
    actions: set[str] = field(default_factory=set)
    answers: list[str] = field(default_factory=list)
    interactive: bool = False
    thinking: float = 0.0  # seconds a person takes to answer a prompt
    err_tty: bool = False
    out: Terminal = field(default_factory=Terminal)
    err: Terminal = field(default_factory=Terminal)

    @property
    def now(self) -> float:
        """The stack's simulated clock: the tool's waits, the handlers and the fakes read it."""
        return self.stack.clock.time

    @now.setter
    def now(self, value: float) -> None:
        self.stack.clock.time = value

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(self)

    def client(self, service: str) -> Any:
        """The tool's clients: their calls are recorded as the IAM actions they need."""
        if service == "lambda":
            self.lambda_.on_invoke = lambda: self.actions.add("lambda:InvokeFunction")
            return self.lambda_
        made = boto3.client(service)
        prefix = IAM_PREFIX.get(service, service)

        def record(model: Any, **_: Any) -> None:
            self.actions.add(f"{prefix}:{IAM_ACTION.get(model.name, model.name)}")

        made.meta.events.register("before-call", record)
        return made

    def read_line(self, prompt: str) -> str:
        self.now += self.thinking
        return self.answers.pop(0)

    def run(self, *argv: str) -> int:
        """Run the tool; output is in ``out`` and ``err`` (fresh for every run)."""
        self.out, self.err = Terminal(), Terminal(self.err_tty)
        self.actions = set()
        runtime = Runtime(
            clients=self.client,
            sleep=self.sleep,
            monotonic=lambda: self.now,
            out=self.out,
            err=self.err,
            interactive=lambda: self.interactive,
            read_line=self.read_line,
        )
        return main(list(argv), runtime=runtime)


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    return synthesize()


def _world(template: dict[str, Any]) -> Iterator[World]:
    with mock_voice() as voice:
        stack = MotoStack(template, STACK, voice)
        yield World(stack, LocalLambda(stack))


@pytest.fixture
def world(templates: dict[str, dict[str, Any]]) -> Iterator[World]:
    """The default sample (v1, bulk queue, call status through a configuration set)."""
    yield from _world(templates["default"])


@pytest.fixture
def world_v2(templates: dict[str, dict[str, Any]]) -> Iterator[World]:
    """The v2 sample without Pinpoint (`-c api=v2 -c pinpoint=false`)."""
    yield from _world(templates["v2-without-pinpoint"])
