"""Fixtures for handler tests: moto with the voice fakes, and retries without real sleeping."""

from __future__ import annotations

import time
import types

import boto3
import botocore.endpoint
import pytest
from send_voice_message import index


class RecordingClock:
    """The real time, but sleeps are recorded instead of waited through."""

    def __init__(self, sleeps: list[float]) -> None:
        self.sleeps = sleeps

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


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
