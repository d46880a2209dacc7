"""The sending quota (pacing and the per-recipient cap) in moto DynamoDB, on a fake clock."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import boto3
import pytest
from send_voice_message import pacing
from send_voice_message.pacing import Grid, identities_needed
from send_voice_message.quota import (
    DAY_SECONDS,
    PacingTimeoutError,
    Quota,
    RecipientCapError,
    number_key,
)
from vc_common import contract

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
    identities: tuple[str, ...] = (),
    on_conflict: Callable[[], None] | None = None,
) -> Quota:
    return Quota(
        dynamodb,
        table,
        calls_per_minute=calls_per_minute,
        identities=identities,
        clock=clock,
        on_conflict=on_conflict,
        rng=random.Random(7),
    )


def ms(instant: float) -> int:
    """An instant in whole milliseconds, as the quota stores it (floats near 1.8e9 are inexact)."""
    return round(instant * 1000)


def items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    return found


# --- Pacing ------------------------------------------------------------------------------------


def own(count: int) -> tuple[str, ...]:
    """``count`` origination numbers of the sender's own."""
    return tuple(f"+1206555{n:04d}" for n in range(count))


def calls_in_worst_window(instants: list[float], spread: float) -> int:
    """The most calls the service may see in one closed 60 s window.

    A call reserved at ``t`` reaches the service within ``[t, t + spread]``; an adversary
    delaying the early ones and hurrying the late ones fits every call of a reserved window
    ``60 + spread`` long into one 60 s window at the service.
    """
    ordered = sorted(instants)
    return max(sum(1 for t in ordered if first <= t <= first + 60 + spread) for first in ordered)


def test_account_calls_are_spaced_by_the_grid(dynamodb: Any, table: str, clock: SimClock) -> None:
    quota = make_quota(dynamodb, table, clock, calls_per_minute=20)
    # A different origination number each time, so only the account's spacing applies.
    numbers = [f"+1206555010{n}" for n in range(6)]

    instants = [quota.reserve(number, latest_start=FAR) for number in numbers]

    interval = quota.grid.interval_us / 1e6
    gaps = [round(b - a, 6) for a, b in pairwise(instants)]
    assert gaps == [round(interval, 6)] * 5
    # 21 slots span more than 60 s plus the latency spread; rounding costs under 0.01 %.
    assert 20 * interval > 60 + contract.LATENCY_SPREAD_SECONDS
    assert 20 * interval < (60 + contract.LATENCY_SPREAD_SECONDS) * 1.0001
    # reserve waits on the clock until its instant.
    assert clock.now() == pytest.approx(instants[-1], abs=1e-6)


@pytest.mark.parametrize(("calls_per_minute", "numbers"), [(7, 1), (20, 1), (600, 15)])
def test_quota_holds_at_the_service_whatever_the_latency(
    dynamodb: Any, table: str, clock: SimClock, calls_per_minute: int, numbers: int
) -> None:
    quota = make_quota(
        dynamodb, table, clock, calls_per_minute=calls_per_minute, identities=own(numbers)
    )

    taken = [quota.reserve_any(latest_start=FAR) for _ in range(3 * calls_per_minute)]

    spread = contract.LATENCY_SPREAD_SECONDS
    assert calls_in_worst_window([t for _, t in taken], spread) == calls_per_minute
    for number in own(numbers):
        mine = [t for n, t in taken if n == number]
        assert min(b - a for a, b in pairwise(mine)) >= 1 + spread, number


def test_own_identities_take_turns_and_no_slot_is_given_up(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock, calls_per_minute=600, identities=own(15))

    taken = [quota.reserve_any(latest_start=FAR) for _ in range(60)]

    # Each message gets the identity whose slot comes first: all 15 in turn, every slot used.
    assert {number for number, _ in taken} == set(own(15))
    gaps = {round(b - a, 6) for (_, a), (_, b) in pairwise(taken)}
    assert gaps == {round(quota.grid.interval_us / 1e6, 6)}


