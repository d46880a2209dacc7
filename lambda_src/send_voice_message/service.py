"""The call itself: one request to the SMS and Voice API, within the quota, retried only when safe.

:meth:`Service.send` takes one of the recipient's daily slots, then one of the sender's day (with a
daily cap) and, for every attempt, a start instant of the sending quota
(:mod:`send_voice_message.quota`), then calls. It retries only what
proves that no call was placed (a throttle, a connection that never opened), and it raises only
then, with the exception a caller sees (:mod:`send_voice_message.errors`). A request that left
without such an answer (a read timeout, a 5xx, a crash of the client) is returned as an outcome
that is not known, never raised and never retried, so that the caller records it and nothing
dials the message again.
"""

from __future__ import annotations

import functools
import logging
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
from vc_common import metrics
from vc_common.aws import client_config, error_code, error_message
from vc_common.clock import Clock
from vc_common.contract import CONNECT_TIMEOUT_SECONDS, MAX_BACKOFF_SECONDS, READ_TIMEOUT_SECONDS
from vc_common.phone import mask, redact, shorten

from send_voice_message.errors import (
    AccessDeniedException,
    BadRequestException,
    DailyLimitExceededException,
    DestinationCountryBlockedException,
    InternalServiceErrorException,
    LimitExceededException,
    ServiceException,
    ServiceQuotaExceededException,
    TooManyRequestsException,
)
from send_voice_message.quota import (
    DailyCapError,
    DaySlot,
    PacingTimeoutError,
    Quota,
    RecipientCapError,
    RecipientSlot,
)

if TYPE_CHECKING:
    from send_voice_message.ledger import Previous

# Worst case of one attempt, and what is kept back from the function's timeout.
CALL_BUDGET_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
SAFETY_SECONDS = 1.0
# botocore does not retry: a retried read timeout could place a second call, and every attempt
# has to take a quota slot first. Service retries what is safe to retry.
CLIENT_CONFIG = client_config(
    max_attempts=1,
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
)
# v1's and v2's names for throttling: the service refused the call, so it is safe to try again.
RETRYABLE_CODES = frozenset({"TooManyRequestsException", "ThrottlingException"})
# A 5xx (or these codes): the service failed while handling the request, perhaps after dialling.
_SERVER_ERROR_CODES = frozenset({"InternalServiceErrorException", "InternalServerException"})
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
# v2's reasons for refusing a destination's country (ConflictException, ValidationException).
_COUNTRY_BLOCKED_REASONS = frozenset(
    {"DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION", "DESTINATION_COUNTRY_BLOCKED"}
)
DAILY_CAP_HINT = (
    "a 429 is often the per-recipient cap: at most 5 voice messages to the same number in 24 hours"
)


@dataclass(frozen=True)
class Outcome:
    """How a send ended, when it raised nothing.

    ``message_id`` is the service's answer. Without one, ``reason`` says why the outcome is
    unknown (``earlier``: an earlier attempt with the same key left it so), unless the message
    was a ``duplicate`` acknowledged without a call, is ``dead_lettered`` (its failure type) or
    is in flight in another invocation (``conflict``: that invocation's claim).
    """

    message_id: str | None = None
    reason: str | None = None
    replayed: bool = False
    earlier: bool = False
    duplicate: bool = False
    dead_lettered: str | None = None
    conflict: Previous | None = None


