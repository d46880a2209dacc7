"""Fault injection and the call log, shared by the three fakes.

Every fake's backend is a :class:`FakeBackend`: besides the service's state it holds the queued
faults and response patches of each operation and the log of the requests it received. Every
operation of every fake answers through :func:`respond`, which applies them: an injected error, a
connect timeout (the request never arrives), a read timeout after the service acted, or fields
patched into a successful answer; and records the request with the status it got.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

from voice_constructs.testing._moto import BaseBackend
from voice_constructs.testing.exceptions import ServiceError
from voice_constructs.testing.validation import error_shapes

TYPE_RESPONSE = tuple[int, dict[str, str], str]

# Kinds of injected fault: an error response, a connection that never opens (the request is
# not sent), or a read timeout after the service accepted the request (it acted, the client
# never hears).
ERROR, CONNECT_TIMEOUT, TIMEOUT_AFTER_ACCEPT = "error", "connect_timeout", "timeout_after_accept"


@dataclass(frozen=True)
class Fault:
    """One injected failure: an error with this status and code, or a timeout (``kind``)."""

    status: int
    code: str
    message: str
    kind: str = ERROR


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake received, with the status it answered."""

    operation: str
    status: int
    body: dict[str, Any]
    at: float


class FakeBackend(BaseBackend):
    """State shared by all fakes: injected faults, response patches and the call log."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        # Replaceable, so a simulation can run time-based rules and call logs on its own clock.
        self.clock: Callable[[], float] = time.time
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.patches: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        self.calls: list[RecordedCall] = []
        self.lock = threading.Lock()

    def take_fault(self, operation: str) -> Fault | None:
        """The next injected fault of ``operation``, taken off its queue, or None."""
        with self.lock:
            queue = self.faults.get(operation)
            return queue.popleft() if queue else None

    def take_patch(self, operation: str) -> dict[str, Any] | None:
        """The next response patch of ``operation``, taken off its queue, or None."""
        with self.lock:
            queue = self.patches.get(operation)
            return queue.popleft() if queue else None

    def queue_faults(self, operation: str, fault: Fault, count: int) -> None:
        """Make the next ``count`` calls of ``operation`` meet ``fault``."""
        with self.lock:
            self.faults[operation].extend(fault for _ in range(count))

    def queue_patches(self, operation: str, fields: dict[str, Any], count: int) -> None:
        """Overwrite ``fields`` in the next ``count`` successful answers of ``operation``."""
        with self.lock:
            self.patches[operation].extend(dict(fields) for _ in range(count))

    def record(self, operation: str, status: int, body: dict[str, Any]) -> None:
        """Log one request of ``operation`` and the status it got, at the backend's clock."""
        with self.lock:
            self.calls.append(RecordedCall(operation, status, body, self.clock()))


def respond(
    backend: FakeBackend,
    operation: str,
    body: dict[str, Any],
    url: str,
    errors: dict[int, str],
    action: Callable[[], dict[str, Any]],
    *,
    refusal: ServiceError | None = None,
    service: str = "",
) -> TYPE_RESPONSE:
    """Answer one request of ``operation``: faults first, then ``action``, and log the call.

    ``refusal`` is an error the request meets before the service acts on it (a body that is not
    a JSON object); an injected error still wins over it. ``service`` is the service's name in
    botocore, whose model shapes the error bodies (:func:`error_reply`). Returns the status,
    headers and JSON body of the answer; raises botocore's ``ConnectTimeoutError`` or
    ``ReadTimeoutError`` for an injected timeout, which reaches the client as a network failure
    would.
    """
    fault = backend.take_fault(operation)
    if fault is not None and fault.kind == CONNECT_TIMEOUT:
        # The request never reaches the service, so nothing is recorded.
        raise ConnectTimeoutError(endpoint_url=url)
    if fault is not None and fault.kind == TIMEOUT_AFTER_ACCEPT:
        try:
            _act(action, refusal)
            status = 200
        except ServiceError as error:
            status = error.status
        backend.record(operation, status, body)
        raise ReadTimeoutError(endpoint_url=url)
    try:
        if fault is not None:
            raise ServiceError(fault.status, fault.code, fault.message)
        result = _act(action, refusal)
        patch = backend.take_patch(operation)
        if patch:
            result = {**result, **patch}
        status = 200
        payload = json.dumps(result)
        headers = {"Content-Type": "application/json"}
    except ServiceError as error:
        status, headers, payload = error_reply(error, errors, service)
    backend.record(operation, status, body)
    return status, headers, payload


def error_reply(error: ServiceError, errors: dict[int, str], service: str) -> TYPE_RESPONSE:
    """An error answer as ``service`` sends it: its name, ``Message`` and the error's members.

    The body holds the members of the error's shape in the service's model: a request id only
    where the shape has one (Pinpoint's ``RequestID``; v1's errors and v2's ``ValidationException``
    have none). An error the model does not know (an injected ``code``) gets ``Message`` alone.
    """
    code = error.code if error.code else errors.get(error.status, "BadRequestException")
    members = error_shapes(service).get(code, ()) if service else ()
    request_id = {name: str(uuid.uuid4()) for name in members if name.lower() == "requestid"}
    payload = json.dumps({"__type": code, "Message": error.message, **request_id, **error.extra})
    return error.status, {"Content-Type": "application/json", "x-amzn-ErrorType": code}, payload


def _act(action: Callable[[], dict[str, Any]], refusal: ServiceError | None) -> dict[str, Any]:
    if refusal is not None:
        raise refusal
    return action()
