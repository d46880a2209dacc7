"""At most one call per message: retries, duplicates, redrives and poison input, on one clock.

Everything the handler, its ledger and the SMS and Voice fake read as time is one SimClock.
SQS is modelled by hand here (records built as Lambda's poller builds them, dead letters
collected by a ``Queues`` of the test's own), so each example costs no moto SQS calls.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from send_voice_message import index
from send_voice_message.bulk import Queues
from send_voice_message.errors import (
    ConflictException,
    InternalServiceErrorException,
    OutcomeUnknownException,
    TooManyRequestsException,
)
from send_voice_message.ledger import LEASE_MARGIN_SECONDS, LedgerError, Previous
from send_voice_message.request import request_key
from send_voice_message.sender import LOGGER_NAME
from send_voice_message.service import CLIENT_CONFIG
from send_voice_message.validation import BadRequestException, Defaults, build_request

from tests.conftest import LambdaContext
from tests.depth import scale
from tests.handlers.conftest import SimClock, create_state_table, make_sender
from tests.handlers.test_send_voice_message_properties import events as direct_events
from voice_constructs.testing import VoiceMock

ORIGIN = "+12065550100"
DEST = "+12065550142"
DAY = 24 * 3600
DEFAULTS = Defaults(origination_number=ORIGIN, language_code="en-US")
# The most a log record may weigh, whatever the input (CloudWatch Logs takes 256 KB).
MAX_LOG_RECORD_BYTES = 16 * 1024


class Letters(Queues):
    """Dead letters and requeue delays, kept in lists instead of SQS."""

    def __init__(self) -> None:
        super().__init__(queue_url="test://queue", dead_letter_queue_url="test://dlq")
        self.letters: list[tuple[str, str, str]] = []  # (body, kind, reason)
        self.delays: list[int] = []

    def dead_letter(self, body: str, reason: str, kind: str, source: dict[str, str]) -> None:
        self.letters.append((body, kind, reason))

    def delay(self, receipt_handle: str, seconds: int) -> None:
        self.delays.append(seconds)


class Logs(logging.Handler):
    """Every record the handler's logger writes, formatted as Lambda's JSON logs would."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = {k: v for k, v in vars(record).items() if k not in ("args", "exc_info")}
        self.lines.append(json.dumps({**fields, "message": record.getMessage()}, default=str))


class Context(LambdaContext):
    """A Lambda context on the simulated clock, with its own request id."""

    def __init__(self, clock: SimClock, request_id: str, timeout: float = 30.0) -> None:
        super().__init__(aws_request_id=request_id)
        self._clock = clock
        self._ends = clock.now() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends - self._clock.now()) * 1000))


class Crash(BaseException):
    """The process dies (nothing in the handler may catch it)."""