def invocation_deadline(context: Any, clock: Clock) -> float:
    """The instant by which the invocation must have answered: its time left, less a margin."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    budget = remaining() / 1000 if callable(remaining) else 60.0
    return clock.now() + budget - SAFETY_SECONDS


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


class Service:
    """The SMS and Voice API (v1 or v2) behind one client, and the quota it sends within."""

    def __init__(
        self,
        client: Any,
        *,
        api_name: str,
        quota: Quota | None,
        clock: Clock,
        logger: logging.Logger,
    ) -> None:
        """Send with ``client`` (it has send_voice_message); without a quota, unpaced."""
        self._client = client
        self._api_name = api_name
        self._quota = quota
        self._clock = clock
        self._logger = logger

    def send(
        self,
        request: dict[str, Any],
        *,
        deadline: float,
        attempts: int,
        request_id: str | None,
        pooled: bool = False,
    ) -> Outcome:
        """Send ``request``: the MessageId, or why the outcome is unknown.

        ``pooled``: the event named no origination, so each attempt calls from whichever of the
        sender's own identities pacing hands out (the request carries the first of them).

        Raises (a NotSentError) only when no call was placed: a local refusal (recipient cap,
        no quota slot), or an answer that proves it (a 4xx, a throttle, a connection that never
        reached the service).
        """
        destination = request["DestinationPhoneNumber"]
        log = {
            "request_id": request_id,
            "api": self._api_name,
            "destination": mask(destination),
            "origination": mask(_origination(request)),
            **_content_summary(request),
            "configuration_set": request.get("ConfigurationSetName"),
        }
        slot = day = None
        try:
            # A dry run places no call, so it takes none of the recipient's daily calls.
            if self._quota is not None and not request.get("DryRun"):
                slot = self._quota.claim_recipient(destination)
                # Then the sender's day: a refusal by the recipient's cap never writes the
                # shared counter, and a refusal by the day's gives the recipient's slot back.
                day = self._quota.claim_day()
            response = self._call(
                request, deadline=deadline, attempts=attempts, pooled=pooled, log=log
            )
        except _Unanswered as unknown:
            reason = (
                f"the request was sent but {unknown}; the call may have been placed, so it is "
                "not retried: check the call's status (the configuration set's call events) "
                "before sending it again with a new IdempotencyKey"
            )
            self._logger.error("voice message outcome unknown", extra={**log, "reason": reason})
            return Outcome(reason=reason)
        except Exception as error:
            failure = _failure(error, destination)
            if self._quota is not None:
                self._give_back(self._quota, slot, day, log)
            self._logger.error(
                "voice message not sent",
                extra={**log, "error_type": type(failure).__name__, "reason": str(failure)},
            )
            if failure is error:
                raise
            raise failure from None
        message_id = response["MessageId"]
        self._logger.info("voice message sent", extra={**log, "message_id": message_id})
        if not request.get("DryRun"):
            metrics.emit(metrics.CALLS_PLACED, now=self._clock.now())
        return Outcome(message_id=message_id)

    def _give_back(
        self, quota: Quota, slot: RecipientSlot | None, day: DaySlot | None, log: dict[str, Any]
    ) -> None:
        """Give back, each on its own, the slots of a call that was certainly not placed."""
        releases: list[Callable[[], None]] = []
        if slot is not None:
            releases.append(functools.partial(quota.release_recipient, slot))
        if day is not None:
            releases.append(functools.partial(quota.release_day, day))
        for release in releases:
            try:
                release()
            except (BotoCoreError, ClientError) as error:
                # A slot kept expires with its day and costs a call, never adds one; the
                # failure that got here is what the caller sees.
                self._logger.warning(
                    "could not give a slot of the call back", extra={**log, "reason": str(error)}
                )

    def _call(
        self,
        request: dict[str, Any],
        *,
        deadline: float,
        attempts: int,
        pooled: bool,
        log: dict[str, Any],
    ) -> dict[str, Any]:
        for attempt in range(1, attempts + 1):
            if self._quota is not None:
                request = _paced(self._quota, request, deadline - CALL_BUDGET_SECONDS, pooled)
                # The number pacing handed out, which the log lines after this one name.
                log["origination"] = mask(_origination(request))
            response, retry, failure = self._attempt(request)
            if failure is None:
                return response
            backoff = min(2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
            if (
                not retry
                or attempt == attempts
                or self._clock.now() + backoff > deadline - CALL_BUDGET_SECONDS
            ):
                raise _Attempts(failure, attempt)
            self._clock.sleep(backoff)
        raise AssertionError("unreachable: the loop returns or raises")

    def _attempt(self, request: dict[str, Any]) -> tuple[dict[str, Any], bool, Exception | None]:
        """One request: ``(response, _, None)``, or ``({}, may_retry, error)`` if none was placed.

        Raises _Unanswered when the call may have been placed.
        """
        try:
            response: dict[str, Any] = self._client.send_voice_message(**request)
        except ClientError as error:
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            code = error_code(error)
            if status >= 500 or code in _SERVER_ERROR_CODES:
                # The service failed while handling the request; it may have dialled first.
                message = redact(error_message(error))
                raise _Unanswered(
                    f"the service failed while handling it ({code}: {message})"
                ) from None
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


def _paced(quota: Quota, request: dict[str, Any], latest: float, pooled: bool) -> dict[str, Any]:
    """Wait for the call's slot: the request, from the identity the slot hands out if pooled."""
    if not (pooled and quota.identities):
        quota.reserve(_origination(request), latest_start=latest)
        return request
    identity, _ = quota.reserve_any(latest_start=latest)
    field = (
        "OriginationPhoneNumber" if "OriginationPhoneNumber" in request else "OriginationIdentity"
    )
    return {**request, field: identity}


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
    """What the caller sees of ``error``, which placed no call."""
    if isinstance(error, RecipientCapError):
        return LimitExceededException(f"{mask(destination)}: {error}")
    if isinstance(error, DailyCapError):
        return DailyLimitExceededException(str(error))
    if isinstance(error, PacingTimeoutError):
        return TooManyRequestsException(str(error))
    if isinstance(error, BotoCoreError):
        return InternalServiceErrorException(f"could not reach the SMS and Voice API: {error}")
    if isinstance(error, ClientError):
        # Only the state table answers before the request leaves (recipient slot, day, pacing).
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
    if _member(error, "Reason") in _COUNTRY_BLOCKED_REASONS:
        return DestinationCountryBlockedException(
            f"the service refused the destination {mask(destination)}'s country "
            f"({_member(error, 'Reason')}): {message}"
        )
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
