"""The grid of call slots that pacing hands out: arithmetic only, no table and no clock.

Time is cut into slots ``interval`` apart, slot ``i`` starting at ``i * interval`` (seconds since
the epoch). The interval is ``(60 + spread) / calls_per_minute``, where ``spread`` is how much two
calls' journeys from their slot to the service may differ (``LATENCY_SPREAD_SECONDS``):
``calls_per_minute + 1`` slots span more than 60 s plus that spread, so no 60-second window *at
the service* holds more than the quota.

With the sender's own identities ``I[0..N-1]``, slot ``i`` calls from ``I[i mod N]``: consecutive
slots of one identity are ``N * interval`` apart, and the interval is at least
``(1 + spread) / N``, so one number never calls twice within a second at the service. Slot ``i``
belongs to shard ``i mod K``, one item of the state table each (:mod:`send_voice_message.slots`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vc_common import contract

MICROS = 1_000_000


@dataclass(frozen=True)
class Grid:
    """The slots of one sender: their interval, their shards and the identity of each."""

    interval_us: int
    shards: int
    identities: tuple[str, ...]
    number_spacing_us: int

    @classmethod
    def of(
        cls, calls_per_minute: int, identities: tuple[str, ...] = (), *, shards: int | None = None
    ) -> Grid:
        """The grid for a quota; with too few identities for it, the slower one they allow."""
        if calls_per_minute < 1:
            raise ValueError(f"calls_per_minute must be at least 1, got {calls_per_minute}")
        number_us = contract.number_spacing_us()
        interval = contract.slot_interval_us(calls_per_minute)
        if identities:
            interval = max(interval, -(-number_us // len(identities)))
        count = shards or shards_for(calls_per_minute)
        return cls(interval, count, tuple(identities), number_us)

    def time(self, index: int) -> float:
        """When slot ``index`` starts."""
        return index * self.interval_us / MICROS

    def first_index(self, at: float) -> int:
        """The first slot that starts at or after ``at``."""
        return -(-math.ceil(at * MICROS) // self.interval_us)

    def in_shard(self, index: int, shard: int) -> int:
        """The first slot of ``shard`` at or after ``index``."""
        return index + (shard - index) % self.shards

    def identity(self, index: int) -> str:
        """The identity slot ``index`` calls from."""
        return self.identities[index % len(self.identities)]

    def key(self, shard: int) -> str:
        """The item of ``shard``; a new grid (another quota) starts items of its own."""
        return f"pace#slots#{self.interval_us}#{self.shards}#{shard}"


def shards_for(calls_per_minute: int) -> int:
    """How many items share the account's slots at this quota."""
    return max(1, math.ceil(calls_per_minute / contract.CALLS_PER_MINUTE_PER_PACING_SHARD))


identities_needed = contract.identities_needed
