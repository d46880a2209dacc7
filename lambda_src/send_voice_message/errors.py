"""What the sender raises: one base for "not sent", and the one outcome that is not known.

Lambda reports an exception's class name as the invocation's ``errorType``, so the names mirror
the SMS and Voice API's errors (README, "Send a voice message") and never change:

- :class:`NotSentError` and its subclasses: no call was placed for the message (by this
  invocation). ``failure_type`` is the dead-letter queue's ``FailureType`` when the bulk path
  gives the message up at once, or None when the failure may pass and the message is retried.
  The recipient cap (:class:`LimitExceededException`), the sender's daily cap
  (:class:`DailyLimitExceededException`) and the account's quota
  (:class:`ServiceQuotaExceededException`) are siblings: none is a kind of another.
- :class:`OutcomeUnknownException`: the request may have reached the service and no answer proved
  that the call was not placed, so nothing sends the message again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from vc_common.phone import TEXT_LIMIT, shorten

if TYPE_CHECKING:
    from send_voice_message.ledger import Previous


class NotSentError(Exception):
    """No call was placed for the message; the subclass (its name is the errorType) says why."""

    # The bulk path's dead-letter FailureType for a failure that will not pass; None: retry.
    failure_type: ClassVar[str | None] = None


class BadRequestException(NotSentError):  # noqa: N818 - callers see the service's error name
    """The request is invalid; ``field`` names the part of it that is wrong."""

    failure_type = "invalid"

    def __init__(self, field: str, problem: str) -> None:
        """``field`` is wrong: ``problem`` says how (both masked and cut)."""
        # Masked and cut here, so that no caller can echo a number or a megabyte of input.
        super().__init__(shorten(f"{field} {problem}", TEXT_LIMIT))
        self.field = shorten(field, 200)


class TooManyRequestsException(NotSentError):  # noqa: N818 - callers see the service's error name
    """The service throttled every attempt, or the sending quota had no free slot in time."""


class InternalServiceErrorException(NotSentError):  # noqa: N818 - the service's error name
    """The service could not be reached, or the state table failed before the request left."""


class AccessDeniedException(NotSentError):  # noqa: N818 - the service's error name
    """The function's role may not send voice messages."""

    failure_type = "access_denied"


class ServiceException(NotSentError):  # noqa: N818 - the service's error name
    """Any other error the service returned, with its code."""

    failure_type = "rejected"


class LimitExceededException(NotSentError):  # noqa: N818 - the service's error name
    """The destination already had its 5 calls in 24 hours; nothing was sent."""

    failure_type = "recipient_cap"


class DailyLimitExceededException(NotSentError):  # noqa: N818 - named like the service's errors
    """The sender's ``max_calls_per_day`` calls of this UTC day are used up; nothing was sent."""

    failure_type = "daily_cap"


class ServiceQuotaExceededException(NotSentError):  # noqa: N818 - the service's error name
    """v2: a quota of the account (spend, or messages per period) is used up; nothing was sent."""

    failure_type = "quota_exceeded"


class DestinationCountryBlockedException(NotSentError):  # noqa: N818 - named like the service's
    """The destination's country is not one the sender may call (allowed_countries); not sent."""

    failure_type = "country_blocked"
    field = "DestinationPhoneNumber"


class ConflictException(NotSentError):  # noqa: N818 - named like the service's errors
    """Another invocation is sending the same message right now; nothing was sent by this one."""

    def __init__(self, message: str, previous: Previous | None = None) -> None:
        """``previous``: the other invocation's claim, when known."""
        super().__init__(message)
        self.previous = previous


class OutcomeUnknownException(Exception):  # noqa: N818 - named like the service's errors
    """The request was sent but no answer came: the call may have been placed, so no retry."""
