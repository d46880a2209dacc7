"""The sender's daily cap (``max_calls_per_day``), on one simulated clock.

The handler, its state table (moto's DynamoDB) and the SMS and Voice fake all read the same
``SimClock``; SQS is modelled by hand (``Letters``), as in ``test_at_most_once``. Under
concurrency, the bulk simulation holds the cap too (``test_bulk_simulation``).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from send_voice_message import index
from send_voice_message.daycap import (
    DAY_KEY_PREFIX,
    DailyCap,
    DaySlot,
    cap_from_environment,
    day_of,
)
from send_voice_message.errors import (
    BadRequestException,
    DailyLimitExceededException,
    InternalServiceErrorException,
    LimitExceededException,
    OutcomeUnknownException,
    TooManyRequestsException,
)
from send_voice_message.request import V2
from send_voice_message.sender import LOGGER_NAME, Sender
from send_voice_message.slots import number_key
from send_voice_message.validation import Defaults
from vc_common import contract

from tests.handlers.conftest import SimClock, create_state_table, make_sender
from tests.handlers.test_at_most_once import Context, Letters, batch, record
from voice_constructs.testing import VoiceMock

ORIGIN = "+12065550100"
DEFAULTS = Defaults(origination_number=ORIGIN, language_code="en-US")
CAP = 3
DAY = 24 * 3600


def dest(n: int) -> str:
    return f"+1206555{n:04d}"


def plain(destination: str, **extra: Any) -> dict[str, Any]:
    return {
        "DestinationPhoneNumber": destination,
        "Content": {"PlainTextMessage": {"Text": "Your code is 1234."}},
        **extra,
    }


def throttled(operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "throttled"}},
        operation,
    )


class Table:
    """The state table's client; throttles the day counter's writes when asked, and counts them."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.throttle: Counter[str] = Counter()  # operation: how many of the next to throttle
        self.day_writes: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)

        def call(**request: Any) -> Any:
            keys = [request.get("Key", {})] + [
                body.get("Key", {})
                for item in request.get("TransactItems", [])
                for body in item.values()
            ]
            if any(key.get("id", {}).get("S", "").startswith(DAY_KEY_PREFIX) for key in keys):
                self.day_writes[name] += 1
                self.requests.append((name, request))
                if self.throttle[name] > 0:
                    self.throttle[name] -= 1
                    raise throttled(name)
            return real(**request)

        return call


@dataclass
class World:
    sender: Sender
    table: Table
    letters: Letters
    clock: SimClock
    voice: VoiceMock
    table_name: str
    requests: int = 0

    @property
    def cap(self) -> DailyCap:
        assert self.sender.quota is not None
        assert self.sender.quota.daily is not None
        return self.sender.quota.daily

    def send(self, event: dict[str, Any]) -> dict[str, Any]:
        self.requests += 1
        return index.handler(event, Context(self.clock, f"request-{self.requests}"))

    def placed(self) -> int:
        return len(self.voice.sent_messages())

    def items(self, prefix: str) -> list[dict[str, Any]]:
        found = self.table.scan(TableName=self.table_name, ConsistentRead=True)["Items"]
        return [item for item in found if item["id"]["S"].startswith(prefix)]


@pytest.fixture
def world(voice_mock: VoiceMock, clock: SimClock) -> Iterator[World]:
    table = Table(boto3.client("dynamodb"))
    letters = Letters()
    name = create_state_table()
    sender = make_sender(
        clock=clock,
        defaults=DEFAULTS,
        table=name,
        queues=letters,
        dynamodb=table,
        calls_per_day=CAP,
    )
    with index.use(sender):
        yield World(sender, table, letters, clock, voice_mock, name)


# --- The cap ----------------------------------------------------------------------------------


def test_fails_the_call_past_the_cap_before_any_request_or_pacing_slot(world: World) -> None:
    for n in range(CAP):
        world.send(plain(dest(n)))
    pacing = world.items("pace#")

    with pytest.raises(DailyLimitExceededException) as refused:
        world.send(plain(dest(CAP)))

    message = str(refused.value)
    assert "daily cap of 3 calls (max_calls_per_day) is used up for 2027-01-15 (UTC)" in message
    assert "in 16.0 hours" in message  # SimClock starts at 08:00 UTC
    assert "queue redrive --type daily_cap" in message
    assert dest(CAP) not in message
    assert DailyLimitExceededException.failure_type == "daily_cap"
    assert world.placed() == CAP
    assert len(world.voice.calls("SendVoiceMessage")) == CAP
    assert world.items("pace#") == pacing  # the refused message took no pacing slot
    refused_slot = number_key("recipient", dest(CAP))
    assert world.items(refused_slot) == []  # and gave its recipient's slot back
    assert world.cap.used() == CAP