def test_fails_to_reach_a_quota_its_identities_cannot_and_paces_slower(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    # 600 a minute needs 15 numbers at one call a second (plus the spread) each; 2 give 80.
    quota = make_quota(dynamodb, table, clock, calls_per_minute=600, identities=own(2))

    taken = [quota.reserve_any(latest_start=FAR) for _ in range(10)]

    assert quota.grid.interval_us == 750_000
    assert identities_needed(600) == 15
    for number in own(2):
        mine = [t for n, t in taken if n == number]
        assert min(b - a for a, b in pairwise(mine)) >= 1.5


@pytest.mark.parametrize(
    ("calls_per_minute", "needed"), [(20, 1), (40, 1), (100, 3), (1000, 25), (3000, 75)]
)
def test_identities_needed_follow_the_quota(calls_per_minute: int, needed: int) -> None:
    assert identities_needed(calls_per_minute) == needed
    grid = Grid.of(calls_per_minute, own(needed))
    # With that many, the account's spacing binds, not the numbers'.
    assert grid.interval_us == Grid.of(calls_per_minute).interval_us


def test_an_event_naming_an_own_identity_gets_one_of_its_slots(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock, calls_per_minute=600, identities=own(15))
    _, first = quota.reserve_any(latest_start=FAR)

    instant = quota.reserve(own(15)[7], latest_start=FAR)

    index = quota.grid.first_index(instant)
    assert quota.grid.identity(index) == own(15)[7]
    # No slot is given up: the shard's next slot is still the one after the first call's, and
    # the held slot is passed over when the next takers reach it.
    [shard] = [i for i in items(dynamodb, table) if i["id"]["S"].startswith("pace#slots")]
    assert int(shard["next_slot"]["N"]) == quota.grid.first_index(first) + 1
    assert json.loads(shard["held"]["S"]) == [index]
    later = [quota.reserve_any(latest_start=FAR) for _ in range(30)]
    assert all(t != instant for _, t in later)


def test_a_busy_outside_number_waits_without_costing_the_account_a_slot(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock, calls_per_minute=600, identities=own(15))
    first = quota.reserve(OTHER_ORIGIN, latest_start=FAR)

    second = quota.reserve(OTHER_ORIGIN, latest_start=FAR)
    after = quota.reserve_any(latest_start=FAR)

    assert second - first >= 1 + contract.LATENCY_SPREAD_SECONDS
    # It waited for its number: the slot it took is the first one after that wait, and the
    # account's next slot follows it directly (none between was given up).
    interval = quota.grid.interval_us / 1e6
    assert second - first < 1 + contract.LATENCY_SPREAD_SECONDS + interval
    assert after[1] - second == pytest.approx(interval, abs=1e-6)


def test_concurrent_reservation_is_detected_and_the_retry_gets_the_next_slot(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    other = make_quota(dynamodb, table, clock, identities=(ORIGIN,))
    rival: list[float] = []

    def rival_reserves_first() -> None:
        if not rival:  # only once: between this quota's view of the shard and its write
            rival.append(other.reserve_any(latest_start=FAR)[1])

    quota = make_quota(
        dynamodb, table, clock, identities=(ORIGIN,), on_conflict=rival_reserves_first
    )

    _, instant = quota.reserve_any(latest_start=FAR)

    # Without the conditional write both would hold the first slot.
    assert instant - rival[0] == pytest.approx(quota.grid.interval_us / 1e6, abs=1e-6)


def test_conflicts_back_off_with_jitter_on_the_clock(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    other = make_quota(dynamodb, table, clock)
    rivals: list[float] = []

    def rival_reserves_first() -> None:
        if len(rivals) < 4:  # four conflicts in a row, each moving the shard on
            rivals.append(other.reserve(f"+1425555000{len(rivals)}", latest_start=FAR))

    quota = make_quota(dynamodb, table, clock, on_conflict=rival_reserves_first)

    instant = quota.reserve(ORIGIN, latest_start=FAR)

    assert instant > max(rivals)
    pauses = [s for s in clock.sleeps if 0 < s <= pacing.BACKOFF_CAP_SECONDS]
    # The first retry is at once (the view was just stale); later ones pause, each differently.
    assert len(pauses) >= 2
    assert len(set(pauses)) == len(pauses)


def test_no_single_item_takes_every_reservation_at_a_high_quota(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock, calls_per_minute=3000, identities=own(75))

    taken = [quota.reserve_any(latest_start=FAR)[1] for _ in range(100)]

    assert len(set(taken)) == 100
    shards = [item for item in items(dynamodb, table) if item["id"]["S"].startswith("pace#slots")]
    assert len(shards) == pacing.shards_for(3000) == 5


def test_fails_with_pacing_timeout_and_reserves_nothing(
    dynamodb: Any, table: str, clock: SimClock
) -> None:
    quota = make_quota(dynamodb, table, clock, identities=(ORIGIN,))
    quota.reserve_any(latest_start=FAR)
    before = items(dynamodb, table)

    with pytest.raises(PacingTimeoutError) as failure:
        quota.reserve_any(latest_start=clock.now() + 1.0)

    assert failure.value.wait_seconds == pytest.approx(quota.grid.interval_us / 1e6, abs=1e-3)
    assert sorted(map(json.dumps, items(dynamodb, table))) == sorted(map(json.dumps, before))


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
