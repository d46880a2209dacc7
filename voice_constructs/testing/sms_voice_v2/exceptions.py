"""AWS End User Messaging SMS and Voice v2's errors, as its service model names and shapes them.

Every error carries the members of its shape in botocore's model and nothing else:
``ValidationException`` a ``Reason`` (``ValidationExceptionReason``) and, for a field, ``Fields``;
``ResourceNotFoundException`` a ``ResourceType`` (``ResourceType``) and ``ResourceId``;
``ConflictException`` a ``Reason`` (``ConflictExceptionReason``), ``ResourceType`` and
``ResourceId``; ``ServiceQuotaExceededException`` a ``Reason``. A ``ResourceId`` that is a phone
number is masked, as every message of the project is.

Each is sent with HTTP status 400, as v2's API reference gives every error but
``InternalServerException`` (500); the model gives none. :data:`SMS_VOICE_V2_ERRORS` is what an
injected fault of a status is named (``fail_next(status=429)`` is ``ThrottlingException``).
"""

from __future__ import annotations

import re

from voice_constructs._contract import phone
from voice_constructs.testing.exceptions import ServiceError

_DIGITS = re.compile(r"\+?[0-9]{7,20}")
_NUMBER = re.compile(r"\+[0-9]{7,15}")
# The service's own error names per HTTP status (JSON protocol).
SMS_VOICE_V2_ERRORS = {
    400: "ValidationException",
    402: "ServiceQuotaExceededException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    409: "ConflictException",
    429: "ThrottlingException",
    500: "InternalServerException",
}


def shown_id(resource_id: str) -> str:
    """A resource id as an error quotes it: a phone number in it masked, cut to 256 characters.

    Only a number with its ``+`` (or a value of digits alone) is one: an id's digits
    (``phone-0123456789abcdef...``) are not.
    """
    if _DIGITS.fullmatch(resource_id):
        return phone.mask(resource_id)
    return _NUMBER.sub(lambda found: phone.mask(found.group()), resource_id[:256])


class ValidationException(ServiceError):  # noqa: N818 (the service\'s own name)
    """400: one field is invalid; the body names it (``Reason`` and ``Fields``), as v2's does.

    ``reason`` is one of the model's ``ValidationExceptionReason`` values
    (``FIELD_VALIDATION_FAILED`` unless the service names the problem more closely).
    """

    def __init__(
        self, field_name: str, message: str, reason: str = "FIELD_VALIDATION_FAILED"
    ) -> None:
        super().__init__(
            400,
            "ValidationException",
            f"{field_name}: {message}",
            {"Reason": reason, "Fields": [{"Name": field_name, "Message": message}]},
        )
        self.reason = reason


class RequestValidationException(ServiceError):  # noqa: N818 (the service\'s own error)
    """400 ``ValidationException`` about the whole request, not a field: its ``Reason`` says why.

    ``CANNOT_PARSE`` (the body is not a JSON object), ``UNKNOWN_OPERATION`` (``X-Amz-Target``
    names no operation of the fake), ``INVALID_NEXT_TOKEN``, ..., reasons of the model's
    ``ValidationExceptionReason``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(400, "ValidationException", message, {"Reason": reason})
        self.reason = reason


class ResourceNotFoundException(ServiceError):  # noqa: N818 (the service\'s own name)
    """No resource of ``resource_type`` (the model's ``ResourceType``) has that id."""

    def __init__(self, resource_type: str, resource_id: str, message: str | None = None) -> None:
        shown = shown_id(resource_id)
        super().__init__(
            400,
            "ResourceNotFoundException",
            message or f"No {resource_type} {shown} in this account and region",
            {"ResourceType": resource_type, "ResourceId": shown},
        )
        self.resource_type = resource_type


class ConflictException(ServiceError):  # noqa: N818 (the service\'s own name)
    """The resource's state forbids the request; ``reason`` is a ``ConflictExceptionReason``."""

    def __init__(self, reason: str, resource_type: str, resource_id: str, message: str) -> None:
        super().__init__(
            400,
            "ConflictException",
            message,
            {"Reason": reason, "ResourceType": resource_type, "ResourceId": shown_id(resource_id)},
        )
        self.reason = reason


class ServiceQuotaExceededException(ServiceError):  # noqa: N818 (the service\'s own name)
    """A quota of the account is used up; ``reason`` names it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(400, "ServiceQuotaExceededException", message, {"Reason": reason})
        self.reason = reason
