"""Keeps the latest status of every call, from the service's call events, in DynamoDB.

The events come one of two ways, and the handler takes both:

- an SNS delivery (``Records``) from the topic a configuration set's SNS destination publishes
  to: each message body is one event in the service's event format (``eventType``,
  ``eventTimestamp`` in milliseconds since the epoch, ``messageId``, ...);
- an EventBridge event from the default bus (source ``aws.sms-voice``, detail-type ``Voice
  Message Delivery Status Updated``, v2 only), whose ``detail`` is one event in the same format.

Per ``MessageId`` the table keeps:

- ``Status`` and ``StatusAt`` (ISO 8601): the furthest state the call reached. A call only moves
  forward (INITIATED_CALL < RINGING < ANSWERED < a final state), so a late ``RINGING`` never
  overwrites ``COMPLETED_CALL``; between two events of the same rank the later one wins;
- ``<EVENT>At`` for every event seen (``RingingAt``, ...), the first time it was seen;
- ``IsFinal``, and ``expiration`` (epoch seconds, the table's TTL).

Replays and duplicates change nothing. Phone numbers are not stored.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from vc_common import contract
from vc_common.aws import client, client_config, error_code
from vc_common.logs import safe_logger
from vc_common.phone import echo

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LOGGER = safe_logger(__name__, os.environ.get(contract.ENV_LOG_LEVEL, "INFO"))

ENV_TABLE_NAME = contract.ENV_CALL_STATUS_TABLE
ENV_RETENTION_DAYS = contract.ENV_CALL_STATUS_RETENTION_DAYS
# How far a call has got: later states outrank earlier ones; final states share the top rank.
RANKS = {
    "INITIATED_CALL": 1,
    "RINGING": 2,
    "ANSWERED": 3,
    "COMPLETED_CALL": 4,
    "BUSY": 4,
    "FAILED": 4,
    "NO_ANSWER": 4,
    # v2 only: the call was never placed because its TimeToLive ran out.
    "TTL_EXPIRED": 4,
}
# The same events under the v2 names (AWS End User Messaging SMS and Voice).
V2_NAMES = {
    **{v2: v1 for v1, v2 in contract.V2_EVENT_TYPES.items()},
    contract.V2_TTL_EXPIRED[0]: contract.V2_TTL_EXPIRED[1],
}
FINAL_RANK = 4
# The top-level fields of an EventBridge event, none of which an SNS delivery has.
EVENTBRIDGE_FIELDS = frozenset({"source", "detail-type", "detail"})
# The year 5138 in milliseconds: past it a timestamp is a bug, and datetime cannot hold it anyway.
MAX_TIMESTAMP_MS = 10**14

_client: DynamoDBClient = client(
    "dynamodb", client_config(max_attempts=3, connect_timeout=2, read_timeout=5)
)


class CallEventError(Exception):
    """An event the tracker cannot use; the message says which field and why."""


def set_client(client: DynamoDBClient) -> None:
    """Replace the DynamoDB client (tests use this to get a client created under moto)."""
    global _client
    _client = client


def handler(event: dict[str, Any], context: object) -> dict[str, int]:
    """Record every call event of an SNS delivery or an EventBridge event.

    Returns how many events came and how many of them moved a call's status. Each event is
    stored before the next is parsed, so a malformed record keeps those before it.
    """
    table = os.environ[ENV_TABLE_NAME]
    retention_days = int(os.environ.get(ENV_RETENTION_DAYS, "30"))
    events = changed = 0
    for call_event in parse_invocation(event):
        events += 1
        if call_event is not None:
            changed += record_event(table, call_event, retention_days)
    return {"events": events, "statusChanges": changed}


def parse_invocation(event: object) -> Iterator[dict[str, Any] | None]:
    """Every call event of one invocation, parsed in turn; None for those not about calls."""
    if not isinstance(event, dict):
        raise CallEventError(f"event must be a JSON object, got {echo(event)}")
    if EVENTBRIDGE_FIELDS.isdisjoint(event):
        for record in event.get("Records") or []:
            yield parse(record)
    else:
        yield parse_eventbridge(event)


def parse(record: dict[str, Any]) -> dict[str, Any] | None:
    """The call event in one SNS record, normalised; None for events that are not about calls."""
    try:
        body = json.loads(record["Sns"]["Message"])
    except (KeyError, TypeError, ValueError) as error:
        raise CallEventError(f"Sns.Message must be a JSON event: {error}") from None
    if not isinstance(body, dict):
        raise CallEventError("Sns.Message must be a JSON object")
    return parse_call_event(body, field="")


def parse_eventbridge(event: dict[str, Any]) -> dict[str, Any] | None:
    """The call event in an EventBridge event of the default bus, normalised.

    Anything but the service's voice status events is refused, naming the field: the rule
    matches only those, so another event means a rule or a target that is not the tracker's.
    """
    for name, expected in (
        ("source", contract.EVENTBRIDGE_SOURCE),
        ("detail-type", contract.EVENTBRIDGE_VOICE_DETAIL_TYPE),
    ):
        if event.get(name) != expected:
            raise CallEventError(f"{name} must be {expected!r}, got {echo(event.get(name))}")
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise CallEventError(f"detail must be a JSON object, got {echo(detail)}")
    return parse_call_event(detail, field="detail.")


def parse_call_event(body: dict[str, Any], *, field: str) -> dict[str, Any] | None:
    """One event in the service's format, normalised; None for events that are not about calls.

    ``field`` prefixes the names in error messages (``detail.`` for EventBridge's events).
    """
    raw_type = body.get("eventType")
    event_type = V2_NAMES.get(raw_type, raw_type) if isinstance(raw_type, str) else None
    if event_type not in RANKS:
        # SMS or other events sharing the topic: not the tracker's business, and not an error.
        LOGGER.info("ignored event", extra={"event_type": echo(raw_type)})
        return None
    message_id = body.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        raise CallEventError(f"{field}messageId must be a non-empty string, got {echo(message_id)}")
    timestamp = body.get("eventTimestamp")
    if (
        isinstance(timestamp, bool)
        or not isinstance(timestamp, int | float)
        or not math.isfinite(timestamp)
        or not 0 < timestamp < MAX_TIMESTAMP_MS
    ):
        raise CallEventError(
            f"{field}eventTimestamp must be milliseconds since the epoch, got {echo(timestamp)}"
        )
    return {"message_id": message_id, "type": event_type, "ms": int(timestamp)}


def record_event(table: str, call_event: dict[str, Any], retention_days: int) -> int:
    """Store one event; returns 1 if the call's status moved, 0 if it was late or repeated."""
    event_type, ms = call_event["type"], call_event["ms"]
    rank = RANKS[event_type]
    at = datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")
    key = {contract.CALL_STATUS_KEY: {"S": call_event["message_id"]}}
    expiration = {"N": str(ms // 1000 + retention_days * 86400)}
    seen = contract.call_event_seen_attribute(event_type)
    try:
        _client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression=(
                "SET #status = :status, #rank = :rank, #ms = :ms, #at = :at, #final = :final, "
                "#seen = if_not_exists(#seen, :at), #exp = :exp"
            ),
            # Forward only: a higher rank, or the same rank reported later.
            ConditionExpression=(
                "attribute_not_exists(#rank) OR #rank < :rank OR (#rank = :rank AND #ms < :ms)"
            ),
            ExpressionAttributeNames={
                "#status": contract.CALL_STATUS,
                "#rank": "StatusRank",
                "#ms": "StatusTimestamp",
                "#at": contract.CALL_STATUS_AT,
                "#final": contract.CALL_STATUS_IS_FINAL,
                "#seen": seen,
                "#exp": "expiration",
            },
            ExpressionAttributeValues={
                ":status": {"S": event_type},
                ":rank": {"N": str(rank)},
                ":ms": {"N": str(ms)},
                ":at": {"S": at},
                ":final": {"BOOL": rank == FINAL_RANK},
                ":exp": expiration,
            },
        )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        # A late or repeated event: keep the first time it was seen, leave the status alone.
        _client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #seen = if_not_exists(#seen, :at)",
            ExpressionAttributeNames={"#seen": seen},
            ExpressionAttributeValues={":at": {"S": at}},
        )
        LOGGER.info(
            "call event did not change the status",
            extra={"message_id": call_event["message_id"], "event_type": event_type},
        )
        return 0
    LOGGER.info("call status", extra={"message_id": call_event["message_id"], "status": event_type})
    return 1
