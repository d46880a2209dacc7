"""Lambda handler that sends voice messages with the Pinpoint SMS and Voice API v1.

Two ways in, one set of rules:

- **Direct invoke.** The event is the SendVoiceMessage request body, plus an optional
  ``IdempotencyKey``; fields it leaves out come from the construct's configuration. The result is
  ``{"MessageId": "..."}``. Every failure raises an exception whose type mirrors the service's
  error (``BadRequestException``, ``TooManyRequestsException``, ...).
- **SQS batch** (the construct's bulk queue). Each record's body is the same request. The result
  is a partial batch response: transient failures go back to the queue with a growing delay,
  and permanent ones are moved to the dead-letter queue with their reason.

At most one call per message. With the state table (the construct always gives it one), every
message is claimed in the call ledger (:mod:`send_voice_message.ledger`) before its request
leaves: a queued message by its ``IdempotencyKey`` or the hash of its request, a direct invoke
by its ``IdempotencyKey`` or, without one, by its Lambda request id (the same across Lambda's own
asynchronous retries). A repeated key returns the first ``MessageId``. Only an answer that proves
no call was placed releases the claim for a retry; a call whose outcome is unknown (a read
timeout, a 5xx, a crash or kill after the request left) is never dialled again.

Every call then takes a slot of the recipient's daily cap and of the sending quota
(:mod:`send_voice_message.quota`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from vc_common.aws import client, client_config, error_code, error_message
from vc_common.clock import Clock, SystemClock
from vc_common.contract import (
    API_V1,
    API_V2,
    CONNECT_TIMEOUT_SECONDS,
    ENV_API,
    ENV_CALLER_ID,
    ENV_CALLS_PER_MINUTE,
    ENV_CONFIGURATION_SET_NAME,
    ENV_DEAD_LETTER_QUEUE_URL,
    ENV_DEFAULT_LANGUAGE_CODE,
    ENV_DEFAULT_VOICE_ID,
    ENV_IDEMPOTENCY_WINDOW,
    ENV_LOG_LEVEL,
    ENV_MAX_ATTEMPTS,
    ENV_MAX_RECEIVES,
    ENV_ORIGINATION_NUMBER,
    ENV_QUEUE_URL,
    ENV_STATE_TABLE,
    MAX_BACKOFF_SECONDS,
    READ_TIMEOUT_SECONDS,
    SERVICE_BY_API,
)
from vc_common.logs import safe_logger
from vc_common.phone import mask, redact, shorten

from send_voice_message.ledger import (
    LEASE_MARGIN_SECONDS,
    Claim,
    KeyReusedError,
    Ledger,
    LedgerError,
    Previous,
)
from send_voice_message.quota import (
    PacingTimeoutError,
    Quota,
    RecipientCapError,
    RecipientSlot,
)
from send_voice_message.v2 import build_v2_request
from send_voice_message.validation import (
    BadRequestException,
    Defaults,
    build_request,
    idempotency_key,
)

if TYPE_CHECKING:
    from mypy_boto3_pinpoint_sms_voice import PinpointSMSVoiceClient

# Worst case of one attempt, and what is kept back from the function's timeout.
CALL_BUDGET_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
SAFETY_SECONDS = 1.0
# A queued message that failed transiently comes back after 30 s, 60 s, 120 s, ... (15 min max).
REQUEUE_BASE_SECONDS = 30
REQUEUE_MAX_SECONDS = 900
# v1's and v2's names for throttling: the service refused the call, so it is safe to try again.
RETRYABLE_CODES = frozenset({"TooManyRequestsException", "ThrottlingException"})
# A 5xx (or these codes): the service failed while handling the request, perhaps after dialling.
_SERVER_ERROR_CODES = frozenset({"InternalServiceErrorException", "InternalServerException"})
# How often a delivery that found its own message in flight elsewhere looks again.
TWIN_POLL_SECONDS = 1.0
# The v2 request's field names, as the event (which keeps the v1 shape) names them.
_V2_EVENT_FIELDS = {
    "OriginationIdentity": "OriginationPhoneNumber",
    "MessageBody": "Content",
    "MessageBodyTextType": "Content",
    "VoiceId": "Content.VoiceId",
}
# v2's ResourceNotFoundException names the resource; these are the event fields that name it.
_V2_RESOURCE_FIELDS = {
    "configuration-set": "ConfigurationSetName",
    "phone-number": "OriginationPhoneNumber",
    "pool": "OriginationPhoneNumber",
    "sender-id": "OriginationPhoneNumber",
    "protect-configuration": "ProtectConfigurationId",
}
DAILY_CAP_HINT = (
    "a 429 is often the per-recipient cap: at most 5 voice messages to the same number in 24 hours"
)

LOGGER = safe_logger(__name__, os.environ.get(ENV_LOG_LEVEL, "INFO"))


def _defaults() -> Defaults:
    env = os.environ.get
    return Defaults(
        origination_number=env(ENV_ORIGINATION_NUMBER) or None,
        caller_id=env(ENV_CALLER_ID) or None,
        configuration_set_name=env(ENV_CONFIGURATION_SET_NAME) or None,
        language_code=env(ENV_DEFAULT_LANGUAGE_CODE) or None,
        voice_id=env(ENV_DEFAULT_VOICE_ID) or None,
    )


# Read once per container. The construct sizes the attempts so that every retry, timeout and
# back-off fits inside the function's timeout.
DEFAULTS = _defaults()
MAX_ATTEMPTS = int(os.environ.get(ENV_MAX_ATTEMPTS, "3"))
MAX_RECEIVES = int(os.environ.get(ENV_MAX_RECEIVES, "5"))
# botocore does not retry: a retried read timeout could place a second call, and every attempt
# has to take a quota slot first. The handler retries what is safe to retry (see _call).
CONFIG = client_config(
    max_attempts=1,
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
)
API = os.environ.get(ENV_API, API_V1)
if API not in SERVICE_BY_API:
    raise RuntimeError(f"{ENV_API} must be {API_V1!r} or {API_V2!r}, got {API!r}")
# The v1 or the v2 client; both have send_voice_message.
_client: PinpointSMSVoiceClient = client(SERVICE_BY_API[API], CONFIG)


class TooManyRequestsException(Exception):  # noqa: N818 - callers see the service's error name
    """The service throttled every attempt, or the sending quota had no free slot in time."""


class InternalServiceErrorException(Exception):  # noqa: N818 - the service's error name
    """The service failed every attempt with an internal error, or could not be reached."""


class AccessDeniedException(Exception):  # noqa: N818 - the service's error name
    """The function's role may not send voice messages."""


