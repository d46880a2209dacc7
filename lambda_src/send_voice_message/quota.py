"""The sending quota, kept in DynamoDB so that it holds across concurrent invocations.

Two limits, both shared by every invocation of one sender through its state table:

- **Pacing.** Each call takes a start instant from a reservation. Reservations are spaced at
  least ``60 / calls_per_minute`` seconds apart for the account and at least
  ``seconds_per_call_per_number`` apart for each origination number, and both spacings are
  written in one DynamoDB transaction, so two invocations can never take the same instant.
  The caller sleeps until its instant and then calls: the quota holds in every 60-second window.
- **Recipients.** At most ``calls_per_recipient`` calls to one destination in 24 hours. Each
  call holds one of that many slots per recipient until it expires; a sixth call finds none free
  and is refused before the service is asked.

Items are keyed by a hash of the phone number, never the number itself, and expire through the
table's TTL attribute (the same ``expiration`` attribute the call ledger uses).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from vc_common import contract
from vc_common.aws import error_code
from vc_common.clock import Clock, SystemClock

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DAY_SECONDS = 24 * 60 * 60
KEY_ATTRIBUTE = "id"
EXPIRY_ATTRIBUTE = "expiration"
_NEXT = "next_ms"
_MAX_CONFLICTS = 20


class PacingTimeoutError(Exception):
    """No call slot is free before the caller's deadline."""

    def __init__(self, wait_seconds: float) -> None:
        """The next free slot is ``wait_seconds`` away."""
        super().__init__(
            f"the sending quota is taken for the next {wait_seconds:.1f} seconds; try again later"
        )
        self.wait_seconds = wait_seconds


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


def number_key(kind: str, number: str) -> str:
    """The table key for a phone number: a hash, so the table never holds the number."""
    digest = hashlib.sha256(number.encode()).hexdigest()[:32]
    return f"{kind}#{digest}"


class Quota:
    """Pacing and the per-recipient cap of one sender, in its state table."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        calls_per_minute: int,
        seconds_per_call_per_number: float = 1.0,
        calls_per_recipient: int = contract.CALLS_PER_RECIPIENT_PER_DAY,
        clock: Clock | None = None,
        on_conflict: Callable[[], None] | None = None,
    ) -> None:
        """Configure the limits; ``on_conflict`` lets a test act between a read and a write."""
        if calls_per_minute < 1:
            raise ValueError(f"calls_per_minute must be at least 1, got {calls_per_minute}")
        self._client = client
        self._table = table_name
        # 1 ms more than an even share, so that even a closed 60-second window (a call exactly
        # 60 s after another counting in both) holds no more than calls_per_minute.
        self.interval_ms = 60_000 // calls_per_minute + 1
        self.number_interval_ms = int(seconds_per_call_per_number * 1000)
        self.calls_per_recipient = calls_per_recipient
        self.clock: Clock = clock or SystemClock()
        self._before_write = on_conflict

    def reserve(self, origination: str, *, latest_start: float) -> float:
        """Take the next call instant for ``origination`` and wait until it comes.

        Raises PacingTimeoutError, taking nothing, when that instant is after ``latest_start``.
        """
        keys = ("pace#account", number_key("pace#number", origination))
        intervals = (self.interval_ms, self.number_interval_ms)
        for _ in range(_MAX_CONFLICTS):
            now_ms = int(self.clock.now() * 1000)
            current = [self._next_ms(key) for key in keys]
            start_ms = max([now_ms, *(value for value in current if value is not None)])
            if start_ms / 1000 > latest_start:
                raise PacingTimeoutError(start_ms / 1000 - self.clock.now())
            if self._before_write is not None:
                self._before_write()
            items = [
                self._advance(key, old, start_ms + interval)
                for key, old, interval in zip(keys, current, intervals, strict=True)
            ]
            try:
                self._client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
            except ClientError as error:
                if error_code(error) in ("TransactionCanceledException", "TransactionConflict"):
                    continue  # another invocation took an instant first: read again
                raise
            wait = start_ms / 1000 - self.clock.now()
            if wait > 0:
                self.clock.sleep(wait)
            return start_ms / 1000
        raise PacingTimeoutError(0.0)

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

    def _first_free(self, base: str) -> float:
        expiries = []
        for index in range(self.calls_per_recipient):
            item = self._get(f"{base}#{index}")
            if item is not None:
                expiries.append(float(item[EXPIRY_ATTRIBUTE]["N"]))
        return min(expiries, default=self.clock.now())

    def _next_ms(self, key: str) -> int | None:
        item = self._get(key)
        return int(item[_NEXT]["N"]) if item is not None else None

    def _get(self, key: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key={KEY_ATTRIBUTE: {"S": key}}, ConsistentRead=True
        )
        item: dict[str, Any] | None = response.get("Item")
        return item

    def _advance(self, key: str, old: int | None, new: int) -> dict[str, Any]:
        names = {"#next": _NEXT, "#exp": EXPIRY_ATTRIBUTE}
        if old is None:
            condition = "attribute_not_exists(#id)"
            names["#id"] = KEY_ATTRIBUTE
        else:
            condition = "#next = :old"
        values: dict[str, Any] = {
            ":new": {"N": str(new)},
            ":exp": {"N": str(new // 1000 + DAY_SECONDS)},
        }
        if old is not None:
            values[":old"] = {"N": str(old)}
        return {
            "Update": {
                "TableName": self._table,
                "Key": {KEY_ATTRIBUTE: {"S": key}},
                "UpdateExpression": "SET #next = :new, #exp = :exp",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
