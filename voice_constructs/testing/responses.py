"""The base of the three fakes' responses: moto's ``BaseResponse`` with fault injection.

moto parses the request (``BaseResponse.dispatch``: method, path, body, headers, account, region)
and hands the fake's answer to the client; everything between is the fake's own:

- :meth:`VoiceResponse.call_action` names the operation: the last part of ``X-Amz-Target``
  (JSON protocol, v2), or the method and path matched against botocore's service model
  (REST-JSON: the voice channel and v1; :mod:`voice_constructs.testing.routing`), whose path
  labels :meth:`VoiceResponse.path_parameter` reads. moto's own dispatch helpers are private and
  renamed between releases, so the fakes do not use them.
- It calls the operation's method (one per operation, named in snake case) and answers a request
  no faked operation matches the way each service does (:meth:`VoiceResponse.unknown_operation`).
- :meth:`VoiceResponse.respond` runs an operation through :func:`faults.respond` (injected
  faults, response patches, the call log) and renders errors itself, since an injected fault
  may carry a status and code that the service model does not list.

What this takes from moto is listed, with the rest, in :mod:`voice_constructs.testing._moto`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any, ClassVar

from voice_constructs.testing import faults
from voice_constructs.testing._moto import BaseResponse
from voice_constructs.testing.exceptions import ServiceError
from voice_constructs.testing.faults import TYPE_RESPONSE, FakeBackend
from voice_constructs.testing.routing import resolve

# What an operation method answers: the status, the headers and the body.
Reply = TYPE_RESPONSE


class VoiceResponse(BaseResponse):
    """Moto's ``BaseResponse`` for a faked voice API; subclasses add one method per operation."""

    #: The operations the fake serves (their method names are these in snake case).
    OPERATIONS: ClassVar[tuple[str, ...]] = ()
    #: The service's error names per HTTP status, for an error raised without one.
    ERRORS: ClassVar[dict[int, str]] = {}

    def __init__(self, service_name: str) -> None:
        super().__init__(service_name=service_name)

    @property
    def backend(self) -> FakeBackend:
        """The backend of the request's account and region."""
        raise NotImplementedError

    @functools.cached_property
    def _route(self) -> tuple[str, dict[str, str]]:
        """The operation the request names ("" when none of the service's does), its labels."""
        target = self.headers.get("X-Amz-Target")
        if target:
            return str(target).rsplit(".", 1)[-1], {}
        found = resolve(str(self.service_name), str(self.method), str(self.path))
        return (found.operation, found.labels) if found else ("", {})

    @property
    def operation(self) -> str:
        """The operation the request names ("" when none of the service's does)."""
        return self._route[0]

    def call_action(self) -> TYPE_RESPONSE:
        """Answer with the operation's method, for the operations the fake serves."""
        operation = self.operation
        if operation not in self.OPERATIONS:
            return self.unknown_operation(operation)
        method: Callable[[], Reply] = getattr(self, _snake_case(operation))
        return method()

    def unknown_operation(self, operation: str) -> TYPE_RESPONSE:
        """The answer to a request that names no faked operation."""
        raise NotImplementedError

    def path_parameter(self, label: str) -> str:
        """A label of the operation's path (``{ConfigurationSetName}``), percent-decoded."""
        return self._route[1].get(label, "")

    def respond(self, action: Callable[[dict[str, Any]], dict[str, Any]]) -> Reply:
        """Answer with ``action`` applied to the request's JSON body, faults and log included."""
        body, refusal = self._json_body()
        return faults.respond(
            self.backend,
            self.operation,
            body,
            self.uri,
            self.ERRORS,
            lambda: action(body),
            refusal=refusal,
        )

    def _json_body(self) -> tuple[dict[str, Any], ServiceError | None]:
        """The request body as a JSON object ({} when empty), or {} and the error it meets."""
        raw = self.body or "{}"
        try:
            body = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
        except json.JSONDecodeError:
            body = None
        if isinstance(body, dict):
            return body, None
        return {}, ServiceError(400, "BadRequestException", "The request body is not valid JSON")


def _snake_case(operation: str) -> str:
    """``SendVoiceMessage`` -> ``send_voice_message``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