class CrashingClient:
    """The SMS and Voice client; with ``crash`` set, the process dies right after a send."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.crash = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def send_voice_message(self, **request: Any) -> Any:
        response = self.client.send_voice_message(**request)
        if self.crash:
            self.crash = False
            raise Crash
        return response


@pytest.fixture
def letters(voice_mock: VoiceMock, clock: SimClock) -> Iterator[Letters]:
    """The handler on a crashable client, the state table and these queues, all on ``clock``."""
    queues = Letters()
    sender = make_sender(
        clock=clock,
        client=CrashingClient(boto3.client("pinpoint-sms-voice", config=CLIENT_CONFIG)),
        defaults=DEFAULTS,
        table=create_state_table(),
        queues=queues,
    )
    with index.use(sender):
        yield queues


@pytest.fixture
def logs() -> Iterator[Logs]:
    handler = Logs()
    logger = logging.getLogger(LOGGER_NAME)  # the sender's logger
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def plain(text: str = "Your order has shipped.", **extra: Any) -> dict[str, Any]:
    return {
        "DestinationPhoneNumber": DEST,
        "Content": {"PlainTextMessage": {"Text": text}},
        **extra,
    }


def record(
    body: str, message_id: str = "m-1", receive: int = 1, attributes: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}-{receive}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive),
            "SentTimestamp": "1800000000000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1800000000000",
        },
        "messageAttributes": {
            name: {"stringValue": value, "dataType": "String"}
            for name, value in (attributes or {}).items()
        },
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:voice-bulk",
        "awsRegion": "us-east-1",
    }


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def failures(response: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def calls(voice_mock: VoiceMock) -> list[int]:
    return [call.status for call in voice_mock.calls("SendVoiceMessage")]


# --- Lambda's asynchronous retries of a direct invoke without a key ----------------------------


def test_async_retry_after_a_read_timeout_places_no_second_call(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    voice_mock.time_out_next("SendVoiceMessage")
    with pytest.raises(OutcomeUnknownException, match="no answer came"):
        index.handler(plain(), Context(clock, "invoke-1"))
    clock.advance(60)  # Lambda's first retry, with the same request id

    with pytest.raises(OutcomeUnknownException, match="may have placed the call"):
        index.handler(plain(), Context(clock, "invoke-1"))

    assert calls(voice_mock) == [200]
    assert len(voice_mock.sent_messages()) == 1


def test_async_retry_after_a_crash_past_the_service_places_no_second_call(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    index.current().client.crash = True
    with pytest.raises(Crash):
        index.handler(plain(), Context(clock, "invoke-1"))
    # Lambda retries a crashed invocation after a minute, once the first one has surely ended.
    clock.advance(30 + LEASE_MARGIN_SECONDS)

    with pytest.raises(OutcomeUnknownException, match="stopped before it could record"):
        index.handler(plain(), Context(clock, "invoke-1"))

    assert calls(voice_mock) == [200]


def test_async_retry_while_the_first_try_runs_is_a_conflict(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    index.current().client.crash = True
    with pytest.raises(Crash):
        index.handler(plain(), Context(clock, "invoke-1"))

    with pytest.raises(ConflictException):
        index.handler(plain(), Context(clock, "invoke-1"))

    assert calls(voice_mock) == [200]


def test_async_retry_after_a_throttle_sends_once(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    voice_mock.fail_next("SendVoiceMessage", count=index.current().max_attempts, status=429)
    with pytest.raises(TooManyRequestsException):
        index.handler(plain(), Context(clock, "invoke-1"))
    clock.advance(60)

    result = index.handler(plain(), Context(clock, "invoke-1"))
    again = index.handler(plain(), Context(clock, "invoke-1"))

    [sent] = voice_mock.sent_messages()
    assert result == again == {"MessageId": sent.message_id}


def test_two_invocations_of_the_same_event_place_two_calls(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    first = index.handler(plain(), Context(clock, "invoke-1"))
    clock.advance(3)
    second = index.handler(plain(), Context(clock, "invoke-2"))

    assert first != second
    assert len(voice_mock.sent_messages()) == 2


def test_fails_direct_send_when_the_claim_cannot_be_written(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = index.current().ledger
    assert ledger is not None

    class Throttled:
        def __getattr__(self, name: str) -> Any:
            def call(**request: Any) -> Any:
                raise ClientError(
                    {"Error": {"Code": "ProvisionedThroughputExceededException"}}, name
                )

            return call

    monkeypatch.setattr(ledger, "_client", Throttled())

    with pytest.raises(InternalServiceErrorException, match="no call was placed"):
        index.handler(plain(), Context(clock, "invoke-1"))
    assert calls(voice_mock) == []


# --- Duplicates on the bulk path ----------------------------------------------------------------


def test_copy_of_a_message_being_sent_is_acknowledged_even_on_its_last_delivery(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    body = json.dumps(plain(IdempotencyKey="order-1"))
    index.current().client.crash = True
    with pytest.raises(Crash):
        index.handler(batch(record(body, "first")), Context(clock, "invoke-1"))

    response = index.handler(
        batch(record(body, "copy", receive=index.current().max_receives)),
        Context(clock, "invoke-2"),
    )

    assert failures(response) == []
    assert letters.letters == []
    assert calls(voice_mock) == [200]


def test_same_message_delivered_twice_comes_back_after_the_first_delivery_ends(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    body = json.dumps(plain())
    index.current().client.crash = True
    with pytest.raises(Crash):
        index.handler(batch(record(body, "m-1")), Context(clock, "invoke-1"))
    waited = sum(clock.sleeps)  # the first call's wait for its pacing slot

    response = index.handler(batch(record(body, "m-1", receive=2)), Context(clock, "invoke-2"))

    assert failures(response) == ["m-1"]
    assert letters.letters == []
    # Back once the first delivery's lease (its timeout and the clock margin) has passed.
    assert letters.delays == [math.ceil(30 + LEASE_MARGIN_SECONDS - waited)]
    clock.advance(letters.delays[0])
    last = index.handler(batch(record(body, "m-1", receive=3)), Context(clock, "invoke-3"))
    assert failures(last) == []
    [(_, kind, reason)] = letters.letters
    assert kind == "outcome_unknown"
    assert "stopped before it could record an outcome" in reason
    assert calls(voice_mock) == [200]


def test_same_message_on_its_last_delivery_waits_for_the_other_delivery(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps(plain())
    ledger = index.current().ledger
    assert ledger is not None
    key = request_key(build_request(plain(), DEFAULTS))
    held = ledger.claim(
        key, build_request(plain(), DEFAULTS), owner="sqs:m-1", lease_until=clock.now() + 40
    )
    assert not isinstance(held, Previous)
    # The other delivery records its call while this one waits.
    sleep = clock.sleep

    def finish_twin(seconds: float) -> None:
        sleep(seconds)
        ledger.record_sent(held, "twin-message-id")

    monkeypatch.setattr(clock, "sleep", finish_twin)

    response = index.handler(
        batch(record(body, "m-1", receive=index.current().max_receives)), Context(clock, "invoke-2")
    )

    assert failures(response) == []
    assert letters.letters == []
    assert calls(voice_mock) == []


def test_copy_of_a_dead_lettered_message_goes_to_the_dead_letter_queue_not_called(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    body = json.dumps(plain(IdempotencyKey="order-1"))
    voice_mock.fail_next("SendVoiceMessage", status=429)
    first = index.handler(
        batch(record(body, "first", receive=index.current().max_receives)),
        Context(clock, "invoke-1"),
    )
    clock.advance(60)

    copy = index.handler(batch(record(body, "copy")), Context(clock, "invoke-2"))

    assert failures(first) == failures(copy) == []
    assert [kind for _, kind, _ in letters.letters] == ["retries_exhausted", "duplicate"]
    assert "a copy of the queued message sqs:first" in letters.letters[1][2]
    assert calls(voice_mock) == [429]


def test_redriven_message_is_sent_after_a_failure_that_placed_no_call(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    body = json.dumps(plain())
    voice_mock.fail_next("SendVoiceMessage", status=429)
    index.handler(
        batch(record(body, "first", receive=index.current().max_receives)), Context(clock, "i-1")
    )
    clock.advance(3600)
    redriven = {
        "FailureType": "retries_exhausted",
        "FailureReason": "throttled",
        "SourceMessageId": "first",
    }

    response = index.handler(
        batch(record(body, "back", attributes=redriven)), Context(clock, "invoke-2")
    )

    assert failures(response) == []
    assert calls(voice_mock) == [429, 200]
    assert len(letters.letters) == 1


def test_redriven_message_whose_call_may_have_been_placed_is_not_called(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    body = json.dumps(plain())
    voice_mock.time_out_next("SendVoiceMessage")
    index.handler(batch(record(body, "first")), Context(clock, "invoke-1"))
    clock.advance(3600)
    redriven = {"FailureType": "outcome_unknown", "FailureReason": "timed out"}

    index.handler(batch(record(body, "back", attributes=redriven)), Context(clock, "invoke-2"))

    assert calls(voice_mock) == [200]
    kinds = [kind for _, kind, _ in letters.letters]
    assert kinds == ["outcome_unknown", "outcome_unknown"]
    assert "redriving does not resend" in letters.letters[1][2]


def test_fails_direct_send_with_the_key_of_a_dead_lettered_message(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    body = json.dumps(plain(IdempotencyKey="order-9"))
    voice_mock.fail_next("SendVoiceMessage", status=429)
    index.handler(
        batch(record(body, "first", receive=index.current().max_receives)), Context(clock, "i-1")
    )

    with pytest.raises(BadRequestException, match="dead-letter queue") as failure:
        index.handler(plain(IdempotencyKey="order-9"), Context(clock, "invoke-2"))

    assert failure.value.field == "IdempotencyKey"
    assert calls(voice_mock) == [429]


# --- Poison input, both paths ------------------------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"a": value}
    return value


POISON_BODIES = {
    "deep array": "[" * 5000 + "]" * 5000,
    "deep object": '{"a":' * 5000 + "1" + "}" * 5000,
    "lone surrogate": '{"DestinationPhoneNumber": "+12065550142", '
    '"Content": {"PlainTextMessage": {"Text": "hi \\ud800"}}}',
    "array": "[1, 2]",
    "null": "null",
    "number": "42",
    "string": '"call me"',
    "not json": "{'DestinationPhoneNumber': 1}",
    "empty": "",
    "huge configuration set": json.dumps(plain(ConfigurationSetName="+12065550142" * 80_000)),
    "number in unknown fields": json.dumps({**plain(), "+12065550142": 1, "x" * 100_000: 2}),
}


@pytest.mark.parametrize("body", POISON_BODIES.values(), ids=POISON_BODIES.keys())
def test_fails_poison_body_into_the_dead_letter_queue_on_its_first_delivery(
    body: str, letters: Letters, clock: SimClock, voice_mock: VoiceMock, logs: Logs
) -> None:
    response = index.handler(batch(record(body)), Context(clock, "invoke-1"))

    assert failures(response) == []
    [(_, kind, reason)] = letters.letters
    assert kind == "invalid"
    assert 0 < len(reason) <= 1000
    assert "+12065550142" not in reason
    assert calls(voice_mock) == []
    assert max(len(line) for line in logs.lines) <= MAX_LOG_RECORD_BYTES
    assert not any("+12065550142" in line for line in logs.lines)


POISON_EVENTS: dict[str, tuple[Any, str]] = {
    "deep": ({**plain(), "Context": nested(5000)}, "Context.a.a.a"),
    "lone surrogate": (plain("hi \ud800"), "Content.PlainTextMessage.Text"),
    "surrogate key": ({**plain(), "\udfff": 1}, "event"),
    "list": ([plain()], "event"),
    "string": ("call me", "event"),
    "records without ids": ({"Records": [{"eventSource": "aws:sqs"}]}, "Records[0].messageId"),
    "records mixed": (
        {"Records": [record("{}"), {"eventSource": "aws:sns"}]},
        "Records[1]",
    ),
    "records without count": (
        {"Records": [{**record("{}"), "attributes": {}}]},
        "Records[0].attributes.ApproximateReceiveCount",
    ),
    "huge configuration set": (
        plain(ConfigurationSetName="+12065550142" * 80_000),
        "ConfigurationSetName",
    ),
    "number in key": (plain(IdempotencyKey="call +12065550142"), "IdempotencyKey"),
}


@pytest.mark.parametrize(("event", "field"), POISON_EVENTS.values(), ids=POISON_EVENTS.keys())
def test_fails_poison_event_with_a_named_bad_request(
    event: Any, field: str, letters: Letters, clock: SimClock, voice_mock: VoiceMock, logs: Logs
) -> None:
    with pytest.raises(BadRequestException) as failure:
        index.handler(event, Context(clock, "invoke-1"))

    assert failure.value.field.startswith(field)
    assert len(str(failure.value)) <= 1000
    assert "+12065550142" not in str(failure.value)
    assert calls(voice_mock) == []
    assert max(len(line) for line in logs.lines) <= MAX_LOG_RECORD_BYTES
    assert not any("+12065550142" in line for line in logs.lines)


# --- Property: arbitrary SQS bodies -------------------------------------------------------------

BULK_EXAMPLES = scale(300, 5_000)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.one_of(
    direct_events.map(lambda event: json.dumps(event, allow_nan=True)),
    json_values.map(json.dumps),
    st.text(max_size=60),
    st.builds(lambda n, open_, close: open_ * n + close * n, st.integers(0, 3000),
              st.sampled_from(["[", '{"a":[']), st.sampled_from(["]", "]}"])),
    st.builds(
        lambda event, junk: json.dumps(event)[:-1] + junk,
        direct_events, st.sampled_from(["", "\\ud800\"}", ',"x":\\udfff}', "}}", "\x00"]),
    ),
)  # fmt: skip


@pytest.mark.deep
def test_every_queued_body_is_sent_once_or_dead_lettered_as_invalid_on_its_first_delivery(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock, logs: Logs
) -> None:
    voice_mock.sms_voice().create_configuration_set({"ConfigurationSetName": "calls"})
    tried = {"bodies": 0, "sent": 0, "replayed": 0, "invalid": 0}

    @settings(
        max_examples=BULK_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(body=bodies)
    def check(body: str) -> None:
        tried["bodies"] += 1
        # Two days on: the recipient cap and every ledger record of earlier examples are gone.
        clock.advance(2 * DAY)
        sent_before = len(voice_mock.sent_messages())
        lines_before = len(logs.lines)
        letters.letters.clear()
        response = index.handler(batch(record(body, f"m-{tried['bodies']}")), Context(clock, "i"))

        assert failures(response) == [], "a body went back to the queue without a fault"
        new_lines = logs.lines[lines_before:]
        assert all(len(line) <= MAX_LOG_RECORD_BYTES for line in new_lines)
        sent = len(voice_mock.sent_messages()) - sent_before
        if letters.letters:
            [(_, kind, reason)] = letters.letters
            assert (kind, sent) == ("invalid", 0)
            assert 0 < len(reason) <= 1000
            tried["invalid"] += 1
        else:
            assert sent <= 1
            tried["sent" if sent else "replayed"] += 1

    check()
    print(f"generated SQS bodies tried: {tried}")
    assert tried["bodies"] >= BULK_EXAMPLES
    assert tried["sent"] > 0
    assert tried["invalid"] > 0


# --- Found in review: each of these once lost a message or called twice -------------------------


def test_message_whose_dead_letter_send_failed_goes_there_on_its_next_delivery(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps(plain())
    voice_mock.fail_next("SendVoiceMessage", status=400)

    def unavailable(*args: Any) -> None:
        raise ClientError({"Error": {"Code": "KMS.ThrottlingException"}}, "SendMessage")

    with monkeypatch.context() as broken:
        broken.setattr(letters, "dead_letter", unavailable)
        first = index.handler(batch(record(body, "m-1")), Context(clock, "i-1"))
    clock.advance(200)
    second = index.handler(batch(record(body, "m-1", receive=2)), Context(clock, "i-2"))

    assert failures(first) == ["m-1"]
    assert failures(second) == []
    assert [kind for _, kind, _ in letters.letters] == ["invalid"]
    assert calls(voice_mock) == [400]


def test_redriven_outcome_unknown_is_not_called_even_after_the_window(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    body = json.dumps(plain())
    voice_mock.time_out_next("SendVoiceMessage")
    index.handler(batch(record(body, "first")), Context(clock, "i-1"))
    clock.advance(10 * DAY)  # the dead-letter queue keeps messages 14 days
    redriven = {"FailureType": "outcome_unknown", "FailureReason": "timed out"}

    index.handler(batch(record(body, "back", attributes=redriven)), Context(clock, "i-2"))

    assert calls(voice_mock) == [200]
    assert [kind for _, kind, _ in letters.letters] == ["outcome_unknown", "outcome_unknown"]


def test_crash_then_redelivery_after_a_short_window_places_no_second_call(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    client = index.current().client
    short_window = make_sender(
        clock=clock,
        client=client,
        defaults=DEFAULTS,
        table=create_state_table("short-window"),
        idempotency_window_seconds=60,
        queues=letters,
    )
    body = json.dumps(plain())
    client.crash = True
    with index.use(short_window):
        with pytest.raises(Crash):
            index.handler(batch(record(body, "m-1")), Context(clock, "i-1"))
        clock.advance(6 * 30)  # the bulk queue's visibility timeout

        index.handler(batch(record(body, "m-1", receive=2)), Context(clock, "i-2"))

    assert calls(voice_mock) == [200]
    assert [kind for _, kind, _ in letters.letters] == ["outcome_unknown"]


def test_last_delivery_that_cannot_read_the_ledger_reports_unknown_not_exhausted(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps(plain())
    ledger = index.current().ledger
    assert ledger is not None
    request = build_request(plain(), DEFAULTS)
    ledger.claim(request_key(request), request, owner="sqs:m-1", lease_until=clock.now() + 40)

    def unreadable(key: str) -> None:
        raise LedgerError("could not read the message's record in the state table")

    monkeypatch.setattr(ledger, "look", unreadable)

    response = index.handler(
        batch(record(body, "m-1", receive=index.current().max_receives)), Context(clock, "i-2")
    )

    assert failures(response) == []
    assert [kind for _, kind, _ in letters.letters] == ["outcome_unknown"]


def test_last_delivery_that_cannot_claim_reports_unknown_not_exhausted(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = index.current().ledger
    assert ledger is not None

    def unwritable(*args: Any, **kwargs: Any) -> None:
        raise LedgerError("could not claim the message in the state table")

    monkeypatch.setattr(ledger, "claim", unwritable)
    body = json.dumps(plain())

    early = index.handler(batch(record(body, "m-1", receive=1)), Context(clock, "i-1"))
    last = index.handler(
        batch(record(body, "m-1", receive=index.current().max_receives)), Context(clock, "i-2")
    )

    assert failures(early) == ["m-1"]
    assert failures(last) == []
    assert [kind for _, kind, _ in letters.letters] == ["outcome_unknown"]
    assert calls(voice_mock) == []


def test_queued_copy_of_a_direct_invoke_in_flight_waits_instead_of_vanishing(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    index.current().client.crash = True
    with pytest.raises(Crash):
        index.handler(plain(IdempotencyKey="order-1"), Context(clock, "direct-1"))

    response = index.handler(
        batch(record(json.dumps(plain(IdempotencyKey="order-1")), "m-1")), Context(clock, "i")
    )

    assert failures(response) == ["m-1"]
    assert letters.letters == []
    assert letters.delays  # back when the direct invoke has surely ended


@pytest.mark.parametrize(
    "error",
    [
        botocore.exceptions.SSLError(endpoint_url="https://sms-voice", error="EOF"),
        botocore.exceptions.ProxyConnectionError(proxy_url="http://proxy", error="reset"),
        botocore.exceptions.ConnectionClosedError(endpoint_url="https://sms-voice"),
    ],
    ids=["tls", "proxy", "closed"],
)
def test_connection_errors_after_the_request_may_have_left_are_unknown(
    error: Exception, letters: Letters, clock: SimClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[dict[str, Any]] = []

    def send_voice_message(**request: Any) -> None:
        sent.append(request)
        raise error

    monkeypatch.setattr(index.current().client, "send_voice_message", send_voice_message)

    with pytest.raises(OutcomeUnknownException):
        index.handler(plain(), Context(clock, "i-1"))
    assert len(sent) == 1


def test_unknown_reason_quoting_a_response_body_is_masked_and_cut(
    letters: Letters, clock: SimClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def send_voice_message(**request: Any) -> None:
        raise botocore.exceptions.ResponseParserError(f"body: {DEST} {'x' * 50_000}")

    monkeypatch.setattr(index.current().client, "send_voice_message", send_voice_message)

    with pytest.raises(OutcomeUnknownException) as failure:
        index.handler(plain(), Context(clock, "i-1"))
    assert DEST not in str(failure.value)
    assert len(str(failure.value)) < 1000


# --- A message's identity, for as long as any copy of it may come ------------------------------

REDRIVEN = {"FailureType": "retries_exhausted", "FailureReason": "throttled"}


@pytest.mark.parametrize("days", [1, 7, 13])
def test_leftover_copy_redriven_days_later_places_no_second_call(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock, days: int
) -> None:
    # Dead-lettered after a throttle, redriven and sent; then a leftover copy of the dead letter
    # (a redrive that sent the copy and never deleted the original) is redriven days later.
    body = json.dumps(plain())
    voice_mock.fail_next("SendVoiceMessage", status=429)
    last = index.current().max_receives
    index.handler(batch(record(body, "first", receive=last)), Context(clock, "i-1"))
    copy = {**REDRIVEN, "SourceMessageId": "first"}
    index.handler(batch(record(body, "copy-1", attributes=copy)), Context(clock, "i-2"))
    clock.advance(days * DAY + 3600)

    response = index.handler(batch(record(body, "copy-2", attributes=copy)), Context(clock, "i-3"))

    assert failures(response) == []
    assert calls(voice_mock) == [429, 200]
    assert [kind for _, kind, _ in letters.letters] == ["retries_exhausted"]


@pytest.mark.parametrize("days", [1, 7, 13])
def test_redelivery_days_later_places_no_second_call(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock, days: int
) -> None:
    body = json.dumps(plain())
    index.handler(batch(record(body, "m-1")), Context(clock, "i-1"))
    clock.advance(days * DAY + 3600)

    response = index.handler(batch(record(body, "m-1", receive=2)), Context(clock, "i-2"))

    assert failures(response) == []
    assert calls(voice_mock) == [200]
    assert letters.letters == []


def test_new_message_alike_to_a_dead_lettered_one_is_called_not_dropped(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    body = json.dumps(plain())
    voice_mock.fail_next("SendVoiceMessage", status=429)
    last = index.current().max_receives
    index.handler(batch(record(body, "first", receive=last)), Context(clock, "i-1"))
    clock.advance(3600)

    response = index.handler(batch(record(body, "second")), Context(clock, "i-2"))

    assert failures(response) == []
    assert calls(voice_mock) == [429, 200]
    assert [kind for _, kind, _ in letters.letters] == ["retries_exhausted"]


def test_redriven_letter_sqs_moved_after_a_crash_goes_back_with_its_reason(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    # Every delivery died; SQS moved the message; `queue redrive --type moved_by_sqs` sends a copy
    # that carries its lineage (SQS kept its MessageId when it moved it).
    body = json.dumps(plain())
    index.current().client.crash = True
    with pytest.raises(Crash):
        index.handler(batch(record(body, "m-1")), Context(clock, "i-1"))
    clock.advance(3600)
    lineage = {"SourceMessageId": "m-1"}

    response = index.handler(batch(record(body, "copy", attributes=lineage)), Context(clock, "i-2"))

    assert failures(response) == []
    assert calls(voice_mock) == [200]
    [(_, kind, reason)] = letters.letters
    assert kind == "outcome_unknown"
    assert "stopped before it could record an outcome" in reason


def test_refused_duplicate_is_logged_with_the_first_message_and_counted(
    letters: Letters,
    clock: SimClock,
    voice_mock: VoiceMock,
    logs: Logs,
    capsys: pytest.CaptureFixture[str],
    in_lambda: str,
) -> None:
    body = json.dumps(plain(IdempotencyKey="order-1"))
    index.handler(batch(record(body, "first")), Context(clock, "i-1"))
    capsys.readouterr()

    response = index.handler(batch(record(body, "second")), Context(clock, "i-2"))

    assert failures(response) == []
    assert calls(voice_mock) == [200]
    [line] = [json.loads(x) for x in logs.lines if "refused" in x]
    assert line["message"] == "duplicate of another queued message refused: no call"
    assert line["claimed_by"] == "sqs:first"
    assert line["message_id"] == voice_mock.sent_messages()[0].message_id
    [metric] = [json.loads(x) for x in capsys.readouterr().out.splitlines() if "_aws" in x]
    assert metric["DuplicatesRefused"] == 1
    assert metric["_aws"]["Timestamp"] == int(clock.now() * 1000)
    assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "VoiceConstructs"
    assert metric["FunctionName"] == in_lambda


def test_record_of_0_1_keyed_by_content_still_answers_its_own_redelivery(
    letters: Letters, clock: SimClock, voice_mock: VoiceMock
) -> None:
    # Written before an upgrade: the content's hash as key, this very message as owner.
    ledger = index.current().ledger
    assert ledger is not None
    request = build_request(plain(), DEFAULTS)
    held = ledger.claim(request_key(request), request, owner="sqs:m-1", lease_until=clock.now())
    assert not isinstance(held, Previous)
    assert ledger.record_sent(held, "sent-before-the-upgrade")

    response = index.handler(
        batch(record(json.dumps(plain()), "m-1", receive=2)), Context(clock, "i-1")
    )

    assert failures(response) == []
    assert calls(voice_mock) == []
