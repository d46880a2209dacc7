"""The emulator's control path, :data:`CONTROL_PATH`: its routes, and one check per parameter.

Fault injection and inspection over HTTP, JSON in and out, so a test in any language can inject
a throttle or read what was sent. ``account_id`` and ``region`` are optional everywhere (moto's
default account and the server's region); ``api`` is ``"v1"`` (the default; the voice channel's
operations too) or ``"v2"``:

- ``GET /_voice_constructs/``: the operations served per service, these paths and their
  parameters;
- ``GET /_voice_constructs/sent?api=``: the voice messages accepted, oldest first;
- ``GET /_voice_constructs/calls?operation=&api=``: the requests received, with their statuses;
- ``GET /_voice_constructs/channel?application_id=``: an application's stored voice channel;
- ``GET /_voice_constructs/events``: the call events ``emit-call-events`` delivered;
- ``POST /_voice_constructs/fail-next`` ``{"operation", "count", "status", "code", "message",
  "api"}``: the next calls fail (``VoiceMock.fail_next``);
- ``POST /_voice_constructs/time-out-next`` ``{"operation", "count", "after_accept", "api"}``:
  the next calls get no answer (``VoiceMock.time_out_next``);
- ``POST /_voice_constructs/emit-call-events`` ``{"message_id", "events", "api", "start_ms",
  "step_ms"}``: a call's lifecycle where the service delivers it (v1: the configuration set's
  destinations; v2: the default EventBridge bus), as ``VoiceMock.emit_call_events``;
- ``POST /_voice_constructs/reset``: every service's state, faults and logs cleared (refused,
  409, while ``emulate --app`` runs a stack, whose resources it would delete).

Every parameter has one check (:data:`PARAMETERS`), the same on every route that takes it: a
query string's value is text, a JSON body's has its JSON type, and ``null`` is absent. A
parameter the route does not take, one given twice, a required one missing, or a value its check
refuses gets a 400 that names it: ``{"error": "region: 'mars-1' is not ...", "parameter":
"region"}``. A fault queues at most :data:`MAX_COUNT` calls a request.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from voice_constructs.testing._moto import BackendDict
from voice_constructs.testing.core import VoiceMock, error_name
from voice_constructs.testing.events import EmittedCallEvent
from voice_constructs.testing.models import REGIONS_OF
from voice_constructs.testing.pinpoint_voice.responses import VOICE_CHANNEL_OPERATIONS
from voice_constructs.testing.sms_voice.responses import SMS_VOICE_OPERATIONS
from voice_constructs.testing.sms_voice_v2.responses import SMS_VOICE_V2_OPERATIONS
from voice_constructs.testing.validation import did_you_mean

CONTROL_PATH = "/_voice_constructs"
# The most calls one fault request queues: each is held in memory until a call takes it.
MAX_COUNT = 1000
# The service names a client knows the fakes by (botocore's, the AWS CLI's), and their operations.
OPERATIONS = {
    "pinpoint": VOICE_CHANNEL_OPERATIONS,
    "pinpoint-sms-voice": SMS_VOICE_OPERATIONS,
    "pinpoint-sms-voice-v2": SMS_VOICE_V2_OPERATIONS,
}
# What ``api`` names: v1 is SMS and Voice v1 and the voice channel, v2 is SMS and Voice v2.
API_OPERATIONS = {
    "v1": VOICE_CHANNEL_OPERATIONS + SMS_VOICE_OPERATIONS,
    "v2": SMS_VOICE_V2_OPERATIONS,
}
_ACCOUNT = re.compile(r"[0-9]{12}")
# An error name goes into a header (x-amzn-ErrorType): letters, digits and a few separators.
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.:#-]{0,127}")


class ControlError(Exception):
    """A refused control request: the HTTP status, what was wrong, and the parameter at fault."""

    def __init__(self, message: str, status: int = 400, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.parameter = parameter


class ParameterError(ControlError, ValueError):
    """A parameter's value refused by its check: ``"{name}: {problem}"``."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}", 400, name)
        self.problem = problem


class _ProblemError(Exception):
    """What a check finds wrong with a value (the caller names the parameter)."""


