"""The sender's idempotency, timeouts and bulk (SQS) path, against moto with the voice fakes.

Time is simulated: the handler and its quota run on :class:`SimClock` (sleeps advance it, nothing
waits), the SMS and Voice fake counts its daily cap on the same clock, and moto's SQS runs on
:class:`SqsTime`, so visibility delays can be checked to the second without waiting for them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from itertools import pairwise
from typing import Any

import boto3
import pytest
from send_voice_message import index
from send_voice_message.bulk import Queues
from send_voice_message.errors import (
    InternalServiceErrorException,
    LimitExceededException,
    OutcomeUnknownException,
    TooManyRequestsException,
)
from send_voice_message.request import V2
from send_voice_message.sender import Sender
from send_voice_message.service import CLIENT_CONFIG
from send_voice_message.validation import BadRequestException, Defaults

from tests.conftest import LambdaContext
from tests.handlers.conftest import (
    SIM_START,
    STATE_TABLE,
    RecordingClock,
    SimClock,
    create_state_table,
    make_sender,
)
from voice_constructs.testing import VoiceMock
from voice_constructs.testing._moto import sqs_models

ORIGIN = "+12065550100"
DEST = "+12065550142"
OTHER_DEST = "+12065550199"
DEFAULTS = Defaults(origination_number=ORIGIN, language_code="en-US")
START = SIM_START
DAY = 24 * 60 * 60
# What the Lambda event source would have set; shorter than every delay the handler asks for,
# so a message that is still invisible after it proves the handler changed its visibility.
RECEIVE_VISIBILITY_SECONDS = 5


class SqsTime:
    """The time moto's SQS sees; only :meth:`advance` moves it."""

    def __init__(self) -> None:
        self.time = float(int(time.time()))

    def unix_time(self, dt: object = None) -> float:
        return self.time

    def unix_time_millis(self, dt: object = None) -> float:
        return self.time * 1000.0

    def advance(self, seconds: float) -> None:
        self.time += seconds


class Bulk:
    """The bulk queue and its dead-letter queue in moto, and Lambda SQS events built from them."""

    def __init__(self, sqs: Any, queue_url: str, dlq_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.dlq_url = dlq_url
        self.queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]

    def send(self, body: str) -> str:
        message_id: str = self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)[
            "MessageId"
        ]
        return message_id

    def receive(self, visibility: int = RECEIVE_VISIBILITY_SECONDS) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=visibility,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def deliver(self, receives: int = 1) -> dict[str, Any]:
        """Receive every queued message ``receives`` times; the event of the last receive."""
        for _ in range(receives - 1):
            self.receive(visibility=0)
        messages = self.receive()
        return {"Records": [self.record(m) for m in messages]}

    def record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = message["Attributes"]
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {
                name: attributes[name]
                for name in (
                    "ApproximateReceiveCount",
                    "SentTimestamp",
                    "SenderId",
                    "ApproximateFirstReceiveTimestamp",
                )
            },
            "messageAttributes": {},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": "us-east-1",
        }

    def dead_letters(self) -> list[tuple[str, dict[str, str]]]:
        """Every message on the dead-letter queue: its body and its attributes."""
        letters: list[tuple[str, dict[str, str]]] = []
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=60,
                WaitTimeSeconds=0,
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                return letters
            for message in messages:
                attributes = {
                    name: value["StringValue"]
                    for name, value in message.get("MessageAttributes", {}).items()
                }
                letters.append((message["Body"], attributes))


@pytest.fixture(autouse=True)
def sender(voice_mock: VoiceMock, recording_clock: RecordingClock) -> Iterator[Sender]:
    """The handler's sender without a state table; ``table`` and ``bulk`` give it one."""
    with index.use(make_sender(clock=recording_clock, defaults=DEFAULTS)) as sender:
        yield sender


@pytest.fixture
def sqs_time(monkeypatch: pytest.MonkeyPatch) -> SqsTime:
    sim = SqsTime()
    monkeypatch.setattr(sqs_models, "unix_time", sim.unix_time)
    monkeypatch.setattr(sqs_models, "unix_time_millis", sim.unix_time_millis)
    return sim


@pytest.fixture
def table(voice_mock: VoiceMock, clock: SimClock, sender: Sender) -> Iterator[str]:
    """The state table, with the handler on the simulated clock and without queues."""
    name = create_state_table()
    with index.use(make_sender(clock=clock, defaults=DEFAULTS, client=sender.client, table=name)):
        yield name