class ServiceException(Exception):  # noqa: N818 - the service's error name
    """Any other error the service returned, with its code."""


class LimitExceededException(Exception):  # noqa: N818 - the service's error name
    """The destination already had its 5 calls in 24 hours; nothing was sent."""


class ServiceQuotaExceededException(LimitExceededException):
    """v2: a quota of the account (spend, or messages per period) is used up; nothing was sent."""


class OutcomeUnknownException(Exception):  # noqa: N818 - named like the service's errors
    """The request was sent but no answer came: the call may have been placed, so no retry."""


class ConflictException(Exception):  # noqa: N818 - named like the service's errors
    """Another invocation is sending the same message right now; nothing was sent by this one."""

    def __init__(self, message: str, previous: Previous | None = None) -> None:
        super().__init__(message)
        self.previous = previous


@dataclass
class Queues:
    """The SQS side of the bulk path: delays retries and records dead letters with reasons."""

    queue_url: str | None
    dead_letter_queue_url: str | None
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


@dataclass
class State:
    """What the state table gives the handler: the quota and the call ledger."""

    quota: Quota | None = None
    ledger: Ledger | None = None

    @property
    def has_table(self) -> bool:
        """Whether the call ledger (and the quota) have a table to live in."""
        return self.ledger is not None


CLOCK: Clock = SystemClock()
QUEUES = Queues(os.environ.get(ENV_QUEUE_URL), os.environ.get(ENV_DEAD_LETTER_QUEUE_URL))
_state: State | None = None


def set_client(client: Any, api: str | None = None) -> None:
    """Replace the SMS and Voice client, and with ``api`` the API it speaks (tests use this)."""
    global _client, API
    if api is not None:
        if api not in SERVICE_BY_API:
            raise ValueError(f"api must be {API_V1!r} or {API_V2!r}, got {api!r}")
        API = api
    _client = client


