"""Pacing: the instant, and the origination identity, of every call, shared through DynamoDB.

Each call takes a slot of a :class:`~send_voice_message.grid.Grid` (its arithmetic: slots spaced
so that no 60-second window at the service holds more than the quota, handed to the sender's own
identities in turn), and each slot is taken at most once. This module decides which slot a call
takes; :mod:`send_voice_message.slots` holds the items and the conditional writes that take them.

**Identities.** Each message gets the identity of the earliest free slot, and no per-number
item is needed for the sender's own identities. An event that names one of those identities
holds the first free slot of that identity in a shard (the shard's ``held`` list); the shard's
next takers pass over it, so no slot is lost. An event that names another number takes a
shard's next slot together with that number's own item (one second plus the spread after its
previous call), in one transaction, and waits while the number is busy rather than skip slots.

**Shards.** Slot ``i`` belongs to shard ``i mod K``; each shard is one item holding the next
free slot of its own. Taking a slot is one conditional update: ``next = next + K`` while ``next``
is not in the past (the old value is the slot taken), or ``next = first + K`` when the shard has
fallen behind the clock. Every write keeps ``slot >= next before`` and ``next after = slot + K``,
so no slot is taken twice. Shards are independent (a wait on one never moves another), and above
``CALLS_PER_MINUTE_PER_PACING_SHARD`` calls a minute no single item takes every reservation.
A conflict (a rival's write between this one's view and its write) is tried again after a
jittered pause on the clock.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from vc_common.aws import error_code
from vc_common.clock import Clock

from send_voice_message import slots
from send_voice_message.grid import MICROS, Grid, identities_needed, shards_for
from send_voice_message.slots import (
    DAY_SECONDS,
    EXPIRY_ATTRIBUTE,
    HELD_ATTRIBUTE,
    KEY_ATTRIBUTE,
    NUMBER_NEXT_ATTRIBUTE,
    held_slots,
    next_of,
    number_key,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Re-exported: the grid and the table's layout lived here before grid.py and slots.py.
__all__ = [
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_CAP_SECONDS",
    "DAY_SECONDS",
    "EXPIRY_ATTRIBUTE",
    "KEY_ATTRIBUTE",
    "MAX_ATTEMPTS",
    "MICROS",
    "Grid",
    "Pacer",
    "PacingTimeoutError",
    "identities_needed",
    "number_key",
    "shards_for",
]

MAX_ATTEMPTS = 20
# A conflict's pause: uniform in [0, min(cap, base * 2 ** n)) ("full jitter").
BACKOFF_BASE_SECONDS = 0.002
BACKOFF_CAP_SECONDS = 0.05
_CONFLICT = ("ConditionalCheckFailedException", "TransactionCanceledException")


class PacingTimeoutError(Exception):
    """No call slot is free before the caller's deadline."""

    def __init__(self, wait_seconds: float) -> None:
        """The next free slot is ``wait_seconds`` away."""
        super().__init__(
            f"the sending quota is taken for the next {wait_seconds:.1f} seconds; try again later"
        )
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class _Plan:
    """A slot that was not taken: its shard and index, and how long to wait before retrying."""

    shard: int
    index: int
    wait: float = 0.0
    again: bool = False  # the slot was held by a named event: try the next one at once


