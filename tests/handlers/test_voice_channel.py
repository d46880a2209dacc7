"""The voice channel custom resource handler, against moto with the project's voice fakes."""

from __future__ import annotations

import logging
import types
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from voice_channel import index

from tests.conftest import LambdaContext, load_event
from tests.handlers.conftest import SIM_START, RecordingClock, SimClock
from voice_constructs._provider import HANDLER_TIMEOUT
from voice_constructs.testing import VoiceMock


@pytest.fixture(autouse=True)
def client(voice_mock: VoiceMock, retry_sleeps: list[float]) -> None:
    # A client created under the mock, as the container would create it at start-up.
    index.set_client(boto3.client("pinpoint", config=index._CONFIG), RecordingClock(retry_sleeps))


def event(request_type: str, app_id: str, enabled: bool = True, **extra: Any) -> dict[str, Any]:
    data = load_event("voice_channel_create")
    data["RequestType"] = request_type
    data["ResourceProperties"]["ApplicationId"] = app_id
    data["ResourceProperties"]["Enabled"] = "true" if enabled else "false"
    if request_type != "Create":
        data["PhysicalResourceId"] = index.physical_id(app_id)
    data.update(extra)
    return data


def test_create_enables_the_channel_and_returns_its_attributes(
    pinpoint_app: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    result = index.on_event(event("Create", pinpoint_app), lambda_context)

    assert result["PhysicalResourceId"] == f"apps/{pinpoint_app}/channels/voice"
    data = result["Data"]
    assert data["ApplicationId"] == pinpoint_app
    assert data["Enabled"] == "true"
    assert data["Version"] == "1"
    assert data["IsArchived"] == "false"
    assert data["CreationDate"].endswith("Z")
    assert data["LastModifiedDate"] == data["CreationDate"]
    assert voice_mock.voice_channel(pinpoint_app)["Enabled"] is True  # type: ignore[index]
    update_calls = voice_mock.calls("UpdateVoiceChannel")
    assert [c.body for c in update_calls] == [{"Enabled": True}]


def test_update_enable_disable_enable(
    pinpoint_app: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    index.on_event(event("Create", pinpoint_app), lambda_context)

    disabled = index.on_event(event("Update", pinpoint_app, enabled=False), lambda_context)
    assert disabled["Data"]["Enabled"] == "false"
    assert disabled["Data"]["Version"] == "2"
    assert voice_mock.voice_channel(pinpoint_app)["Enabled"] is False  # type: ignore[index]

    enabled = index.on_event(event("Update", pinpoint_app, enabled=True), lambda_context)
    assert enabled["Data"]["Enabled"] == "true"
    assert enabled["Data"]["Version"] == "3"
    # Same application: same physical id, so CloudFormation updates in place.
    assert enabled["PhysicalResourceId"] == disabled["PhysicalResourceId"]


def test_update_to_another_application_is_a_replacement(
    pinpoint_app: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    other = boto3.client("pinpoint").create_app(CreateApplicationRequest={"Name": "other"})
    other_id = other["ApplicationResponse"]["Id"]
    index.on_event(event("Create", pinpoint_app), lambda_context)

    update = event("Update", other_id, PhysicalResourceId=index.physical_id(pinpoint_app))
    result = index.on_event(update, lambda_context)
    assert result["PhysicalResourceId"] == index.physical_id(other_id)
    assert voice_mock.voice_channel(other_id)["Enabled"] is True  # type: ignore[index]

    # CloudFormation's clean-up deletes the old physical id, with the new properties.
    cleanup = event("Delete", other_id, PhysicalResourceId=index.physical_id(pinpoint_app))
    index.on_event(cleanup, lambda_context)
    assert voice_mock.voice_channel(pinpoint_app) is None
    assert voice_mock.voice_channel(other_id) is not None


def test_delete_removes_the_channel(
    pinpoint_app: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    index.on_event(event("Create", pinpoint_app), lambda_context)

    result = index.on_event(event("Delete", pinpoint_app), lambda_context)

    assert result["PhysicalResourceId"] == index.physical_id(pinpoint_app)
    assert voice_mock.voice_channel(pinpoint_app) is None
    assert [c.status for c in voice_mock.calls("DeleteVoiceChannel")] == [200]


def test_delete_twice_succeeds(
    pinpoint_app: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    index.on_event(event("Create", pinpoint_app), lambda_context)
    index.on_event(event("Delete", pinpoint_app), lambda_context)

    index.on_event(event("Delete", pinpoint_app), lambda_context)

    assert [c.status for c in voice_mock.calls("DeleteVoiceChannel")] == [200, 404]


def test_delete_after_the_application_was_deleted_succeeds(
    pinpoint_app: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    index.on_event(event("Create", pinpoint_app), lambda_context)
    boto3.client("pinpoint").delete_app(ApplicationId=pinpoint_app)

    index.on_event(event("Delete", pinpoint_app), lambda_context)

    assert [c.status for c in voice_mock.calls("DeleteVoiceChannel")] == [404]


def test_fails_for_an_unknown_application(
    voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    missing = "0123456789abcdef0123456789abcdef"
    with pytest.raises(index.VoiceChannelError) as failure:
        index.on_event(event("Create", missing), lambda_context)
    assert str(failure.value) == f"pinpoint application '{missing}' not found in us-east-1"
    assert failure.value.__cause__ is None  # no chained botocore trace in the reason


@pytest.mark.parametrize("status", [429, 500])
def test_retries_transient_errors_and_succeeds(
    status: int,
    pinpoint_app: str,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
    retry_sleeps: list[float],
) -> None:
    voice_mock.fail_next("UpdateVoiceChannel", count=2, status=status)

    result = index.on_event(event("Create", pinpoint_app), lambda_context)

    assert result["Data"]["Enabled"] == "true"
    assert [c.status for c in voice_mock.calls("UpdateVoiceChannel")] == [status, status, 200]
    assert len(retry_sleeps) == 2


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, "pinpoint throttled UpdateVoiceChannel for application '{app}' 3 times in a row"),
        (
            500,
            "pinpoint failed UpdateVoiceChannel for application '{app}' "
            "with an internal error 3 times",
        ),
    ],
)
def test_fails_after_bounded_retries(
    status: int,
    expected: str,
    pinpoint_app: str,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
    retry_sleeps: list[float],
) -> None:
    voice_mock.fail_next("UpdateVoiceChannel", count=10, status=status)

    with pytest.raises(index.VoiceChannelError, match="^" + expected.format(app=pinpoint_app)):
        index.on_event(event("Create", pinpoint_app), lambda_context)

    # 3 attempts, then a clear failure: the provider framework answers CloudFormation in time.
    assert len(voice_mock.calls("UpdateVoiceChannel")) == index.RETRY.attempts
    assert len(retry_sleeps) == index.RETRY.attempts - 1
    assert sum(retry_sleeps) <= index.RETRY.worst_case_seconds()


def test_fails_with_access_denied_message(
    pinpoint_app: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.fail_next("UpdateVoiceChannel", status=403, message="User is not authorized")

    with pytest.raises(index.VoiceChannelError) as failure:
        index.on_event(event("Create", pinpoint_app), lambda_context)

    assert str(failure.value).startswith(
        "access denied: the provider role lacks mobiletargeting:UpdateVoiceChannel"
    )


def test_fails_when_the_read_back_does_not_match(
    pinpoint_app: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.patch_next_response("GetVoiceChannel", {"Enabled": False})

    with pytest.raises(index.VoiceChannelError) as failure:
        index.on_event(event("Create", pinpoint_app), lambda_context)

    assert str(failure.value) == (
        f"voice channel of pinpoint application '{pinpoint_app}' reports Enabled=false after "
        "UpdateVoiceChannel set Enabled=true; another process may be changing it"
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"ApplicationId": ""}, "ApplicationId must be a pinpoint application id, got ''"),
        ({"Enabled": "yes"}, "Enabled must be true or false, got 'yes'"),
    ],
)
def test_fails_for_bad_properties_without_calling_pinpoint(
    props: dict[str, str],
    message: str,
    pinpoint_app: str,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
) -> None:
    bad = event("Create", pinpoint_app)
    bad["ResourceProperties"].update(props)

    with pytest.raises(index.VoiceChannelError, match=f"^{message}$"):
        index.on_event(bad, lambda_context)
    assert voice_mock.calls("UpdateVoiceChannel") == []


def test_never_logs_the_response_url_or_credentials(
    pinpoint_app: str, lambda_context: LambdaContext, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=index.LOGGER.name)
    index.on_event(event("Create", pinpoint_app), lambda_context)
    index.on_event(event("Delete", pinpoint_app), lambda_context)

    ours = [r for r in caplog.records if r.name == index.LOGGER.name]
    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in ours)
    assert len(ours) >= 3, "the handler should log its steps"
    assert "SECRETSIGNATURE" not in logged
    assert "ResponseURL" not in logged
    assert "cloudformation-custom-resource-response" not in logged
    assert "testing" not in logged.replace("voice-test", "")  # fake credential values


class SlowestPinpoint:
    """Every call times out until its last attempt, which succeeds."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.tries: Counter[str] = Counter()
        self.meta = types.SimpleNamespace(region_name="us-east-1")

    def __getattr__(self, operation: str) -> Any:
        def call(**request: Any) -> Any:
            self.tries[operation] += 1
            self.clock.sleep(index.RETRY.attempt_seconds)
            if self.tries[operation] % index.RETRY.attempts:
                raise ReadTimeoutError(endpoint_url="https://pinpoint.example")
            return {"VoiceChannelResponse": {"ApplicationId": "app", "Enabled": True}}

        return call


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_worst_case_of_every_request_fits_the_handler_timeout(request_type: str) -> None:
    clock = SimClock()
    slow = SlowestPinpoint(clock)
    index.set_client(slow, clock)  # type: ignore[arg-type]

    class Context(LambdaContext):
        def get_remaining_time_in_millis(self) -> int:
            return int((SIM_START + HANDLER_TIMEOUT.to_seconds() - clock.now()) * 1000)

    index.on_event(event(request_type, "0123456789abcdef0123456789abcdef"), Context())

    worst = index.worst_case_seconds(request_type)
    assert sum(slow.tries.values()) == index.RETRY.attempts * (1 if request_type == "Delete" else 2)
    assert clock.now() - SIM_START <= worst
    assert worst + index.SAFETY_SECONDS <= HANDLER_TIMEOUT.to_seconds()
