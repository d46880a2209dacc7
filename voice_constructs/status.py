"""A call's latest status, as ``CallStatusTracker`` keeps it: for code that waits on a call.

``CallStatusTracker`` writes one item per ``MessageId`` to its table (``tracker.table``; grant
the reader ``tracker.grant_read``). ``get_call_status`` reads it back::

    from voice_constructs.status import get_call_status

    status = get_call_status(table_name, message_id)
    if status is not None and status.is_final:
        print(status.status, status.status_at)  # "COMPLETED_CALL", "2027-01-15T08:00:12.000+00:00"

Needs boto3 (any Lambda runtime, or ``pip install boto3``), never jsii: it imports fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voice_constructs._contract import contract

# Every event a call can go through, in order, under the names the table uses.
_EVENTS = (*contract.CALL_EVENT_TYPES, contract.V2_TTL_EXPIRED[1])


@dataclass(frozen=True)
class CallStatus:
    """One call, as the tracker last recorded it.

    :param message_id: The ``MessageId`` the sender returned.
    :param status: The furthest state the call reached: ``INITIATED_CALL``, ``RINGING``,
        ``ANSWERED``, or a final one: ``COMPLETED_CALL``, ``BUSY``, ``FAILED``, ``NO_ANSWER``,
        ``TTL_EXPIRED`` (v2).
    :param status_at: When it reached it (ISO 8601, UTC).
    :param is_final: Whether no later event can change it.
    :param history: Every event seen, with the first time it was seen, in the order a call goes.
    """

    message_id: str
    status: str
    status_at: str
    is_final: bool
    history: dict[str, str] = field(default_factory=dict)


def get_call_status(table_name: str, message_id: str, *, client: Any = None) -> CallStatus | None:
    """The call's latest status, or None when the tracker has recorded no event for it yet.

    :param table_name: The tracker's table (``CallStatusTracker.table.table_name``).
    :param message_id: The ``MessageId`` of the call.
    :param client: A DynamoDB client. :default: - ``boto3.client("dynamodb")``
    """
    if client is None:
        import boto3

        client = boto3.client("dynamodb")
    response = client.get_item(
        TableName=table_name,
        Key={contract.CALL_STATUS_KEY: {"S": message_id}},
        ConsistentRead=True,
    )
    item: dict[str, Any] | None = response.get("Item")
    if item is None:
        return None
    history = {
        event: item[attribute]["S"]
        for event in _EVENTS
        if (attribute := contract.call_event_seen_attribute(event)) in item
    }
    return CallStatus(
        message_id=message_id,
        status=item[contract.CALL_STATUS]["S"],
        status_at=item[contract.CALL_STATUS_AT]["S"],
        is_final=bool(item[contract.CALL_STATUS_IS_FINAL]["BOOL"]),
        history=history,
    )
