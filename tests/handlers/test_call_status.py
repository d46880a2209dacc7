"""The call status tracker, fed with call events the project's moto fake delivers over SNS."""

from __future__ import annotations

import json
import logging
import math
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from call_status import index as tracker
from vc_common import contract

from tests.conftest import LambdaContext
from tests.infra.templates import exactly
from voice_constructs.testing import EmittedCallEvent, VoiceMock

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
TABLE = "voice-call-status"
SET_NAME = "voice-events"
ORIGIN = "+12065550100"
DESTINATION = "+12065550142"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/voice-events-delivery"
ALL_EVENTS = [
    "INITIATED_CALL",
    "RINGING",
    "ANSWERED",
    "COMPLETED_CALL",
    "BUSY",
    "FAILED",
    "NO_ANSWER",
]
# 2027-01-15T08:00:00Z, in milliseconds: far from the real time, so nothing depends on it.
START_MS = 1_800_000_000_000
STEP_MS = 2000
DAY = 86400


@pytest.fixture
def table(voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch) -> str:
    """The tracker's table in moto, keyed as the construct keys it, and the handler's env."""
    boto3.client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "MessageId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "MessageId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv(tracker.ENV_TABLE_NAME, TABLE)
    monkeypatch.delenv(tracker.ENV_RETENTION_DAYS, raising=False)
    tracker.set_client(boto3.client("dynamodb"))
    return TABLE


@pytest.fixture
def topic_arn(voice_mock: VoiceMock) -> str:
    """A configuration set with an SNS destination (all call events) to a moto SNS topic."""
    arn: str = boto3.client("sns").create_topic(Name="voice-call-events")["TopicArn"]
    sms_voice = boto3.client("pinpoint-sms-voice")
    sms_voice.create_configuration_set(ConfigurationSetName=SET_NAME)
    sms_voice.create_configuration_set_event_destination(
        ConfigurationSetName=SET_NAME,
        EventDestinationName="Sns",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ALL_EVENTS,
            "SnsDestination": {"TopicArn": arn},
        },
    )
    return arn


def send(configuration_set: str | None = SET_NAME, destination: str = DESTINATION) -> str:
    """Send a voice message through the fake; returns its message id."""
    request: dict[str, Any] = {
        "DestinationPhoneNumber": destination,
        "OriginationPhoneNumber": ORIGIN,
        "Content": {"PlainTextMessage": {"LanguageCode": "en-US", "Text": "Your code is 1 2 3 4."}},
    }
    if configuration_set is not None:
        request["ConfigurationSetName"] = configuration_set
    message_id: str = boto3.client("pinpoint-sms-voice").send_voice_message(**request)["MessageId"]
    return message_id


def emit(voice_mock: VoiceMock, message_id: str, *events: str) -> list[EmittedCallEvent]:
    return voice_mock.emit_call_events(
        message_id, events=tuple(events), start_ms=START_MS, step_ms=STEP_MS
    )


def record(emitted: EmittedCallEvent) -> dict[str, Any]:
    """The SNS record Lambda gets for one message the configuration set published."""
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{emitted.target_arn}:3f2c9b0e-8a1d-4c5e-9f7a-2b6d8e0c1a4f",
        "Sns": {
            "Type": "Notification",
            "MessageId": emitted.delivery_id,
            "TopicArn": emitted.target_arn,
            "Subject": None,
            "Message": json.dumps(emitted.event),
            "Timestamp": "2027-01-15T08:00:00.000Z",
            "MessageAttributes": {},
        },
    }


def sns_event(*emitted: EmittedCallEvent) -> dict[str, Any]:
    return {"Records": [record(item) for item in emitted]}


def raw_event(*messages: str) -> dict[str, Any]:
    """An SNS delivery whose message bodies are given as they are."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "Message": message,
                    "MessageId": f"00000000-0000-4000-8000-00000000000{index}",
                    "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:voice-call-events",
                },
            }
            for index, message in enumerate(messages)
        ]
    }


def item(message_id: str) -> dict[str, Any] | None:
    """The tracker's item, as plain Python values."""
    response = boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"MessageId": {"S": message_id}}, ConsistentRead=True
    )
    raw = response.get("Item")
    if raw is None:
        return None
    result: dict[str, Any] = {}
    for name, value in raw.items():
        [(kind, data)] = value.items()
        result[name] = int(data) if kind == "N" else data
    return result


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def at(index: int) -> str:
    """The ISO time of the index-th emitted event."""
    return iso(START_MS + index * STEP_MS)


