"""The fakes' own REST routing, read from botocore's service models (testing/routing.py)."""

from __future__ import annotations

import pytest

from voice_constructs.testing.pinpoint_voice.responses import VOICE_CHANNEL_OPERATIONS
from voice_constructs.testing.routing import compile_template, resolve, routes
from voice_constructs.testing.sms_voice.responses import SMS_VOICE_OPERATIONS

SET = "/v1/sms-voice/configuration-sets"


@pytest.mark.parametrize(
    ("method", "path", "operation", "labels"),
    [
        ("POST", "/v1/sms-voice/voice/message", "SendVoiceMessage", {}),
        ("GET", SET, "ListConfigurationSets", {}),
        ("POST", SET, "CreateConfigurationSet", {}),
        ("DELETE", f"{SET}/a%20b", "DeleteConfigurationSet", {"ConfigurationSetName": "a b"}),
        (
            "GET",
            f"{SET}/s/event-destinations",
            "GetConfigurationSetEventDestinations",
            {"ConfigurationSetName": "s"},
        ),
        (
            "PUT",
            f"{SET}/s/event-destinations/d",
            "UpdateConfigurationSetEventDestination",
            {"ConfigurationSetName": "s", "EventDestinationName": "d"},
        ),
        (
            "DELETE",
            f"{SET}/s/event-destinations/d",
            "DeleteConfigurationSetEventDestination",
            {"ConfigurationSetName": "s", "EventDestinationName": "d"},
        ),
    ],
)
def test_resolves_every_v1_route(
    method: str, path: str, operation: str, labels: dict[str, str]
) -> None:
    found = resolve("pinpoint-sms-voice", method, path)

    assert found is not None
    assert (found.operation, found.labels) == (operation, labels)


@pytest.mark.parametrize(
    ("method", "operation"),
    [("GET", "GetVoiceChannel"), ("PUT", "UpdateVoiceChannel"), ("DELETE", "DeleteVoiceChannel")],
)
def test_resolves_the_voice_channel_and_not_its_neighbours(method: str, operation: str) -> None:
    found = resolve("pinpoint", method, "/v1/apps/abc123/channels/voice")
    channels = resolve("pinpoint", "GET", "/v1/apps/abc123/channels")

    assert found is not None
    assert found.operation == operation
    assert found.labels == {"application-id": "abc123"}
    assert channels is not None
    assert channels.operation == "GetChannels"


def test_every_faked_operation_has_a_route() -> None:
    names = {route.operation for route in routes("pinpoint-sms-voice")}
    pinpoint = {route.operation for route in routes("pinpoint")}

    assert set(SMS_VOICE_OPERATIONS) <= names
    assert set(VOICE_CHANNEL_OPERATIONS) <= pinpoint


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/sms-voice/nope"),
        ("PATCH", "/v1/sms-voice/voice/message"),
        ("GET", "/v1/sms-voice/voice/message/extra"),
        ("GET", "/v1/sms-voice/configuration-sets/a/b/c/d"),
    ],
)
def test_resolves_nothing_for_a_path_no_operation_has(method: str, path: str) -> None:
    assert resolve("pinpoint-sms-voice", method, path) is None


def test_a_fixed_segment_wins_over_a_label() -> None:
    label = compile_template("ByLabel", "GET", "/things/{Name}")
    fixed = compile_template("Fixed", "GET", "/things/special")

    assert fixed.literal > label.literal
    assert label.pattern.fullmatch("/things/special")


def test_a_greedy_label_takes_the_rest_of_the_path() -> None:
    route = compile_template("Get", "GET", "/objects/{Key+}?versions")
    found = route.pattern.fullmatch("/objects/a/b%2Fc")

    assert route.labels == ("Key",)
    assert found is not None
    assert found.group("g0") == "a/b%2Fc"
