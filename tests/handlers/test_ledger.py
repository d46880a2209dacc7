"""The call ledger against moto's DynamoDB, on a simulated clock, with injected write faults."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from send_voice_message import ledger as ledger_module
from send_voice_message.ledger import Claim, KeyReusedError, Ledger, LedgerError, Previous

from tests.handlers.conftest import SimClock, create_state_table

REQUEST = {
    "DestinationPhoneNumber": "+12065550142",
    "Content": {"PlainTextMessage": {"Text": "hi"}},
}
OTHER_REQUEST = {**REQUEST, "Content": {"PlainTextMessage": {"Text": "bye"}}}
WINDOW = 24 * 3600


def throttled(operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
        operation,
    )


class FaultyTable:
    """The DynamoDB client, with faults injected before (or after) chosen operations."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.fail: dict[str, int] = {}
        self.fail_after: dict[str, int] = {}
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.client, name)

        def call(**request: Any) -> Any:
            self.calls.append(name)
            if self.fail.get(name, 0) > 0:
                self.fail[name] -= 1
                raise throttled(name)
            response = real(**request)
            if self.fail_after.get(name, 0) > 0:
                # Applied by DynamoDB, but the answer was lost on the way back.
                self.fail_after[name] -= 1
                raise throttled(name)
            return response

        return call


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def table(voice_mock: object) -> FaultyTable:
    create_state_table()
    return FaultyTable(boto3.client("dynamodb"))


@pytest.fixture
def ledger(table: FaultyTable, clock: SimClock) -> Ledger:
    return Ledger(table, "voice-constructs-state", window_seconds=WINDOW, clock=clock)  # type: ignore[arg-type]


def claim(ledger: Ledger, clock: SimClock, owner: str = "sqs:a", key: str = "k") -> Any:
    return ledger.claim(key, REQUEST, owner=owner, lease_until=clock.now() + 40)


def test_first_claim_holds_and_a_copy_sees_it_in_progress(ledger: Ledger, clock: SimClock) -> None:
    first = claim(ledger, clock)
    second = claim(ledger, clock, owner="sqs:b")

    assert isinstance(first, Claim)
    assert second == Previous("in_progress", "sqs:a", lease_until=clock.now() + 40)
    assert not second.is_own("sqs:b")
    assert second.is_own("sqs:a")


def test_sent_outcome_is_answered_to_every_later_copy(ledger: Ledger, clock: SimClock) -> None:
    first = claim(ledger, clock)
    assert ledger.record_sent(first, "msg-1")
    clock.advance(WINDOW - 1)

    assert claim(ledger, clock, owner="sqs:b") == Previous("sent", "sqs:a", message_id="msg-1")


def test_released_claim_can_be_claimed_again(ledger: Ledger, clock: SimClock) -> None:
    first = claim(ledger, clock)
    assert ledger.release(first)

    assert isinstance(claim(ledger, clock, owner="sqs:b"), Claim)


def test_claim_without_outcome_is_unknown_once_its_lease_passes(
    ledger: Ledger, clock: SimClock
) -> None:
    claim(ledger, clock)  # the claimant crashes: no outcome, no release
    clock.advance(39)
    assert claim(ledger, clock).state == "in_progress"  # type: ignore[union-attr]
    clock.advance(1)

    later = claim(ledger, clock)

    assert isinstance(later, Previous)
    assert later.state == "unknown"
    assert "stopped before it could record an outcome" in str(later.reason)


def test_unknown_outcome_is_kept_as_long_as_sqs_keeps_a_message(
    ledger: Ledger, clock: SimClock
) -> None:
    first = claim(ledger, clock)
    assert ledger.record_unknown(first, "read timeout")
    clock.advance(ledger_module.UNSETTLED_RETENTION_SECONDS - 1)
    assert claim(ledger, clock) == Previous("unknown", "sqs:a", reason="read timeout")

    clock.advance(1)

    assert isinstance(claim(ledger, clock), Claim)


def test_sent_outcome_of_a_direct_invoke_frees_the_key_after_the_window(
    ledger: Ledger, clock: SimClock
) -> None:
    first = claim(ledger, clock, owner="invocation:a")
    assert ledger.record_sent(first, "msg-1")
    clock.advance(WINDOW)

    assert isinstance(claim(ledger, clock, owner="invocation:b"), Claim)


@pytest.mark.parametrize("days", [1, 7, 13, 28])
def test_sent_outcome_of_a_queued_message_outlives_every_copy_of_it(
    ledger: Ledger, clock: SimClock, days: int
) -> None:
    # A copy may come back as long as the queue, then the dead-letter queue, then a redrive keep
    # it: 14 + 14 days and a margin, whatever the idempotency window.
    first = claim(ledger, clock, owner="sqs:a")
    assert ledger.record_sent(first, "msg-1")
    clock.advance(days * 24 * 3600)

    again = claim(ledger, clock, owner="sqs:a")

    assert isinstance(again, Previous)
    assert (again.state, again.message_id) == ("sent", "msg-1")