@functools.cache
def regions() -> frozenset[str]:
    """The regions the fakes serve: botocore's regions of :data:`REGIONS_OF`, every partition.

    The same list moto's ``BackendDict`` builds its backends from, so a region that passes here
    is one the fakes have state in; a pattern alone would pass ``us-east-9``, which they do not.
    """
    import botocore.session

    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(REGIONS_OF, partition_name=partition)
    )


def check_region(value: object) -> str:
    """``value`` if it is a region the fakes serve; else :class:`ParameterError` for ``region``."""
    region: str = _checked("region", _region, value)
    return region


def _checked(name: str, check: Callable[[object], Any], value: object) -> Any:
    try:
        return check(value)
    except _ProblemError as problem:
        raise ParameterError(name, str(problem)) from None


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise _ProblemError(f"must be a non-empty string, got {_shown(value)}")
    return value


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise _ProblemError(f"must be a string, got {_shown(value)}")
    return value


def _api(value: object) -> str:
    if value not in API_OPERATIONS:
        raise _ProblemError(f"must be 'v1' or 'v2', got {_shown(value)}")
    return str(value)


def _region(value: object) -> str:
    known = regions()
    if not isinstance(value, str) or value not in known:
        hint = did_you_mean(value, known) if isinstance(value, str) else ""
        raise _ProblemError(
            f"{_shown(value)} is not a region the fakes serve (botocore's regions of "
            f"{REGIONS_OF}: {', '.join(sorted(known))}){hint}"
        )
    return value


def _account(value: object) -> str:
    if not isinstance(value, str) or not _ACCOUNT.fullmatch(value):
        raise _ProblemError(f"must be an AWS account id (12 digits), got {_shown(value)}")
    return value


def _whole(low: int, high: int | None = None) -> Callable[[object], int]:
    described = f"from {low} to {high}" if high is not None else f"of at least {low}"

    def check(value: object) -> int:
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if number is None or number < low or (high is not None and number > high):
            raise _ProblemError(f"must be a whole number {described}, got {_shown(value)}")
        return number

    return check


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise _ProblemError(f"must be true or false, got {_shown(value)}")
    return value


def _code(value: object) -> str:
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise _ProblemError(f"must be an error name (letters and digits), got {_shown(value)}")
    return value