def build(event: object) -> dict[str, Any]:
    """The service request for ``event`` in the configured API's shape, or BadRequestException."""
    if API == API_V2:
        return build_v2_request(event, DEFAULTS)
    return build_request(event, DEFAULTS)


def set_defaults(defaults: Defaults) -> None:
    """Replace the configured defaults (tests use this instead of re-importing the module)."""
    global DEFAULTS
    DEFAULTS = defaults


def configure(
    *,
    table_name: str | None,
    calls_per_minute: int = 20,
    idempotency_window_seconds: int = 24 * 60 * 60,
    clock: Clock | None = None,
    queues: Queues | None = None,
    dynamodb: Any = None,
) -> State:
    """Set up the state table's users again (tests and simulations call this under moto).

    ``clock`` and ``queues`` replace the current ones when given.
    """
    global _state, CLOCK, QUEUES
    if clock is not None:
        CLOCK = clock
    if queues is not None:
        QUEUES = queues
    if not table_name:
        _state = State()
        return _state
    dynamodb = dynamodb or client("dynamodb")
    quota = Quota(dynamodb, table_name, calls_per_minute=calls_per_minute, clock=CLOCK)
    ledger = Ledger(dynamodb, table_name, window_seconds=idempotency_window_seconds, clock=CLOCK)
    _state = State(quota, ledger)
    return _state


