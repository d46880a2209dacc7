"""Sending at most once: claim the message in the call ledger, call, and record the outcome.

The claim is the step between a request and its call (README, "At most one call per message").
:meth:`AtMostOnce.send` writes it (:mod:`send_voice_message.ledger`) before the request leaves;
an earlier claim on the same key answers instead of a second call. Only an error that proves no
call was placed frees the claim (or keeps it as dead-lettered when the bulk path gives the
message up); any other end is recorded as sent or unknown, and nothing dials it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from vc_common import metrics
from vc_common.clock import Clock
from vc_common.phone import mask

from send_voice_message.errors import BadRequestException, ConflictException
from send_voice_message.ledger import LEASE_MARGIN_SECONDS, Claim, KeyReusedError, Ledger, Previous
from send_voice_message.service import Outcome, Service

# For an error that placed no call: the failure type and reason when the message goes to the
# dead-letter queue, or None when its claim is freed for a retry.
GiveUp = Callable[[Exception], tuple[str, str] | None]


class AtMostOnce:
    """Sends each message at most once for its key, through ``ledger`` and ``service``."""

    def __init__(
        self, ledger: Ledger, service: Service, *, clock: Clock, logger: logging.Logger
    ) -> None:
        """Claim in ``ledger``, call through ``service``, and read leases from ``clock``."""
        self.ledger = ledger
        self._service = service
        self._clock = clock
        self._logger = logger

    def send(
        self,
        key: str,
        request: dict[str, Any],
        context: Any,
        *,
        owner: str,
        deadline: float,
        attempts: int,
        give_up: GiveUp | None = None,
        redriven: bool = False,
        pooled: bool = False,
        legacy_key: str | None = None,
    ) -> Outcome:
        """Send ``request`` at most once for ``key``: claim it, call, and record the outcome.

        ``give_up`` tells, for an error that placed no call, whether the message goes to the
        dead-letter queue: its claim is then kept as dead-lettered rather than freed.
        ``redriven`` lets a message back from that queue take over such a claim. ``pooled``:
        the call may come from any of the sender's own identities (the event named none).
        ``legacy_key``: the key 0.1 gave this message (its content's hash); a record there that
        this very message (``owner``) wrote answers instead of a claim, so no message called
        before an upgrade is called again after it.

        Returns the MessageId (``replayed`` when an earlier attempt sent it), or an outcome
        without one: unknown (with its reason), a ``duplicate`` acknowledged, ``dead_lettered``,
        or a ``conflict`` with another invocation that holds the claim. Raises when no call was
        placed and the claim was freed.
        """
        request_id = getattr(context, "aws_request_id", None)
        if legacy_key is not None:
            earlier = self.ledger.look(legacy_key)
            if earlier is not None and earlier.owner == owner:
                return self._answer(earlier, owner, request, request_id, redriven=redriven)
        try:
            taken = self.ledger.claim(
                key, request, owner=owner, lease_until=self._lease(context), redriven=redriven
            )
        except KeyReusedError:
            raise BadRequestException(
                "IdempotencyKey",
                "was already used for a different request within the idempotency window",
            ) from None
        if isinstance(taken, Previous):
            return self._answer(taken, owner, request, request_id, redriven=redriven)
        return self._send_claimed(
            taken,
            request,
            deadline=deadline,
            attempts=attempts,
            request_id=request_id,
            give_up=give_up,
            pooled=pooled,
        )

    def _lease(self, context: Any) -> float:
        """The latest instant this invocation may still run: Lambda stops it by then."""
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        budget = remaining() / 1000 if callable(remaining) else 900.0
        return self._clock.now() + budget + LEASE_MARGIN_SECONDS

    def _answer(
        self,
        previous: Previous,
        owner: str,
        request: dict[str, Any],
        request_id: str | None,
        *,
        redriven: bool = False,
    ) -> Outcome:
        """What a copy of a message gets when an earlier claim on its key exists."""
        log = {
            "request_id": request_id,
            "destination": mask(request["DestinationPhoneNumber"]),
            "claimed_by": previous.owner,
        }
        if previous.state == "dead_lettered":
            return self._answer_dead_lettered(previous, owner, log)
        if previous.state == "unknown" and redriven:
            reason = (
                "redriving does not resend a message whose call may have been placed "
                f"({previous.reason}); check the call's status, then send it with a new "
                "IdempotencyKey if it was not placed"
            )
            return Outcome(reason=reason, earlier=True)
        if previous.state == "sent":
            if owner.startswith("sqs:") and not previous.is_own(owner):
                self._refused_copy(previous, log, in_flight=True)
            else:
                self._logger.info(
                    "voice message already handled: no second call",
                    extra={**log, "message_id": previous.message_id},
                )
            return Outcome(message_id=previous.message_id, replayed=True)
        # A queued copy of another queued message: that message's own delivery reports its
        # outcome. A copy of a direct invoke is not acknowledged: only that invoke's caller would
        # hear of it.
        queued_copy = (
            owner.startswith("sqs:")
            and not previous.is_own(owner)
            and str(previous.owner).startswith("sqs:")
        )
        if previous.state == "in_progress":
            if queued_copy:
                # Another queued message is being sent: its delivery owns the outcome.
                return self._refused_copy(previous, log, in_flight=True)
            if owner.startswith("sqs:"):
                return Outcome(conflict=previous)
            raise ConflictException(
                "another invocation is sending this message right now; retry later to get its "
                "MessageId",
                previous,
            )
        if queued_copy:
            # The other message is no longer in flight: its own delivery reported the unknown
            # outcome, and this copy goes to the dead-letter queue beside it, never away.
            return self._refused_copy(previous, log, in_flight=False)
        self._logger.error(
            "voice message outcome unknown", extra={**log, "reason": previous.reason}
        )
        return Outcome(reason=previous.reason, earlier=True)

    def _answer_dead_lettered(self, previous: Previous, owner: str, log: dict[str, Any]) -> Outcome:
        """What a copy gets when its key's message was moved to the dead-letter queue."""
        if not owner.startswith("sqs:"):
            raise BadRequestException(
                "IdempotencyKey",
                f"belongs to a queued message moved to the dead-letter queue "
                f"({previous.failure_type}): redrive that message, or send again with a new "
                "IdempotencyKey",
            )
        if previous.is_own(owner):
            # This very message was to go to the dead-letter queue and is back (the send to
            # that queue failed, or its delete did): it goes there again, never silently away.
            return Outcome(dead_lettered=previous.failure_type, reason=previous.reason)
        # Its original is in the dead-letter queue, not in flight: the copy goes there too.
        return self._refused_copy(previous, log, in_flight=False)

    def _refused_copy(self, previous: Previous, log: dict[str, Any], *, in_flight: bool) -> Outcome:
        """A queued copy of another queued message with the same key: no call, and seen.

        While the first message is in flight (being sent, or sent), its delivery owns the
        outcome and the copy is acknowledged; otherwise (unknown outcome, dead-lettered) the copy
        goes to the dead-letter queue with a reason. Either way a log line names the first
        message, and the ``DuplicatesRefused`` metric counts the copy.
        """
        first = {"claimed_by": previous.owner, "message_id": previous.message_id}
        self._logger.warning(
            "duplicate of another queued message refused: no call",
            extra={**log, **first, "first_state": previous.state},
        )
        metrics.emit(metrics.DUPLICATES_REFUSED, now=self._clock.now())
        if in_flight:
            return Outcome(duplicate=True)
        reason = (
            f"a copy of the queued message {previous.owner} (the same IdempotencyKey), whose "
            f"outcome is {previous.state.replace('_', ' ')}"
            + (f" ({previous.failure_type})" if previous.failure_type else "")
            + ": this copy placed no call; resolve the first message, then send it again with a "
            "new IdempotencyKey if it was not placed"
        )
        return Outcome(dead_lettered="duplicate", reason=reason)

    def _send_claimed(
        self,
        claim: Claim,
        request: dict[str, Any],
        *,
        deadline: float,
        attempts: int,
        request_id: str | None,
        give_up: GiveUp | None,
        pooled: bool,
    ) -> Outcome:
        try:
            outcome = self._service.send(
                request,
                deadline=deadline,
                attempts=attempts,
                request_id=request_id,
                pooled=pooled,
            )
        except Exception as error:
            # The service raises only when no call was placed: free the claim for a retry, or
            # keep it as dead-lettered when the message goes to the dead-letter queue.
            verdict = give_up(error) if give_up is not None else None
            if verdict is not None:
                done = self.ledger.record_dead_letter(claim, *verdict)
            else:
                done = self.ledger.release(claim)
            if not done:
                self._logger.error(
                    "could not free or close the message's claim: copies will be told its "
                    "outcome is unknown",
                    extra={"request_id": request_id},
                )
            raise
        message_id = outcome.message_id
        stored = (
            self.ledger.record_sent(claim, message_id)
            if message_id is not None
            else self.ledger.record_unknown(claim, str(outcome.reason))
        )
        if not stored:
            # The claim stays in progress; once its lease passes, copies are told "unknown".
            self._logger.error(
                "could not record the outcome of the call",
                extra={"request_id": request_id, "message_id": message_id},
            )
        return outcome
