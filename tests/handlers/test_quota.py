"""The sending quota (pacing and the per-recipient cap) in moto DynamoDB, on a fake clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import boto3
import pytest
from send_voice_message.quota import (
    DAY_SECONDS,
    PacingTimeoutError,
    Quota,
    RecipientCapError,
    number_key,
)

from tests.handlers.conftest import SIM_START, SimClock, create_state_table
from voice_constructs.testing import VoiceMock

START = SIM_START
ORIGIN = "+12065550100"
OTHER_ORIGIN = "+12065550101"
DEST = "+12065550142"
OTHER_DEST = "+12065550199"
FAR = START + 10 * DAY_SECONDS


@pytest.fixture
def dynamodb(voice_mock: VoiceMock) -> Any:
    return boto3.client("dynamodb")


@pytest.fixture
def table(dynamodb: Any) -> str:
    return create_state_table()


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


def make_quota(
    dynamodb: Any,
    table: str,
    clock: SimClock,
    *,
    calls_per_minute: int = 20,
    on_conflict: Callable[[], None] | None = None,
) -> Quota:
    return Quota(
        dynamodb, table, calls_per_minute=calls_per_minute, clock=clock, on_conflict=on_conflict
    )


def ms(instant: float) -> int:
    """An instant in whole milliseconds, as the quota stores it (floats near 1.8e9 are inexact)."""
    return round(instant * 1000)


def items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    return found


# --- Pacing ------------------------------------------------------------------------------------


def test_account_calls_are_spaced_by_the_rate(dynamodb: Any, table: str, clock: SimClock) -> None:
    quota = make_quota(dynamodb, table, clock, calls_per_minute=20)
    # A different origination number each time, so only the account's spacing applies.
    numbers = [f"+1206555010{n}" for n in range(6)]

    instants = [ms(quota.reserve(number, latest_start=FAR)) for number in numbers]

    assert instants[0] == ms(START)
    gaps = [b - a for a, b in pairwise(instants)]
    # At least 3 s apart (20 a minute), and each call starts as soon as its slot comes.
    assert quota.interval_ms >= 3000
    assert gaps == [quota.interval_ms] * 5
    # reserve waits on the clock until its instant.
    assert ms(clock.now()) == instants[-1]
    assert ms(START + sum(clock.sleeps)) == instants[-1]


def test_calls_per_minute_never_exceeded_in_any_window(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock, calls_per_minute=7)

    instants = [quota.reserve(f"+1206555010{n % 3}", latest_start=FAR) for n in range(30)]

    for first in instants:
        in_window = [t for t in instants if first <= t < first + 60]
        assert len(in_window) <= 7


def test_later_caller_starts_now_once_the_slot_has_passed(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock)
    quota.reserve(ORIGIN, latest_start=FAR)
    clock.advance(100)

    instant = quota.reserve(ORIGIN, latest_start=FAR)

    assert ms(instant) == ms(START + 100)
    assert clock.sleeps == []


def test_origination_numbers_are_spaced_one_second_apart(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    # 600 a minute is 0.1 s apart for the account, so the per-number second is what binds.
    quota = make_quota(dynamodb, table, clock, calls_per_minute=600)

    taken = [
        (number, ms(quota.reserve(number, latest_start=FAR)))
        for _ in range(4)
        for number in (ORIGIN, OTHER_ORIGIN)
    ]

    for number in (ORIGIN, OTHER_ORIGIN):
        mine = [t for n, t in taken if n == number]
        gaps = [b - a for a, b in pairwise(mine)]
        assert gaps == [1000, 1000, 1000], (number, gaps)
    instants = [t for _, t in taken]
    account_gaps = [b - a for a, b in pairwise(instants)]
    # Interleaving lets the other number use the gap: one account interval after, not a second.
    step = quota.interval_ms
    assert 100 <= step < 500
    assert account_gaps == [step, 1000 - step] * 3 + [step]


def test_concurrent_reservation_is_detected_and_the_retry_gets_a_later_instant(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    other = make_quota(dynamodb, table, clock)
    rival: list[float] = []

    def rival_reserves_first() -> None:
        if not rival:  # only once: between this quota's first read and its write
            rival.append(other.reserve(ORIGIN, latest_start=FAR))

    quota = make_quota(dynamodb, table, clock, on_conflict=rival_reserves_first)

    instant = quota.reserve(ORIGIN, latest_start=FAR)

    assert rival == [START]
    # Without the conditional write both would hold START.
    assert ms(instant) == ms(START) + quota.interval_ms
    assert quota.interval_ms >= 3000
    # And the next caller comes after both.
    assert ms(other.reserve(OTHER_ORIGIN, latest_start=FAR)) == ms(START) + 2 * quota.interval_ms


def test_concurrent_reservation_after_earlier_ones_is_detected(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    # The pacing items exist already, so the write's condition is on the value that was read.
    other = make_quota(dynamodb, table, clock)
    other.reserve(ORIGIN, latest_start=FAR)
    clock.advance(100)
    rival: list[float] = []

    def rival_reserves_first() -> None:
        if not rival:
            rival.append(other.reserve(ORIGIN, latest_start=FAR))

    quota = make_quota(dynamodb, table, clock, on_conflict=rival_reserves_first)

    instant = quota.reserve(ORIGIN, latest_start=FAR)

    assert ms(rival[0]) == ms(START + 100)
    assert ms(instant) == ms(START + 100) + quota.interval_ms


def test_concurrent_reservation_on_another_number_still_spaces_the_account(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    other = make_quota(dynamodb, table, clock)
    rival: list[float] = []

    def rival_reserves_first() -> None:
        if not rival:
            rival.append(other.reserve(OTHER_ORIGIN, latest_start=FAR))

    quota = make_quota(dynamodb, table, clock, on_conflict=rival_reserves_first)

    instant = quota.reserve(ORIGIN, latest_start=FAR)

    assert ms(instant) >= ms(rival[0]) + 3000


def test_fails_with_pacing_timeout_and_reserves_nothing(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock)
    assert quota.reserve(ORIGIN, latest_start=FAR) == START
    before = items(dynamodb, table)

    with pytest.raises(PacingTimeoutError) as failure:
        quota.reserve(OTHER_ORIGIN, latest_start=START + 1.0)

    assert ms(START + failure.value.wait_seconds) == ms(START) + quota.interval_ms
    assert clock.now() == START
    assert clock.sleeps == []
    assert sorted(map(json.dumps, items(dynamodb, table))) == sorted(map(json.dumps, before))
    # The slot the failed caller did not take is the next one given out.
    assert ms(quota.reserve(OTHER_ORIGIN, latest_start=FAR)) == ms(START) + quota.interval_ms


def test_reserve_at_exactly_the_latest_start_succeeds(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock)
    quota.reserve(ORIGIN, latest_start=FAR)

    slot = START + quota.interval_ms / 1000

    assert ms(quota.reserve(OTHER_ORIGIN, latest_start=slot)) == ms(slot)


def test_fails_on_a_rate_below_one_call_a_minute(dynamodb: Any, table: str) -> None:
    with pytest.raises(ValueError, match="calls_per_minute must be at least 1"):
        Quota(dynamodb, table, calls_per_minute=0)


# --- Recipients --------------------------------------------------------------------------------


def test_fails_on_the_sixth_call_to_a_recipient_within_a_day(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock)
    slots = []
    for _ in range(5):
        slots.append(quota.claim_recipient(DEST))
        clock.advance(60)

    with pytest.raises(RecipientCapError) as failure:
        quota.claim_recipient(DEST)

    assert len({slot.key for slot in slots}) == 5
    # The oldest slot frees a day after it was taken (within the second the slots round to).
    expected = START + DAY_SECONDS - clock.now()
    assert expected <= failure.value.free_in_seconds <= expected + 1
    # Another recipient is not affected.
    quota.claim_recipient(OTHER_DEST)


def test_recipient_slots_free_again_after_24_hours(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock)
    for _ in range(5):
        quota.claim_recipient(DEST)

    clock.advance(DAY_SECONDS - 1)
    with pytest.raises(RecipientCapError):
        quota.claim_recipient(DEST)

    clock.advance(3)
    for _ in range(5):
        quota.claim_recipient(DEST)
    with pytest.raises(RecipientCapError):
        quota.claim_recipient(DEST)


def test_only_expired_slots_free_up(dynamodb: Any, table: str, clock: SimClock) -> None:
    quota = make_quota(dynamodb, table, clock)
    quota.claim_recipient(DEST)
    quota.claim_recipient(DEST)
    clock.advance(12 * 60 * 60)
    for _ in range(3):
        quota.claim_recipient(DEST)

    clock.advance(12 * 60 * 60 + 2)  # the first two have expired, the other three have not

    quota.claim_recipient(DEST)
    quota.claim_recipient(DEST)
    with pytest.raises(RecipientCapError):
        quota.claim_recipient(DEST)


def test_released_slot_can_be_claimed_again(dynamodb: Any, table: str, clock: SimClock) -> None:
    quota = make_quota(dynamodb, table, clock)
    slots = [quota.claim_recipient(DEST) for _ in range(5)]

    quota.release_recipient(slots[2])

    again = quota.claim_recipient(DEST)
    assert again.key == slots[2].key
    with pytest.raises(RecipientCapError):
        quota.claim_recipient(DEST)


def test_release_of_a_slot_taken_over_leaves_the_new_holder_alone(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock)
    old = [quota.claim_recipient(DEST) for _ in range(5)]
    clock.advance(DAY_SECONDS + 2)
    new = [quota.claim_recipient(DEST) for _ in range(5)]

    # A late release of an expired slot must not free the slot its key now holds for another call.
    quota.release_recipient(old[0])

    assert {slot.key for slot in new} == {slot.key for slot in old}
    with pytest.raises(RecipientCapError):
        quota.claim_recipient(DEST)


# --- What the table holds ----------------------------------------------------------------------


def test_table_never_holds_a_phone_number(dynamodb: Any, table: str, clock: SimClock) -> None:
    quota = make_quota(dynamodb, table, clock)
    for _ in range(2):
        quota.reserve(ORIGIN, latest_start=FAR)
        quota.reserve(OTHER_ORIGIN, latest_start=FAR)
    slots = [quota.claim_recipient(DEST) for _ in range(5)]
    quota.claim_recipient(OTHER_DEST)
    quota.release_recipient(slots[0])

    stored = items(dynamodb, table)

    assert len(stored) == 3 + 4 + 1  # account and two numbers' pacing, 4 + 1 recipient slots
    dumped = json.dumps(stored)
    for number in (ORIGIN, OTHER_ORIGIN, DEST, OTHER_DEST):
        assert number[2:] not in dumped
    keys = {item["id"]["S"] for item in stored}
    assert number_key("pace#number", ORIGIN) in keys
    assert f"{number_key('recipient', DEST)}#1" in keys


def test_items_expire_through_the_ttl_attribute(dynamodb: Any, table: str, clock: SimClock) -> None:
    quota = make_quota(dynamodb, table, clock)
    quota.reserve(ORIGIN, latest_start=FAR)
    quota.claim_recipient(DEST)

    for item in items(dynamodb, table):
        expiration = int(item["expiration"]["N"])
        assert START + DAY_SECONDS <= expiration <= START + DAY_SECONDS + 10, item["id"]
