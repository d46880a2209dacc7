"""The Pinpoint voice channel's errors, as the Pinpoint API reference names them."""

from __future__ import annotations

from voice_constructs.testing.exceptions import ServiceError

# The service's own error names per HTTP status.
PINPOINT_ERRORS = {
    400: "BadRequestException",
    403: "ForbiddenException",
    404: "NotFoundException",
    429: "TooManyRequestsException",
    500: "InternalServerErrorException",
}


class BadRequestException(ServiceError):  # noqa: N818 (the service\'s own name)
    """400: the request is invalid."""

    def __init__(self, message: str) -> None:
        super().__init__(400, "BadRequestException", message)


class NotFoundException(ServiceError):  # noqa: N818 (the service\'s own name)
    """404: no such application or channel."""

    def __init__(self, message: str) -> None:
        super().__init__(404, "NotFoundException", message)