@pytest.fixture
def bulk(
    voice_mock: VoiceMock, clock: SimClock, sqs_time: SqsTime, sender: Sender
) -> Iterator[Bulk]:
    """The state table, the bulk queue and its dead-letter queue, all configured."""
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName="voice-bulk")["QueueUrl"]
    dlq_url = sqs.create_queue(QueueName="voice-bulk-dlq")["QueueUrl"]
    with index.use(
        make_sender(
            clock=clock,
            defaults=DEFAULTS,
            client=sender.client,
            table=create_state_table(),
            queues=Queues(queue_url, dlq_url),
        )
    ):
        yield Bulk(sqs, queue_url, dlq_url)


def plain(text: str = "Your order has shipped.", **extra: Any) -> dict[str, Any]:
    return {
        "DestinationPhoneNumber": DEST,
        "Content": {"PlainTextMessage": {"Text": text}},
        **extra,
    }


def body(text: str = "Your order has shipped.", **extra: Any) -> str:
    return json.dumps(plain(text, **extra))


def failures(response: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


# --- Direct invoke: idempotency ----------------------------------------------------------------


def test_repeated_idempotency_key_returns_first_message_id(
    table: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    event = plain(IdempotencyKey="order-42:shipped")

    first = index.handler(event, lambda_context)
    second = index.handler(dict(event), lambda_context)

    [sent] = voice_mock.sent_messages()
    assert first == {"MessageId": sent.message_id}
    assert second == first
    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    # The key is not part of the request the service sees.
    assert "IdempotencyKey" not in sent.request


def test_different_idempotency_keys_send_separately(
    table: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    first = index.handler(plain(IdempotencyKey="a"), lambda_context)
    second = index.handler(plain(IdempotencyKey="b"), lambda_context)

    assert first != second
    assert [m.message_id for m in voice_mock.sent_messages()] == [
        first["MessageId"],
        second["MessageId"],
    ]


def test_longest_idempotency_key_is_accepted(
    table: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    key = "k" * 256

    first = index.handler(plain(IdempotencyKey=key), lambda_context)
    again = index.handler(plain(IdempotencyKey=key), lambda_context)

    assert again == first
    assert len(voice_mock.sent_messages()) == 1


def test_fails_on_idempotency_key_reused_for_a_different_request(
    table: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    index.handler(plain("first text", IdempotencyKey="reused"), lambda_context)

    with pytest.raises(BadRequestException) as failure:
        index.handler(plain("other text", IdempotencyKey="reused"), lambda_context)

    assert failure.value.field == "IdempotencyKey"
    assert str(failure.value).startswith("IdempotencyKey ")
    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    [sent] = voice_mock.sent_messages()
    assert sent.request["Content"]["PlainTextMessage"]["Text"] == "first text"


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (42, "must be a string, got a number"),
        (True, "must be a string, got a boolean"),
        ("", "must be 1-256 printable ASCII characters without spaces"),
        ("with space", "must be 1-256 printable ASCII characters without spaces"),
        ("k" * 257, "must be 1-256 printable ASCII characters without spaces"),
        ("trailing-newline\n", "must be 1-256 printable ASCII characters without spaces"),
        ("clé", "must be 1-256 printable ASCII characters without spaces"),
    ],
    ids=["number", "boolean", "empty", "space", "257-chars", "newline", "non-ascii"],
)
def test_fails_on_malformed_idempotency_key_without_a_call(
    key: object,
    problem: str,
    table: str,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
) -> None:
    with pytest.raises(BadRequestException) as failure:
        index.handler(plain(IdempotencyKey=key), lambda_context)

    assert failure.value.field == "IdempotencyKey"
    assert str(failure.value).startswith(f"IdempotencyKey {problem}")
    assert voice_mock.calls("SendVoiceMessage") == []


def test_fails_on_idempotency_key_without_a_state_table(
    sender: Sender, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    with (
        index.use(replace(sender, ledger=None, quota=None)),
        pytest.raises(BadRequestException) as failure,
    ):
        index.handler(plain(IdempotencyKey="order-42"), lambda_context)

    assert failure.value.field == "IdempotencyKey"
    assert "state table" in str(failure.value)
    assert voice_mock.calls("SendVoiceMessage") == []


def test_failed_send_with_a_key_can_be_retried_with_that_key(
    table: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.fail_next("SendVoiceMessage", count=index.current().max_attempts, status=429)
    event = plain(IdempotencyKey="retry-me")

    with pytest.raises(TooManyRequestsException):
        index.handler(event, lambda_context)
    result = index.handler(event, lambda_context)

    [sent] = voice_mock.sent_messages()
    assert result == {"MessageId": sent.message_id}
    statuses = [c.status for c in voice_mock.calls("SendVoiceMessage")]
    assert statuses == [429] * index.current().max_attempts + [200]


def test_retries_are_paced_and_backed_off_on_the_clock(
    table: str, clock: SimClock, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.fail_next("SendVoiceMessage", count=index.current().max_attempts - 1, status=429)

    result = index.handler(plain(IdempotencyKey="paced"), lambda_context)

    calls = voice_mock.calls("SendVoiceMessage")
    assert [c.status for c in calls] == [429] * (index.current().max_attempts - 1) + [200]
    assert result == {"MessageId": voice_mock.sent_messages()[0].message_id}
    # At 20 calls a minute, attempts start at least 3 s apart, even after a shorter back-off.
    gaps = [b.at - a.at for a, b in pairwise(calls)]
    assert all(gap >= 3.0 for gap in gaps), gaps
    # After the wait for the first pacing slot, the first back-off is 1 s (then the quota's own
    # wait).
    assert clock.sleeps[0] < 3.1
    assert clock.sleeps[1] == 1


# --- Direct invoke: timeouts -------------------------------------------------------------------


def test_fails_on_read_timeout_as_outcome_unknown_without_retrying(
    table: str, clock: SimClock, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.time_out_next("SendVoiceMessage")
    event = plain(IdempotencyKey="maybe-placed")

    with pytest.raises(OutcomeUnknownException, match="not retried"):
        index.handler(event, lambda_context)

    assert len(voice_mock.sent_messages()) == 1
    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    # No back-off, no retry: at most the wait for the first pacing slot (under 3.1 s).
    assert len(clock.sleeps) <= 1
    assert all(wait < 3.1 for wait in clock.sleeps)

    with pytest.raises(OutcomeUnknownException):
        index.handler(event, lambda_context)

    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    assert len(voice_mock.sent_messages()) == 1


def test_fails_on_read_timeout_without_a_key_and_without_retrying(
    voice_mock: VoiceMock, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    voice_mock.time_out_next("SendVoiceMessage")

    with pytest.raises(OutcomeUnknownException):
        index.handler(plain(), lambda_context)

    assert len(voice_mock.sent_messages()) == 1
    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    assert retry_sleeps == []


def test_connect_timeout_is_retried_and_sent_once(
    table: str, clock: SimClock, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.time_out_next("SendVoiceMessage", after_accept=False)

    result = index.handler(plain(IdempotencyKey="connect"), lambda_context)

    [sent] = voice_mock.sent_messages()
    assert result == {"MessageId": sent.message_id}
    # The timed-out attempt never reached the service; the retry did, once.
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [200]
    # The wait for the first pacing slot, then the back-off of 1 s.
    assert clock.sleeps[1] == 1


def test_connect_timeout_without_a_table_is_retried_and_sent_once(
    voice_mock: VoiceMock, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    voice_mock.time_out_next("SendVoiceMessage", after_accept=False)

    result = index.handler(plain(), lambda_context)

    [sent] = voice_mock.sent_messages()
    assert result == {"MessageId": sent.message_id}
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [200]
    assert retry_sleeps == [1]


def test_fails_on_connect_timeouts_on_every_attempt(
    voice_mock: VoiceMock, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    voice_mock.time_out_next(
        "SendVoiceMessage", count=index.current().max_attempts, after_accept=False
    )

    with pytest.raises(
        InternalServiceErrorException, match=f"after {index.current().max_attempts} attempts"
    ):
        index.handler(plain(), lambda_context)

    assert voice_mock.calls("SendVoiceMessage") == []
    assert voice_mock.sent_messages() == []
    assert len(retry_sleeps) == index.current().max_attempts - 1


# --- Bulk path ---------------------------------------------------------------------------------


def test_mixed_batch_sends_valid_and_dead_letters_invalid(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    first = bulk.send(body("first"))
    not_json = bulk.send("{not json")
    invalid = bulk.send(body(DestinationPhoneNumber="2065550142"))
    last = bulk.send(body("last", DestinationPhoneNumber=OTHER_DEST))
    event = bulk.deliver()
    assert [r["messageId"] for r in event["Records"]] == [first, not_json, invalid, last]

    response = index.handler(event, lambda_context)

    assert failures(response) == []
    sent = [m.request for m in voice_mock.sent_messages()]
    assert [
        (r["DestinationPhoneNumber"], r["Content"]["PlainTextMessage"]["Text"]) for r in sent
    ] == [
        (DEST, "first"),
        (OTHER_DEST, "last"),
    ]
    letters = bulk.dead_letters()
    by_source = {attributes["SourceMessageId"]: (text, attributes) for text, attributes in letters}
    assert sorted(by_source) == sorted([not_json, invalid])
    text, attributes = by_source[not_json]
    assert text == "{not json"
    assert attributes["FailureType"] == "invalid"
    assert attributes["FailureReason"].startswith("body must be a JSON object")
    assert attributes["ReceiveCount"] == "1"
    text, attributes = by_source[invalid]
    assert json.loads(text) == plain(DestinationPhoneNumber="2065550142")
    assert attributes["FailureType"] == "invalid"
    assert attributes["FailureReason"].startswith("DestinationPhoneNumber must be in E.164 form")
    assert attributes["ReceiveCount"] == "1"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("[1, 2]", "event must be a JSON object, got an array"),
        (json.dumps(plain(IdempotencyKey="has space")), "IdempotencyKey must be 1-256"),
        (json.dumps(plain(Extra=1)), "event has unknown fields ['Extra']"),
    ],
    ids=["array", "bad-key", "unknown-field"],
)
def test_fails_invalid_records_to_the_dead_letter_queue(
    payload: str, reason: str, bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    message_id = bulk.send(payload)

    response = index.handler(bulk.deliver(), lambda_context)

    assert failures(response) == []
    assert voice_mock.calls("SendVoiceMessage") == []
    [(text, attributes)] = bulk.dead_letters()
    assert text == payload
    assert attributes["SourceMessageId"] == message_id
    assert attributes["FailureType"] == "invalid"
    assert attributes["FailureReason"].startswith(reason)


def test_fails_service_400_to_the_dead_letter_queue_as_invalid(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.fail_next("SendVoiceMessage", status=400, message="destination is blocked")
    message_id = bulk.send(body())

    response = index.handler(bulk.deliver(), lambda_context)

    assert failures(response) == []
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [400]
    [(_, attributes)] = bulk.dead_letters()
    assert attributes["SourceMessageId"] == message_id
    assert attributes["FailureType"] == "invalid"
    assert "destination is blocked" in attributes["FailureReason"]


def test_fails_v2_service_quota_to_the_dead_letter_queue_as_quota_exceeded(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    v2_client = boto3.client("pinpoint-sms-voice-v2", config=CLIENT_CONFIG)
    voice_mock.fail_next("SendVoiceMessage", status=402, message="spend limit", api="v2")
    message_id = bulk.send(body())

    with index.use(replace(index.current(), client=v2_client, api=V2)):
        response = index.handler(bulk.deliver(), lambda_context)

    assert failures(response) == []
    assert [c.status for c in voice_mock.calls("SendVoiceMessage", api="v2")] == [402]
    assert voice_mock.sent_messages(api="v2") == []
    [(_, attributes)] = bulk.dead_letters()
    assert attributes["SourceMessageId"] == message_id
    assert attributes["FailureType"] == "quota_exceeded"
    assert "spend limit" in attributes["FailureReason"]


@pytest.mark.parametrize("receives", [1, 2, 3, 4])
@pytest.mark.parametrize("fault", ["429", "connect_timeout"])
def test_transient_failure_goes_back_to_the_queue_later(
    fault: str,
    receives: int,
    bulk: Bulk,
    sqs_time: SqsTime,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
) -> None:
    if fault == "connect_timeout":
        voice_mock.time_out_next("SendVoiceMessage", after_accept=False)
    else:
        voice_mock.fail_next("SendVoiceMessage", status=int(fault))
    message_id = bulk.send(body())
    event = bulk.deliver(receives=receives)
    assert event["Records"][0]["attributes"]["ApproximateReceiveCount"] == str(receives)

    response = index.handler(event, lambda_context)

    assert failures(response) == [message_id]
    assert voice_mock.sent_messages() == []
    assert bulk.dead_letters() == []
    delay = min(30 * 2 ** (receives - 1), 900)
    # Invisible until the delay has passed (the receive itself hid it for 5 s only) ...
    sqs_time.advance(delay - 1)
    assert bulk.receive() == []
    # ... and then delivered again.
    sqs_time.advance(2)
    [again] = bulk.receive()
    assert again["MessageId"] == message_id
    assert again["Attributes"]["ApproximateReceiveCount"] == str(receives + 1)


def test_transient_failure_is_sent_on_redelivery(
    bulk: Bulk, sqs_time: SqsTime, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.fail_next("SendVoiceMessage", status=429)
    message_id = bulk.send(body())

    first = index.handler(bulk.deliver(), lambda_context)
    sqs_time.advance(31)
    second = index.handler(bulk.deliver(), lambda_context)

    assert failures(first) == [message_id]
    assert failures(second) == []
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [429, 200]
    assert len(voice_mock.sent_messages()) == 1
    assert bulk.dead_letters() == []


def test_fails_last_delivery_to_the_dead_letter_queue_as_retries_exhausted(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.fail_next("SendVoiceMessage", status=429)
    message_id = bulk.send(body())
    event = bulk.deliver(receives=index.current().max_receives)

    response = index.handler(event, lambda_context)

    assert failures(response) == []
    [(text, attributes)] = bulk.dead_letters()
    assert json.loads(text) == plain()
    assert attributes["SourceMessageId"] == message_id
    assert attributes["FailureType"] == "retries_exhausted"
    assert attributes["ReceiveCount"] == str(index.current().max_receives)
    assert attributes["FailureReason"].startswith(
        f"still failing after {index.current().max_receives} deliveries: TooManyRequestsException"
    )
    assert voice_mock.sent_messages() == []


def test_fails_read_timeout_as_outcome_unknown_and_never_calls_again(
    bulk: Bulk, sqs_time: SqsTime, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.time_out_next("SendVoiceMessage")
    message_id = bulk.send(body())

    first = index.handler(bulk.deliver(), lambda_context)
    # A redelivery of the same message (as after a crash before the batch was deleted).
    sqs_time.advance(RECEIVE_VISIBILITY_SECONDS + 1)
    second = index.handler(bulk.deliver(), lambda_context)

    assert failures(first) == []
    assert failures(second) == []
    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    assert len(voice_mock.sent_messages()) == 1
    letters = bulk.dead_letters()
    assert [a["FailureType"] for _, a in letters] == ["outcome_unknown", "outcome_unknown"]
    assert [a["SourceMessageId"] for _, a in letters] == [message_id, message_id]
    assert [a["ReceiveCount"] for _, a in letters] == ["1", "2"]
    assert "no answer came" in letters[0][1]["FailureReason"]


def test_fails_internal_error_as_outcome_unknown_and_never_calls_again(
    bulk: Bulk, sqs_time: SqsTime, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    # A 5xx may follow a placed call: dead-lettered on its first delivery, never requeued.
    voice_mock.fail_next("SendVoiceMessage", status=500)
    bulk.send(body())

    response = index.handler(bulk.deliver(), lambda_context)

    assert failures(response) == []
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [500]
    [(_, attributes)] = bulk.dead_letters()
    assert attributes["FailureType"] == "outcome_unknown"
    assert "failed while handling it" in attributes["FailureReason"]


def test_message_sent_twice_with_one_key_places_one_call(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    bulk.send(body(IdempotencyKey="order-1"))
    bulk.send(body(IdempotencyKey="order-1"))

    response = index.handler(bulk.deliver(), lambda_context)

    assert failures(response) == []
    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    assert bulk.dead_letters() == []


def test_one_sqs_message_delivered_twice_in_a_batch_places_one_call(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    bulk.send(body())
    [record] = bulk.deliver()["Records"]

    response = index.handler({"Records": [record, dict(record)]}, lambda_context)

    assert failures(response) == []
    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    assert bulk.dead_letters() == []


def test_message_sent_twice_with_one_key_in_separate_batches_places_one_call(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    bulk.send(body(IdempotencyKey="order-1"))
    first = index.handler(bulk.deliver(), lambda_context)
    bulk.send(body(IdempotencyKey="order-1"))
    second = index.handler(bulk.deliver(), lambda_context)

    assert failures(first) == failures(second) == []
    assert len(voice_mock.calls("SendVoiceMessage")) == 1


def test_two_messages_alike_without_a_key_are_two_messages(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    # Identity, never content: a second message that says the same is not a copy of the first.
    bulk.send(body())
    first = index.handler(bulk.deliver(), lambda_context)
    bulk.send(body())
    second = index.handler(bulk.deliver(), lambda_context)

    assert failures(first) == failures(second) == []
    assert len(voice_mock.calls("SendVoiceMessage")) == 2
    assert bulk.dead_letters() == []


def test_queued_messages_with_different_bodies_are_all_sent(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    for text in ("one", "two", "three"):
        bulk.send(body(text))

    response = index.handler(bulk.deliver(), lambda_context)

    assert failures(response) == []
    texts = [m.request["Content"]["PlainTextMessage"]["Text"] for m in voice_mock.sent_messages()]
    assert texts == ["one", "two", "three"]


def test_queued_key_reused_for_a_different_request_is_dead_lettered(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    bulk.send(body("first", IdempotencyKey="same-key"))
    second = bulk.send(body("second", IdempotencyKey="same-key"))

    response = index.handler(bulk.deliver(), lambda_context)

    assert failures(response) == []
    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    [(_, attributes)] = bulk.dead_letters()
    assert attributes["SourceMessageId"] == second
    assert attributes["FailureType"] == "invalid"
    assert attributes["FailureReason"].startswith("IdempotencyKey ")


def test_sixth_message_to_one_number_is_stopped_by_the_recipient_cap(
    bulk: Bulk, clock: SimClock, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    ids = [bulk.send(body(f"message {n}")) for n in range(6)]

    response = index.handler(bulk.deliver(), lambda_context)

    assert failures(response) == []
    # The guard refused the sixth before the service was asked: the fake's own cap never fired.
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [200] * 5
    assert len(voice_mock.sent_messages()) == 5
    [(text, attributes)] = bulk.dead_letters()
    assert json.loads(text)["Content"]["PlainTextMessage"]["Text"] == "message 5"
    assert attributes["SourceMessageId"] == ids[5]
    assert attributes["FailureType"] == "recipient_cap"
    assert "+1******0142" in attributes["FailureReason"]
    assert DEST not in attributes["FailureReason"]
    # The quota spaced the five calls at least 3 s apart on the simulated clock.
    times = [c.at for c in voice_mock.calls("SendVoiceMessage")]
    assert all(b - a >= 3.0 for a, b in pairwise(times)), times


def test_recipient_cap_frees_after_a_day(
    bulk: Bulk, clock: SimClock, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    for n in range(5):
        bulk.send(body(f"message {n}"))
    index.handler(bulk.deliver(), lambda_context)
    bulk.send(body("next day"))

    clock.advance(DAY + 60)
    response = index.handler(bulk.deliver(), lambda_context)

    assert failures(response) == []
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [200] * 6
    assert bulk.dead_letters() == []


def test_transient_failure_gives_the_recipient_slot_back(
    bulk: Bulk, sqs_time: SqsTime, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    # Five failed attempts to one number must not use up its five daily slots.
    voice_mock.fail_next("SendVoiceMessage", count=5, status=429)
    for n in range(5):
        bulk.send(body(f"message {n}"))
    first = index.handler(bulk.deliver(), lambda_context)
    sqs_time.advance(31)

    second = index.handler(bulk.deliver(), lambda_context)

    assert len(failures(first)) == 5
    assert failures(second) == []
    assert len(voice_mock.sent_messages()) == 5
    assert bulk.dead_letters() == []


def test_bulk_logs_never_hold_the_destination_number(
    bulk: Bulk,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="aws_lambda_powertools")
    # A sent message, a duplicate, an invalid number, a transient failure, a read timeout and a
    # sixth message to one number: every log line the bulk path writes.
    for n in range(5):
        bulk.send(body(f"message {n}", IdempotencyKey=f"m{n}"))
    bulk.send(body("message 0", IdempotencyKey="m0"))
    bulk.send(body(DestinationPhoneNumber=DEST[1:]))
    index.handler(bulk.deliver(), lambda_context)
    voice_mock.fail_next("SendVoiceMessage", status=429)
    voice_mock.time_out_next("SendVoiceMessage")  # taken after the 429, by the next call
    bulk.send(body("throttled", DestinationPhoneNumber=OTHER_DEST))
    bulk.send(body("timed out", DestinationPhoneNumber=OTHER_DEST))
    bulk.send(body("sixth"))
    response = index.handler(bulk.deliver(), lambda_context)

    assert len(failures(response)) == 1
    kinds = sorted(a["FailureType"] for _, a in bulk.dead_letters())
    assert kinds == ["invalid", "outcome_unknown", "recipient_cap"]
    messages = {r.getMessage() for r in caplog.records if r.name == index.current().logger.name}
    assert {
        "voice message sent",
        "duplicate of another queued message refused: no call",
        "voice message moved to the dead-letter queue",
        "voice message will be retried",
        "voice message outcome unknown",
        "voice message not sent",
    } <= messages
    # The handler's own loggers and Powertools' (botocore's DEBUG wire logs are not the handler's).
    ours = [r for r in caplog.records if not r.name.startswith(("botocore", "boto3", "urllib3"))]
    assert {r.name for r in ours} >= {index.current().logger.name}
    dumped = json.dumps([{**r.__dict__, "msg": r.getMessage()} for r in ours], default=str)
    for number in (DEST, OTHER_DEST, DEST[1:], OTHER_DEST[1:], DEST[2:], OTHER_DEST[2:]):
        assert number not in dumped
    assert "+1******0142" in dumped


def test_bulk_state_never_holds_the_destination_number(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    bulk.send(body())
    bulk.send(body(IdempotencyKey="k1"))
    index.handler(bulk.deliver(), lambda_context)

    items = boto3.client("dynamodb").scan(TableName=STATE_TABLE)
    dumped = json.dumps(items["Items"])
    assert items["Count"] > 0
    assert DEST[2:] not in dumped
    assert ORIGIN[2:] not in dumped


def test_fails_sixth_direct_send_to_one_number_before_the_service_is_asked(
    table: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    for n in range(5):
        index.handler(plain(f"message {n}"), lambda_context)

    with pytest.raises(LimitExceededException) as failure:
        index.handler(plain("message 5"), lambda_context)

    assert "+1******0142" in str(failure.value)
    assert DEST not in str(failure.value)
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [200] * 5


def test_fails_direct_send_when_no_quota_slot_comes_before_the_deadline(
    table: str, clock: SimClock, voice_mock: VoiceMock
) -> None:
    # 10 s left: the latest start is now + 10 - 1 (safety) - 7 (one call's budget) = now + 2 s,
    # and the next slot after a call is 3 s away.
    class ShortContext(LambdaContext):
        def get_remaining_time_in_millis(self) -> int:
            return 10_000

    index.handler(plain("first", DestinationPhoneNumber=OTHER_DEST), ShortContext())

    with pytest.raises(TooManyRequestsException):
        index.handler(plain("second"), ShortContext())

    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    # Nothing was taken: neither the recipient's slot nor the pacing slot.
    clock.advance(3)
    for n in range(5):
        index.handler(plain(f"later {n}"), ShortContext())
        clock.advance(3)
    assert len(voice_mock.sent_messages()) == 6


def test_one_key_with_bodies_that_normalise_alike_places_one_call(
    bulk: Bulk, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    # Same request: keys in another order, and the configured origination number spelled out.
    bulk.send(json.dumps(plain(IdempotencyKey="order-1")))
    reordered = {
        "IdempotencyKey": "order-1",
        "Content": {
            "PlainTextMessage": {"LanguageCode": "en-US", "Text": "Your order has shipped."}
        },
        "OriginationPhoneNumber": ORIGIN,
        "DestinationPhoneNumber": DEST,
    }
    bulk.send(json.dumps(reordered))

    response = index.handler(bulk.deliver(), lambda_context)

    assert failures(response) == []
    assert len(voice_mock.calls("SendVoiceMessage")) == 1
    assert bulk.dead_letters() == []


def test_service_error_text_with_the_number_is_not_logged_whole(
    bulk: Bulk,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=index.current().logger.name)
    voice_mock.fail_next("SendVoiceMessage", status=400, message=f"{DEST} is blocked")
    bulk.send(body())

    index.handler(bulk.deliver(), lambda_context)

    [(_, attributes)] = bulk.dead_letters()
    assert attributes["FailureType"] == "invalid"
    records = [r for r in caplog.records if r.name == index.current().logger.name]
    dumped = json.dumps([{**r.__dict__, "msg": r.getMessage()} for r in records], default=str)
    assert "+1******0142 is blocked" in dumped
    assert DEST not in dumped
    assert DEST not in attributes["FailureReason"]