def _events(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _ProblemError(f"must be a list of event types (strings), got {_shown(value)}")
    return tuple(value)


def _shown(value: object) -> str:
    """A value in an error message: its JSON-ish repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Every parameter of every route, and its one check.
PARAMETERS: dict[str, Callable[[object], Any]] = {
    "api": _api,
    "region": _region,
    "account_id": _account,
    "operation": _text,
    "application_id": _text,
    "message_id": _text,
    "count": _whole(1, MAX_COUNT),
    "status": _whole(400, 599),
    "code": _code,
    "message": _string,
    "after_accept": _boolean,
    "events": _events,
    "start_ms": _whole(0),
    "step_ms": _whole(0),
}
_WHERE = ("account_id", "region")


@dataclass(frozen=True)
class Route:
    """One control operation: its method, path, handler and the parameters it takes."""

    method: str
    path: str
    handler: Callable[[dict[str, Any]], Any]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """``GET /_voice_constructs/sent``."""
        return f"{self.method} {CONTROL_PATH}/{self.path}"

    def arguments(self, given: Mapping[str, Any], *, query: bool) -> dict[str, Any]:
        """The checked parameters of one request (``query``: a query string's lists of text)."""
        taken = (*self.required, *self.optional)
        checked: dict[str, Any] = {}
        for name, value in given.items():
            if name not in taken:
                accepted = ", ".join(taken) if taken else "none"
                raise ParameterError(name, f"not a parameter of {self.name} (it takes: {accepted})")
            if query:
                if len(value) > 1:
                    raise ParameterError(name, f"given {len(value)} times; give it once")
                value = value[0]
            if value is not None:
                checked[name] = _checked(name, PARAMETERS[name], value)
        for name in self.required:
            if name not in checked:
                raise ParameterError(name, f"is required by {self.name}")
        if "operation" in checked:
            operations = API_OPERATIONS[checked.get("api", "v1")]
            if checked["operation"] not in operations:
                hint = did_you_mean(checked["operation"], operations)
                raise ParameterError(
                    "operation",
                    f"{_shown(checked['operation'])} is not an operation the "
                    f"{checked.get('api', 'v1')} fakes serve ({', '.join(operations)}){hint}",
                )
        return checked


@dataclass
class Control:
    """The control path's handlers, over a :class:`VoiceMock` of the server's region."""

    voice: VoiceMock
    emitted: list[EmittedCallEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Called with what each emit-call-events delivered (``emulate --app`` hands EventBridge's
    #: Lambda targets, which moto does not reach, their events).
    listeners: list[Callable[[list[EmittedCallEvent]], None]] = field(default_factory=list)
    #: Why a reset is refused (409), or None: ``emulate --app`` runs a stack a reset would delete.
    reset_refusal: str | None = None

    def routes(self) -> dict[tuple[str, str], Route]:
        """Every control operation, by method and path (below :data:`CONTROL_PATH`)."""
        listed = (
            Route("GET", "", self.index),
            Route("GET", "sent", self.sent, (), ("api", *_WHERE)),
            Route("GET", "calls", self.calls, ("operation",), ("api", *_WHERE)),
            Route("GET", "channel", self.channel, ("application_id",), _WHERE),
            Route("GET", "events", self.events),
            Route(
                "POST",
                "fail-next",
                self.fail_next,
                ("operation",),
                ("count", "status", "code", "message", "api", *_WHERE),
            ),
            Route(
                "POST",
                "time-out-next",
                self.time_out_next,
                ("operation",),
                ("count", "after_accept", "api", *_WHERE),
            ),
            Route(
                "POST",
                "emit-call-events",
                self.emit_call_events,
                ("message_id",),
                ("events", "api", "start_ms", "step_ms", *_WHERE),
            ),
            Route("POST", "reset", self.reset),
        )
        return {(route.method, route.path): route for route in listed}

    def index(self, _: dict[str, Any]) -> dict[str, Any]:
        routes = self.routes().values()
        return {
            "operations": {k: list(v) for k, v in OPERATIONS.items()},
            "control": [route.name for route in routes],
            "parameters": {
                r.name: {"required": r.required, "optional": r.optional} for r in routes
            },
        }

    def sent(self, query: dict[str, Any]) -> dict[str, Any]:
        messages = self.voice.sent_messages(**_pick(query, "api", *_WHERE))
        return {"messages": [asdict(message) for message in messages]}

    def calls(self, query: dict[str, Any]) -> dict[str, Any]:
        calls = self.voice.calls(**_pick(query, "operation", "api", *_WHERE))
        return {"calls": [asdict(call) for call in calls]}

    def channel(self, query: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self.voice.voice_channel(**_pick(query, "application_id", *_WHERE))}

    def events(self, _: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return {"events": [asdict(event) for event in self.emitted]}

    def fail_next(self, body: dict[str, Any]) -> dict[str, Any]:
        status = body.get("status", 429)
        if (
            "code" not in body
            and error_name(body["operation"], status, body.get("api", "v1")) is None
        ):
            raise ParameterError(
                "status", f"{status} has no error name of its own for {body['operation']}; add code"
            )
        self.voice.fail_next(**body)
        return {"queued": body.get("count", 1)}

    def time_out_next(self, body: dict[str, Any]) -> dict[str, Any]:
        self.voice.time_out_next(**body)
        return {"queued": body.get("count", 1)}

    def emit_call_events(self, body: dict[str, Any]) -> dict[str, Any]:
        delivered = self.voice.emit_call_events(**body)
        with self.lock:
            self.emitted.extend(delivered)
        for listener in list(self.listeners):
            listener(delivered)
        return {"events": [asdict(event) for event in delivered]}

    def reset(self, _: dict[str, Any]) -> dict[str, Any]:
        if self.reset_refusal is not None:
            raise ControlError(self.reset_refusal, 409)
        # Every moto backend, the fakes' included: their faults and call logs live in them.
        BackendDict.reset()
        with self.lock:
            self.emitted.clear()
        return {"reset": True}


def _pick(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: values[name] for name in names if name in values}
