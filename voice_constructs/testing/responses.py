"""The base of the three fakes' responses: moto's ``BaseResponse`` with fault injection.

moto's machinery does the work, as for its own services: ``BaseResponse.dispatch`` parses the
request (account, region, body), ``call_action`` calls the method named after the operation (one
method per operation in each service's ``responses.py``), and the operation comes from the
``X-Amz-Target`` header (JSON protocol, v2) or from the method and path matched against
botocore's service model (REST-JSON: the voice channel and v1), whose path labels land in
``uri_match``.

What :class:`VoiceResponse` adds, and why:

- ``_get_action`` skips moto's first source, an ``Action`` parameter, which moto also parses out
  of a form-encoded body: a JSON body whose text holds ``&Action=`` would otherwise name the
  operation. These services never take an ``Action`` parameter.
- ``call_action`` answers a request no faked operation matches the way the fake always has
  (each service's :meth:`VoiceResponse.unknown_operation`), where moto would raise.
- :meth:`VoiceResponse.respond` runs an operation through :func:`faults.respond` (injected
  faults, response patches, the call log) and renders errors itself, since an injected fault
  may carry a status and code that the service model does not list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from moto.core.common_types import TYPE_RESPONSE as MOTO_RESPONSE
from moto.core.responses import BaseResponse

from voice_constructs.testing import faults
from voice_constructs.testing.exceptions import ServiceError
from voice_constructs.testing.faults import TYPE_RESPONSE, FakeBackend

# What an operation method hands back to moto's ``call_action``: the body, and headers carrying
# the status.
Reply = tuple[str, dict[str, Any]]


class VoiceResponse(BaseResponse):
    """Moto's ``BaseResponse`` for a faked voice API; subclasses add one method per operation."""

    #: The operations the fake serves (their method names are these in snake case).
    OPERATIONS: ClassVar[tuple[str, ...]] = ()
    #: The service's error names per HTTP status, for an error raised without one.
    ERRORS: ClassVar[dict[int, str]] = {}

    def __init__(self, service_name: str) -> None:
        super().__init__(service_name=service_name)
        self._operation: str | None = None

    @property
    def backend(self) -> FakeBackend:
        """The backend of the request's account and region."""
        raise NotImplementedError

    def _get_action(self) -> str:
        if self._operation is None:
            target = self.headers.get("X-Amz-Target")
            if target:
                self._operation = str(target).rsplit(".", 1)[-1]
            else:
                matched = self._get_action_from_method_and_request_uri(self.normalized_request)
                self._operation = matched or ""
        return self._operation

    def call_action(self) -> MOTO_RESPONSE:
        """Moto's dispatch to the operation's method, for the operations the fake serves."""
        operation = self._get_action()
        if operation not in self.OPERATIONS:
            return self.unknown_operation(operation)
        return super().call_action()

    def unknown_operation(self, operation: str) -> TYPE_RESPONSE:
        """The answer to a request that names no faked operation."""
        raise NotImplementedError

    def path_parameter(self, label: str) -> str:
        """A label of the operation's path (``{ConfigurationSetName}``), percent-decoded."""
        return str(self.uri_match.get(label, ""))

    def respond(self, action: Callable[[dict[str, Any]], dict[str, Any]]) -> Reply:
        """Answer with ``action`` applied to the request's JSON body, faults and log included."""
        body, refusal = self._json_body()
        status, headers, payload = faults.respond(
            self.backend,
            self._get_action(),
            body,
            self.uri,
            self.ERRORS,
            lambda: action(body),
            refusal=refusal,
        )
        return payload, {**headers, "status": status}

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
