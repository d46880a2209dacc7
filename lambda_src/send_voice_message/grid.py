"""The grid of call slots that pacing hands out: arithmetic only, no table and no clock.

Time is cut into slots ``interval`` apart, slot ``i`` starting at ``i * interval`` (seconds since
the epoch). The interval is ``(60 + spread) / calls_per_minute``, where ``spread`` is how much two
calls' journeys from their slot to the service may differ (``LATENCY_SPREAD_SECONDS``):
``calls_per_minute + 1`` slots span more than 60 s plus that spread, so no 60-second window *at
the service* holds more than the quota.

The sender's own identities hold ``L`` phone numbers in all (a pool holds several), and each
number is a *lane*: slot ``i`` calls from the identity of lane ``i mod L``. Consecutive slots of
one lane are ``L * interval`` apart, and the interval is at least ``(1 + spread) / L``, so one
number never calls twice within a second at the service, and a pool of ``N`` numbers, which
holds ``N`` lanes, never places more than ``N`` calls within a second there. A pool's lanes are
spread evenly over the ``L`` (:func:`lanes_for`). Slot ``i`` belongs to shard ``i mod K``, one
item of the state table each (:mod:`send_voice_message.slots`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from vc_common import contract

MICROS = 1_000_000


@dataclass(frozen=True)
class Grid:
    """The slots of one sender: their interval, their shards and the identity of each."""

    interval_us: int
    shards: int
    identities: tuple[str, ...]
    number_spacing_us: int
    # Lane n (one phone number) calls from identities[lanes[n]]: one lane per identity unless a
    # pool holds several numbers.
    lanes: tuple[int, ...] = ()

    @classmethod
    def of(
        cls,
        calls_per_minute: int,
        identities: tuple[str, ...] = (),
        *,
        shards: int | None = None,
        numbers: Sequence[int] = (),
    ) -> Grid:
        """The grid for a quota; with too few numbers for it, the slower one they allow.

        ``numbers``: how many phone numbers each of ``identities`` holds (default: one each).
        """
        if calls_per_minute < 1:
            raise ValueError(f"calls_per_minute must be at least 1, got {calls_per_minute}")
        counts = tuple(numbers) or (1,) * len(identities)
        if len(counts) != len(identities) or min(counts, default=1) < 1:
            raise ValueError(
                f"numbers must give at least 1 for each of the {len(identities)} identities, "
                f"got {counts!r}"
            )
        lanes = lanes_for(counts)
        number_us = contract.number_spacing_us()
        interval = contract.slot_interval_us(calls_per_minute)
        if lanes:
            interval = max(interval, -(-number_us // len(lanes)))
        count = shards or shards_for(calls_per_minute)
        return cls(interval, count, tuple(identities), number_us, lanes)

    def time(self, index: int) -> float:
        """When slot ``index`` starts."""
        return index * self.interval_us / MICROS

    def first_index(self, at: float) -> int:
        """The first slot that starts at or after ``at``."""
        return -(-math.ceil(at * MICROS) // self.interval_us)

    def in_shard(self, index: int, shard: int) -> int:
        """The first slot of ``shard`` at or after ``index``."""
        return index + (shard - index) % self.shards

    def position(self, index: int) -> int:
        """The position in ``identities`` of the identity slot ``index`` calls from."""
        return self.lanes[index % len(self.lanes)]

    def identity(self, index: int) -> str:
        """The identity slot ``index`` calls from."""
        return self.identities[self.position(index)]

    def shards_of(self, position: int) -> list[int]:
        """The shards that hold slots of ``identities[position]``.

        Slot ``i`` is in shard ``i mod K`` and lane ``i mod L``: a shard ``s`` meets lane ``n``
        iff ``s`` and ``n`` agree modulo ``gcd(K, L)``.
        """
        common = math.gcd(self.shards, len(self.lanes))
        mine = {lane % common for lane, owner in enumerate(self.lanes) if owner == position}
        return [shard for shard in range(self.shards) if shard % common in mine]

    def key(self, shard: int) -> str:
        """The item of ``shard``; a new grid (another quota) starts items of its own."""
        return f"pace#slots#{self.interval_us}#{self.shards}#{shard}"


def lanes_for(numbers: Sequence[int]) -> tuple[int, ...]:
    """The lanes of identities holding ``numbers`` phone numbers each: each lane's identity.

    An identity of ``w`` numbers takes ``w`` lanes spread evenly over the cycle (its ``k``-th at
    ``(k + 1/2) / w`` of it), so a pool's calls come at an even pace, not in bursts; with one
    number each, lane ``n`` is identity ``n``.
    """
    places = [
        (Fraction(2 * k + 1, 2 * count), position)
        for position, count in enumerate(numbers)
        for k in range(count)
    ]
    return tuple(position for _, position in sorted(places))


def shards_for(calls_per_minute: int) -> int:
    """How many items share the account's slots at this quota."""
    return max(1, math.ceil(calls_per_minute / contract.CALLS_PER_MINUTE_PER_PACING_SHARD))


identities_needed = contract.identities_needed
