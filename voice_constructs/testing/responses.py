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
- A request the service cannot read (a body that is not UTF-8, not JSON, nested too deeply, not
  an object) gets the service's own error (:meth:`VoiceResponse.malformed`), shaped as its
  model's error shape: never an error name the service's model lacks.
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
from voice_constructs.testing.validation import service_model

# What an operation method answers: the status, the headers and the body.
Reply = TYPE_RESPONSE


class VoiceResponse(BaseResponse):
    """Moto's ``BaseResponse`` for a faked voice API; subclasses add one method per operation."""

    #: The operations the fake serves (their method names are these in snake case).
    OPERATIONS: ClassVar[tuple[str, ...]] = ()
    #: The service's error names per HTTP status, for an error raised without one.
    ERRORS: ClassVar[dict[int, str]] = {}
    #: The service's name in botocore, whose model routes, validates and shapes its errors.
    SERVICE: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__(service_name=self.SERVICE)

    @property
    def backend(self) -> FakeBackend:
        """The backend of the request's account and region."""
        raise NotImplementedError

    @classmethod
    def dispatch(cls, *args: Any, **kwargs: Any) -> Any:
        """Moto's ``dispatch``; a body that is not UTF-8 gets the service's own error."""
        try:
            return super().dispatch(*args, **kwargs)
        except UnicodeDecodeError:
            # moto decodes the body before the fake sees it.
            return cls.error_reply(cls.malformed("The request body is not UTF-8"))

    @classmethod
    def malformed(cls, message: str) -> ServiceError:
        """The service's error for a request it cannot read (v1, Pinpoint: BadRequestException)."""
        return ServiceError(400, "BadRequestException", message)

    @classmethod
    def error_reply(cls, error: ServiceError) -> TYPE_RESPONSE:
        """``error`` as the service sends it (:func:`faults.error_reply`), for no operation."""
        return faults.error_reply(error, cls.ERRORS, cls.SERVICE)

    @functools.cached_property
    def _route(self) -> tuple[str, dict[str, str]]:
        """The operation the request names ("" when none of the service's does), its labels.

        A JSON-protocol API names it in ``X-Amz-Target`` (``{targetPrefix}.{operation}``) and
        only there: every operation posts to ``/``. A REST one by its method and path.
        """
        model = service_model(self.SERVICE)
        if model.protocol == "json":
            prefix, dot, operation = str(self.headers.get("X-Amz-Target") or "").partition(".")
            known = dot and prefix == model.metadata.get("targetPrefix")
            return (operation if known else ""), {}
        found = resolve(self.SERVICE, str(self.method), str(self.path))
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
            service=self.SERVICE,
        )

    def _json_body(self) -> tuple[dict[str, Any], ServiceError | None]:
        """The request body as a JSON object ({} when empty), or {} and the error it meets."""
        raw = self.body or "{}"
        try:
            body = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
        except json.JSONDecodeError:
            return {}, self.malformed("The request body is not valid JSON")
        except RecursionError:
            return {}, self.malformed("The request body is nested too deeply to read")
        if isinstance(body, dict):
            return body, None
        return {}, self.malformed("The request body must be a JSON object")


def _snake_case(operation: str) -> str:
    """``SendVoiceMessage`` -> ``send_voice_message``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
