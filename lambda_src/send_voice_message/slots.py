"""The pacing items of the state table, and the conditional writes that take their slots.

A shard's item holds its next free slot (``next_slot``) and the slots that events naming one of
the sender's own identities hold ahead of it (``held``, a JSON list). An outside number's item
holds the instant, in microseconds, from which that number may call again (``next_us``). Every
write is conditional on what the pacer last saw and returns the old item when the condition
fails, so a refused write tells the pacer what it missed.

Items are keyed by a hash of the phone number, never the number, and expire through the
table's TTL attribute a day after their last write (the call ledger's items use the same one).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

DAY_SECONDS = 24 * 60 * 60
KEY_ATTRIBUTE = "id"
EXPIRY_ATTRIBUTE = "expiration"
NEXT_ATTRIBUTE = "next_slot"
NUMBER_NEXT_ATTRIBUTE = "next_us"
# Slots of a shard that events naming one of the own identities hold ahead of its next slot
# (a JSON list), which the shard's next takers pass over.
HELD_ATTRIBUTE = "held"


def number_key(kind: str, number: str) -> str:
    """The table key for a phone number: a hash, so the table never holds the number."""
    digest = hashlib.sha256(number.encode()).hexdigest()[:32]
    return f"{kind}#{digest}"


def advance(
    table: str, key: str, *, shards: int, lower: int, latest: int, expiry: int
) -> dict[str, Any]:
    """Take the shard's next slot, if in ``[lower, latest]``, moving it on by ``shards``.

    The request of ``update_item``; the old item comes back either way: its next slot is the
    slot taken, or what stood in the way.
    """
    return {
        "TableName": table,
        "Key": {KEY_ATTRIBUTE: {"S": key}},
        "UpdateExpression": "SET #next = #next + :k, #exp = :exp",
        "ConditionExpression": "#next BETWEEN :lower AND :latest",
        "ExpressionAttributeNames": {"#next": NEXT_ATTRIBUTE, "#exp": EXPIRY_ATTRIBUTE},
        "ExpressionAttributeValues": {
            ":lower": {"N": str(lower)},
            ":latest": {"N": str(latest)},
            ":k": {"N": str(shards)},
            ":exp": {"N": str(expiry)},
        },
        "ReturnValues": "ALL_OLD",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def slot_update(
    table: str,
    key: str,
    index: int,
    update: str,
    values: dict[str, Any],
    *,
    held: str | None,
    expiry: int,
) -> dict[str, Any]:
    """Apply ``update`` to the shard's item unless it passed slot ``index`` or ``held`` changed.

    ``held`` is the item's held slots as last seen (None: it had none). The request of
    ``update_item``, or an ``Update`` of a transaction.
    """
    values = {**values, ":index": {"N": str(index)}, ":exp": {"N": str(expiry)}}
    if held is None:
        held_condition = "attribute_not_exists(#held)"
    else:
        held_condition = "#held = :seen"
        values[":seen"] = {"S": held}
    return {
        "TableName": table,
        "Key": {KEY_ATTRIBUTE: {"S": key}},
        "UpdateExpression": update,
        "ConditionExpression": (
            f"(attribute_not_exists(#next) OR #next <= :index) AND {held_condition}"
        ),
        "ExpressionAttributeNames": {
            "#next": NEXT_ATTRIBUTE,
            "#exp": EXPIRY_ATTRIBUTE,
            "#held": HELD_ATTRIBUTE,
        },
        "ExpressionAttributeValues": values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def number_update(table: str, key: str, *, at: int, spacing: int, expiry: int) -> dict[str, Any]:
    """Let the number call at ``at`` (microseconds) and next ``spacing`` later, if it is free.

    An ``Update`` of the transaction that takes the shard's slot for that call.
    """
    return {
        "TableName": table,
        "Key": {KEY_ATTRIBUTE: {"S": key}},
        "UpdateExpression": "SET #next = :after, #exp = :exp",
        "ConditionExpression": "attribute_not_exists(#next) OR #next <= :at",
        "ExpressionAttributeNames": {"#next": NUMBER_NEXT_ATTRIBUTE, "#exp": EXPIRY_ATTRIBUTE},
        "ExpressionAttributeValues": {
            ":at": {"N": str(at)},
            ":after": {"N": str(at + spacing)},
            ":exp": {"N": str(expiry)},
        },
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def held_slots(raw: str | None) -> frozenset[int]:
    """The slots an item's ``held`` attribute (as stored) lists."""
    return frozenset(json.loads(raw)) if raw else frozenset()


def attribute(item: dict[str, Any] | None, name: str) -> int | None:
    """The number attribute ``name`` of ``item``; None without the item or the attribute."""
    if not item or name not in item:
        return None
    return int(item[name]["N"])


def next_of(item: dict[str, Any] | None) -> int | None:
    """A shard item's next free slot; None if there is no item yet."""
    return attribute(item, NEXT_ATTRIBUTE)
