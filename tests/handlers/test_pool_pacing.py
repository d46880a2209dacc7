"""A pool of N numbers is paced as N: N calls a second from it, the account's quota over all.

The construct tells the handler how many numbers each identity holds through the contract
(``ORIGINATION_NUMBER_COUNTS``); pacing gives each number a lane of the grid. Everything runs on
one simulated clock, which the v2 fake reads too.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import Counter
from itertools import pairwise
from typing import Any

import boto3
import pytest
from send_voice_message.grid import Grid, lanes_for
from send_voice_message.ledger import Ledger
from send_voice_message.quota import Quota
from send_voice_message.request import V2
from send_voice_message.sender import Sender
from send_voice_message.service import CLIENT_CONFIG
from send_voice_message.validation import Defaults
from vc_common import contract

from tests.conftest import LambdaContext
from tests.handlers.conftest import SIM_START, SimClock, create_state_table
from voice_constructs.testing import VoiceMock

POOL = "pool-0123456789abcdef0123456789abcdef"
PHONE = "phone-0123456789abcdef0123456789abcdef"
FAR = SIM_START + 24 * 3600
SPREAD = contract.LATENCY_SPREAD_SECONDS


def fewest_seconds_for(instants: list[float], numbers: int) -> float:
    """The shortest time in which an identity of ``numbers`` numbers placed ``numbers + 1`` calls.

    At least 1 s at the service means it never placed more than ``numbers`` within a second:
    each of its numbers, called in turn, called at most once a second.
    """
    ordered = sorted(instants)
    return min(
        (b - a for a, b in zip(ordered, ordered[numbers:], strict=False)), default=float("inf")
    )


def calls_in_worst_window(instants: list[float]) -> int:
    """The most calls the service may see in one closed 60 s window, whatever the latency."""
    ordered = sorted(instants)
    return max(bisect_right(ordered, t + 60 + SPREAD) - n for n, t in enumerate(ordered))


@pytest.fixture
def dynamodb(voice_mock: VoiceMock) -> Any:
    return boto3.client("dynamodb")


@pytest.fixture
def sim(voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch) -> SimClock:
    """The simulated clock, which the v2 fake reads as well."""
    clock = SimClock()
    monkeypatch.setattr(voice_mock.sms_voice_v2(), "clock", clock.now)
    return clock


def quota(
    dynamodb: Any,
    clock: SimClock,
    calls_per_minute: int,
    identities: tuple[str, ...],
    numbers: tuple[int, ...] = (),
) -> Quota:
    return Quota(
        dynamodb,
        create_state_table(),
        calls_per_minute=calls_per_minute,
        identities=identities,
        numbers=numbers,
        clock=clock,
        rng=random.Random(5),
    )


# --- The contract -------------------------------------------------------------------------------


def test_number_counts_round_trip_through_the_contract() -> None:
    value = contract.number_counts_value([1, 5, 2])

    assert value == "1,5,2"
    assert contract.parse_number_counts(value, 3) == (1, 5, 2)
    # One number each: the variable is left out, and its absence reads as one each.
    assert contract.number_counts_value([1, 1]) is None
    assert contract.parse_number_counts(None, 2) == (1, 1)
    assert contract.parse_number_counts(" 3 , 1 ", 2) == (3, 1)


@pytest.mark.parametrize("value", ["5", "5,0", "5,x", "5,-1", "5,,1", "1.5,2"])
def test_fails_number_counts_that_do_not_fit_the_identities(value: str) -> None:
    with pytest.raises(ValueError, match=r"ORIGINATION_NUMBER_COUNTS must give a whole number"):
        contract.parse_number_counts(value, 2)


def test_the_sender_reads_the_counts_from_its_environment(voice_mock: VoiceMock) -> None:
    table = create_state_table()
    env = {
        contract.ENV_API: contract.API_V2,
        contract.ENV_STATE_TABLE: table,
        contract.ENV_CALLS_PER_MINUTE: "250",
        contract.ENV_ORIGINATION_NUMBER: PHONE,
        contract.ENV_ORIGINATION_IDENTITIES: f"{PHONE},{POOL}",
        contract.ENV_ORIGINATION_NUMBER_COUNTS: "1,6",
    }

    sender = Sender.from_environment(env)

    assert sender.quota is not None
    assert sender.quota.identities == (PHONE, POOL)
    assert Counter(sender.quota.grid.lanes) == {0: 1, 1: 6}
    # 7 numbers reach 250 a minute: the account's spacing binds, not the numbers'.
    assert sender.quota.grid.interval_us == contract.slot_interval_us(250)


def test_fails_a_sender_whose_counts_do_not_match_its_identities(voice_mock: VoiceMock) -> None:
    env = {
        contract.ENV_STATE_TABLE: create_state_table(),
        contract.ENV_ORIGINATION_IDENTITIES: f"{PHONE},{POOL}",
        contract.ENV_ORIGINATION_NUMBER_COUNTS: "5",
    }

    with pytest.raises(ValueError, match=r"for each of the 2 origination identities.*'5'"):
        Sender.from_environment(env)


# --- The grid -----------------------------------------------------------------------------------


def test_lanes_spread_a_pool_evenly_and_keep_single_numbers_in_order() -> None:
    assert lanes_for((1, 1, 1)) == (0, 1, 2)
    assert lanes_for((5,)) == (0,) * 5
    lanes = lanes_for((1, 4))
    assert Counter(lanes) == {0: 1, 1: 4}
    # The number's one lane sits in the middle of the pool's four, not at an end of a burst.
    assert lanes == (1, 1, 0, 1, 1)


def test_a_pool_of_5_reaches_what_5_numbers_reach_not_what_one_does() -> None:
    pooled = Grid.of(201, (POOL,), numbers=(5,))
    single = Grid.of(201, (POOL,))

    assert contract.identities_needed(201) == 5
    assert pooled.interval_us == contract.slot_interval_us(201)
    assert single.interval_us == contract.number_spacing_us()
    # 250 a minute needs 7 numbers (a second plus the spread each): a pool of 5 paces slower.
    assert contract.identities_needed(250) == 7
    assert Grid.of(250, (POOL,), numbers=(5,)).interval_us == contract.number_spacing_us() // 5


def test_fails_counts_of_another_length_than_the_identities() -> None:
    with pytest.raises(ValueError, match=r"numbers must give at least 1 for each of the 2"):
        Grid.of(20, (PHONE, POOL), numbers=(5,))
    with pytest.raises(ValueError, match=r"numbers must give at least 1"):
        Grid.of(20, (POOL,), numbers=(0,))


# --- Pacing on the table --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calls_per_minute", "identities", "numbers"),
    [
        (201, (POOL,), (5,)),
        (250, (POOL,), (7,)),
        (250, (PHONE, POOL), (1, 6)),
        (601, (POOL,), (15,)),
    ],
)
def test_a_pool_gets_a_call_a_second_per_number_and_the_quota_holds(
    dynamodb: Any,
    sim: SimClock,
    calls_per_minute: int,
    identities: tuple[str, ...],
    numbers: tuple[int, ...],
) -> None:
    paced = quota(dynamodb, sim, calls_per_minute, identities, numbers)

    taken = [paced.reserve_any(latest_start=FAR) for _ in range(calls_per_minute * 3 // 2)]

    instants = [t for _, t in taken]
    assert calls_in_worst_window(instants) == calls_per_minute
    # Every slot is used: the quota is reached, not a pool's single number's pace.
    minutes = (instants[-1] - instants[0]) / 60
    assert (len(instants) - 1) / minutes == pytest.approx(calls_per_minute * 60 / 60.5, rel=1e-3)
    for position, identity in enumerate(identities):
        mine = [t for who, t in taken if who == identity]
        assert len(mine) == pytest.approx(len(taken) * numbers[position] / sum(numbers), abs=1)
        # Never more than its numbers within a second plus the spread, as reserved: so never
        # more than its numbers within a second at the service.
        assert fewest_seconds_for(mine, numbers[position]) >= 1 + SPREAD


def test_a_pool_paced_as_one_number_would_not_reach_the_quota(dynamodb: Any, sim: SimClock) -> None:
    # What pacing did before pools were counted: one lane, 40 calls a minute.
    paced = quota(dynamodb, sim, 201, (POOL,))

    taken = [paced.reserve_any(latest_start=FAR) for _ in range(20)]

    gaps = {round(b - a, 6) for (_, a), (_, b) in pairwise(taken)}
    assert gaps == {1 + SPREAD}


def test_an_event_naming_the_pool_holds_one_of_its_lanes(dynamodb: Any, sim: SimClock) -> None:
    paced = quota(dynamodb, sim, 600, (PHONE, POOL), (1, 14))
    paced.reserve_any(latest_start=FAR)

    instants = [paced.reserve(POOL, latest_start=FAR) for _ in range(30)]
    instants += [paced.reserve(PHONE, latest_start=FAR) for _ in range(3)]

    for instant in instants[:30]:
        assert paced.grid.identity(paced.grid.first_index(instant)) == POOL
    for instant in instants[30:]:
        assert paced.grid.identity(paced.grid.first_index(instant)) == PHONE
    assert fewest_seconds_for(instants[:30], 14) >= 1 + SPREAD
    assert fewest_seconds_for(instants[30:], 1) >= 1 + SPREAD


def test_more_shards_than_one_still_hold_a_pools_lanes(dynamodb: Any, sim: SimClock) -> None:
    paced = Quota(
        dynamodb,
        create_state_table(),
        calls_per_minute=3000,
        identities=(PHONE, POOL),
        numbers=(1, 74),
        clock=sim,
        rng=random.Random(3),
    )
    assert paced.grid.shards == 5

    named = [paced.reserve(PHONE, latest_start=FAR) for _ in range(4)]
    taken = [paced.reserve_any(latest_start=FAR) for _ in range(300)]

    assert all(paced.grid.identity(paced.grid.first_index(t)) == PHONE for t in named)
    phone = [t for who, t in taken if who == PHONE] + named
    assert fewest_seconds_for(phone, 1) >= 1 + SPREAD
    assert fewest_seconds_for([t for who, t in taken if who == POOL], 74) >= 1 + SPREAD


# --- Through the handler ------------------------------------------------------------------------


def test_the_v2_sender_calls_from_the_pool_at_its_numbers_pace(
    voice_mock: VoiceMock, sim: SimClock, dynamodb: Any, lambda_context: LambdaContext
) -> None:
    table = create_state_table()
    voice_mock.adopt_pool(POOL, phone_numbers=[f"+1206555{n:04d}" for n in range(100, 105)])
    sender = Sender(
        client=boto3.client("pinpoint-sms-voice-v2", config=CLIENT_CONFIG),
        api=V2,
        defaults=Defaults(origination_number=POOL),
        ledger=Ledger(dynamodb, table, window_seconds=3600, clock=sim),
        quota=Quota(
            dynamodb, table, calls_per_minute=201, identities=(POOL,), numbers=(5,), clock=sim
        ),
        clock=sim,
    )
    events = [
        {
            "DestinationPhoneNumber": f"+1425555{n:04d}",
            "Content": {"PlainTextMessage": {"Text": f"Message {n}."}},
        }
        for n in range(40)
    ]

    for event in events:
        sender.handle(event, lambda_context)

    calls = voice_mock.calls("SendVoiceMessage", api="v2")
    assert {call.body["OriginationIdentity"] for call in calls} == {POOL}
    stamps = [call.at for call in calls]
    assert len(stamps) == 40
    assert fewest_seconds_for(stamps, 5) >= 1 + SPREAD
    # 40 calls at the quota's pace (0.3 s apart), not at one number's (1.5 s apart).
    assert stamps[-1] - stamps[0] == pytest.approx(39 * contract.slot_interval_us(201) / 1e6)
