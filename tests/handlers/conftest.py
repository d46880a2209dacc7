"""Fixtures for handler tests: moto with the voice fakes, and retries without real sleeping."""

from __future__ import annotations

import time
import types

import boto3
import botocore.endpoint
import pytest
from send_voice_message import index

from voice_constructs.testing import VoiceMock


class RecordingClock:
    """The real time, but sleeps are recorded instead of waited through."""

    def __init__(self, sleeps: list[float]) -> None:
        self.sleeps = sleeps

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


# A fixed start for simulated clocks (2027-01-15), far from the real time.
SIM_START = 1_800_000_000.0


class SimClock:
    """Simulated time for the handler and its quota: ``sleep`` records and advances."""

    def __init__(self, start: float = SIM_START) -> None:
        self.time = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        self.time += seconds


@pytest.fixture
def clock(voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch) -> SimClock:
    """One simulated clock, which the SMS and Voice fake reads too (pass it to the handler)."""
    sim = SimClock()
    monkeypatch.setattr(voice_mock.sms_voice(), "clock", sim.now)
    return sim


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry back-off delays (botocore's and the sender's) instead of sleeping."""
    sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=sleeps.append))
    monkeypatch.setattr(index, "CLOCK", RecordingClock(sleeps))
    return sleeps


@pytest.fixture
def pinpoint_app(voice_mock: object) -> str:
    """A Pinpoint application created in moto; yields its id."""
    client = boto3.client("pinpoint")
    app = client.create_app(CreateApplicationRequest={"Name": "voice-test"})
    app_id: str = app["ApplicationResponse"]["Id"]
    return app_id


STATE_TABLE = "voice-constructs-state"


def create_state_table(name: str = STATE_TABLE) -> str:
    """Create the sender's state table in moto, keyed as the construct keys it."""
    client = boto3.client("dynamodb")
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture
def state_table(voice_mock: object, retry_sleeps: list[float]) -> str:
    """The sender's state table in moto, with the handler configured to use it.

    Pacing and back-off sleeps are recorded in ``retry_sleeps`` instead of waited through.
    """
    name = create_state_table()
    index.configure(table_name=name, clock=index.CLOCK)
    index.set_client(boto3.client("pinpoint-sms-voice", config=index.CONFIG))
    return name