def _current_state() -> State:
    if _state is None:
        env = os.environ.get
        return configure(
            table_name=env(ENV_STATE_TABLE),
            calls_per_minute=int(env(ENV_CALLS_PER_MINUTE, "20")),
            idempotency_window_seconds=int(env(ENV_IDEMPOTENCY_WINDOW, str(24 * 60 * 60))),
        )
    return _state


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Send one voice message (direct invoke) or a batch of queued ones (SQS)."""
    try:
        batch = isinstance(event, dict) and _is_sqs_batch(event)
    except BadRequestException as error:
        _log_rejected(getattr(context, "aws_request_id", None), error)
        raise
    if batch:
        return _handle_batch(event, context)
    return _handle_direct(event, context)


def _is_sqs_batch(event: dict[str, Any]) -> bool:
    """Whether ``event`` is (or claims to be) an SQS batch; a malformed one raises."""
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        return False
    if not any(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records):
        return False
    # Only Lambda's poller sends these; a hand-made one that lacks what it sends is refused
    # before any record is handled, rather than failing inside the batch utility.
    for index, record in enumerate(records[:10_000]):
        where = f"Records[{index}]"
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
    return True


def _handle_direct(event: Any, context: Any) -> dict[str, str]:
    request_id = getattr(context, "aws_request_id", None)
    try:
        key = idempotency_key(event)
        request = build(event)
        state = _current_state()
        if key is not None and not state.has_table:
            raise BadRequestException(
                "IdempotencyKey", "needs the sender's state table, and this function has none"
            )
    except BadRequestException as error:
        _log_rejected(request_id, error)
        raise
    deadline = _deadline(context)
    if state.ledger is None or (key is None and not request_id):
        result = _send(request, deadline=deadline, attempts=MAX_ATTEMPTS, request_id=request_id)
    else:
        # Lambda retries an asynchronous invocation with the same request id: a key made of it
        # (and of the request) is the same for those retries, and new for a new invocation.
        key = key or f"invocation:{request_id}:{request_key(request)}"
        owner = f"invocation:{request_id}"
        try:
            result = _send_once(
                state.ledger,
                key,
                request,
                context,
                owner=owner,
                deadline=deadline,
                attempts=MAX_ATTEMPTS,
            )
        except LedgerError as error:
            raise InternalServiceErrorException(str(error)) from None
        if result.get("Previous") and result.get("MessageId") is None:
            raise OutcomeUnknownException(
                f"an earlier attempt with this key may have placed the call: {result['Reason']}"
            )
    if result.get("MessageId") is None:
        raise OutcomeUnknownException(result.get("Reason", "the outcome of the call is unknown"))
    if request.get("DryRun"):
        return {"MessageId": result["MessageId"], "DryRun": True}
    return {"MessageId": result["MessageId"]}


def _handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    # A batch whose every record failed is still a normal answer: each goes back to the queue.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=event,
        record_handler=lambda record: _handle_record(record, context),
        processor=processor,
        context=context,
    )
    return response


def _handle_record(record: Any, context: Any) -> None:
    receive = int(record.attributes.approximate_receive_count)
    source = {"SourceMessageId": record.message_id, "ReceiveCount": str(receive)}
    log = {"request_id": getattr(context, "aws_request_id", None), **source}
    try:
        event = json.loads(record.body)
    except (ValueError, RecursionError) as error:
        problem = "nests too deeply" if isinstance(error, RecursionError) else str(error)
        _give_up(record, "invalid", f"body must be a JSON object: {problem}", source, log)
        return
    try:
        request = build(event)
        key = idempotency_key(event) or request_key(request)
    except BadRequestException as error:
        _give_up(record, "invalid", str(error), source, log)
        return
    ledger = _current_state().ledger
    if ledger is None:
        raise RuntimeError(f"the bulk path needs the state table ({ENV_STATE_TABLE})")
    owner = f"sqs:{record.message_id}"
    deadline = _deadline(context)
    # A message a person redrove from the dead-letter queue carries the reason it was there.
    failure_type = (record.message_attributes or {}).get("FailureType") or {}
    redriven = bool(failure_type)
    if failure_type.get("stringValue") == "outcome_unknown":
        # Whatever the ledger still holds (its records expire), a call that may have been
        # placed is never dialled again by a redrive.
        reason = (
            "redriving does not resend a message whose call may have been placed; check the "
            "call's status, then send it with a new IdempotencyKey if it was not placed"
        )
        _give_up(record, "outcome_unknown", reason, source, log)
        return
    send = functools.partial(
        _send_once,
        ledger,
        key,
        request,
        context,
        owner=owner,
        deadline=deadline,
        attempts=1,
        give_up=lambda error: _verdict(error, receive),
        redriven=redriven,
    )
    try:
        result = send()
        if result.get("Conflict") and receive >= MAX_RECEIVES:
            # This very message is in flight in another invocation (SQS delivered it twice),
            # and this is its last delivery: wait here for that invocation's outcome.
            result = _await_twin(ledger, key, send, deadline=deadline)
    except Exception as error:
        verdict = _verdict(error, receive)
        if verdict is not None:
            _give_up(record, *verdict, source, log)
            return
        # Nothing was placed: the message goes back to the queue, later each time, and to the
        # dead-letter queue with the last reason once its deliveries are used up.
        delay = min(REQUEUE_BASE_SECONDS * 2 ** (receive - 1), REQUEUE_MAX_SECONDS)
        LOGGER.warning(
            "voice message will be retried",
            extra={**log, "reason": _describe(error), "retry_in_seconds": delay},
        )
        _requeue(record.receipt_handle, delay, log)
        raise
    if result.get("Duplicate"):
        return
    if result.get("DeadLettered"):
        _give_up(record, str(result["DeadLettered"]), str(result.get("Reason")), source, log)
        return
    if result.get("Conflict"):
        twin = result["Conflict"]
        if receive >= MAX_RECEIVES:
            reason = (
                "SQS delivered this message again while another invocation was still sending "
                "it, and that invocation had no outcome before this delivery's deadline; the "
                "call may have been placed: check the call's status before sending it again"
            )
            _give_up(record, "outcome_unknown", reason, source, log)
            return
        # Back when the other invocation has certainly ended; that delivery is not a failure.
        delay = max(1, min(math.ceil(twin.lease_until - CLOCK.now()), REQUEUE_MAX_SECONDS))
        LOGGER.info(
            "voice message is being sent by another invocation: looking again later",
            extra={**log, "retry_in_seconds": delay},
        )
        _requeue(record.receipt_handle, delay, log)
        raise ConflictException("this message is being sent by another invocation")
    if result.get("MessageId") is None:
        _give_up(record, "outcome_unknown", str(result.get("Reason")), source, log)


def _await_twin(
    ledger: Ledger, key: str, send: Callable[[], dict[str, Any]], *, deadline: float
) -> dict[str, Any]:
    """Poll the ledger until the other delivery of this message ends, or until ``deadline``."""
    while CLOCK.now() + TWIN_POLL_SECONDS < deadline - CALL_BUDGET_SECONDS:
        CLOCK.sleep(TWIN_POLL_SECONDS)
        try:
            previous = ledger.look(key)
        except LedgerError:
            break  # the other delivery may still be sending: not knowing is not a failure
        if previous is None or previous.state != "in_progress":
            return send()
    return {"Conflict": Previous("in_progress", None, lease_until=deadline)}


def _verdict(error: Exception, receive: int) -> tuple[str, str] | None:
    """The failure type and reason when a queued message is given up, or None to retry it."""
    if isinstance(error, LedgerError) and receive >= MAX_RECEIVES:
        # Without the ledger, nothing tells whether another delivery of this message holds
        # its claim and is calling: at most once means reporting that as unknown.
        return "outcome_unknown", (
            f"{error}; on the last delivery nothing tells whether another delivery of this "
            "message is sending it: check the call's status before sending it again"
        )
    if isinstance(error, BadRequestException | LimitExceededException | AccessDeniedException):
        return _failure_type(error), str(error)
    if isinstance(error, ServiceException):
        return "rejected", str(error)
    if receive >= MAX_RECEIVES:
        return "retries_exhausted", f"still failing after {receive} deliveries: {_describe(error)}"
    return None


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _failure_type(error: Exception) -> str:
    if isinstance(error, ServiceQuotaExceededException):
        return "quota_exceeded"
    if isinstance(error, LimitExceededException):
        return "recipient_cap"
    if isinstance(error, AccessDeniedException):
        return "access_denied"
    return "invalid" if isinstance(error, BadRequestException) else "rejected"


def _give_up(record: Any, kind: str, reason: str, source: dict[str, str], log: Any) -> None:
    LOGGER.error(
        "voice message moved to the dead-letter queue",
        extra={**log, "failure_type": kind, "reason": reason},
    )
    QUEUES.dead_letter(record.body, reason, kind, source)


def _requeue(receipt_handle: str, seconds: int, log: dict[str, Any]) -> None:
    try:
        QUEUES.delay(receipt_handle, seconds)
    except (BotoCoreError, ClientError) as error:
        # The message still comes back, after the queue's own visibility timeout.
        LOGGER.warning("could not delay the retry", extra={**log, "reason": str(error)})


def request_key(request: dict[str, Any]) -> str:
    """The idempotency key of a request that brings none: a hash of its normalised form."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _deadline(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    budget = remaining() / 1000 if callable(remaining) else 60.0
    return CLOCK.now() + budget - SAFETY_SECONDS