def test_the_count_starts_again_at_midnight_utc(world: World) -> None:
    day, midnight = day_of(world.clock.now())
    world.clock.time = midnight - 90  # 23:58:30 UTC
    for n in range(CAP):
        world.send(plain(dest(n)))
    with pytest.raises(DailyLimitExceededException, match=r"in 2 minutes"):
        world.send(plain(dest(CAP)))

    world.clock.time = midnight
    world.send(plain(dest(CAP)))

    assert world.placed() == CAP + 1
    assert world.cap.used(midnight - 1) == CAP
    assert world.cap.used() == 1
    assert day_of(world.clock.now())[0] == "2027-01-16" != day


@pytest.mark.parametrize(
    ("fault", "raised"),
    [
        ({"status": 400}, BadRequestException),
        ({"status": 429, "count": 3}, TooManyRequestsException),
    ],
    ids=["rejected", "throttled on every attempt"],
)
def test_gives_the_slot_back_when_the_call_was_certainly_not_placed(
    world: World, fault: dict[str, Any], raised: type[Exception]
) -> None:
    assert world.sender.max_attempts == 3  # every attempt of the 429 case fails
    world.voice.fail_next("SendVoiceMessage", **fault)

    with pytest.raises(raised):
        world.send(plain(dest(0)))

    assert world.placed() == 0
    assert world.cap.used() == 0
    assert world.table.day_writes["transact_write_items"] == 1  # the give-back
    for n in range(1, CAP + 1):
        world.send(plain(dest(n)))
    assert world.placed() == CAP


@pytest.mark.parametrize(
    "fault",
    ["500", "timeout after accept"],
)
def test_keeps_the_slot_when_the_outcome_is_unknown(world: World, fault: str) -> None:
    if fault == "500":
        world.voice.fail_next("SendVoiceMessage", status=500)
    else:
        world.voice.time_out_next("SendVoiceMessage", after_accept=True)

    with pytest.raises(OutcomeUnknownException):
        world.send(plain(dest(0)))

    assert world.cap.used() == 1
    assert world.table.day_writes["transact_write_items"] == 0
    for n in range(1, CAP):
        world.send(plain(dest(n)))
    with pytest.raises(DailyLimitExceededException):
        world.send(plain(dest(CAP)))
    # The slot the unknown outcome holds is never given to another call.
    assert world.placed() == CAP - (1 if fault == "500" else 0)


def test_a_recipient_cap_refusal_never_writes_the_day_counter(world: World) -> None:
    sender = make_sender(
        clock=world.clock,
        defaults=DEFAULTS,
        table=create_state_table("roomy"),
        queues=world.letters,
        dynamodb=world.table,
        calls_per_day=100,
    )
    with index.use(sender):
        for _ in range(contract.CALLS_PER_RECIPIENT_PER_DAY):
            world.send(plain(dest(0)))
        writes = world.table.day_writes["update_item"]
        with pytest.raises(LimitExceededException):
            world.send(plain(dest(0)))

    assert world.table.day_writes["update_item"] == writes
    assert world.placed() == contract.CALLS_PER_RECIPIENT_PER_DAY


def test_fails_a_throttled_counter_write_with_no_call_and_nothing_taken(world: World) -> None:
    world.table.throttle["update_item"] = 1

    with pytest.raises(InternalServiceErrorException, match="no call was placed"):
        world.send(plain(dest(0)))

    assert world.placed() == 0
    assert world.voice.calls("SendVoiceMessage") == []
    assert world.items(number_key("recipient", dest(0))) == []
    assert world.cap.used() == 0


def test_a_throttled_counter_write_sends_the_queued_message_back_not_away(world: World) -> None:
    body = json.dumps(plain(dest(0)))
    world.table.throttle["update_item"] = 1

    first = index.handler(batch(record(body)), Context(world.clock, "poll-1"))

    assert first == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert world.letters.letters == []
    assert world.letters.delays == [30]
    assert world.placed() == 0
    world.clock.advance(30)
    again = index.handler(batch(record(body, receive=2)), Context(world.clock, "poll-2"))
    assert again == {"batchItemFailures": []}
    assert world.placed() == 1
    assert world.cap.used() == 1


def test_a_throttled_give_back_keeps_the_slot_and_the_caller_sees_the_first_failure(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)
    world.table.throttle["transact_write_items"] = 1
    world.voice.fail_next("SendVoiceMessage", status=400, message="blocked")

    with pytest.raises(BadRequestException, match="blocked"):
        world.send(plain(dest(0)))

    assert world.cap.used() == 1  # kept: one call fewer today, never one more
    assert "could not give a slot of the call back" in caplog.messages


