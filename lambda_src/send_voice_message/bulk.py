"""The bulk path: an SQS batch from the construct's queue, each record one message.

Each record's body is the same event a direct invoke takes. A record is sent at most once
(:class:`~send_voice_message.once.AtMostOnce`, keyed by its ``IdempotencyKey`` or the hash of its
request), and the batch's answer is a partial batch response: a failure that placed no call and
may pass goes back to the queue, later each time; a permanent one, an unknown outcome, or a
message on its last delivery goes to the dead-letter queue with its reason (:class:`Queues`).
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from vc_common.aws import client
from vc_common.clock import Clock
from vc_common.contract import ENV_DEAD_LETTER_QUEUE_URL, ENV_STATE_TABLE, LINEAGE_ATTRIBUTE
from vc_common.phone import shorten

from send_voice_message.destinations import Destinations
from send_voice_message.errors import (
    BadRequestException,
    ConflictException,
    DestinationCountryBlockedException,
    NotSentError,
)
from send_voice_message.ledger import QUEUED_OWNER, Ledger, LedgerError, Previous
from send_voice_message.once import AtMostOnce
from send_voice_message.request import Api, Message, request_key
from send_voice_message.service import CALL_BUDGET_SECONDS, Outcome, invocation_deadline
from send_voice_message.validation import Defaults

# A queued message that failed transiently comes back after 30 s, 60 s, 120 s, ... (15 min max).
REQUEUE_BASE_SECONDS = 30
REQUEUE_MAX_SECONDS = 900
# How often a delivery that found its own message in flight elsewhere looks again.
TWIN_POLL_SECONDS = 1.0
_REDRIVE_UNKNOWN = (
    "redriving does not resend a message whose call may have been placed; check the call's "
    "status, then send it with a new IdempotencyKey if it was not placed"
)
_TWIN_UNFINISHED = (
    "SQS delivered this message again while another invocation was still sending it, and that "
    "invocation had no outcome before this delivery's deadline; the call may have been placed: "
    "check the call's status before sending it again"
)


@dataclass
class Queues:
    """The SQS side of the bulk path: delays retries and records dead letters with reasons."""

    queue_url: str | None = None
    dead_letter_queue_url: str | None = None
    client: Any = None

    def _sqs(self) -> Any:
        if self.client is None:
            self.client = client("sqs")
        return self.client

    def dead_letter(self, body: str, reason: str, kind: str, source: dict[str, str]) -> None:
        """Put ``body`` on the dead-letter queue with why it is there."""
        if not self.dead_letter_queue_url:
            raise RuntimeError(f"no dead-letter queue is configured ({ENV_DEAD_LETTER_QUEUE_URL})")
        attributes = {"FailureReason": shorten(reason, 1000), "FailureType": kind, **source}
        self._sqs().send_message(
            QueueUrl=self.dead_letter_queue_url,
            MessageBody=body,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
            },
        )

    def delay(self, receipt_handle: str, seconds: int) -> None:
        """Keep a message invisible for ``seconds`` before its next delivery."""
        if not self.queue_url:
            return
        self._sqs().change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )


def is_sqs_batch(event: dict[str, Any]) -> bool:
    """Whether ``event`` is (or claims to be) an SQS batch; a malformed one raises."""
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        return False
    if not any(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records):
        return False
    # Only Lambda's poller sends these; a hand-made one that lacks what it sends is refused
    # before any record is handled, rather than failing inside the batch utility.
    for index, record in enumerate(records[:10_000]):
        _check_record(record, f"Records[{index}]")
    return True


def _check_record(record: object, where: str) -> None:
    if not isinstance(record, dict) or record.get("eventSource") != "aws:sqs":
        raise BadRequestException(where, "must be an SQS record (eventSource aws:sqs)")
    for name in ("messageId", "receiptHandle", "body"):
        if not isinstance(record.get(name), str):
            raise BadRequestException(f"{where}.{name}", "is required (a string)")
    attributes = record.get("attributes")
    count = attributes.get("ApproximateReceiveCount") if isinstance(attributes, dict) else None
    if not isinstance(count, str) or not count.isdigit():
        raise BadRequestException(
            f"{where}.attributes.ApproximateReceiveCount", "is required (a whole number)"
        )


@dataclass(frozen=True)
class _Delivery:
    """One delivery of a queued message: its record, how often it came, and what logs name."""

    record: Any
    receive: int
    last: bool
    source: dict[str, str]
    log: dict[str, Any]
    #: The message's identity: the SQS MessageId of its first copy in the bulk queue.
    lineage: str

    @property
    def owner(self) -> str:
        return f"{QUEUED_OWNER}{self.lineage}"

    @property
    def copied(self) -> bool:
        """Whether this is a redelivery or a copy: an earlier attempt may have claimed it."""
        return self.receive > 1 or self.lineage != self.record.message_id


class Bulk:
    """Sends the records of an SQS batch at most once each, and dead-letters with reasons."""

    def __init__(
        self,
        *,
        once: AtMostOnce | None,
        api: Api,
        defaults: Defaults,
        destinations: Destinations,
        queues: Queues,
        clock: Clock,
        max_receives: int,
        logger: logging.Logger,
    ) -> None:
        """Send through ``once`` (None: no state table, so every record fails back to SQS)."""
        self._once = once
        self._api = api
        self._defaults = defaults
        self._destinations = destinations
        self._queues = queues
        self._clock = clock
        self._max_receives = max_receives
        self._logger = logger

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The partial batch response for ``event``: the records that go back to the queue."""
        from aws_lambda_powertools.utilities.batch import (
            BatchProcessor,
            EventType,
            process_partial_response,
        )

        # A batch whose every record failed is still a normal answer: each goes back to the queue.
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
            event=event,
            record_handler=lambda record: self._handle_record(record, context),
            processor=processor,
            context=context,
        )
        return response

    def _handle_record(self, record: Any, context: Any) -> None:
        receive = int(record.attributes.approximate_receive_count)
        lineage = lineage_of(record)
        source = {LINEAGE_ATTRIBUTE: lineage, "ReceiveCount": str(receive)}
        log = {"request_id": getattr(context, "aws_request_id", None), **source}
        delivery = _Delivery(record, receive, receive >= self._max_receives, source, log, lineage)
        prepared = self._prepare(delivery)
        if prepared is None:
            return
        if self._once is None:
            raise RuntimeError(f"the bulk path needs the state table ({ENV_STATE_TABLE})")
        deadline = invocation_deadline(context, self._clock)
        # A message a person redrove from the dead-letter queue carries the reason it was there.
        failure_type = (record.message_attributes or {}).get("FailureType") or {}
        if failure_type.get("stringValue") == "outcome_unknown":
            # Whatever the ledger still holds (its records expire), a call that may have been
            # placed is never dialled again by a redrive.
            self._give_up(delivery, "outcome_unknown", _REDRIVE_UNKNOWN)
            return
        key, request, pooled, legacy_key = prepared
        send = functools.partial(
            self._once.send,
            key,
            request,
            context,
            owner=delivery.owner,
            deadline=deadline,
            attempts=1,
            give_up=lambda error: self._verdict(error, delivery),
            redriven=bool(failure_type),
            pooled=pooled,
            legacy_key=legacy_key if delivery.copied or failure_type else None,
        )
        outcome = self._send(delivery, send, self._once.ledger, key, deadline)
        if outcome is not None:
            self._settle(delivery, outcome)

    def _prepare(self, delivery: _Delivery) -> tuple[str, dict[str, Any], bool, str | None] | None:
        """The record's key, request, and more; None when it was dead-lettered as invalid.

        Besides the key and request: whether it names no origination (any own identity), and
        the key 0.1 gave a message without an ``IdempotencyKey`` (its content's hash). The key
        is the message's identity: its ``IdempotencyKey``, or else its lineage, never its
        content alone (two messages that say the same thing are two messages).
        """
        try:
            event = json.loads(delivery.record.body)
        except (ValueError, RecursionError) as error:
            problem = "nests too deeply" if isinstance(error, RecursionError) else str(error)
            self._give_up(delivery, "invalid", f"body must be a JSON object: {problem}")
            return None
        try:
            message = Message.from_event(event)
            request = self._destinations.apply(self._api.shape(message, self._defaults))
        except BadRequestException as error:
            self._give_up(delivery, "invalid", str(error))
            return None
        except DestinationCountryBlockedException as error:
            # Before the ledger's claim: a blocked country costs no request to any service.
            self._give_up(delivery, error.failure_type, str(error))
            return None
        if message.idempotency_key:
            return message.idempotency_key, request, message.names_no_origination, None
        key = queued_key(delivery.lineage)
        return key, request, message.names_no_origination, request_key(request)

    def _send(
        self,
        delivery: _Delivery,
        send: Callable[[], Outcome],
        ledger: Ledger,
        key: str,
        deadline: float,
    ) -> Outcome | None:
        """The outcome of ``send``; None when the record went to the dead-letter queue instead.

        Raises, after asking SQS to bring the record back later, when it may be tried again.
        """
        try:
            outcome = send()
            if outcome.conflict and delivery.last:
                # This very message is in flight in another invocation (SQS delivered it twice),
                # and this is its last delivery: wait here for that invocation's outcome.
                outcome = self._await_twin(ledger, key, send, deadline=deadline)
        except Exception as error:
            verdict = self._verdict(error, delivery)
            if verdict is not None:
                self._give_up(delivery, *verdict)
                return None
            # Nothing was placed: the message goes back to the queue, later each time, and to
            # the dead-letter queue with the last reason once its deliveries are used up.
            delay = min(REQUEUE_BASE_SECONDS * 2 ** (delivery.receive - 1), REQUEUE_MAX_SECONDS)
            self._logger.warning(
                "voice message will be retried",
                extra={**delivery.log, "reason": _describe(error), "retry_in_seconds": delay},
            )
            self._requeue(delivery, delay)
            raise
        return outcome

    def _settle(self, delivery: _Delivery, outcome: Outcome) -> None:
        """Acknowledge the record, dead-letter it, or (a conflict) send it back to the queue."""
        if outcome.duplicate:
            return
        if outcome.dead_lettered:
            self._give_up(delivery, outcome.dead_lettered, str(outcome.reason))
            return
        if outcome.conflict:
            self._come_back_later(delivery, outcome.conflict)
            return
        if outcome.message_id is None:
            self._give_up(delivery, "outcome_unknown", str(outcome.reason))

    def _come_back_later(self, delivery: _Delivery, twin: Previous) -> None:
        """Another invocation is sending this message: look again once it has surely ended."""
        if delivery.last:
            self._give_up(delivery, "outcome_unknown", _TWIN_UNFINISHED)
            return
        # Back when the other invocation has certainly ended; that delivery is not a failure.
        lease_until = twin.lease_until if twin.lease_until is not None else self._clock.now()
        delay = max(1, min(math.ceil(lease_until - self._clock.now()), REQUEUE_MAX_SECONDS))
        self._logger.info(
            "voice message is being sent by another invocation: looking again later",
            extra={**delivery.log, "retry_in_seconds": delay},
        )
        self._requeue(delivery, delay)
        raise ConflictException("this message is being sent by another invocation")

    def _await_twin(
        self, ledger: Ledger, key: str, send: Callable[[], Outcome], *, deadline: float
    ) -> Outcome:
        """Poll the ledger until the other delivery of this message ends, or until ``deadline``."""
        while self._clock.now() + TWIN_POLL_SECONDS < deadline - CALL_BUDGET_SECONDS:
            self._clock.sleep(TWIN_POLL_SECONDS)
            try:
                previous = ledger.look(key)
            except LedgerError:
                break  # the other delivery may still be sending: not knowing is not a failure
            if previous is None or previous.state != "in_progress":
                return send()
        return Outcome(conflict=Previous("in_progress", None, lease_until=deadline))

    def _verdict(self, error: Exception, delivery: _Delivery) -> tuple[str, str] | None:
        """The failure type and reason when a queued message is given up, or None to retry it."""
        if isinstance(error, LedgerError) and delivery.last:
            # Without the ledger, nothing tells whether another delivery of this message holds
            # its claim and is calling: at most once means reporting that as unknown.
            return "outcome_unknown", (
                f"{error}; on the last delivery nothing tells whether another delivery of this "
                "message is sending it: check the call's status before sending it again"
            )
        if isinstance(error, NotSentError) and error.failure_type is not None:
            return error.failure_type, str(error)
        if delivery.last:
            return "retries_exhausted", (
                f"still failing after {delivery.receive} deliveries: {_describe(error)}"
            )
        return None

    def _give_up(self, delivery: _Delivery, kind: str, reason: str) -> None:
        self._logger.error(
            "voice message moved to the dead-letter queue",
            extra={**delivery.log, "failure_type": kind, "reason": reason},
        )
        self._queues.dead_letter(delivery.record.body, reason, kind, delivery.source)

    def _requeue(self, delivery: _Delivery, seconds: int) -> None:
        try:
            self._queues.delay(delivery.record.receipt_handle, seconds)
        except (BotoCoreError, ClientError) as error:
            # The message still comes back, after the queue's own visibility timeout.
            self._logger.warning(
                "could not delay the retry", extra={**delivery.log, "reason": str(error)}
            )


def lineage_of(record: Any) -> str:
    """A queued record's identity: the lineage its copy carries, or its own SQS MessageId."""
    carried = (record.message_attributes or {}).get(LINEAGE_ATTRIBUTE) or {}
    value = carried.get("stringValue")
    if isinstance(value, str) and 0 < len(value) <= 100:
        return value
    return str(record.message_id)


def queued_key(lineage: str) -> str:
    """The ledger key of a queued message without an ``IdempotencyKey``.

    It holds a space, which no ``IdempotencyKey`` may, so it never meets one.
    """
    return f"queued message {lineage}"


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