def _lease(context: Any) -> float:
    """The latest instant this invocation may still run: Lambda stops it by then."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    budget = remaining() / 1000 if callable(remaining) else 900.0
    return CLOCK.now() + budget + LEASE_MARGIN_SECONDS


def _send_once(
    ledger: Ledger,
    key: str,
    request: dict[str, Any],
    context: Any,
    *,
    owner: str,
    deadline: float,
    attempts: int,
    give_up: Callable[[Exception], tuple[str, str] | None] | None = None,
    redriven: bool = False,
) -> dict[str, Any]:
    """Send ``request`` at most once for ``key``: claim it, call, and record the outcome.

    ``give_up`` tells, for an error that placed no call, whether the message goes to the
    dead-letter queue (its failure type and reason): its claim is then kept as dead-lettered
    rather than freed. ``redriven`` lets a message back from that queue take over such a claim.

    Returns ``{"MessageId": ...}`` (``"Replayed"`` when an earlier attempt sent it), or without
    a MessageId and with a ``"Reason"`` when the outcome is unknown, ``{"Duplicate": True}`` when
    a queued copy of another message was acknowledged, or ``{"Conflict": previous}`` when
    another invocation holds the claim. Raises when no call was placed and the claim was freed.
    """
    request_id = getattr(context, "aws_request_id", None)
    try:
        taken = ledger.claim(
            key, request, owner=owner, lease_until=_lease(context), redriven=redriven
        )
    except KeyReusedError:
        raise BadRequestException(
            "IdempotencyKey",
            "was already used for a different request within the idempotency window",
        ) from None
    if isinstance(taken, Previous):
        return _answer_from(taken, owner, request, request_id, redriven=redriven)
    return _send_claimed(
        ledger,
        taken,
        request,
        deadline=deadline,
        attempts=attempts,
        request_id=request_id,
        give_up=give_up,
    )


def _answer_from(
    previous: Previous,
    owner: str,
    request: dict[str, Any],
    request_id: str | None,
    *,
    redriven: bool = False,
) -> dict[str, Any]:
    """What a copy of a message gets when an earlier claim on its key exists."""
    log = {
        "request_id": request_id,
        "destination": mask(request["DestinationPhoneNumber"]),
        "claimed_by": previous.owner,
    }
    if previous.state == "dead_lettered":
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
            return {"DeadLettered": previous.failure_type, "Reason": previous.reason}
        LOGGER.info("copy of a message in the dead-letter queue: no call", extra=log)
        return {"Duplicate": True}
    if previous.state == "unknown" and redriven:
        reason = (
            "redriving does not resend a message whose call may have been placed "
            f"({previous.reason}); check the call's status, then send it with a new "
            "IdempotencyKey if it was not placed"
        )
        return {"MessageId": None, "Reason": reason, "Previous": True}
    if previous.state == "sent":
        LOGGER.info(
            "voice message already handled: no second call",
            extra={**log, "message_id": previous.message_id},
        )
        return {"MessageId": previous.message_id, "Replayed": True}
    # A queued copy of another queued message: that message's own delivery reports its outcome.
    # A copy of a direct invoke is not acknowledged: only that invoke's caller would hear of it.
    queued_copy = (
        owner.startswith("sqs:")
        and not previous.is_own(owner)
        and str(previous.owner).startswith("sqs:")
    )
    if previous.state == "in_progress":
        if queued_copy:
            # Another queued message is being sent: its delivery owns the outcome.
            LOGGER.info("duplicate of a message being sent: no second call", extra=log)
            return {"Duplicate": True}
        if owner.startswith("sqs:"):
            return {"Conflict": previous}
        raise ConflictException(
            "another invocation is sending this message right now; retry later to get its "
            "MessageId",
            previous,
        )
    if queued_copy:
        # The other message's own delivery reports the unknown outcome; one report is enough.
        LOGGER.info("duplicate of a message whose outcome is unknown: no second call", extra=log)
        return {"Duplicate": True}
    LOGGER.error("voice message outcome unknown", extra={**log, "reason": previous.reason})
    return {"MessageId": None, "Reason": previous.reason, "Previous": True}


def _send_claimed(
    ledger: Ledger,
    claim: Claim,
    request: dict[str, Any],
    *,
    deadline: float,
    attempts: int,
    request_id: str | None,
    give_up: Callable[[Exception], tuple[str, str] | None] | None,
) -> dict[str, Any]:
    try:
        result = _send(request, deadline=deadline, attempts=attempts, request_id=request_id)
    except Exception as error:
        # _send raises only when no call was placed: free the claim for a retry, or keep it as
        # dead-lettered when the message goes to the dead-letter queue.
        verdict = give_up(error) if give_up is not None else None
        if verdict is not None:
            done = ledger.record_dead_letter(claim, *verdict)
        else:
            done = ledger.release(claim)
        if not done:
            LOGGER.error(
                "could not free or close the message's claim: copies will be told its outcome "
                "is unknown",
                extra={"request_id": request_id},
            )
        raise
    message_id = result.get("MessageId")
    stored = (
        ledger.record_sent(claim, message_id)
        if message_id is not None
        else ledger.record_unknown(claim, str(result.get("Reason")))
    )
    if not stored:
        # The claim stays in progress; once its lease passes, copies are told "unknown".
        LOGGER.error(
            "could not record the outcome of the call",
            extra={"request_id": request_id, "message_id": message_id},
        )
    return result


def _send(
    request: dict[str, Any], *, deadline: float, attempts: int, request_id: str | None
) -> dict[str, Any]:
    """Send ``request`` within the quota; return the MessageId, or why the outcome is unknown.

    Raises only when no call was placed: a local refusal (recipient cap, no quota slot), or an
    answer that proves it (a 4xx, a throttle, a connection that never reached the service).
    Anything else after the request left is returned as an unknown outcome, never raised, so
    that the caller records it and nothing dials the message again.
    """
    destination = request["DestinationPhoneNumber"]
    log = {
        "request_id": request_id,
        "api": API,
        "destination": mask(destination),
        "origination": mask(_origination(request)),
        **_content_summary(request),
        "configuration_set": request.get("ConfigurationSetName"),
    }
    quota = _current_state().quota
    slot = None
    try:
        # A dry run places no call, so it takes none of the recipient's daily calls.
        if quota is not None and not request.get("DryRun"):
            slot = quota.claim_recipient(destination)
        response = _call(request, quota, deadline=deadline, attempts=attempts)
    except _Unanswered as unknown:
        reason = (
            f"the request was sent but {unknown}; the call may have been placed, so it is not "
            "retried: check the call's status (the configuration set's call events) before "
            "sending it again with a new IdempotencyKey"
        )
        LOGGER.error("voice message outcome unknown", extra={**log, "reason": reason})
        return {"MessageId": None, "Reason": reason}
    except Exception as error:
        failure = _failure(error, destination)
        if slot is not None and quota is not None:
            _give_back(quota, slot, log)
        LOGGER.error(
            "voice message not sent",
            extra={**log, "error_type": type(failure).__name__, "reason": str(failure)},
        )
        if failure is error:
            raise
        raise failure from None
    message_id = response["MessageId"]
    LOGGER.info("voice message sent", extra={**log, "message_id": message_id})
    return {"MessageId": message_id}


def _give_back(quota: Quota, slot: RecipientSlot, log: dict[str, Any]) -> None:
    try:
        quota.release_recipient(slot)
    except (BotoCoreError, ClientError) as error:
        # The slot expires with its day; the failure that got here is what the caller sees.
        LOGGER.warning(
            "could not give the recipient's daily slot back", extra={**log, "reason": str(error)}
        )


class _Unanswered(Exception):  # noqa: N818 - internal signal, never seen by callers
    """The request left, and no answer proved that the call was not placed."""

    def __init__(self, detail: str) -> None:
        # Masked and cut: botocore's errors can quote a response body.
        super().__init__(shorten(detail, 500))


class _Attempts(Exception):  # noqa: N818 - internal signal, never seen by callers
    """Every attempt failed in a way that placed no call; ``last`` is the final error."""

    def __init__(self, last: Exception, tries: int) -> None:
        super().__init__(str(last))
        self.last = last
        self.tries = tries


def _call(
    request: dict[str, Any], quota: Quota | None, *, deadline: float, attempts: int
) -> dict[str, Any]:
    origination = _origination(request)
    for attempt in range(1, attempts + 1):
        if quota is not None:
            quota.reserve(origination, latest_start=deadline - CALL_BUDGET_SECONDS)
        response, retry, failure = _attempt(request)
        if failure is None:
            return response
        backoff = min(2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
        if (
            not retry
            or attempt == attempts
            or CLOCK.now() + backoff > deadline - CALL_BUDGET_SECONDS
        ):
            raise _Attempts(failure, attempt)
        CLOCK.sleep(backoff)
    raise AssertionError("unreachable: the loop returns or raises")


def _attempt(request: dict[str, Any]) -> tuple[dict[str, Any], bool, Exception | None]:
    """One request: ``(response, _, None)``, or ``({}, may_retry, error)`` if nothing was placed.

    Raises _Unanswered when the call may have been placed.
    """
    try:
        response: dict[str, Any] = _client.send_voice_message(**request)  # type: ignore[assignment]
    except ClientError as error:
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        code = error_code(error)
        if status >= 500 or code in _SERVER_ERROR_CODES:
            # The service failed while handling the request; it may have dialled first.
            message = redact(error_message(error))
            raise _Unanswered(f"the service failed while handling it ({code}: {message})") from None
        return {}, code in RETRYABLE_CODES, error
    except (EndpointConnectionError, ConnectTimeoutError) as error:
        # Connecting failed, so the request never left: safe to try again. Other connection
        # errors (TLS, proxy) can come after the request was written: those are unknown.
        return {}, True, error
    except (BotoConnectionError, HTTPClientError) as error:
        raise _Unanswered(f"no answer came ({error})") from None
    except BotoCoreError as error:
        # botocore refused the request before sending it (parameters, credentials, ...).
        return {}, False, error
    except Exception as error:
        raise _Unanswered(f"the client failed ({type(error).__name__}: {error})") from None
    return response, False, None


def _origination(request: dict[str, Any]) -> str:
    return str(request.get("OriginationPhoneNumber") or request.get("OriginationIdentity"))


def _content_summary(request: dict[str, Any]) -> dict[str, Any]:
    # What the logs say of the message: its kind and length, never its words.
    if "Content" in request:
        kind = next(iter(request["Content"]))
        return {"content_type": kind, "text_length": len(request["Content"][kind]["Text"])}
    return {
        "content_type": request.get("MessageBodyTextType"),
        "text_length": len(request.get("MessageBody", "")),
        "dry_run": bool(request.get("DryRun")),
    }


def _failure(error: Exception, destination: str) -> Exception:
    if isinstance(error, RecipientCapError):
        return LimitExceededException(f"{mask(destination)}: {error}")
    if isinstance(error, PacingTimeoutError):
        return TooManyRequestsException(str(error))
    if isinstance(error, BotoCoreError):
        return InternalServiceErrorException(f"could not reach the SMS and Voice API: {error}")
    if isinstance(error, ClientError):
        # Only the state table answers before the request leaves (recipient slot, pacing).
        return InternalServiceErrorException(
            f"the sender's state table failed ({error_code(error)}); no call was placed, so "
            "it is safe to try again"
        )
    if not isinstance(error, _Attempts):
        return error
    last, tries = error.last, error.tries
    if isinstance(last, ClientError):
        return _explain(last, destination, tries)
    return InternalServiceErrorException(
        f"could not reach the SMS and Voice API after {tries} attempts: {last}"
    )


def _explain(error: ClientError, destination: str, tries: int) -> Exception:
    # The service's message may quote the request's numbers: they are masked like ours.
    code, message = error_code(error), redact(error_message(error))
    if code == "BadRequestException":
        return BadRequestException("request", f"was rejected by the service: {message}")
    if code == "ValidationException":
        fields = _member(error, "Fields") or []
        name = str(fields[0].get("Name")) if fields else "request"
        reason = _member(error, "Reason")
        because = f" ({reason})" if reason else ""
        return BadRequestException(
            _V2_EVENT_FIELDS.get(name, name), f"was rejected by the service{because}: {message}"
        )
    if code == "ResourceNotFoundException":
        resource = str(_member(error, "ResourceType") or "resource")
        return BadRequestException(
            _V2_RESOURCE_FIELDS.get(resource, "request"),
            f"names a {resource} that does not exist: {message}",
        )
    if code == "ServiceQuotaExceededException":
        reason = _member(error, "Reason")
        because = f" ({reason})" if reason else ""
        return ServiceQuotaExceededException(f"a service quota is used up{because}: {message}")
    if code == "ThrottlingException":
        return TooManyRequestsException(
            f"the service throttled the call to {mask(destination)} {tries} times in a row "
            f"({message}); wait before sending again"
        )
    if code == "TooManyRequestsException":
        return TooManyRequestsException(
            f"the service throttled the call to {mask(destination)} {tries} times in a row "
            f"({message}); {DAILY_CAP_HINT}, so wait before sending to this number again"
        )
    if code in ("AccessDeniedException", "AccessDenied", "ForbiddenException"):
        return AccessDeniedException(
            f"access denied: the function's role lacks sms-voice:SendVoiceMessage ({message})"
        )
    return ServiceException(f"{code}: {message}")


def _member(error: ClientError, name: str) -> Any:
    # botocore puts a modeled error's own members (v2's Reason, Fields, ...) beside "Error".
    response: dict[str, Any] = dict(error.response)
    return response.get(name)


def _log_rejected(request_id: str | None, error: BadRequestException) -> None:
    LOGGER.warning(
        "rejected invalid request",
        extra={"request_id": request_id, "field": error.field, "reason": str(error)},
    )