def test_claim_without_outcome_outlives_a_short_window(table: FaultyTable, clock: SimClock) -> None:
    short = Ledger(table, "voice-constructs-state", window_seconds=60, clock=clock)  # type: ignore[arg-type]
    claim(short, clock)  # the claimant crashes
    clock.advance(6 * 30)  # SQS delivers the message again

    assert claim(short, clock).state == "unknown"  # type: ignore[union-attr]


def test_fails_key_reused_for_another_request(ledger: Ledger, clock: SimClock) -> None:
    claim(ledger, clock)

    with pytest.raises(KeyReusedError):
        ledger.claim("k", OTHER_REQUEST, owner="sqs:b", lease_until=clock.now() + 40)


def test_fails_claim_when_the_table_throttles_every_attempt(
    ledger: Ledger, table: FaultyTable, clock: SimClock
) -> None:
    table.fail["put_item"] = ledger_module.WRITE_ATTEMPTS

    with pytest.raises(LedgerError, match="no call was placed"):
        claim(ledger, clock)

    # Every attempt, then the withdrawal of any claim an unanswered attempt wrote.
    assert table.calls == ["put_item"] * ledger_module.WRITE_ATTEMPTS + ["delete_item"]
    assert ledger.look("k") is None
    # The back-off ran on the given clock: 0.1 + 0.2 + 0.4 s.
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4])


def test_claim_whose_last_answer_was_lost_is_withdrawn(
    ledger: Ledger, table: FaultyTable, clock: SimClock
) -> None:
    table.fail["put_item"] = ledger_module.WRITE_ATTEMPTS - 1
    table.fail_after["put_item"] = 1  # the last attempt is written, and its answer lost

    with pytest.raises(LedgerError):
        claim(ledger, clock)

    assert ledger.look("k") is None  # no copy is told of a call that was never made


def test_claim_whose_answer_was_lost_is_recognised_as_its_own(
    ledger: Ledger, table: FaultyTable, clock: SimClock
) -> None:
    table.fail_after["put_item"] = 1

    held = claim(ledger, clock)

    assert isinstance(held, Claim)
    assert ledger.record_sent(held, "msg-1")


def test_throttled_outcome_write_is_retried(
    ledger: Ledger, table: FaultyTable, clock: SimClock
) -> None:
    held = claim(ledger, clock)
    table.fail["update_item"] = ledger_module.WRITE_ATTEMPTS - 1

    assert ledger.record_sent(held, "msg-1")
    assert ledger.look("k") == Previous("sent", "sqs:a", message_id="msg-1")


def test_outcome_write_that_never_succeeds_leaves_the_claim_to_become_unknown(
    ledger: Ledger, table: FaultyTable, clock: SimClock
) -> None:
    held = claim(ledger, clock)
    table.fail["update_item"] = ledger_module.WRITE_ATTEMPTS

    assert not ledger.record_sent(held, "msg-1")
    clock.advance(40)
    assert ledger.look("k").state == "unknown"  # type: ignore[union-attr]


def test_release_of_a_claim_no_longer_held_changes_nothing(ledger: Ledger, clock: SimClock) -> None:
    first = claim(ledger, clock)
    assert ledger.record_sent(first, "msg-1")
    stale = Claim(first.item_id, "another-token", "sqs:a")

    assert not ledger.release(stale)
    assert ledger.look("k") == Previous("sent", "sqs:a", message_id="msg-1")


# --- Records written by 0.1 (Powertools idempotency) -------------------------------------------


def powertools_send(table: str, key: str, request: dict[str, Any], result: dict[str, Any]) -> None:
    """What 0.1's sender wrote: Powertools idempotency, configured exactly as it was."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="request",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=WINDOW,
    )
    store = DynamoDBPersistenceLayer(table_name=table, boto3_client=boto3.client("dynamodb"))

    def send(payload: dict[str, Any]) -> dict[str, Any]:
        return result

    idempotent_function(
        send, data_keyword_argument="payload", persistence_store=store, config=config,
        key_prefix="send",
    )(payload={"key": key, "request": request})  # fmt: skip


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"MessageId": "legacy-1"}, Previous("sent", None, message_id="legacy-1")),
        ({"MessageId": None, "Reason": "timed out"}, Previous("unknown", None, reason="timed out")),
    ],
    ids=["sent", "unknown"],
)
@pytest.mark.filterwarnings("ignore:Couldn.t determine the remaining time:UserWarning")
def test_records_of_0_1_are_honoured(
    table: FaultyTable, result: dict[str, Any], expected: Previous
) -> None:
    powertools_send("voice-constructs-state", "order-7", REQUEST, result)
    # Powertools wrote its expiry from the real clock; the ledger reads the same one here.
    real = Ledger(
        table,  # type: ignore[arg-type]
        "voice-constructs-state",
        window_seconds=WINDOW,
        clock=SimClock(time.time()),
    )

    assert real.claim("order-7", REQUEST, owner="sqs:new", lease_until=time.time() + 40) == expected
    with pytest.raises(KeyReusedError):
        real.claim("order-7", OTHER_REQUEST, owner="sqs:new", lease_until=time.time() + 40)
