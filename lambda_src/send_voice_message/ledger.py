"""The call ledger: a durable claim on each message, so that no message is ever called twice.

Before a request leaves, the sender writes a claim on the message's key (its ``IdempotencyKey``,
the hash of its normalised request, or for a direct invoke without a key its Lambda request id)
into the state table. The claim lasts for the idempotency window, not for the invocation. It
ends in one of three ways:

- **sent**: the service answered with a ``MessageId``; every later copy gets that answer.
- **released**: an answer proved that no call was placed (a local refusal, the service's 4xx
  or throttle, a connection that never reached it). The item is deleted, so a retry may call.
- **unknown**: the request may have reached the service and no answer came (a read timeout, a
  5xx), or the claimant stopped without writing an outcome (a crash, a kill, a throttled
  write). Its lease, the latest instant the claimant could still be running, then passes; from
  then on every copy is told the outcome is unknown, and nothing dials it again.

A message the bulk path moves to the dead-letter queue without a call keeps its record as
**dead-lettered** (with its failure type): a copy of it that comes later is acknowledged as a
duplicate rather than called, so no message is both called and in the dead-letter queue. Only
the dead-lettered message itself, redriven from that queue by a person, may claim it again.

The items keep the layout Powertools idempotency gave them in 0.1 (``id``, ``status``,
``expiration``, ``in_progress_expiration``, ``validation``, ``data``), so records written before
an upgrade are honoured after it. What differs is the meaning of an in-progress record whose
lease has passed: Powertools calls the function again; the ledger never does.

Every time the ledger reads comes from the clock it is given (the simulated one in tests).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from vc_common import contract
from vc_common.aws import error_code
from vc_common.clock import Clock

from send_voice_message.quota import EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY_PREFIX = "send"
# The owner of a queued message's claim: ``sqs:`` and its lineage (contract.LINEAGE_ATTRIBUTE).
QUEUED_OWNER = "sqs:"
IN_PROGRESS, COMPLETED = "INPROGRESS", "COMPLETED"
STATUS_ATTRIBUTE = "status"
LEASE_ATTRIBUTE = "in_progress_expiration"  # milliseconds, as Powertools wrote it
VALIDATION_ATTRIBUTE = "validation"
DATA_ATTRIBUTE = "data"
OWNER_ATTRIBUTE = "owner"
DEAD_LETTER_ATTRIBUTE = "dead_letter"
TOKEN_ATTRIBUTE = "token"  # noqa: S105 - an attribute name, no secret
# Added to a claimant's own deadline: clocks of two Lambda hosts may disagree by this much.
LEASE_MARGIN_SECONDS = 10.0
# How long a claim without a known call, or any record of a queued message, is kept whatever the
# idempotency window: longer than any copy of a queued message can live (the bulk queue's and
# its dead-letter queue's retention, and a margin for a redrive), so that no redelivery or
# redrive finds its message's key free, however late it comes.
UNSETTLED_RETENTION_SECONDS = contract.QUEUED_RECORD_DAYS * 24 * 3600
# A write of the ledger is tried this often, with doubling pauses from WRITE_BACKOFF_SECONDS.
WRITE_ATTEMPTS = 4
WRITE_BACKOFF_SECONDS = 0.1
# Codes after which the write certainly did not happen, or may be tried again safely.
_TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
    }
)


class LedgerError(Exception):
    """The ledger could not be read or written; with a claim, no call was placed."""


class KeyReusedError(Exception):
    """The key was claimed for a different request within the idempotency window."""


@dataclass(frozen=True)
class Claim:
    """A claim this invocation holds: it may call, and must write the outcome or release."""

    item_id: str
    token: str
    owner: str


@dataclass(frozen=True)
class Previous:
    """What an earlier claim on the same key left: sent, in progress, or of unknown outcome."""

    state: str  # "sent", "in_progress", "unknown" or "dead_lettered"
    owner: str | None
    message_id: str | None = None
    reason: str | None = None
    lease_until: float | None = None
    failure_type: str | None = None

    def is_own(self, owner: str) -> bool:
        """Whether the earlier claim is this message's (a record without an owner counts)."""
        return self.owner is None or self.owner == owner


def item_id(key: str) -> str:
    """The table key of a message key (Powertools' layout: ``send#`` and the md5 of its JSON)."""
    digest = hashlib.md5(json.dumps(key, sort_keys=True).encode(), usedforsecurity=False)
    return f"{KEY_PREFIX}#{digest.hexdigest()}"


def request_hash(request: dict[str, Any]) -> str:
    """The hash that tells two requests apart (Powertools' payload validation hash)."""
    canonical = json.dumps(request, sort_keys=True).encode()
    return hashlib.md5(canonical, usedforsecurity=False).hexdigest()