class Pacer:
    """Takes slots of a :class:`Grid` in the state table; one per container."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        grid: Grid,
        *,
        clock: Clock,
        rng: random.Random | None = None,
        before_write: Callable[[], None] | None = None,
    ) -> None:
        """Take slots of ``grid`` in ``table_name``; ``before_write`` lets a test act first."""
        self._client = client
        self._table = table_name
        self.grid = grid
        self.clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._before_write = before_write
        # What this container last saw of each shard and outside number (never ahead of them).
        self._shard_next: dict[int, int] = {}
        self._shard_held: dict[int, str | None] = {}
        self._number_next: dict[str, int] = {}

    def reserve_any(self, *, latest_start: float) -> tuple[str, float]:
        """Take the earliest free slot and wait for it: its identity and instant."""
        if not self.grid.identities:
            raise ValueError("the sender has no origination identities of its own to choose from")
        index = self._take(latest_start, self._next_slot)
        return self.grid.identity(index), self.grid.time(index)

    def reserve(self, origination: str, *, latest_start: float) -> float:
        """Take a slot for a call from ``origination`` and wait for it: its instant."""
        if origination in self.grid.identities:
            position = self.grid.identities.index(origination)
            return self.grid.time(
                self._take(latest_start, lambda latest: self._identity_slot(position, latest))
            )
        key = number_key("pace#number", origination)
        return self.grid.time(
            self._take(latest_start, lambda latest: self._number_slot(key, latest))
        )

    # --- The loop ------------------------------------------------------------------------------

    def _take(self, latest_start: float, attempt: Callable[[int], _Plan | int]) -> int:
        """Run ``attempt`` until it takes a slot (an int) before ``latest_start``; then wait.

        ``attempt`` gets the last slot that may be taken, and returns the slot it took or the
        plan it could not carry out.
        """
        latest = math.floor(latest_start * MICROS) // self.grid.interval_us
        for tries in range(MAX_ATTEMPTS):
            result = attempt(latest)
            if isinstance(result, int):
                wait = self.grid.time(result) - self.clock.now()
                if wait > 0:
                    self.clock.sleep(wait)
                return result
            if result.again:
                continue
            if self.grid.time(result.index) + result.wait > latest_start:
                raise PacingTimeoutError(self.grid.time(result.index) - self.clock.now())
            if result.wait > 0:
                self.clock.sleep(result.wait)
            elif tries:
                self._back_off(tries)
        raise PacingTimeoutError(0.0)

    def _back_off(self, tries: int) -> None:
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**tries)
        self.clock.sleep(self._rng.uniform(0, ceiling))

    def _lower(self, shard: int) -> int:
        return self.grid.in_shard(self.grid.first_index(self.clock.now()), shard)

    def _pick_shard(self, allowed: list[int]) -> int:
        """Of two shards drawn at random, the one this container last saw less far ahead."""
        if len(allowed) == 1:
            return allowed[0]
        drawn = self._rng.sample(allowed, 2)
        return min(drawn, key=lambda s: self._shard_next.get(s, -1) - self._lower(s))

    # --- A slot of the sender's own identities ---------------------------------------------------

    def _next_slot(self, latest: int) -> _Plan | int:
        """Take a shard's next slot (one atomic update, no read); the slot, or a plan to retry.

        While the shard's next slot is not in the past, the update moves it on by one of its
        slots and returns the old one: no conflict is possible. A shard that fell behind the
        clock is brought to its first slot from now by a conditional write instead.
        """
        shard = self._pick_shard(list(range(self.grid.shards)))
        lower = self._lower(shard)
        try:
            response = self._advance(shard, lower, latest)
        except ClientError as error:
            if error_code(error) not in _CONFLICT:
                raise
            old: dict[str, Any] = dict(error.response)
            seen = self._remember(shard, old.get("Item"))
            if seen is not None and seen >= lower:
                return _Plan(shard, seen)  # taken until after the caller's deadline
            return self._conditional(shard, self._free(shard, lower), latest, number=None)
        taken = self._remember(shard, response["Attributes"])
        if taken is None:
            raise AssertionError("unreachable: the condition needs the shard's next slot")
        self._shard_next[shard] = taken + self.grid.shards
        if taken in held_slots(self._shard_held.get(shard)):
            return _Plan(shard, taken, again=True)  # a named event's: the next one is ours
        return taken

    def _remember(self, shard: int, item: dict[str, Any] | None) -> int | None:
        """Keep what ``item`` says of the shard (its next slot and held slots); its next slot."""
        seen = next_of(item)
        if seen is not None:
            self._shard_next[shard] = seen
        self._shard_held[shard] = (item or {}).get(HELD_ATTRIBUTE, {}).get("S")
        return seen

    def _free(self, shard: int, index: int) -> int:
        """The first slot of ``shard`` from ``index`` that no named event holds."""
        held = held_slots(self._shard_held.get(shard))
        while index in held:
            index += self.grid.shards
        return index

    # --- A slot of one named identity ------------------------------------------------------------

    def _identity_slot(self, position: int, latest: int) -> _Plan | int:
        """Hold the first free slot whose identity is ``identities[position]`` (any of its lanes).

        The shard's next slot stays where it is: the slots before the held one go to the next
        takers as usual, and they pass over the held one.
        """
        shard = self._pick_shard(self.grid.shards_of(position))
        response = self._client.get_item(
            TableName=self._table,
            Key={KEY_ATTRIBUTE: {"S": self.grid.key(shard)}},
            ConsistentRead=True,
        )
        following = self._remember(shard, response.get("Item")) or 0
        index = self._free(shard, max(following, self._lower(shard)))
        while self.grid.position(index) != position:
            index = self._free(shard, index + self.grid.shards)
        if index > latest:
            return _Plan(shard, index)
        held = sorted({h for h in held_slots(self._shard_held[shard]) if h >= following} | {index})
        return self._write_slot(
            shard,
            index,
            "SET #held = :held, #exp = :exp",
            {":held": {"S": json.dumps(held)}},
            number=None,
        )

    def _number_slot(self, key: str, latest: int) -> _Plan | int:
        """A shard's next slot for a number outside the identities, once that number is free.

        While the number is busy at the shard's next slot, this waits rather than take a later
        slot: a later slot would give up the ones between, which other calls can use.
        """
        shard = self._pick_shard(list(range(self.grid.shards)))
        index = self._free(shard, max(self._shard_next.get(shard, 0), self._lower(shard)))
        busy = self._number_next.get(key, 0) / MICROS - self.grid.time(index)
        if busy > 0:
            return _Plan(shard, index, wait=busy)
        return self._conditional(shard, index, latest, number=key)

    def _conditional(
        self, shard: int, index: int, latest: int, *, number: str | None
    ) -> _Plan | int:
        """Take slot ``index`` of ``shard`` unless the shard passed it (or the number is busy).

        Returns the slot, or (after learning what blocked it) the plan that failed; a slot
        after ``latest`` is not tried.
        """
        if index > latest:
            return _Plan(shard, index)
        return self._write_slot(
            shard,
            index,
            "SET #next = :after, #exp = :exp",
            {":after": {"N": str(index + self.grid.shards)}},
            number=number,
        )

    def _write_slot(
        self, shard: int, index: int, update: str, values: dict[str, Any], *, number: str | None
    ) -> _Plan | int:
        """Apply ``update`` to the shard unless it passed ``index`` or its held slots changed.

        With an outside ``number``, only if that number is free at the slot too (one
        transaction). Returns the slot, or the plan that failed (after learning why).
        """
        if self._before_write is not None:
            self._before_write()
        items = [
            slots.slot_update(
                self._table,
                self.grid.key(shard),
                index,
                update,
                values,
                held=self._shard_held.get(shard),
                expiry=self._expiry(),
            )
        ]
        if number is not None:
            items.append(
                slots.number_update(
                    self._table,
                    number,
                    at=self._number_at(index),
                    spacing=self.grid.number_spacing_us,
                    expiry=self._expiry(),
                )
            )
        try:
            if number is None:
                self._client.update_item(**items[0])
            else:
                self._client.transact_write_items(
                    TransactItems=[{"Update": item} for item in items]  # type: ignore[typeddict-item]
                )
        except ClientError as error:
            if error_code(error) not in _CONFLICT:
                raise
            self._learn(error, shard, number)
            return _Plan(shard, index)
        if update.startswith("SET #next"):
            self._shard_next[shard] = index + self.grid.shards
        if number is not None:
            self._number_next[number] = self._number_at(index) + self.grid.number_spacing_us
        return index

    def _learn(self, error: ClientError, shard: int, number: str | None) -> None:
        response: dict[str, Any] = dict(error.response)
        if number is None:
            found = [response.get("Item")]
        else:
            found = [reason.get("Item") for reason in response.get("CancellationReasons", [])]
            found += [None] * (2 - len(found))
            seen_number = slots.attribute(found[1], NUMBER_NEXT_ATTRIBUTE)
            if seen_number is not None:
                self._number_next[number] = seen_number
        if found[0] is not None:
            self._remember(shard, found[0])

    # --- The requests --------------------------------------------------------------------------

    def _number_at(self, index: int) -> int:
        return index * self.grid.interval_us

    def _advance(self, shard: int, lower: int, latest: int) -> dict[str, Any]:
        if self._before_write is not None:
            self._before_write()
        request = slots.advance(
            self._table,
            self.grid.key(shard),
            shards=self.grid.shards,
            lower=lower,
            latest=latest,
            expiry=self._expiry(),
        )
        response: dict[str, Any] = self._client.update_item(**request)  # type: ignore[assignment]
        return response

    def _expiry(self) -> int:
        return int(self.clock.now()) + DAY_SECONDS
