"""Fixtures for handler tests: moto with the voice fakes, and retries without real sleeping.

:func:`make_sender` builds the sender on them, as the construct would configure it.
"""

from __future__ import annotations

import time
import types
from typing import Any

import boto3
import botocore.endpoint
import pytest
from send_voice_message.bulk import Queues
from send_voice_message.ledger import Ledger
from send_voice_message.quota import Quota
from send_voice_message.request import V1, Api
from send_voice_message.sender import Sender
from send_voice_message.service import CLIENT_CONFIG
from send_voice_message.validation import Defaults
from vc_common.clock import Clock

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
def in_lambda(monkeypatch: pytest.MonkeyPatch) -> str:
    """The function's name, as Lambda sets it: the handler writes its metrics only in Lambda."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "voice-sender")
    return "voice-sender"


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry back-off delays instead of sleeping.

    botocore's are recorded here; a handler's, when it is given ``RecordingClock(retry_sleeps)``
    (the ``recording_clock`` fixture).
    """
    sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=sleeps.append))
    return sleeps


@pytest.fixture
def recording_clock(retry_sleeps: list[float]) -> RecordingClock:
    """The real time for a handler, with its sleeps recorded in ``retry_sleeps``."""
    return RecordingClock(retry_sleeps)


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


def make_sender(
    *,
    clock: Clock,
    api: Api = V1,
    defaults: Defaults | None = None,
    client: Any = None,
    table: str | None = None,
    queues: Queues | None = None,
    dynamodb: Any = None,
    calls_per_minute: int = 20,
    idempotency_window_seconds: int = 24 * 60 * 60,
    calls_per_day: int | None = None,
) -> Sender:
    """A sender on moto (or on the given fakes), as the construct would configure it.

    ``client`` defaults to a client of ``api``; with ``table``, the sender has the call ledger
    and the quota in it (on ``dynamodb``, a moto client unless given), all on ``clock``;
    ``calls_per_day`` is the construct's ``max_calls_per_day``.
    """
    ledger = quota = None
    if table is not None:
        dynamodb = boto3.client("dynamodb") if dynamodb is None else dynamodb
        quota = Quota(
            dynamodb,
            table,
            calls_per_minute=calls_per_minute,
            clock=clock,
            calls_per_day=calls_per_day,
        )
        ledger = Ledger(dynamodb, table, window_seconds=idempotency_window_seconds, clock=clock)
    return Sender(
        client=boto3.client(api.service_name, config=CLIENT_CONFIG) if client is None else client,
        api=api,
        defaults=defaults or Defaults(),
        ledger=ledger,
        quota=quota,
        queues=queues or Queues(),
        clock=clock,
    )