def completed_call(message_id: str) -> dict[str, Any]:
    """The item of a call whose four events came ``STEP_MS`` apart from ``START_MS``."""
    return {
        "MessageId": message_id,
        "Status": "COMPLETED_CALL",
        "StatusRank": 4,
        "StatusTimestamp": START_MS + 3 * STEP_MS,
        "StatusAt": at(3),
        "IsFinal": True,
        "InitiatedCallAt": at(0),
        "RingingAt": at(1),
        "AnsweredAt": at(2),
        "CompletedCallAt": at(3),
        "expiration": (START_MS + 3 * STEP_MS) // 1000 + 30 * DAY,
    }


# --- Lifecycles -----------------------------------------------------------------------------


def test_ordered_lifecycle_ends_completed(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = send()
    emitted = emit(
        voice_mock, message_id, "INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"
    )
    assert [e.kind for e in emitted] == ["sns"] * 4
    assert {e.target_arn for e in emitted} == {topic_arn}

    result = tracker.handler(sns_event(*emitted), lambda_context)

    assert result == {"events": 4, "statusChanges": 4}
    assert item(message_id) == completed_call(message_id)


def test_lifecycle_delivered_one_event_per_invocation(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = send()
    emitted = emit(voice_mock, message_id, "INITIATED_CALL", "RINGING", "ANSWERED")

    statuses = []
    for one in emitted:
        tracker.handler(sns_event(one), lambda_context)
        current = item(message_id)
        assert current is not None
        statuses.append((current["Status"], current["IsFinal"]))

    assert statuses == [("INITIATED_CALL", False), ("RINGING", False), ("ANSWERED", False)]


def test_reordered_final_event_is_not_overwritten_by_a_late_ringing(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = send()
    initiated, ringing, answered, completed = emit(
        voice_mock, message_id, "INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"
    )

    result = tracker.handler(sns_event(completed, initiated, ringing, answered), lambda_context)

    assert result == {"events": 4, "statusChanges": 1}
    stored = item(message_id)
    assert stored is not None
    assert stored["Status"] == "COMPLETED_CALL"
    assert stored["StatusAt"] == at(3)
    assert stored["IsFinal"] is True
    # The late events are still recorded, at their own times.
    assert stored["RingingAt"] == at(1)
    assert stored["InitiatedCallAt"] == at(0)
    assert stored["AnsweredAt"] == at(2)
    assert stored["CompletedCallAt"] == at(3)
    assert stored["expiration"] == (START_MS + 3 * STEP_MS) // 1000 + 30 * DAY


def test_late_ringing_in_a_later_invocation_keeps_the_final_status(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = send()
    _, ringing, _, completed = emit(
        voice_mock, message_id, "INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"
    )
    tracker.handler(sns_event(completed), lambda_context)

    result = tracker.handler(sns_event(ringing), lambda_context)

    assert result == {"events": 1, "statusChanges": 0}
    stored = item(message_id)
    assert stored is not None
    assert (stored["Status"], stored["RingingAt"]) == ("COMPLETED_CALL", at(1))
    assert "InitiatedCallAt" not in stored


def test_duplicates_and_replays_change_nothing(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = send()
    emitted = emit(
        voice_mock, message_id, "INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"
    )
    initiated, ringing = emitted[0], emitted[1]

    first = tracker.handler(
        sns_event(initiated, initiated, ringing, ringing, *emitted[2:]), lambda_context
    )
    assert first == {"events": 6, "statusChanges": 4}
    after_first = item(message_id)

    replay = tracker.handler(sns_event(*emitted), lambda_context)

    assert replay == {"events": 4, "statusChanges": 0}
    assert item(message_id) == after_first


def test_a_repeated_event_keeps_the_time_it_was_first_seen(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = send()
    ringing, answered = emit(voice_mock, message_id, "RINGING", "ANSWERED")
    # The same RINGING again, reported later (after the call was answered).
    again = record(ringing)
    again["Sns"]["Message"] = json.dumps({**ringing.event, "eventTimestamp": START_MS + 9000})

    result = tracker.handler(
        {"Records": [record(ringing), record(answered), again]}, lambda_context
    )

    assert result == {"events": 3, "statusChanges": 2}
    stored = item(message_id)
    assert stored is not None
    assert (stored["Status"], stored["RingingAt"]) == ("ANSWERED", at(0))


@pytest.mark.parametrize(
    ("lifecycle", "seen"),
    [
        (("INITIATED_CALL", "RINGING", "BUSY"), ("InitiatedCallAt", "RingingAt", "BusyAt")),
        (
            ("INITIATED_CALL", "RINGING", "NO_ANSWER"),
            ("InitiatedCallAt", "RingingAt", "NoAnswerAt"),
        ),
        (("INITIATED_CALL", "FAILED"), ("InitiatedCallAt", "FailedAt")),
    ],
    ids=["busy", "no-answer", "failed"],
)
def test_unsuccessful_lifecycles_end_final(
    lifecycle: tuple[str, ...],
    seen: tuple[str, ...],
    table: str,
    topic_arn: str,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
) -> None:
    message_id = send()
    emitted = emit(voice_mock, message_id, *lifecycle)

    result = tracker.handler(sns_event(*emitted), lambda_context)

    assert result == {"events": len(lifecycle), "statusChanges": len(lifecycle)}
    stored = item(message_id)
    assert stored is not None
    assert stored["Status"] == lifecycle[-1]
    assert stored["IsFinal"] is True
    assert stored["StatusAt"] == at(len(lifecycle) - 1)
    assert {name for name in stored if name.endswith("At") and name != "StatusAt"} == set(seen)
    for index, name in enumerate(seen):
        assert stored[name] == at(index)


def test_the_later_of_two_final_events_wins(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = send()
    failed, completed = emit(voice_mock, message_id, "FAILED", "COMPLETED_CALL")

    result = tracker.handler(sns_event(completed, failed), lambda_context)

    assert result == {"events": 2, "statusChanges": 1}
    stored = item(message_id)
    assert stored is not None
    assert (stored["Status"], stored["FailedAt"]) == ("COMPLETED_CALL", at(0))


def test_calls_are_tracked_separately(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    answered_call = send()
    busy_call = send(destination="+12065550199")
    events = [
        *emit(voice_mock, answered_call, "INITIATED_CALL", "ANSWERED"),
        *emit(voice_mock, busy_call, "INITIATED_CALL", "BUSY"),
    ]

    tracker.handler(sns_event(*events), lambda_context)

    assert item(answered_call)["Status"] == "ANSWERED"  # type: ignore[index]
    assert item(busy_call)["Status"] == "BUSY"  # type: ignore[index]


def test_v2_event_names_are_mapped(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = send()
    emitted = emit(
        voice_mock, message_id, "INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"
    )
    v2_names = ["VOICE_INITIATED", "VOICE_RINGING", "VOICE_ANSWERED", "VOICE_COMPLETED"]
    records = []
    for one, name in zip(emitted, v2_names, strict=True):
        body = {**one.event, "eventType": name}
        records.append({**record(one), "Sns": {**record(one)["Sns"], "Message": json.dumps(body)}})

    result = tracker.handler({"Records": records}, lambda_context)

    assert result == {"events": 4, "statusChanges": 4}
    stored = item(message_id)
    assert stored is not None
    assert stored["Status"] == "COMPLETED_CALL"
    assert stored["RingingAt"] == at(1)
    assert stored["CompletedCallAt"] == at(3)


@pytest.mark.parametrize(
    ("v2_name", "status"),
    [
        ("VOICE_BUSY", "BUSY"),
        ("VOICE_FAILED", "FAILED"),
        ("VOICE_NO_ANSWER", "NO_ANSWER"),
        ("VOICE_TTL_EXPIRED", "TTL_EXPIRED"),
    ],
)
def test_v2_final_event_names_are_mapped(
    v2_name: str, status: str, table: str, lambda_context: LambdaContext
) -> None:
    body = {"eventType": v2_name, "eventTimestamp": START_MS, "messageId": "v2-message"}

    tracker.handler(raw_event(json.dumps(body)), lambda_context)

    stored = item("v2-message")
    assert stored is not None
    assert (stored["Status"], stored["IsFinal"]) == (status, True)


@pytest.mark.parametrize("event_type", ["TEXT_DELIVERED", "TEXT_SUCCESSFUL", None, ""])
def test_events_that_are_not_about_calls_are_ignored(
    event_type: str | None, table: str, lambda_context: LambdaContext
) -> None:
    body = {"eventType": event_type, "eventTimestamp": START_MS, "messageId": "sms-message"}
    call = {"eventType": "RINGING", "eventTimestamp": START_MS, "messageId": "call-message"}

    result = tracker.handler(raw_event(json.dumps(body), json.dumps(call)), lambda_context)

    assert result == {"events": 2, "statusChanges": 1}
    assert item("sms-message") is None
    assert item("call-message") is not None


def test_an_empty_delivery_changes_nothing(table: str, lambda_context: LambdaContext) -> None:
    assert tracker.handler({"Records": []}, lambda_context) == {"events": 0, "statusChanges": 0}
    assert tracker.handler({}, lambda_context) == {"events": 0, "statusChanges": 0}
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []


# --- Malformed messages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("not json {", r"^Sns\.Message must be a JSON event: "),
        ('["RINGING"]', r"^Sns\.Message must be a JSON object$"),
        (
            json.dumps({"eventType": "RINGING", "eventTimestamp": START_MS}),
            r"^messageId must be a non-empty string, got None$",
        ),
        (
            json.dumps({"eventType": "RINGING", "eventTimestamp": START_MS, "messageId": ""}),
            r"^messageId must be a non-empty string, got ''$",
        ),
        (
            json.dumps({"eventType": "RINGING", "eventTimestamp": START_MS, "messageId": 42}),
            r"^messageId must be a non-empty string, got 42$",
        ),
        (
            json.dumps({"eventType": "RINGING", "messageId": "m-1"}),
            r"^eventTimestamp must be milliseconds since the epoch, got None$",
        ),
        (
            json.dumps(
                {"eventType": "RINGING", "eventTimestamp": "2027-01-15T08:00:00Z", "messageId": "m"}
            ),
            r"^eventTimestamp must be milliseconds since the epoch, got '2027-01-15T08:00:00Z'$",
        ),
        (
            json.dumps({"eventType": "RINGING", "eventTimestamp": True, "messageId": "m-1"}),
            r"^eventTimestamp must be milliseconds since the epoch, got True$",
        ),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "missing-message-id",
        "empty-message-id",
        "numeric-message-id",
        "missing-timestamp",
        "iso-timestamp",
        "boolean-timestamp",
    ],
)
def test_fails_for_a_malformed_message(
    message: str, field: str, table: str, lambda_context: LambdaContext
) -> None:
    with pytest.raises(tracker.CallEventError, match=field):
        tracker.handler(raw_event(message), lambda_context)
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []


@pytest.mark.parametrize(
    "sns",
    [{}, {"Message": None}, {"Message": 42}],
    ids=["no-message", "null-message", "number-message"],
)
def test_fails_for_a_record_without_a_message(
    sns: dict[str, Any], table: str, lambda_context: LambdaContext
) -> None:
    with pytest.raises(tracker.CallEventError, match=r"^Sns\.Message must be a JSON "):
        tracker.handler({"Records": [{"EventSource": "aws:sns", "Sns": sns}]}, lambda_context)


@pytest.mark.parametrize("timestamp", ["NaN", "Infinity"])
def test_fails_for_a_non_finite_timestamp(
    timestamp: str, table: str, lambda_context: LambdaContext
) -> None:
    message = f'{{"eventType": "RINGING", "eventTimestamp": {timestamp}, "messageId": "m-1"}}'
    assert not math.isfinite(json.loads(message)["eventTimestamp"])

    with pytest.raises(tracker.CallEventError, match=r"^eventTimestamp must be "):
        tracker.handler(raw_event(message), lambda_context)


def test_fails_for_an_out_of_range_timestamp(table: str, lambda_context: LambdaContext) -> None:
    message = json.dumps({"eventType": "RINGING", "eventTimestamp": 10**20, "messageId": "m-1"})

    with pytest.raises(tracker.CallEventError, match=r"^eventTimestamp must be "):
        tracker.handler(raw_event(message), lambda_context)


def test_an_event_type_that_is_a_list_is_not_a_crash(
    table: str, lambda_context: LambdaContext
) -> None:
    message = json.dumps({"eventType": ["RINGING"], "eventTimestamp": START_MS, "messageId": "m"})

    # Like any other event type that is not a call's: ignored, nothing stored.
    result = tracker.handler(raw_event(message), lambda_context)

    assert result == {"events": 1, "statusChanges": 0}
    assert item("m") is None


def test_records_before_a_malformed_one_are_kept(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = send()
    [ringing] = emit(voice_mock, message_id, "RINGING")
    delivery = sns_event(ringing)
    delivery["Records"].append(raw_event("not json")["Records"][0])

    with pytest.raises(tracker.CallEventError):
        tracker.handler(delivery, lambda_context)

    # SNS retries the whole delivery; the event already stored makes the retry a no-op for it.
    assert item(message_id)["Status"] == "RINGING"  # type: ignore[index]


def test_a_float_timestamp_is_accepted(table: str, lambda_context: LambdaContext) -> None:
    body = {"eventType": "RINGING", "eventTimestamp": START_MS + 0.75, "messageId": "m-float"}

    tracker.handler(raw_event(json.dumps(body)), lambda_context)

    stored = item("m-float")
    assert stored is not None
    assert (stored["StatusTimestamp"], stored["RingingAt"]) == (START_MS, iso(START_MS))


# --- Retention and privacy ------------------------------------------------------------------


@pytest.mark.parametrize(("days", "expected_days"), [(None, 30), ("7", 7), ("365", 365)])
def test_expiration_is_the_event_time_plus_retention(
    days: str | None,
    expected_days: int,
    table: str,
    topic_arn: str,
    voice_mock: VoiceMock,
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    if days is not None:
        monkeypatch.setenv(tracker.ENV_RETENTION_DAYS, days)
    message_id = send()
    emitted = voice_mock.emit_call_events(
        message_id, events=("INITIATED_CALL", "RINGING"), start_ms=START_MS + 999, step_ms=500
    )

    tracker.handler(sns_event(*emitted), lambda_context)

    stored = item(message_id)
    assert stored is not None
    # The later event (START_MS + 1499 ms) sets it; seconds are truncated, not rounded.
    assert stored["expiration"] == START_MS // 1000 + 1 + expected_days * DAY


def test_no_phone_number_is_stored(
    table: str, topic_arn: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = send()
    emitted = emit(
        voice_mock, message_id, "INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"
    )
    assert emitted[0].event["destinationPhoneNumber"] == DESTINATION  # the event does carry it

    tracker.handler(sns_event(*emitted), lambda_context)

    raw = json.dumps(boto3.client("dynamodb").scan(TableName=TABLE)["Items"])
    assert message_id in raw
    assert DESTINATION not in raw
    assert ORIGIN not in raw
    assert "2065550" not in raw
    assert "PhoneNumber" not in raw


# --- EventBridge (v2): the default bus's voice events ----------------------------------------

V2_LIFECYCLE = ("VOICE_INITIATED", "VOICE_RINGING", "VOICE_ANSWERED", "VOICE_COMPLETED")
V2_ORIGIN = "+12065550111"


def detail(event_type: str, message_id: str, index: int = 0) -> dict[str, Any]:
    """A v2 voice event's ``detail``, shaped as AWS documents it (phone numbers included)."""
    ms = START_MS + index * STEP_MS
    return {
        "eventType": event_type,
        "eventVersion": "1.0",
        "eventTimestamp": ms,
        "isFinal": event_type in ("VOICE_COMPLETED", "VOICE_BUSY", "VOICE_FAILED"),
        "originationPhoneNumber": V2_ORIGIN,
        "destinationPhoneNumber": DESTINATION,
        "messageId": message_id,
        "messageRequestTimestamp": START_MS - 400,
    }


def envelope(body: object, **overrides: object) -> dict[str, Any]:
    """The EventBridge event Lambda gets from the rule on the default bus."""
    return {
        "version": "0",
        "id": "5c0fa4f8-0d3e-4a8b-9f3c-2a1b0c9d8e7f",
        "detail-type": contract.EVENTBRIDGE_VOICE_DETAIL_TYPE,
        "source": contract.EVENTBRIDGE_SOURCE,
        "account": ACCOUNT_ID,
        "time": "2027-01-15T08:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": body,
        **overrides,
    }


def test_eventbridge_lifecycle_ends_completed(table: str, lambda_context: LambdaContext) -> None:
    results = [
        tracker.handler(envelope(detail(name, "v2-call", index)), lambda_context)
        for index, name in enumerate(V2_LIFECYCLE)
    ]

    assert results == [{"events": 1, "statusChanges": 1}] * 4
    assert item("v2-call") == completed_call("v2-call")


def test_eventbridge_lifecycle_of_a_v2_send_through_the_fakes(
    table: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.adopt_phone_number(ORIGIN)
    message_id: str = boto3.client("pinpoint-sms-voice-v2").send_voice_message(
        DestinationPhoneNumber=DESTINATION,
        OriginationIdentity=ORIGIN,
        MessageBody="Your table is ready.",
    )["MessageId"]
    emitted = voice_mock.emit_call_events(
        message_id, events=V2_LIFECYCLE, start_ms=START_MS, step_ms=STEP_MS
    )
    assert [e.kind for e in emitted] == ["eventbridge"] * 4
    initiated, ringing, answered, completed = (e.event for e in emitted)

    # EventBridge is best effort and unordered: the final event first, then the others.
    results = [
        tracker.handler(event, lambda_context)
        for event in (completed, initiated, answered, ringing, completed)
    ]

    assert [r["statusChanges"] for r in results] == [1, 0, 0, 0, 0]
    stored = item(message_id)
    assert stored is not None
    assert (stored["Status"], stored["StatusAt"], stored["IsFinal"]) == (
        "COMPLETED_CALL",
        at(3),
        True,
    )
    assert [stored[name] for name in ("InitiatedCallAt", "RingingAt", "AnsweredAt")] == [
        at(0),
        at(1),
        at(2),
    ]


def test_eventbridge_late_events_do_not_move_the_status_back(
    table: str, lambda_context: LambdaContext
) -> None:
    tracker.handler(envelope(detail("VOICE_COMPLETED", "v2-call", 3)), lambda_context)

    late = [
        tracker.handler(envelope(detail(name, "v2-call", index)), lambda_context)
        for index, name in enumerate(V2_LIFECYCLE[:3])
    ]
    replay = tracker.handler(envelope(detail("VOICE_COMPLETED", "v2-call", 3)), lambda_context)

    assert late == [{"events": 1, "statusChanges": 0}] * 3
    assert replay == {"events": 1, "statusChanges": 0}
    stored = item("v2-call")
    assert stored is not None
    assert (stored["Status"], stored["StatusAt"], stored["IsFinal"]) == (
        "COMPLETED_CALL",
        at(3),
        True,
    )
    # The late events are still recorded, at their own times.
    assert (stored["InitiatedCallAt"], stored["RingingAt"]) == (at(0), at(1))


def test_eventbridge_and_sns_events_of_one_call_share_its_item(
    table: str, lambda_context: LambdaContext
) -> None:
    sns_ringing = {"eventType": "VOICE_RINGING", "eventTimestamp": START_MS, "messageId": "m"}
    tracker.handler(raw_event(json.dumps(sns_ringing)), lambda_context)

    result = tracker.handler(envelope(detail("VOICE_ANSWERED", "m", 1)), lambda_context)

    assert result == {"events": 1, "statusChanges": 1}
    stored = item("m")
    assert stored is not None
    assert (stored["Status"], stored["RingingAt"], stored["AnsweredAt"]) == (
        "ANSWERED",
        at(0),
        at(1),
    )


def test_eventbridge_ttl_expired_is_final(table: str, lambda_context: LambdaContext) -> None:
    v2_name, status = contract.V2_TTL_EXPIRED

    tracker.handler(envelope(detail(v2_name, "expired")), lambda_context)

    stored = item("expired")
    assert stored is not None
    assert (stored["Status"], stored["IsFinal"]) == (status, True)


@pytest.mark.parametrize("event_type", ["TEXT_DELIVERED", None, ["VOICE_RINGING"]])
def test_eventbridge_events_that_are_not_about_calls_are_ignored(
    event_type: object, table: str, lambda_context: LambdaContext
) -> None:
    body = {**detail("VOICE_RINGING", "not-a-call"), "eventType": event_type}

    result = tracker.handler(envelope(body), lambda_context)

    assert result == {"events": 1, "statusChanges": 0}
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []


def test_eventbridge_event_through_a_rule_of_the_contracts_pattern(
    table: str, lambda_context: LambdaContext
) -> None:
    """moto's EventBridge builds the envelope; an SQS target stands in for Lambda's invoke."""
    events = boto3.client("events")
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName="tracker-target")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    pattern = {
        "source": [contract.EVENTBRIDGE_SOURCE],
        "detail-type": [contract.EVENTBRIDGE_VOICE_DETAIL_TYPE],
    }
    events.put_rule(Name="call-status", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="call-status", Targets=[{"Id": "tracker", "Arn": queue_arn}])
    events.put_events(
        Entries=[
            {
                "Source": contract.EVENTBRIDGE_SOURCE,
                "DetailType": detail_type,
                "Detail": json.dumps(detail(name, "through-a-rule", index)),
            }
            for index, (name, detail_type) in enumerate(
                [
                    ("VOICE_RINGING", contract.EVENTBRIDGE_VOICE_DETAIL_TYPE),
                    ("TEXT_DELIVERED", "Text Message Delivery Status Updated"),
                    ("VOICE_ANSWERED", contract.EVENTBRIDGE_VOICE_DETAIL_TYPE),
                ]
            )
        ]
    )
    delivered = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert len(delivered) == 2  # the text event does not match the rule

    results = [tracker.handler(json.loads(m["Body"]), lambda_context) for m in delivered]

    assert results == [{"events": 1, "statusChanges": 1}] * 2
    stored = item("through-a-rule")
    assert stored is not None
    assert (stored["Status"], stored["RingingAt"]) == ("ANSWERED", at(0))


def test_eventbridge_logs_and_stores_no_phone_number(
    table: str, lambda_context: LambdaContext, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ignored = {**detail("VOICE_RINGING", "m"), "eventType": DESTINATION}

    tracker.handler(envelope(detail("VOICE_RINGING", "m")), lambda_context)
    tracker.handler(envelope(detail("VOICE_RINGING", "m")), lambda_context)
    tracker.handler(envelope(ignored), lambda_context)
    with pytest.raises(tracker.CallEventError) as raised:
        tracker.handler(envelope(detail("VOICE_RINGING", "m"), source=DESTINATION), lambda_context)

    ours = [r for r in caplog.records if r.name == tracker.LOGGER.name]
    assert len(ours) == 3  # recorded, unchanged, ignored
    logged = json.dumps([vars(r) for r in ours], default=str) + str(raised.value)
    stored = json.dumps(boto3.client("dynamodb").scan(TableName=TABLE)["Items"])
    for text in (logged, stored):
        assert DESTINATION not in text
        assert V2_ORIGIN not in text
        assert "2065550" not in text
    assert "+1******0142" in str(raised.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"source": "my.app"}, "source must be 'aws.sms-voice', got 'my.app'"),
        ({"source": None}, "source must be 'aws.sms-voice', got None"),
        (
            {"detail-type": "Text Message Delivery Status Updated"},
            "detail-type must be 'Voice Message Delivery Status Updated', got "
            "'Text Message Delivery Status Updated'",
        ),
        (
            {"detail-type": ["Voice Message Delivery Status Updated"]},
            "detail-type must be 'Voice Message Delivery Status Updated', got "
            "['Voice Message Delivery Status Updated']",
        ),
    ],
    ids=["other-source", "no-source", "text-detail-type", "list-detail-type"],
)
def test_fails_for_an_eventbridge_event_of_another_source_or_detail_type(
    overrides: dict[str, object], message: str, table: str, lambda_context: LambdaContext
) -> None:
    event = envelope(detail("VOICE_RINGING", "m"), **overrides)

    with pytest.raises(tracker.CallEventError, match=exactly(message)):
        tracker.handler(event, lambda_context)
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "detail must be a JSON object, got None"),
        (
            '{"eventType": "VOICE_RINGING"}',
            'detail must be a JSON object, got \'{"eventType": "VOICE_RINGING"}\'',
        ),
        ([], "detail must be a JSON object, got []"),
        (
            {"eventType": "VOICE_RINGING", "eventTimestamp": START_MS},
            "detail.messageId must be a non-empty string, got None",
        ),
        (
            {"eventType": "VOICE_RINGING", "eventTimestamp": START_MS, "messageId": ""},
            "detail.messageId must be a non-empty string, got ''",
        ),
        (
            {"eventType": "VOICE_RINGING", "eventTimestamp": START_MS, "messageId": 42},
            "detail.messageId must be a non-empty string, got 42",
        ),
        (
            {"eventType": "VOICE_RINGING", "messageId": "m"},
            "detail.eventTimestamp must be milliseconds since the epoch, got None",
        ),
        (
            {
                "eventType": "VOICE_RINGING",
                "eventTimestamp": "2027-01-15T08:00:00Z",
                "messageId": "m",
            },
            "detail.eventTimestamp must be milliseconds since the epoch, got "
            "'2027-01-15T08:00:00Z'",
        ),
        (
            {"eventType": "VOICE_RINGING", "eventTimestamp": True, "messageId": "m"},
            "detail.eventTimestamp must be milliseconds since the epoch, got True",
        ),
        (
            {"eventType": "VOICE_RINGING", "eventTimestamp": -1, "messageId": "m"},
            "detail.eventTimestamp must be milliseconds since the epoch, got -1",
        ),
    ],
    ids=[
        "no-detail",
        "string-detail",
        "list-detail",
        "missing-message-id",
        "empty-message-id",
        "numeric-message-id",
        "missing-timestamp",
        "iso-timestamp",
        "boolean-timestamp",
        "negative-timestamp",
    ],
)
def test_fails_for_a_malformed_eventbridge_detail(
    body: object, message: str, table: str, lambda_context: LambdaContext
) -> None:
    with pytest.raises(tracker.CallEventError, match=exactly(message)):
        tracker.handler(envelope(body), lambda_context)
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []


def test_fails_for_an_event_that_is_not_an_object(
    table: str, lambda_context: LambdaContext
) -> None:
    with pytest.raises(
        tracker.CallEventError, match=exactly("event must be a JSON object, got [1, 2]")
    ):
        tracker.handler([1, 2], lambda_context)  # type: ignore[arg-type]


# --- The fake's call events -----------------------------------------------------------------


def test_emit_delivers_only_to_enabled_destinations_matching_the_event(
    voice_mock: VoiceMock,
) -> None:
    sns = boto3.client("sns")
    final_topic = sns.create_topic(Name="voice-final-events")["TopicArn"]
    every_topic = sns.create_topic(Name="voice-every-event")["TopicArn"]
    off_topic = sns.create_topic(Name="voice-disabled")["TopicArn"]
    sms_voice = boto3.client("pinpoint-sms-voice")
    sms_voice.create_configuration_set(ConfigurationSetName=SET_NAME)
    for name, arn, enabled, types in [
        ("Final", final_topic, True, ["COMPLETED_CALL", "BUSY", "FAILED", "NO_ANSWER"]),
        ("Every", every_topic, True, ALL_EVENTS),
        ("Off", off_topic, False, ALL_EVENTS),
    ]:
        sms_voice.create_configuration_set_event_destination(
            ConfigurationSetName=SET_NAME,
            EventDestinationName=name,
            EventDestination={
                "Enabled": enabled,
                "MatchingEventTypes": types,
                "SnsDestination": {"TopicArn": arn},
            },
        )
    message_id = send()

    emitted = emit(voice_mock, message_id, "INITIATED_CALL", "RINGING", "COMPLETED_CALL")

    assert [(e.destination, e.event["eventType"]) for e in emitted] == [
        ("Every", "INITIATED_CALL"),
        ("Every", "RINGING"),
        ("Final", "COMPLETED_CALL"),
        ("Every", "COMPLETED_CALL"),
    ]
    assert all(e.delivery_id for e in emitted)
    assert {e.target_arn for e in emitted} == {final_topic, every_topic}
    assert [e.event["eventTimestamp"] for e in emitted] == [
        START_MS,
        START_MS + STEP_MS,
        START_MS + 2 * STEP_MS,
        START_MS + 2 * STEP_MS,
    ]
    assert emitted[-1].event == {
        "eventType": "COMPLETED_CALL",
        "eventVersion": "1.0",
        "eventTimestamp": START_MS + 2 * STEP_MS,
        "isFinal": True,
        "originationPhoneNumber": ORIGIN,
        "destinationPhoneNumber": DESTINATION,
        "messageId": message_id,
        "configurationSetName": SET_NAME,
    }


def test_emit_fails_for_a_message_sent_without_a_configuration_set(
    voice_mock: VoiceMock, topic_arn: str
) -> None:
    message_id = send(configuration_set=None)

    with pytest.raises(ValueError, match="without an existing configuration set"):
        voice_mock.emit_call_events(message_id)


def test_emit_fails_for_an_unknown_message(voice_mock: VoiceMock) -> None:
    with pytest.raises(ValueError, match="was not sent through this fake"):
        voice_mock.emit_call_events("00000000-0000-4000-8000-000000000000")


def logs_destination(group: str = "/voice/call-events") -> str:
    """A configuration set whose one destination is a CloudWatch Logs group made in moto."""
    boto3.client("logs").create_log_group(logGroupName=group)
    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{group}:*"
    sms_voice = boto3.client("pinpoint-sms-voice")
    sms_voice.create_configuration_set(ConfigurationSetName=SET_NAME)
    sms_voice.create_configuration_set_event_destination(
        ConfigurationSetName=SET_NAME,
        EventDestinationName="Logs",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ALL_EVENTS,
            "CloudWatchLogsDestination": {"IamRoleArn": ROLE_ARN, "LogGroupArn": group_arn},
        },
    )
    return group_arn


def stored_log_events(group: str = "/voice/call-events") -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = boto3.client("logs").get_log_events(
        logGroupName=group, logStreamName="voice-events", startFromHead=True
    )["events"]
    return events


def test_emit_delivers_log_events_to_a_cloudwatch_logs_destination(
    voice_mock: VoiceMock,
) -> None:
    group_arn = logs_destination()
    message_id = send()

    # CloudWatch Logs (and moto) accept events from the last 14 days up to 2 hours ahead only,
    # so these events carry the fake's clock, the current time.
    emitted = voice_mock.emit_call_events(
        message_id, events=("INITIATED_CALL", "RINGING", "NO_ANSWER"), step_ms=1000
    )

    assert [(e.kind, e.target_arn, e.delivery_id) for e in emitted] == [
        ("logs", group_arn, None)
    ] * 3
    found = stored_log_events()
    assert [json.loads(e["message"]) for e in found] == [e.event for e in emitted]
    assert [e["timestamp"] for e in found] == [e.event["eventTimestamp"] for e in emitted]
    assert [e.event["eventType"] for e in emitted] == ["INITIATED_CALL", "RINGING", "NO_ANSWER"]


def test_emit_reports_only_log_events_that_were_stored(voice_mock: VoiceMock) -> None:
    logs_destination()
    message_id = send()

    try:
        emitted = emit(voice_mock, message_id, "INITIATED_CALL", "RINGING")
    except (ValueError, RuntimeError):
        emitted = []

    assert len(stored_log_events()) == len(emitted)