def test_queued_messages_past_the_cap_are_dead_lettered_and_go_out_the_next_day(
    world: World,
) -> None:
    bodies = [json.dumps(plain(dest(n))) for n in range(CAP + 2)]
    records = [record(body, f"m-{n}") for n, body in enumerate(bodies)]

    result = index.handler(batch(*records[:CAP]), Context(world.clock, "poll-1"))
    result = index.handler(batch(*records[CAP:]), Context(world.clock, "poll-2"))

    assert result == {"batchItemFailures": []}
    assert world.placed() == CAP
    assert [(body, kind) for body, kind, _ in world.letters.letters] == [
        (body, "daily_cap") for body in bodies[CAP:]
    ]
    assert all("max_calls_per_day" in reason for _, _, reason in world.letters.letters)
    # Redriven after midnight UTC, each goes out once.
    world.clock.time = day_of(world.clock.now())[1] + 60
    redriven = [
        record(body, f"r-{n}", attributes={"FailureType": "daily_cap", "SourceMessageId": f"m-{n}"})
        for n, body in enumerate(bodies[CAP:], CAP)
    ]
    assert index.handler(batch(*redriven), Context(world.clock, "poll-3")) == {
        "batchItemFailures": []
    }
    assert world.placed() == CAP + 2
    assert world.cap.used() == 2


def test_each_placed_call_is_one_calls_placed_metric(
    world: World, capsys: pytest.CaptureFixture[str], in_lambda: str
) -> None:
    world.send(plain(dest(0)))
    world.voice.fail_next("SendVoiceMessage", status=400)
    with pytest.raises(BadRequestException):
        world.send(plain(dest(1)))

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    placed = [line for line in lines if contract.METRIC_CALLS_PLACED in line]
    assert len(placed) == 1
    [directive] = placed[0]["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == contract.METRICS_NAMESPACE
    assert directive["Dimensions"] == [[contract.METRICS_DIMENSION]]
    [sent] = world.voice.sent_messages()
    assert placed[0]["_aws"]["Timestamp"] == int(sent.at * 1000)
    assert placed[0][contract.METRICS_DIMENSION] == in_lambda


def test_a_v2_dry_run_takes_no_slot_of_the_day_and_is_no_call_placed(
    voice_mock: VoiceMock, clock: SimClock, capsys: pytest.CaptureFixture[str], in_lambda: str
) -> None:
    # The account holds the number the sender calls from.
    voice_mock.adopt_phone_number(ORIGIN, iso_country_code="US")
    sender = make_sender(
        clock=clock, api=V2, defaults=DEFAULTS, table=create_state_table("dry"), calls_per_day=1
    )
    assert sender.quota is not None
    assert sender.quota.daily is not None
    with index.use(sender):
        dry = index.handler(plain(dest(0), DryRun=True), Context(clock, "dry-1"))
        assert sender.quota.daily.used() == 0
        index.handler(plain(dest(1)), Context(clock, "real-1"))  # the day's one slot is free

    assert dry["DryRun"] is True
    assert len(voice_mock.sent_messages(api="v2")) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line[contract.METRIC_CALLS_PLACED] for line in lines] == [1.0]


def test_outside_lambda_no_metric_is_written(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    world.send(plain(dest(0)))

    assert world.placed() == 1
    assert capsys.readouterr().out == ""


# --- The counter itself -----------------------------------------------------------------------


def test_the_give_back_is_a_transaction_keyed_by_the_slots_own_token(world: World) -> None:
    slot = world.cap.take()
    world.cap.give_back(slot)

    [(operation, request)] = [r for r in world.table.requests if r[0] != "update_item"]
    assert operation == "transact_write_items"
    # A retry of the same request after a lost answer is applied once (DynamoDB's idempotency).
    assert request["ClientRequestToken"] == slot.token
    assert world.cap.used() == 0


def test_a_give_back_to_a_day_already_gone_is_nothing(world: World) -> None:
    world.cap.give_back(DaySlot(f"{DAY_KEY_PREFIX}2027-01-14", "t" * 32))

    assert world.cap.used() == 0
    assert world.items(f"{DAY_KEY_PREFIX}2027-01-14") == []


def test_the_counter_expires_a_day_after_its_own(world: World) -> None:
    world.cap.take()

    [item] = world.items(DAY_KEY_PREFIX)
    _, ends = day_of(world.clock.now())
    assert item["id"]["S"] == f"{DAY_KEY_PREFIX}2027-01-15"
    assert int(item["expiration"]["N"]) == ends + DAY


@pytest.mark.parametrize(("value", "cap"), [(None, None), ("", None), ("250", 250), (" 1 ", 1)])
def test_reads_the_cap_the_construct_set(value: str | None, cap: int | None) -> None:
    env = {} if value is None else {contract.ENV_CALLS_PER_DAY: value}
    assert cap_from_environment(env) == cap


@pytest.mark.parametrize("value", ["0", "-3", "ten", "1.5"])
def test_fails_a_cap_the_construct_never_sets_naming_the_variable(value: str) -> None:
    with pytest.raises(RuntimeError, match=r"^MAX_CALLS_PER_DAY must be a whole number"):
        cap_from_environment({contract.ENV_CALLS_PER_DAY: value})
