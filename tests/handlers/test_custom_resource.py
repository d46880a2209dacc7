"""The custom resource dispatcher, end to end against moto with the project's voice fakes."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from configuration_set import index as config_set
from custom_resource import index as dispatch
from voice_channel import index as voice_channel

from tests.conftest import LambdaContext, load_event
from tests.handlers.conftest import RecordingClock
from voice_constructs.testing import VoiceMock

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:voice-call-events"
SET_NAME = "voice-events"


@pytest.fixture
def sleeps(voice_mock: VoiceMock, retry_sleeps: list[float]) -> list[float]:
    """Both handlers' clients created under the mock; pauses recorded instead of slept."""
    recorded: list[float] = []
    voice_channel.set_client(boto3.client("pinpoint", config=voice_channel._CONFIG))
    config_set.set_client(boto3.client("pinpoint-sms-voice"), clock=RecordingClock(recorded))
    return recorded


def channel_event(request_type: str, app_id: str) -> dict[str, Any]:
    data = load_event("voice_channel_create")
    data["RequestType"] = request_type
    data["ResourceProperties"]["ApplicationId"] = app_id
    if request_type != "Create":
        data["PhysicalResourceId"] = voice_channel.physical_id(app_id)
    return data


def set_event(request_type: str, destinations: list[dict[str, Any]]) -> dict[str, Any]:
    data = load_event("voice_channel_create")
    data["RequestType"] = request_type
    data["LogicalResourceId"] = "VoiceConfigurationSet"
    data["ResourceType"] = "Custom::VoiceConfigurationSet"
    data["ResourceProperties"] = {
        "ServiceToken": data["ServiceToken"],
        "ConfigurationSetName": SET_NAME,
        "EventDestinations": copy.deepcopy(destinations),
    }
    if request_type != "Create":
        data["PhysicalResourceId"] = SET_NAME
    return data


SNS = {"Name": "Sns", "Enabled": "true", "SnsDestination": {"TopicArn": TOPIC_ARN}}


def test_routes_a_voice_channel_create_to_the_voice_channel_handler(
    pinpoint_app: str, voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    result = dispatch.on_event(channel_event("Create", pinpoint_app), lambda_context)

    assert result["PhysicalResourceId"] == f"apps/{pinpoint_app}/channels/voice"
    assert result["Data"]["ApplicationId"] == pinpoint_app
    assert result["Data"]["Enabled"] == "true"
    assert voice_mock.voice_channel(pinpoint_app)["Enabled"] is True  # type: ignore[index]
    # The voice channel only: nothing reached the SMS and Voice API.
    assert voice_mock.sms_voice().calls == []


def test_routes_a_voice_channel_delete(
    pinpoint_app: str, voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    dispatch.on_event(channel_event("Create", pinpoint_app), lambda_context)

    result = dispatch.on_event(channel_event("Delete", pinpoint_app), lambda_context)

    assert result == {"PhysicalResourceId": voice_channel.physical_id(pinpoint_app)}
    assert voice_mock.voice_channel(pinpoint_app) is None


def test_routes_a_configuration_set_create_to_the_configuration_set_handler(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    result = dispatch.on_event(set_event("Create", [SNS]), lambda_context)

    assert result == {"PhysicalResourceId": SET_NAME, "Data": {"ConfigurationSetName": SET_NAME}}
    destinations = voice_mock.sms_voice().configuration_sets[SET_NAME].destinations
    assert destinations["Sns"]["SnsDestination"] == {"TopicArn": TOPIC_ARN}
    assert destinations["Sns"]["Enabled"] is True
    # The configuration set only: no voice channel call.
    assert voice_mock.calls("UpdateVoiceChannel") == []


def test_routes_a_configuration_set_update_and_delete(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    dispatch.on_event(set_event("Create", [SNS]), lambda_context)

    disabled = {**SNS, "Enabled": "false"}
    dispatch.on_event(set_event("Update", [disabled]), lambda_context)
    sets = voice_mock.sms_voice().configuration_sets
    assert sets[SET_NAME].destinations["Sns"]["Enabled"] is False

    dispatch.on_event(set_event("Delete", [disabled]), lambda_context)
    assert SET_NAME not in sets


def test_handler_errors_pass_through_unchanged(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    bad = set_event("Create", [{**SNS, "SnsDestination": {"TopicArn": "voice-call-events"}}])

    with pytest.raises(config_set.ConfigurationSetError) as failure:
        dispatch.on_event(bad, lambda_context)

    assert str(failure.value) == (
        "EventDestinations[0] (Sns).SnsDestination.TopicArn must be an SNS topic ARN, "
        "got 'voice-call-events'"
    )


@pytest.mark.parametrize(
    "resource_type",
    [
        "Custom::Unknown",
        "AWS::CloudFormation::CustomResource",
        None,
        "custom::pinpointvoicechannel",
    ],
)
def test_fails_for_an_unknown_resource_type(
    resource_type: str | None,
    voice_mock: VoiceMock,
    sleeps: list[float],
    lambda_context: LambdaContext,
) -> None:
    event = set_event("Create", [SNS])
    event["ResourceType"] = resource_type

    with pytest.raises(dispatch.UnknownResourceTypeError) as failure:
        dispatch.on_event(event, lambda_context)

    assert str(failure.value) == (
        "ResourceType must be one of "
        "['Custom::PinpointVoiceChannel', 'Custom::VoiceConfigurationSet'], "
        f"got {resource_type!r}"
    )
    assert voice_mock.sms_voice().calls == []
    assert voice_mock.calls("UpdateVoiceChannel") == []


def test_fails_for_an_event_without_a_resource_type(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    event = set_event("Create", [SNS])
    del event["ResourceType"]

    with pytest.raises(dispatch.UnknownResourceTypeError, match=r"got None$"):
        dispatch.on_event(event, lambda_context)
