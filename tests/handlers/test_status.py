"""get_call_status reads back what the call status tracker records, for a MessageId."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from call_status import index as tracker

from tests.handlers.test_call_status import TABLE
from tests.handlers.test_call_status import table as table
from voice_constructs.status import CallStatus, get_call_status

START_MS = 1_800_000_000_000


def sns(message_id: str, *events: tuple[str, int]) -> dict[str, Any]:
    """An SNS delivery of call events, as the service publishes them."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "Message": json.dumps(
                        {
                            "eventType": event_type,
                            "eventTimestamp": START_MS + offset_ms,
                            "messageId": message_id,
                        }
                    )
                },
            }
            for event_type, offset_ms in events
        ]
    }


def test_a_completed_call_reads_back_with_its_history(table: str) -> None:
    tracker.handler(
        sns(
            "call-1",
            ("INITIATED_CALL", 0),
            ("ANSWERED", 9_000),
            ("RINGING", 2_000),  # late: the status does not move back
            ("COMPLETED_CALL", 60_000),
        ),
        None,
    )

    status = get_call_status(TABLE, "call-1", client=boto3.client("dynamodb"))

    assert status == CallStatus(
        message_id="call-1",
        status="COMPLETED_CALL",
        status_at="2027-01-15T08:01:00.000+00:00",
        is_final=True,
        history={
            "INITIATED_CALL": "2027-01-15T08:00:00.000+00:00",
            "RINGING": "2027-01-15T08:00:02.000+00:00",
            "ANSWERED": "2027-01-15T08:00:09.000+00:00",
            "COMPLETED_CALL": "2027-01-15T08:01:00.000+00:00",
        },
    )
    assert list(status.history) == ["INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"]


def test_a_call_still_ringing_is_not_final(table: str) -> None:
    tracker.handler(sns("call-2", ("VOICE_INITIATED", 0), ("VOICE_RINGING", 1_000)), None)

    status = get_call_status(TABLE, "call-2", client=boto3.client("dynamodb"))

    assert status is not None
    assert (status.status, status.is_final) == ("RINGING", False)


def test_a_v2_call_whose_time_to_live_ran_out_is_final(table: str) -> None:
    tracker.handler(sns("call-3", ("VOICE_TTL_EXPIRED", 0)), None)

    status = get_call_status(TABLE, "call-3", client=boto3.client("dynamodb"))

    assert status is not None
    assert (status.status, status.is_final, list(status.history)) == (
        "TTL_EXPIRED",
        True,
        ["TTL_EXPIRED"],
    )


def test_an_unknown_call_has_no_status(table: str) -> None:
    assert get_call_status(TABLE, "never-sent", client=boto3.client("dynamodb")) is None


@pytest.mark.usefixtures("table")
def test_the_default_client_is_boto3s() -> None:
    tracker.handler(sns("call-4", ("BUSY", 0)), None)

    status = get_call_status(TABLE, "call-4")

    assert status is not None
    assert status.status == "BUSY"
