"""AWS End User Messaging SMS and Voice v2's errors, as its service model names them."""

from __future__ import annotations

from voice_constructs.testing.exceptions import ServiceError

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


class ValidationException(ServiceError):  # noqa: N818 (the service\'s own name)
    """400: one field is invalid; the body names it (``Reason`` and ``Fields``), as v2's does."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(
            400,
            "ValidationException",
            f"{field_name}: {message}",
            {
                "Reason": "FIELD_VALIDATION_FAILED",
                "Fields": [{"Name": field_name, "Message": message}],
            },
        )


class RequestValidationException(ServiceError):  # noqa: N818 (the service\'s own error)
    """400 ``ValidationException`` about the whole request, not a field: its ``Reason`` says why.

    ``CANNOT_PARSE`` (the body is not a JSON object) or ``UNKNOWN_OPERATION`` (``X-Amz-Target``
    names no operation of the fake), reasons of the model's ``ValidationExceptionReason``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(400, "ValidationException", message, {"Reason": reason})
