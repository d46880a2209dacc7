"""Fixtures for handler tests: moto with the voice fakes, and retries without real sleeping."""

from __future__ import annotations

import types

import boto3
import botocore.endpoint
import pytest


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record botocore's retry back-off delays instead of sleeping through them."""
    sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=sleeps.append))
    return sleeps


@pytest.fixture
def pinpoint_app(voice_mock: object) -> str:
    """A Pinpoint application created in moto; yields its id."""
    client = boto3.client("pinpoint")
    app = client.create_app(CreateApplicationRequest={"Name": "voice-test"})
    app_id: str = app["ApplicationResponse"]["Id"]
    return app_id
