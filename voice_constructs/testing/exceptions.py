"""The error all three fakes raise.

Each service's ``exceptions.py`` subclasses it with that service's errors. The fakes render it
themselves (:func:`voice_constructs.testing.faults.respond`) instead of through moto's model-driven
serializer: an injected fault may carry any status and code, which the service model does not
list, and the call log records the status of every answer.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """An error response of the faked service, rendered the way the real one sends it.

    ``status`` is the HTTP status, ``code`` the error name (``__type``), ``message`` its message
    and ``extra`` further members of the error body (v2's ``Reason`` and ``Fields``).
    """

    def __init__(
        self, status: int, code: str, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}
