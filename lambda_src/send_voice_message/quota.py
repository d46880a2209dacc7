"""The sending quota, kept in DynamoDB so that it holds across concurrent invocations.

Two limits, both shared by every invocation of one sender through its state table:

- **Pacing** (:mod:`send_voice_message.pacing`). Each call takes a slot of a grid spaced so that
  the account's calls a minute and each number's call a second hold as the service sees the
  calls; with several origination identities, each message gets the one that can call soonest.
  The caller waits until its slot and then calls.
- **Recipients.** At most ``calls_per_recipient`` calls to one destination in 24 hours. Each
  call holds one of that many slots per recipient until it expires; a sixth call finds none free
  and is refused before the service is asked.
- **The day** (only with ``calls_per_day``, :mod:`send_voice_message.daycap`). At most that many
  calls of the sender in one UTC day: one counter, taken after the recipient's slot.

Items are keyed by a hash of the phone number, never the number itself, and expire through the
table's TTL attribute (the same ``expiration`` attribute the call ledger uses).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from vc_common import contract
from vc_common.aws import error_code
from vc_common.clock import Clock, SystemClock

from send_voice_message.daycap import DailyCap, DailyCapError, DaySlot
from send_voice_message.grid import Grid
from send_voice_message.pacing import Pacer, PacingTimeoutError
from send_voice_message.slots import DAY_SECONDS, EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE, number_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = [
    "DAY_SECONDS",
    "EXPIRY_ATTRIBUTE",
    "KEY_ATTRIBUTE",
    "DailyCapError",
    "DaySlot",
    "PacingTimeoutError",
    "Quota",
    "RecipientCapError",
    "RecipientSlot",
    "number_key",
]


class RecipientCapError(Exception):
    """The destination already had ``calls_per_recipient`` calls in the last 24 hours."""

    def __init__(self, cap: int, free_in_seconds: float) -> None:
        """``cap`` calls were made; the first of them frees in ``free_in_seconds``."""
        hours = free_in_seconds / 3600
        super().__init__(
            f"the destination already received {cap} voice messages in the last 24 hours "
            f"(the service's per-recipient limit); the next one is allowed in {hours:.1f} hours"
        )
        self.free_in_seconds = free_in_seconds


@dataclass(frozen=True)
class RecipientSlot:
    """One of a recipient's daily slots, held by one call."""

    key: str
    token: str


class Quota:
    """Pacing and the per-recipient cap of one sender, in its state table."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        calls_per_minute: int,
        identities: tuple[str, ...] = (),
        numbers: tuple[int, ...] = (),
        calls_per_recipient: int = contract.CALLS_PER_RECIPIENT_PER_DAY,
        clock: Clock | None = None,
        on_conflict: Callable[[], None] | None = None,
        rng: random.Random | None = None,
        shards: int | None = None,
        calls_per_day: int | None = None,
    ) -> None:
        """Configure the limits; ``on_conflict`` lets a test act before a pacing write.

        ``identities`` are the sender's own origination identities (the construct's
        ``origination_numbers``), which pacing hands out, and ``numbers`` how many phone numbers
        each holds (a pool's; default one each); ``rng`` draws the conflicts' jitter.
        ``calls_per_day``: the sender's daily cap (None: none).
        """
        self._client = client
        self._table = table_name
        self.calls_per_recipient = calls_per_recipient
        self.clock: Clock = clock or SystemClock()
        self.grid = Grid.of(calls_per_minute, tuple(identities), shards=shards, numbers=numbers)
        self.pacer = Pacer(
            client, table_name, self.grid, clock=self.clock, rng=rng, before_write=on_conflict
        )
        self.daily = (
            None
            if calls_per_day is None
            else DailyCap(client, table_name, cap=calls_per_day, clock=self.clock)
        )

    @property
    def identities(self) -> tuple[str, ...]:
        """The sender's own origination identities, which :meth:`reserve_any` hands out."""
        return self.grid.identities

    def reserve(self, origination: str, *, latest_start: float) -> float:
        """Take a call instant for ``origination`` and wait until it comes.

        Raises PacingTimeoutError, taking nothing, when that instant is after ``latest_start``.
        """
        return self.pacer.reserve(origination, latest_start=latest_start)

    def reserve_any(self, *, latest_start: float) -> tuple[str, float]:
        """Take the earliest call instant of any own identity: that identity and the instant."""
        return self.pacer.reserve_any(latest_start=latest_start)

    def claim_recipient(self, destination: str) -> RecipientSlot:
        """Hold one of the destination's daily slots, or raise RecipientCapError."""
        now = self.clock.now()
        token = uuid.uuid4().hex
        base = number_key("recipient", destination)
        for index in range(self.calls_per_recipient):
            key = f"{base}#{index}"
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item={
                        KEY_ATTRIBUTE: {"S": key},
                        "token": {"S": token},
                        EXPIRY_ATTRIBUTE: {"N": str(int(now + DAY_SECONDS) + 1)},
                    },
                    # TTL deletes lazily, so an expired slot counts as free.
                    ConditionExpression="attribute_not_exists(#id) OR #exp <= :now",
                    ExpressionAttributeNames={"#id": KEY_ATTRIBUTE, "#exp": EXPIRY_ATTRIBUTE},
                    ExpressionAttributeValues={":now": {"N": str(int(now))}},
                )
            except ClientError as error:
                if error_code(error) == "ConditionalCheckFailedException":
                    continue
                raise
            return RecipientSlot(key, token)
        raise RecipientCapError(self.calls_per_recipient, self._first_free(base) - now)

    def release_recipient(self, slot: RecipientSlot) -> None:
        """Give a slot back when the call was certainly not placed."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={KEY_ATTRIBUTE: {"S": slot.key}},
                ConditionExpression="#token = :token",
                ExpressionAttributeNames={"#token": "token"},
                ExpressionAttributeValues={":token": {"S": slot.token}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise

    def claim_day(self) -> DaySlot | None:
        """Hold one of the day's slots (None without a daily cap), or raise DailyCapError."""
        return None if self.daily is None else self.daily.take()

    def release_day(self, slot: DaySlot) -> None:
        """Give a day's slot back when the call was certainly not placed."""
        if self.daily is not None:
            self.daily.give_back(slot)

    def _first_free(self, base: str) -> float:
        expiries = []
        for index in range(self.calls_per_recipient):
            item = self._get(f"{base}#{index}")
            if item is not None:
                expiries.append(float(item[EXPIRY_ATTRIBUTE]["N"]))
        return min(expiries, default=self.clock.now())

    def _get(self, key: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key={KEY_ATTRIBUTE: {"S": key}}, ConsistentRead=True
        )
        item: dict[str, Any] | None = response.get("Item")
        return item