class Ledger:
    """Claims, outcomes and releases of messages in the sender's state table."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        window_seconds: int,
        clock: Clock,
    ) -> None:
        """Keep records for ``window_seconds``; read the time from ``clock``."""
        self._client = client
        self._table = table_name
        self.window_seconds = window_seconds
        self.clock = clock

    def claim(
        self,
        key: str,
        request: dict[str, Any],
        *,
        owner: str,
        lease_until: float,
        redriven: bool = False,
    ) -> Claim | Previous:
        """Claim ``key`` for ``request``, or say what an earlier claim left.

        ``redriven``: the message came back from the dead-letter queue, so it may take over a
        dead-lettered record (one whose call was certainly not placed), and only such a one.
        Raises KeyReusedError when the key belongs to another request, and LedgerError when the
        table cannot be written: then nothing is claimed and no call may be placed.
        """
        now = self.clock.now()
        claim = Claim(item_id(key), uuid.uuid4().hex, owner)
        validation = request_hash(request)
        item = {
            KEY_ATTRIBUTE: {"S": claim.item_id},
            STATUS_ATTRIBUTE: {"S": IN_PROGRESS},
            EXPIRY_ATTRIBUTE: {"N": str(self._unsettled_expiry())},
            LEASE_ATTRIBUTE: {"N": str(int(lease_until * 1000))},
            VALIDATION_ATTRIBUTE: {"S": validation},
            OWNER_ATTRIBUTE: {"S": owner},
            TOKEN_ATTRIBUTE: {"S": claim.token},
        }
        # TTL deletes lazily: a record past its window is free again.
        condition = "attribute_not_exists(#id) OR #exp <= :now"
        names = {"#id": KEY_ATTRIBUTE, "#exp": EXPIRY_ATTRIBUTE}
        values: dict[str, Any] = {":now": {"N": str(int(now))}}
        if redriven:
            condition += " OR (attribute_exists(#dl) AND #validation = :validation)"
            names.update({"#dl": DEAD_LETTER_ATTRIBUTE, "#validation": VALIDATION_ATTRIBUTE})
            values[":validation"] = {"S": validation}
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
                return claim
            except ClientError as error:
                if error_code(error) == "ConditionalCheckFailedException":
                    break
                self._pause_or_withdraw(error, attempt, claim)
            except BotoCoreError as error:
                self._pause_or_withdraw(error, attempt, claim)
        existing = self._get(claim.item_id)
        if existing is None:
            # Gone between the write and the read (expired and removed): not worth a loop.
            raise LedgerError("the message's record changed while it was claimed; try again")
        if existing.get(TOKEN_ATTRIBUTE, {}).get("S") == claim.token:
            return claim  # an earlier attempt of this very write went through
        if existing.get(VALIDATION_ATTRIBUTE, {}).get("S") not in (None, validation):
            raise KeyReusedError
        return self._previous(existing)

    def record_sent(self, claim: Claim, message_id: str) -> bool:
        """Store the service's answer; False if it could not be stored (the claim then stays).

        A sent message is answered for the idempotency window, and then its key is free; a
        queued one (its owner ``sqs:``) for as long as any copy of it may still come.
        """
        expiry = (
            self._unsettled_expiry()
            if claim.owner.startswith(QUEUED_OWNER)
            else int(self.clock.now()) + self.window_seconds
        )
        return self._complete(claim, {"MessageId": message_id}, expiry=expiry)

    def record_unknown(self, claim: Claim, reason: str) -> bool:
        """Store that the call may have been placed; False if it could not be stored."""
        result = {"MessageId": None, "Reason": reason}
        return self._complete(claim, result, expiry=self._unsettled_expiry())

    def record_dead_letter(self, claim: Claim, failure_type: str, reason: str) -> bool:
        """Keep the claim as dead-lettered: no call was placed, and no copy may call now."""
        result = {"MessageId": None, "DeadLettered": failure_type, "Reason": reason}
        return self._complete(
            claim, result, expiry=self._unsettled_expiry(), dead_letter=failure_type
        )

    def release(self, claim: Claim) -> bool:
        """Delete the claim after an answer that proves no call was placed.

        False if it could not be deleted: the claim then stays, and its outcome counts as
        unknown once the lease passes (a call not placed, reported, never a second call).
        """
        return self._write(
            lambda: self._client.delete_item(
                TableName=self._table,
                Key={KEY_ATTRIBUTE: {"S": claim.item_id}},
                ConditionExpression="#token = :token",
                ExpressionAttributeNames={"#token": TOKEN_ATTRIBUTE},
                ExpressionAttributeValues={":token": {"S": claim.token}},
            )
        )

    def look(self, key: str) -> Previous | None:
        """What the ledger holds for ``key`` now, or None when nothing claims it."""
        existing = self._get(item_id(key))
        return None if existing is None else self._previous(existing)

    def _unsettled_expiry(self) -> int:
        window = max(self.window_seconds, UNSETTLED_RETENTION_SECONDS)
        return int(self.clock.now()) + window

    def _complete(
        self,
        claim: Claim,
        result: dict[str, Any],
        *,
        expiry: int,
        dead_letter: str | None = None,
    ) -> bool:
        update = "SET #status = :done, #data = :data, #exp = :exp"
        names = {
            "#status": STATUS_ATTRIBUTE,
            "#data": DATA_ATTRIBUTE,
            "#exp": EXPIRY_ATTRIBUTE,
            "#lease": LEASE_ATTRIBUTE,
            "#token": TOKEN_ATTRIBUTE,
        }
        values = {
            ":done": {"S": COMPLETED},
            ":data": {"S": json.dumps(result, sort_keys=True)},
            ":exp": {"N": str(expiry)},
            ":token": {"S": claim.token},
        }
        if dead_letter is not None:
            update += ", #dl = :dl"
            names["#dl"] = DEAD_LETTER_ATTRIBUTE
            values[":dl"] = {"S": dead_letter}
        return self._write(
            lambda: self._client.update_item(
                TableName=self._table,
                Key={KEY_ATTRIBUTE: {"S": claim.item_id}},
                UpdateExpression=f"{update} REMOVE #lease",
                ConditionExpression="#token = :token",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        )

    def _write(self, write: Any) -> bool:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                write()
                return True
            except ClientError as error:
                if error_code(error) == "ConditionalCheckFailedException":
                    # No longer ours (or an earlier attempt of this write already applied it
                    # and a later one removed the token): nothing more to do here.
                    return False
                if not self._pause(error, attempt):
                    return False
            except BotoCoreError as error:
                if not self._pause(error, attempt):
                    return False
        return False

    def _pause(self, error: Exception, attempt: int) -> bool:
        transient = not isinstance(error, ClientError) or error_code(error) in _TRANSIENT_CODES
        if not transient or attempt == WRITE_ATTEMPTS:
            return False
        self.clock.sleep(WRITE_BACKOFF_SECONDS * 2 ** (attempt - 1))
        return True

    def _pause_or_withdraw(self, error: Exception, attempt: int, claim: Claim) -> None:
        """Pause before the next attempt of a claim, or give up and withdraw it.

        An unanswered attempt may have written the claim: withdrawing it means no copy is told
        of a call never made.
        """
        try:
            self._pause_or_raise(error, attempt, "claim the message")
        except LedgerError:
            # Nothing was written, or it goes now; if it stays, it counts as unknown: no call.
            self.release(claim)
            raise

    def _pause_or_raise(self, error: Exception, attempt: int, what: str) -> None:
        if not self._pause(error, attempt):
            detail = error_code(error) if isinstance(error, ClientError) else type(error).__name__
            raise LedgerError(
                f"could not {what} in the state table ({detail}); no call was placed"
            ) from None

    def _get(self, item: str) -> dict[str, Any] | None:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                response = self._client.get_item(
                    TableName=self._table, Key={KEY_ATTRIBUTE: {"S": item}}, ConsistentRead=True
                )
            except (ClientError, BotoCoreError) as error:
                self._pause_or_raise(error, attempt, "read the message's record")
                continue
            found: dict[str, Any] | None = response.get("Item")
            if found is None:
                return None
            expiry = int(found.get(EXPIRY_ATTRIBUTE, {}).get("N", "0"))
            return found if expiry > self.clock.now() else None
        raise AssertionError("unreachable: the loop returns or raises")

    def _previous(self, item: dict[str, Any]) -> Previous:
        owner = item.get(OWNER_ATTRIBUTE, {}).get("S")
        if item.get(STATUS_ATTRIBUTE, {}).get("S") == COMPLETED:
            try:
                data = json.loads(item.get(DATA_ATTRIBUTE, {}).get("S", "{}"))
            except ValueError:
                data = {}
            message_id = data.get("MessageId") if isinstance(data, dict) else None
            if message_id:
                return Previous("sent", owner, message_id=str(message_id))
            reason = data.get("Reason") if isinstance(data, dict) else None
            failure_type = item.get(DEAD_LETTER_ATTRIBUTE, {}).get("S")
            if failure_type is not None:
                return Previous(
                    "dead_lettered", owner, reason=str(reason), failure_type=failure_type
                )
            return Previous("unknown", owner, reason=str(reason or _UNKNOWN))
        lease = item.get(LEASE_ATTRIBUTE, {}).get("N")
        # A record without a lease (Powertools without a Lambda context) lasts its window.
        lease_until = int(lease) / 1000 if lease is not None else float("inf")
        if lease_until > self.clock.now():
            return Previous("in_progress", owner, lease_until=lease_until)
        return Previous("unknown", owner, reason=_ABANDONED)


_UNKNOWN = "the outcome of the earlier attempt is unknown; the call may have been placed"
_ABANDONED = (
    "an earlier attempt claimed this message and stopped before it could record an outcome "
    "(the function crashed, timed out or could not write to its state table); the call may "
    "have been placed"
)
