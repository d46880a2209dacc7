"""The sender's daily cap: at most ``max_calls_per_day`` calls in one UTC calendar day.

One counter item per day in the state table, shared by every concurrent invocation of the
sender. A call takes a slot before its request leaves, with one conditional write
(``ADD calls :one`` if ``calls < :cap``), so no two invocations can take the last slot. Like the
recipient's slot, it is given back only when the call was certainly not placed; when the outcome
is unknown it stays taken. A lost answer to a write may cost a slot, never add one: the give-back
is a transaction whose ``ClientRequestToken`` is the slot's own, so botocore's retry of it after
a lost answer is not applied twice.

The day is the UTC calendar day (midnight to midnight UTC, what the service's own reports and
CloudWatch's daily periods use), not a rolling 24 hours: one item a day holds the count exactly,
and everyone reads the same reset time. Calls just before and just after midnight count in
different days, so any 24 hours hold at most twice the cap.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from vc_common.aws import error_code
from vc_common.clock import Clock
from vc_common.contract import ENV_CALLS_PER_DAY

from send_voice_message.slots import DAY_SECONDS, EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# The day's counter item: ``day#2027-01-15``, holding the calls taken that day.
DAY_KEY_PREFIX = "day#"
CALLS_ATTRIBUTE = "calls"


class DailyCapError(Exception):
    """Every slot of the sender's day is taken: ``cap`` calls on ``day`` (UTC)."""

    def __init__(self, cap: int, day: str, resets_in_seconds: float) -> None:
        """The day's ``cap`` slots are taken; the next day starts in ``resets_in_seconds``."""
        minutes = max(1, math.ceil(resets_in_seconds / 60))
        wait = f"{minutes} minutes" if minutes < 90 else f"{minutes / 60:.1f} hours"
        super().__init__(
            f"the sender's daily cap of {cap} calls (max_calls_per_day) is used up for {day} "
            f"(UTC); the count starts again at midnight UTC, in {wait}: send it "
            "again then (queued messages: voice-constructs queue redrive --type daily_cap), "
            "or raise max_calls_per_day"
        )
        self.cap = cap
        self.day = day
        self.resets_in_seconds = resets_in_seconds


@dataclass(frozen=True)
class DaySlot:
    """One call's slot of its day: the day's counter item, and the token of its give-back."""

    key: str
    token: str


def day_of(now: float) -> tuple[str, int]:
    """The UTC day of ``now``: its name (``2027-01-15``) and the instant it ends."""
    start = int(now // DAY_SECONDS) * DAY_SECONDS
    return time.strftime("%Y-%m-%d", time.gmtime(start)), start + DAY_SECONDS


def cap_from_environment(env: Mapping[str, str]) -> int | None:
    """The cap the construct set (``MAX_CALLS_PER_DAY``), or None when it set none."""
    text = env.get(ENV_CALLS_PER_DAY, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise RuntimeError(
            f"{ENV_CALLS_PER_DAY} must be a whole number of at least 1, got {text[:20]!r}"
        )
    return int(text)


class DailyCap:
    """The day's counter of one sender, in its state table."""

    def __init__(self, client: DynamoDBClient, table_name: str, *, cap: int, clock: Clock) -> None:
        """At most ``cap`` calls a UTC day, on ``clock``."""
        self._client = client
        self._table = table_name
        self.cap = cap
        self._clock = clock

    def take(self) -> DaySlot:
        """Take one of today's slots, or raise DailyCapError (taking nothing)."""
        now = self._clock.now()
        day, ends = day_of(now)
        key = f"{DAY_KEY_PREFIX}{day}"
        try:
            self._client.update_item(
                TableName=self._table,
                Key={KEY_ATTRIBUTE: {"S": key}},
                UpdateExpression="ADD #calls :one SET #exp = :exp",
                ConditionExpression="attribute_not_exists(#calls) OR #calls < :cap",
                ExpressionAttributeNames={"#calls": CALLS_ATTRIBUTE, "#exp": EXPIRY_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":cap": {"N": str(self.cap)},
                    # Kept a day past its own, so that a late give-back still finds it.
                    ":exp": {"N": str(ends + DAY_SECONDS)},
                },
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise DailyCapError(self.cap, day, ends - now) from None
            raise
        return DaySlot(key, uuid.uuid4().hex)

    def give_back(self, slot: DaySlot) -> None:
        """Give ``slot`` back to its own day, once, when the call was certainly not placed."""
        try:
            self._client.transact_write_items(
                ClientRequestToken=slot.token,
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {KEY_ATTRIBUTE: {"S": slot.key}},
                            "UpdateExpression": "ADD #calls :minus_one",
                            "ConditionExpression": "#calls > :zero",
                            "ExpressionAttributeNames": {"#calls": CALLS_ATTRIBUTE},
                            "ExpressionAttributeValues": {
                                ":minus_one": {"N": "-1"},
                                ":zero": {"N": "0"},
                            },
                        }
                    }
                ],
            )
        except ClientError as error:
            # Cancelled by its condition only: the day's item is gone (expired), nothing to give
            # back. Any other reason (a conflict, a throttle) is the caller's to report.
            reasons = {r.get("Code") for r in error.response.get("CancellationReasons", [])}
            if error_code(error) != "TransactionCanceledException" or reasons - {
                "ConditionalCheckFailed",
                "None",
            }:
                raise

    def used(self, now: float | None = None) -> int:
        """The slots taken on the UTC day of ``now`` (default: the clock's now)."""
        day, _ = day_of(self._clock.now() if now is None else now)
        response = self._client.get_item(
            TableName=self._table,
            Key={KEY_ATTRIBUTE: {"S": f"{DAY_KEY_PREFIX}{day}"}},
            ConsistentRead=True,
        )
        item = response.get("Item") or {}
        return int(item.get(CALLS_ATTRIBUTE, {}).get("N", "0"))
