"""Pinpoint SMS and Voice v1's errors, as its API reference names them."""

from __future__ import annotations

from voice_constructs.testing.exceptions import ServiceError

# The service's own error names per HTTP status.
SMS_VOICE_ERRORS = {
    400: "BadRequestException",
    404: "NotFoundException",
    409: "AlreadyExistsException",
    412: "LimitExceededException",
    429: "TooManyRequestsException",
    500: "InternalServiceErrorException",
}


class BadRequestException(ServiceError):  # noqa: N818 (the service\'s own name)
    """400: the request is invalid."""

    def __init__(self, message: str) -> None:
        super().__init__(400, "BadRequestException", message)


class NotFoundException(ServiceError):  # noqa: N818 (the service\'s own name)
    """404: no such configuration set or event destination."""

    def __init__(self, message: str) -> None:
        super().__init__(404, "NotFoundException", message)


class AlreadyExistsException(ServiceError):  # noqa: N818 (the service\'s own name)
    """409: a configuration set or event destination of that name exists."""

    def __init__(self, message: str) -> None:
        super().__init__(409, "AlreadyExistsException", message)


class TooManyRequestsException(ServiceError):  # noqa: N818 (the service\'s own name)
    """429: a quota is exhausted."""

    def __init__(self, message: str) -> None:
        super().__init__(429, "TooManyRequestsException", message)
