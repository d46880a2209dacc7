"""The project's moto extension (voice_constructs.testing), driven through real boto3 clients.

Covers SendVoiceMessage and its validation as the API reference states it, the per-recipient
daily cap, the configuration-set operations, fault injection, the Pinpoint voice channel
endpoints, and a canary that fails the day moto implements these APIs itself.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from voice_constructs.testing import VoiceMock

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
ORIGIN = "+12065550100"
DESTINATION = "+12065550142"
OTHER_DESTINATION = "+12065550199"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:voice-events"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/voice-events"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:voice-events"
DAY = 24 * 60 * 60

# One attempt per call: every request reaches the fake exactly once, and nothing sleeps.
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def sms_voice(region: str = REGION) -> BaseClient:
    return boto3.client("pinpoint-sms-voice", region_name=region, config=NO_RETRIES)


def pinpoint(region: str = REGION) -> BaseClient:
    return boto3.client("pinpoint", region_name=region, config=NO_RETRIES)


def create_app(region: str = REGION, name: str = "voice-test") -> str:
    app = pinpoint(region).create_app(CreateApplicationRequest={"Name": name})
    app_id: str = app["ApplicationResponse"]["Id"]
    return app_id


def message(destination: str = DESTINATION, **extra: Any) -> dict[str, Any]:
    """A valid SendVoiceMessage request with plain-text content."""
    return {
        "DestinationPhoneNumber": destination,
        "OriginationPhoneNumber": ORIGIN,
        "Content": {
            "PlainTextMessage": {
                "LanguageCode": "en-US",
                "Text": "Your order has shipped.",
                "VoiceId": "Joanna",
            }
        },
        **extra,
    }


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    """The error code, HTTP status and message of a ClientError."""
    response: Any = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


# --- SendVoiceMessage ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(
            {"CallInstructionsMessage": {"Text": "Your order has shipped."}},
            id="call-instructions",
        ),
        pytest.param(
            {
                "PlainTextMessage": {
                    "LanguageCode": "en-US",
                    "Text": "Your order has shipped.",
                    "VoiceId": "Joanna",
                }
            },
            id="plain-text",
        ),
        pytest.param(
            {
                "SSMLMessage": {
                    "LanguageCode": "en-GB",
                    "Text": "<speak>Your order has <emphasis>shipped</emphasis>.</speak>",
                    "VoiceId": "Amy",
                }
            },
            id="ssml",
        ),
    ],
)
def test_send_voice_message_records_the_exact_request(
    voice_mock: VoiceMock, content: dict[str, Any]
) -> None:
    request = {
        "DestinationPhoneNumber": DESTINATION,
        "OriginationPhoneNumber": ORIGIN,
        "CallerId": "+12065550111",
        "Content": content,
    }

    response = sms_voice().send_voice_message(**request)

    message_id = response["MessageId"]
    assert isinstance(message_id, str)
    assert message_id
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    sent = voice_mock.sent_messages()
    assert len(sent) == 1
    assert sent[0].message_id == message_id
    assert sent[0].request == request
    assert sent[0].account_id == ACCOUNT_ID
    assert sent[0].region == REGION
    assert [call.status for call in voice_mock.calls("SendVoiceMessage")] == [200]


def test_send_voice_message_with_an_existing_configuration_set(voice_mock: VoiceMock) -> None:
    client = sms_voice()
    client.create_configuration_set(ConfigurationSetName="alerts")
    request = message(ConfigurationSetName="alerts")

    response = client.send_voice_message(**request)

    assert [m.message_id for m in voice_mock.sent_messages()] == [response["MessageId"]]
    assert voice_mock.sent_messages()[0].request == request


def test_each_message_gets_its_own_id(voice_mock: VoiceMock) -> None:
    client = sms_voice()
    first = client.send_voice_message(**message())["MessageId"]
    second = client.send_voice_message(**message())["MessageId"]

    assert first != second
    assert [m.message_id for m in voice_mock.sent_messages()] == [first, second]


def _without(key: str) -> dict[str, Any]:
    request = message()
    del request[key]
    return request


@pytest.mark.parametrize(
    ("request_body", "expected_message"),
    [
        pytest.param(
            _without("DestinationPhoneNumber"),
            "DestinationPhoneNumber is required",
            id="no-destination",
        ),
        pytest.param(
            message(destination="  "),
            "DestinationPhoneNumber is required",
            id="blank-destination",
        ),
        pytest.param(
            _without("OriginationPhoneNumber"),
            "OriginationPhoneNumber is required",
            id="no-origination",
        ),
        pytest.param(_without("Content"), "Content is required", id="no-content"),
        pytest.param(
            message(Content={}),
            "Content must contain exactly one message type",
            id="empty-content",
        ),
        pytest.param(
            message(
                Content={
                    "PlainTextMessage": {"Text": "Hello."},
                    "SSMLMessage": {"Text": "<speak>Hello.</speak>"},
                }
            ),
            "Content must contain exactly one message type",
            id="two-content-kinds",
        ),
        pytest.param(
            message(Content={"PlainTextMessage": {"LanguageCode": "en-US", "VoiceId": "Joanna"}}),
            "Content.PlainTextMessage.Text is required",
            id="no-text",
        ),
        pytest.param(
            message(Content={"CallInstructionsMessage": {}}),
            "Content.CallInstructionsMessage.Text is required",
            id="no-call-instructions-text",
        ),
        pytest.param(
            message(ConfigurationSetName="missing"),
            "configuration set missing not found",
            id="unknown-configuration-set",
        ),
    ],
)
def test_fails_send_voice_message_on_an_invalid_request(
    voice_mock: VoiceMock, request_body: dict[str, Any], expected_message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        sms_voice().send_voice_message(**request_body)

    assert error_of(excinfo) == ("BadRequestException", 400, expected_message)
    assert voice_mock.sent_messages() == []
    # The request reached the fake (botocore did not reject it client-side) and was refused.
    assert [call.status for call in voice_mock.calls("SendVoiceMessage")] == [400]
    assert voice_mock.calls("SendVoiceMessage")[0].body == request_body


# --- What the service validates: E.164 numbers, non-empty text, text lengths -------------------

E164_MESSAGE = "must be in E.164 format (+ and 2 to 15 digits)"


def ssml(spoken: int, total: int) -> str:
    """An SSML text of ``total`` characters, ``spoken`` of them outside the markup."""
    words = "a" * spoken
    padding = total - len(f"<speak>{words}<mark name=''/></speak>")
    assert padding >= 0
    return f"<speak>{words}<mark name='{'x' * padding}'/></speak>"


def with_text(kind: str, text: str) -> dict[str, Any]:
    return message(Content={kind: {"Text": text}})


@pytest.mark.parametrize(
    ("request_body", "expected_message"),
    [
        pytest.param(
            message(destination="12345"),
            f"DestinationPhoneNumber {E164_MESSAGE}",
            id="destination-short-digits",
        ),
        pytest.param(
            message(destination="12065550142"),
            f"DestinationPhoneNumber {E164_MESSAGE}",
            id="destination-without-plus",
        ),
        pytest.param(
            message(destination="+1 206 555 0142"),
            f"DestinationPhoneNumber {E164_MESSAGE}",
            id="destination-with-spaces",
        ),
        pytest.param(
            message(destination="+0206555014"),
            f"DestinationPhoneNumber {E164_MESSAGE}",
            id="destination-leading-zero",
        ),
        pytest.param(
            message(destination="+1234567890123456"),
            f"DestinationPhoneNumber {E164_MESSAGE}",
            id="destination-16-digits",
        ),
        pytest.param(
            message(destination="+1"),
            f"DestinationPhoneNumber {E164_MESSAGE}",
            id="destination-1-digit",
        ),
        pytest.param(
            message(OriginationPhoneNumber="12065550100"),
            f"OriginationPhoneNumber {E164_MESSAGE}",
            id="origination-without-plus",
        ),
        pytest.param(
            with_text("PlainTextMessage", ""),
            "Content.PlainTextMessage.Text must not be empty",
            id="empty-plain-text",
        ),
        pytest.param(
            with_text("SSMLMessage", ""),
            "Content.SSMLMessage.Text must not be empty",
            id="empty-ssml",
        ),
        pytest.param(
            with_text("CallInstructionsMessage", ""),
            "Content.CallInstructionsMessage.Text must not be empty",
            id="empty-call-instructions",
        ),
        pytest.param(
            with_text("PlainTextMessage", " \n\t "),
            "Content.PlainTextMessage.Text must not be empty",
            id="blank-plain-text",
        ),
        pytest.param(
            with_text("PlainTextMessage", "a" * 3001),
            "Content.PlainTextMessage.Text must be at most 3000 characters, got 3001",
            id="plain-text-too-long",
        ),
        pytest.param(
            with_text("CallInstructionsMessage", "a" * 3001),
            "Content.CallInstructionsMessage.Text must be at most 3000 characters, got 3001",
            id="call-instructions-too-long",
        ),
        pytest.param(
            with_text("SSMLMessage", ssml(spoken=10, total=6001)),
            "Content.SSMLMessage.Text must be at most 6000 characters including SSML markup, "
            "got 6001",
            id="ssml-too-long",
        ),
        pytest.param(
            with_text("SSMLMessage", ssml(spoken=3001, total=3100)),
            "Content.SSMLMessage.Text must have at most 3000 spoken characters, got 3001",
            id="ssml-too-many-spoken-characters",
        ),
    ],
)
def test_fails_send_voice_message_the_service_would_refuse(
    voice_mock: VoiceMock, request_body: dict[str, Any], expected_message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        sms_voice().send_voice_message(**request_body)

    assert error_of(excinfo) == ("BadRequestException", 400, expected_message)
    # What the user's code prints or logs.
    assert str(excinfo.value).startswith("An error occurred (BadRequestException) when calling")
    assert str(excinfo.value).endswith(f": {expected_message}")
    assert voice_mock.sent_messages() == []
    assert [call.status for call in voice_mock.calls("SendVoiceMessage")] == [400]


@pytest.mark.parametrize(
    "request_body",
    [
        pytest.param(message(destination="+12"), id="destination-2-digits"),
        pytest.param(message(destination="+123456789012345"), id="destination-15-digits"),
        pytest.param(message(OriginationPhoneNumber="+442071838750"), id="origination-uk"),
        pytest.param(with_text("PlainTextMessage", "a" * 3000), id="plain-text-3000"),
        pytest.param(with_text("CallInstructionsMessage", "a" * 3000), id="call-instr-3000"),
        pytest.param(with_text("SSMLMessage", ssml(spoken=3000, total=6000)), id="ssml-6000"),
        # An entity is one spoken character, as the handler counts it.
        pytest.param(
            with_text("SSMLMessage", "<speak>" + "a" * 2999 + "&amp;</speak>"),
            id="ssml-entity-counts-once",
        ),
    ],
)
def test_send_voice_message_accepts_the_limits(
    voice_mock: VoiceMock, request_body: dict[str, Any]
) -> None:
    response = sms_voice().send_voice_message(**request_body)

    assert [m.message_id for m in voice_mock.sent_messages()] == [response["MessageId"]]
    assert voice_mock.sent_messages()[0].request == request_body


# --- The per-recipient daily cap ---------------------------------------------------------------


def test_fails_the_sixth_message_to_one_number_in_a_day(voice_mock: VoiceMock) -> None:
    client = sms_voice()
    ids = [client.send_voice_message(**message())["MessageId"] for _ in range(5)]

    with pytest.raises(ClientError) as excinfo:
        client.send_voice_message(**message())

    code, status, _ = error_of(excinfo)
    assert (code, status) == ("TooManyRequestsException", 429)
    assert [m.message_id for m in voice_mock.sent_messages()] == ids
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [200] * 5 + [429]

    # The cap is per recipient: another number still gets its call.
    other = client.send_voice_message(**message(OTHER_DESTINATION))["MessageId"]
    assert voice_mock.sent_messages()[-1].message_id == other
    assert voice_mock.sent_messages()[-1].request["DestinationPhoneNumber"] == OTHER_DESTINATION

    # A day later the first number may be called again.
    later = time.time() + DAY
    voice_mock.sms_voice().clock = lambda: later
    again = client.send_voice_message(**message())["MessageId"]
    assert voice_mock.sent_messages()[-1].message_id == again
    assert voice_mock.sent_messages()[-1].at == later
    assert len(voice_mock.sent_messages()) == 7


def test_fails_until_a_full_day_has_passed_since_the_oldest_call(voice_mock: VoiceMock) -> None:
    start = 1_700_000_000.0
    now = {"t": start}
    voice_mock.sms_voice().clock = lambda: now["t"]
    client = sms_voice()
    for offset in range(5):
        now["t"] = start + offset * 60
        client.send_voice_message(**message())

    # One second short of a day after the first call: still five calls in the window.
    now["t"] = start + DAY - 1
    with pytest.raises(ClientError) as excinfo:
        client.send_voice_message(**message())
    assert error_of(excinfo)[:2] == ("TooManyRequestsException", 429)

    # Exactly a day after the first call, that call leaves the window; the second has not.
    now["t"] = start + DAY
    client.send_voice_message(**message())
    with pytest.raises(ClientError) as excinfo:
        client.send_voice_message(**message())
    assert error_of(excinfo)[:2] == ("TooManyRequestsException", 429)

    assert [m.at for m in voice_mock.sent_messages()] == [
        start,
        start + 60,
        start + 120,
        start + 180,
        start + 240,
        start + DAY,
    ]


# --- Configuration sets ------------------------------------------------------------------------


def test_configuration_set_lifecycle(voice_mock: VoiceMock) -> None:
    client = sms_voice()
    assert client.list_configuration_sets()["ConfigurationSets"] == []

    client.create_configuration_set(ConfigurationSetName="alerts")
    client.create_configuration_set(ConfigurationSetName="Reminders_2")
    assert client.list_configuration_sets()["ConfigurationSets"] == ["Reminders_2", "alerts"]

    client.create_configuration_set_event_destination(
        ConfigurationSetName="alerts",
        EventDestinationName="to-sns",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["COMPLETED_CALL", "FAILED"],
            "SnsDestination": {"TopicArn": TOPIC_ARN},
        },
    )
    destinations = client.get_configuration_set_event_destinations(ConfigurationSetName="alerts")
    assert destinations["EventDestinations"] == [
        {
            "Name": "to-sns",
            "Enabled": True,
            "MatchingEventTypes": ["COMPLETED_CALL", "FAILED"],
            "SnsDestination": {"TopicArn": TOPIC_ARN},
        }
    ]

    client.update_configuration_set_event_destination(
        ConfigurationSetName="alerts",
        EventDestinationName="to-sns",
        EventDestination={
            "Enabled": False,
            "MatchingEventTypes": ["BUSY", "NO_ANSWER"],
            "CloudWatchLogsDestination": {"IamRoleArn": ROLE_ARN, "LogGroupArn": LOG_GROUP_ARN},
        },
    )
    destinations = client.get_configuration_set_event_destinations(ConfigurationSetName="alerts")
    assert destinations["EventDestinations"] == [
        {
            "Name": "to-sns",
            "Enabled": False,
            "MatchingEventTypes": ["BUSY", "NO_ANSWER"],
            "CloudWatchLogsDestination": {"IamRoleArn": ROLE_ARN, "LogGroupArn": LOG_GROUP_ARN},
        }
    ]
    # The other set is untouched.
    other = client.get_configuration_set_event_destinations(ConfigurationSetName="Reminders_2")
    assert other["EventDestinations"] == []

    client.delete_configuration_set_event_destination(
        ConfigurationSetName="alerts", EventDestinationName="to-sns"
    )
    destinations = client.get_configuration_set_event_destinations(ConfigurationSetName="alerts")
    assert destinations["EventDestinations"] == []

    client.delete_configuration_set(ConfigurationSetName="alerts")
    assert client.list_configuration_sets()["ConfigurationSets"] == ["Reminders_2"]
    assert sorted(voice_mock.sms_voice().configuration_sets) == ["Reminders_2"]


def test_fails_creating_a_configuration_set_twice(voice_mock: VoiceMock) -> None:
    client = sms_voice()
    client.create_configuration_set(ConfigurationSetName="alerts")

    with pytest.raises(ClientError) as excinfo:
        client.create_configuration_set(ConfigurationSetName="alerts")

    assert error_of(excinfo) == ("AlreadyExistsException", 409, "alerts already exists")
    assert client.list_configuration_sets()["ConfigurationSets"] == ["alerts"]
    assert [c.status for c in voice_mock.calls("CreateConfigurationSet")] == [200, 409]


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, "dots.not.allowed"])
def test_fails_creating_a_configuration_set_with_an_invalid_name(
    voice_mock: VoiceMock, name: str
) -> None:
    client = sms_voice()
    with pytest.raises(ClientError) as excinfo:
        client.create_configuration_set(ConfigurationSetName=name)

    assert error_of(excinfo) == (
        "BadRequestException",
        400,
        "ConfigurationSetName must be 1-64 letters, digits, - or _",
    )
    assert client.list_configuration_sets()["ConfigurationSets"] == []


def test_fails_deleting_a_missing_configuration_set(voice_mock: VoiceMock) -> None:
    with pytest.raises(ClientError) as excinfo:
        sms_voice().delete_configuration_set(ConfigurationSetName="missing")

    assert error_of(excinfo) == ("NotFoundException", 404, "configuration set missing not found")


def test_fails_event_destination_operations_on_a_missing_set_or_destination(
    voice_mock: VoiceMock,
) -> None:
    client = sms_voice()
    with pytest.raises(ClientError) as excinfo:
        client.get_configuration_set_event_destinations(ConfigurationSetName="missing")
    assert error_of(excinfo)[:2] == ("NotFoundException", 404)

    client.create_configuration_set(ConfigurationSetName="alerts")
    with pytest.raises(ClientError) as excinfo:
        client.update_configuration_set_event_destination(
            ConfigurationSetName="alerts",
            EventDestinationName="missing",
            EventDestination={
                "MatchingEventTypes": ["FAILED"],
                "SnsDestination": {"TopicArn": TOPIC_ARN},
            },
        )
    assert error_of(excinfo) == ("NotFoundException", 404, "missing not found")

    with pytest.raises(ClientError) as excinfo:
        client.delete_configuration_set_event_destination(
            ConfigurationSetName="alerts", EventDestinationName="missing"
        )
    assert error_of(excinfo) == ("NotFoundException", 404, "missing not found")


def test_fails_creating_an_event_destination_twice(voice_mock: VoiceMock) -> None:
    client = sms_voice()
    client.create_configuration_set(ConfigurationSetName="alerts")
    destination = {"MatchingEventTypes": ["FAILED"], "SnsDestination": {"TopicArn": TOPIC_ARN}}
    client.create_configuration_set_event_destination(
        ConfigurationSetName="alerts", EventDestinationName="to-sns", EventDestination=destination
    )

    with pytest.raises(ClientError) as excinfo:
        client.create_configuration_set_event_destination(
            ConfigurationSetName="alerts",
            EventDestinationName="to-sns",
            EventDestination=destination,
        )

    assert error_of(excinfo) == ("AlreadyExistsException", 409, "to-sns already exists")


@pytest.mark.parametrize(
    ("destination", "expected_message"),
    [
        pytest.param(
            {"Enabled": True, "MatchingEventTypes": ["FAILED"]},
            "EventDestination must name exactly one destination",
            id="no-destination",
        ),
        pytest.param(
            {
                "MatchingEventTypes": ["FAILED"],
                "SnsDestination": {"TopicArn": TOPIC_ARN},
                "CloudWatchLogsDestination": {
                    "IamRoleArn": ROLE_ARN,
                    "LogGroupArn": LOG_GROUP_ARN,
                },
            },
            "EventDestination must name exactly one destination",
            id="two-destinations",
        ),
        pytest.param(
            {
                "MatchingEventTypes": ["FAILED", "VOICEMAIL"],
                "SnsDestination": {"TopicArn": TOPIC_ARN},
            },
            # The model's enum, with the item's path.
            "EventDestination.MatchingEventTypes[1] must be one of 'INITIATED_CALL', 'RINGING', "
            "'ANSWERED', 'COMPLETED_CALL', 'BUSY', 'FAILED', 'NO_ANSWER'",
            id="unknown-event-type",
        ),
        pytest.param(
            {"MatchingEventTypes": [], "SnsDestination": {"TopicArn": TOPIC_ARN}},
            "MatchingEventTypes must be among ['INITIATED_CALL', 'RINGING', 'ANSWERED', "
            "'COMPLETED_CALL', 'BUSY', 'FAILED', 'NO_ANSWER']",
            id="no-event-types",
        ),
    ],
)
def test_fails_an_invalid_event_destination(
    voice_mock: VoiceMock, destination: dict[str, Any], expected_message: str
) -> None:
    client = sms_voice()
    client.create_configuration_set(ConfigurationSetName="alerts")

    with pytest.raises(ClientError) as excinfo:
        client.create_configuration_set_event_destination(
            ConfigurationSetName="alerts",
            EventDestinationName="bad",
            EventDestination=destination,
        )

    assert error_of(excinfo) == ("BadRequestException", 400, expected_message)
    destinations = client.get_configuration_set_event_destinations(ConfigurationSetName="alerts")
    assert destinations["EventDestinations"] == []


def test_fails_an_event_destination_without_a_definition(voice_mock: VoiceMock) -> None:
    client = sms_voice()
    client.create_configuration_set(ConfigurationSetName="alerts")

    with pytest.raises(ClientError) as excinfo:
        client.create_configuration_set_event_destination(
            ConfigurationSetName="alerts", EventDestinationName="bad"
        )

    assert error_of(excinfo) == ("BadRequestException", 400, "EventDestination is required")


# --- Fault injection ---------------------------------------------------------------------------


def test_fails_the_next_two_sends_with_an_injected_500(voice_mock: VoiceMock) -> None:
    client = sms_voice()
    voice_mock.fail_next("SendVoiceMessage", count=2, status=500)

    for _ in range(2):
        with pytest.raises(ClientError) as excinfo:
            client.send_voice_message(**message())
        assert error_of(excinfo) == ("InternalServiceErrorException", 500, "injected fault")
    assert voice_mock.sent_messages() == []

    message_id = client.send_voice_message(**message())["MessageId"]

    assert [m.message_id for m in voice_mock.sent_messages()] == [message_id]
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [500, 500, 200]


def test_fails_a_voice_channel_call_with_the_pinpoint_error_name(
    voice_mock: VoiceMock, pinpoint_app: str
) -> None:
    voice_mock.fail_next("GetVoiceChannel", status=500)

    with pytest.raises(ClientError) as excinfo:
        pinpoint().get_voice_channel(ApplicationId=pinpoint_app)

    # Pinpoint names its 500 differently from SMS and Voice.
    assert error_of(excinfo) == ("InternalServerErrorException", 500, "injected fault")
    assert [c.status for c in voice_mock.calls("GetVoiceChannel")] == [500]


def test_fails_injected_faults_only_for_the_named_operation(voice_mock: VoiceMock) -> None:
    client = sms_voice()
    voice_mock.fail_next("CreateConfigurationSet", status=429)

    client.send_voice_message(**message())
    with pytest.raises(ClientError) as excinfo:
        client.create_configuration_set(ConfigurationSetName="alerts")

    assert error_of(excinfo) == ("TooManyRequestsException", 429, "injected fault")
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [200]
    assert client.list_configuration_sets()["ConfigurationSets"] == []


@pytest.mark.parametrize(
    ("operation", "count"),
    [
        pytest.param("SendTextMessage", 1, id="unknown-operation"),
        pytest.param("SendVoiceMessage", 0, id="zero-count"),
        pytest.param("SendVoiceMessage", -1, id="negative-count"),
    ],
)
def test_fails_fail_next_with_bad_arguments(
    voice_mock: VoiceMock, operation: str, count: int
) -> None:
    with pytest.raises(ValueError, match=r"operation must be one of|count must be at least 1"):
        voice_mock.fail_next(operation, count=count)

    # Nothing was queued: the next real call succeeds.
    sms_voice().send_voice_message(**message())
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [200]


def test_fails_sent_messages_of_an_api_that_is_not_v1_or_v2(voice_mock: VoiceMock) -> None:
    # It answered v1's messages.
    with pytest.raises(ValueError, match=r"^api must be 'v1' or 'v2', got 'v3'$"):
        voice_mock.sent_messages(api="v3")


# --- The Pinpoint voice channel ----------------------------------------------------------------


def test_fails_get_voice_channel_of_an_unknown_application(voice_mock: VoiceMock) -> None:
    with pytest.raises(ClientError) as excinfo:
        pinpoint().get_voice_channel(ApplicationId="0123456789abcdef0123456789abcdef")

    assert error_of(excinfo) == ("NotFoundException", 404, "Application not found")


def test_fails_get_voice_channel_of_an_application_without_one(
    voice_mock: VoiceMock, pinpoint_app: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        pinpoint().get_voice_channel(ApplicationId=pinpoint_app)

    assert error_of(excinfo) == ("NotFoundException", 404, "Resource not found")
    assert voice_mock.voice_channel(pinpoint_app) is None


def test_update_voice_channel_creates_then_versions_it(
    voice_mock: VoiceMock, pinpoint_app: str
) -> None:
    client = pinpoint()

    created = client.update_voice_channel(
        ApplicationId=pinpoint_app, VoiceChannelRequest={"Enabled": True}
    )["VoiceChannelResponse"]

    assert created["ApplicationId"] == pinpoint_app
    assert created["Platform"] == "VOICE"
    assert created["Version"] == 1
    assert created["Enabled"] is True
    assert created["IsArchived"] is False
    assert created["Id"] == "voice"
    assert created["LastModifiedBy"] == ACCOUNT_ID
    assert created["LastModifiedDate"] == created["CreationDate"]
    assert created["CreationDate"].endswith("Z")
    assert client.get_voice_channel(ApplicationId=pinpoint_app)["VoiceChannelResponse"] == created

    updated = client.update_voice_channel(
        ApplicationId=pinpoint_app, VoiceChannelRequest={"Enabled": False}
    )["VoiceChannelResponse"]

    assert updated["Version"] == 2
    assert updated["Enabled"] is False
    assert updated["CreationDate"] == created["CreationDate"]
    assert voice_mock.voice_channel(pinpoint_app) == updated
    assert [c.body for c in voice_mock.calls("UpdateVoiceChannel")] == [
        {"Enabled": True},
        {"Enabled": False},
    ]


def test_delete_voice_channel_removes_it(voice_mock: VoiceMock, pinpoint_app: str) -> None:
    client = pinpoint()
    client.update_voice_channel(ApplicationId=pinpoint_app, VoiceChannelRequest={"Enabled": True})

    deleted = client.delete_voice_channel(ApplicationId=pinpoint_app)["VoiceChannelResponse"]

    assert deleted["ApplicationId"] == pinpoint_app
    assert deleted["Version"] == 1
    assert voice_mock.voice_channel(pinpoint_app) is None
    with pytest.raises(ClientError) as excinfo:
        client.delete_voice_channel(ApplicationId=pinpoint_app)
    assert error_of(excinfo) == ("NotFoundException", 404, "Resource not found")


def test_voice_channels_are_per_region(voice_mock: VoiceMock) -> None:
    us_app = create_app(REGION, "voice-us")
    eu_app = create_app("eu-west-1", "voice-eu")
    us, eu = pinpoint(REGION), pinpoint("eu-west-1")

    us.update_voice_channel(ApplicationId=us_app, VoiceChannelRequest={"Enabled": True})
    us.update_voice_channel(ApplicationId=us_app, VoiceChannelRequest={"Enabled": True})

    # The eu-west-1 application has no channel yet, and the us-east-1 one is unknown there.
    with pytest.raises(ClientError) as excinfo:
        eu.get_voice_channel(ApplicationId=eu_app)
    assert error_of(excinfo) == ("NotFoundException", 404, "Resource not found")
    with pytest.raises(ClientError) as excinfo:
        eu.get_voice_channel(ApplicationId=us_app)
    assert error_of(excinfo) == ("NotFoundException", 404, "Application not found")

    eu_channel = eu.update_voice_channel(
        ApplicationId=eu_app, VoiceChannelRequest={"Enabled": False}
    )["VoiceChannelResponse"]

    assert eu_channel["Version"] == 1
    assert eu_channel["Enabled"] is False
    assert us.get_voice_channel(ApplicationId=us_app)["VoiceChannelResponse"]["Version"] == 2
    assert voice_mock.voice_channel(eu_app) is None
    assert voice_mock.voice_channel(eu_app, region="eu-west-1") == eu_channel
    assert voice_mock.voice_channel(us_app, region="eu-west-1") is None
    assert [c.status for c in voice_mock.calls("UpdateVoiceChannel", region="eu-west-1")] == [200]


# --- Canary ------------------------------------------------------------------------------------


def test_fails_when_moto_implements_the_voice_apis_natively() -> None:
    from voice_constructs.testing import moto_implements_sms_voice, moto_implements_voice_channel

    assert moto_implements_voice_channel() is False, (
        "moto now implements the Pinpoint voice channel (GET/PUT/DELETE "
        "/v1/apps/{id}/channels/voice) natively: remove the extension's voice channel part "
        "from voice_constructs/testing.py"
    )
    assert moto_implements_sms_voice() is False, (
        "moto now implements pinpoint-sms-voice (SendVoiceMessage, configuration sets) "
        "natively: remove the extension's SMS and Voice part from voice_constructs/testing.py"
    )
