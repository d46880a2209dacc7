"""The v2 fake's call events on moto's default EventBridge bus (issue 14, item 2).

A rule with an SQS target, made in moto as a test would make it, receives what the fake emits:
the envelope EventBridge gives a rule's target, the record in its ``detail``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from vc_common import contract

from voice_constructs.testing import EmittedCallEvent, VoiceMock

REGION = "us-east-1"
ORIGIN = "+12065550100"
DESTINATION = "+12065550142"
# 2025-10-01T18:20:41.250Z
START_MS = 1_759_342_841_250
STEP_MS = 1500
UUID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")


@pytest.fixture(autouse=True)
def origin_held(request: pytest.FixtureRequest) -> None:
    """The account holds the number the v2 sends here call from (the fake refuses others)."""
    if "voice_mock" in request.fixturenames:
        voice_mock: VoiceMock = request.getfixturevalue("voice_mock")
        voice_mock.adopt_phone_number(ORIGIN)


def send_v2(**extra: Any) -> str:
    request = {
        "DestinationPhoneNumber": DESTINATION,
        "OriginationIdentity": ORIGIN,
        "MessageBody": "Your order has shipped.",
        **extra,
    }
    message_id: str = boto3.client("pinpoint-sms-voice-v2").send_voice_message(**request)[
        "MessageId"
    ]
    return message_id


def rule_to_queue(name: str = "voice-status", pattern: dict[str, Any] | None = None) -> str:
    """A rule on the default bus whose one target is a new SQS queue; returns the queue URL."""
    sqs = boto3.client("sqs")
    url: str = sqs.create_queue(QueueName=f"{name}-queue")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events = boto3.client("events")
    events.put_rule(
        Name=name,
        EventPattern=json.dumps(
            pattern
            or {
                "source": [contract.EVENTBRIDGE_SOURCE],
                "detail-type": [contract.EVENTBRIDGE_VOICE_DETAIL_TYPE],
            }
        ),
    )
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])
    return url


def received(url: str) -> list[dict[str, Any]]:
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [json.loads(message["Body"]) for message in messages.get("Messages", [])]


def without_account(envelope: dict[str, Any]) -> dict[str, Any]:
    # moto's SQS target gets the envelope through moto's default input template, which lacks
    # "account"; EventBridge's target gets it whole.
    return {key: value for key, value in envelope.items() if key != "account"}


def test_a_rule_with_an_sqs_target_receives_the_v2_lifecycle(voice_mock: VoiceMock) -> None:
    url = rule_to_queue()
    message_id = send_v2()

    emitted = voice_mock.emit_call_events(message_id, start_ms=START_MS, step_ms=STEP_MS)

    assert [e.detail["eventType"] for e in emitted] == [
        "VOICE_INITIATED",
        "VOICE_RINGING",
        "VOICE_ANSWERED",
        "VOICE_COMPLETED",
    ]
    assert received(url) == [without_account(e.event) for e in emitted]
    sent_at = int(voice_mock.sent_messages(api="v2")[0].at * 1000)
    last = emitted[-1]
    assert last.kind == "eventbridge"
    assert last.destination == "default"
    assert last.target_arn == f"arn:aws:events:{REGION}:{voice_mock.account_id}:event-bus/default"
    assert last.delivery_id == last.event["id"]
    assert UUID.fullmatch(last.event["id"])
    assert last.event == {
        "version": "0",
        "id": last.event["id"],
        "detail-type": "Voice Message Delivery Status Updated",
        "source": "aws.sms-voice",
        "account": voice_mock.account_id,
        "time": "2025-10-01T18:20:45Z",
        "region": REGION,
        "resources": [],
        "detail": {
            "eventType": "VOICE_COMPLETED",
            "eventVersion": "1.0",
            "eventTimestamp": START_MS + 3 * STEP_MS,
            "isFinal": True,
            "originationPhoneNumber": ORIGIN,
            "destinationPhoneNumber": DESTINATION,
            "messageId": message_id,
            "messageRequestTimestamp": sent_at,
        },
    }
    assert [e.detail["isFinal"] for e in emitted] == [False, False, False, True]
    assert len({e.event["id"] for e in emitted}) == 4


def test_the_rules_pattern_decides_what_its_target_gets(voice_mock: VoiceMock) -> None:
    finals = rule_to_queue(
        "finals",
        {
            "source": [contract.EVENTBRIDGE_SOURCE],
            "detail-type": [contract.EVENTBRIDGE_VOICE_DETAIL_TYPE],
            "detail": {"isFinal": [True]},
        },
    )
    other_source = rule_to_queue("other", {"source": ["aws.sms-voice-other"]})
    voice_mock.adopt_configuration_set("voice-events")
    message_id = send_v2(ConfigurationSetName="voice-events")

    emitted = voice_mock.emit_call_events(
        message_id, ("VOICE_INITIATED", "VOICE_TTL_EXPIRED"), api="v2", start_ms=START_MS
    )

    assert [body["detail"]["eventType"] for body in received(finals)] == ["VOICE_TTL_EXPIRED"]
    assert received(other_source) == []
    assert emitted[1].detail["isFinal"] is True
    assert emitted[1].detail["configurationSetName"] == "voice-events"


def test_v2_events_are_timed_on_the_fakes_clock(voice_mock: VoiceMock) -> None:
    voice_mock.sms_voice_v2().clock = lambda: 1_800_000_000.0
    message_id = send_v2()

    emitted = voice_mock.emit_call_events(message_id, ("VOICE_INITIATED", "VOICE_BUSY"))

    assert [e.detail["eventTimestamp"] for e in emitted] == [1_800_000_000_000, 1_800_000_002_000]
    assert emitted[0].detail["messageRequestTimestamp"] == 1_800_000_000_000
    assert [e.event["time"] for e in emitted] == ["2027-01-15T08:00:00Z", "2027-01-15T08:00:02Z"]


def test_a_v2_dry_run_emits_nothing(voice_mock: VoiceMock) -> None:
    url = rule_to_queue()
    message_id = send_v2(DryRun=True)

    assert voice_mock.emit_call_events(message_id) == []
    assert received(url) == []


def test_v1_messages_still_go_to_their_configuration_set(voice_mock: VoiceMock) -> None:
    # The detection picks v1 for a v1 message: no configuration set, v1's own refusal.
    url = rule_to_queue()
    message_id = boto3.client("pinpoint-sms-voice").send_voice_message(
        OriginationPhoneNumber=ORIGIN,
        DestinationPhoneNumber=DESTINATION,
        Content={"PlainTextMessage": {"Text": "hello"}},
    )["MessageId"]

    with pytest.raises(ValueError, match="without an existing configuration set"):
        voice_mock.emit_call_events(message_id)
    assert received(url) == []


def test_fails_an_unknown_message_id(voice_mock: VoiceMock) -> None:
    send_v2()

    with pytest.raises(ValueError, match="neither v1 nor v2") as excinfo:
        voice_mock.emit_call_events("00000000-0000-4000-8000-000000000000")
    assert "'00000000-0000-4000-8000-000000000000'" in str(excinfo.value)


def test_fails_a_phone_number_as_message_id_without_quoting_it(voice_mock: VoiceMock) -> None:
    with pytest.raises(ValueError, match="not a UUID") as excinfo:
        voice_mock.emit_call_events(DESTINATION, api="v2")
    assert "0142" not in str(excinfo.value)


def test_fails_a_v1_message_id_given_as_v2(voice_mock: VoiceMock) -> None:
    message_id = boto3.client("pinpoint-sms-voice").send_voice_message(
        OriginationPhoneNumber=ORIGIN,
        DestinationPhoneNumber=DESTINATION,
        Content={"PlainTextMessage": {"Text": "hello"}},
    )["MessageId"]

    with pytest.raises(ValueError, match=r"was not sent through this fake \(v2\)"):
        voice_mock.emit_call_events(message_id, api="v2")


@pytest.mark.parametrize(
    "events",
    [
        pytest.param(("COMPLETED_CALL",), id="v1-name"),
        pytest.param(("VOICE_ALL",), id="a-filter-not-an-event"),
        pytest.param(("VOICE_ANSWERED", "voice_completed"), id="lower-case"),
    ],
)
def test_fails_events_that_are_not_v2_voice_events(
    voice_mock: VoiceMock, events: tuple[str, ...]
) -> None:
    url = rule_to_queue()
    message_id = send_v2()

    with pytest.raises(ValueError, match="v2 events must be among"):
        voice_mock.emit_call_events(message_id, events)
    assert received(url) == []


def test_fails_an_unknown_api(voice_mock: VoiceMock) -> None:
    with pytest.raises(ValueError, match="api must be 'v1' or 'v2'"):
        voice_mock.emit_call_events(send_v2(), api="v3")


def test_emitted_v1_event_detail_is_the_record() -> None:
    event = {"eventType": "RINGING"}
    emitted = EmittedCallEvent("Sns", "sns", "arn:aws:sns:us-east-1:1:t", event, "id")
    assert emitted.detail is event


def test_lambda_targets_moto_cannot_invoke_are_named_and_the_others_delivered(
    voice_mock: VoiceMock,
) -> None:
    # The tracker's rule has a Lambda target; moto's put_events would raise on it.
    function_arn = f"arn:aws:lambda:{REGION}:{voice_mock.account_id}:function:tracker"
    other_arn = f"arn:aws:lambda:{REGION}:{voice_mock.account_id}:function:other"
    url = rule_to_queue()
    events = boto3.client("events")
    events.put_targets(Rule="voice-status", Targets=[{"Id": "tracker", "Arn": function_arn}])
    events.put_rule(Name="others", EventPattern=json.dumps({"source": ["aws.other"]}))
    events.put_targets(Rule="others", Targets=[{"Id": "other", "Arn": other_arn}])
    message_id = send_v2()

    emitted = voice_mock.emit_call_events(message_id, start_ms=START_MS, step_ms=STEP_MS)

    assert [e.undelivered for e in emitted] == [(function_arn,)] * 4
    assert received(url) == [without_account(e.event) for e in emitted]
    assert [e.detail["eventType"] for e in emitted][-1] == "VOICE_COMPLETED"
    assert all(UUID.fullmatch(e.event["id"]) for e in emitted)


def test_nothing_is_undelivered_without_lambda_targets(voice_mock: VoiceMock) -> None:
    rule_to_queue()

    emitted = voice_mock.emit_call_events(send_v2(), ("VOICE_FAILED",))

    assert emitted[0].undelivered == ()
    assert emitted[0].detail["isFinal"] is True
