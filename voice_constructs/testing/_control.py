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
- ``POST /_voice_constructs/adopt-phone-number`` ``{"identity", "phone_number",
  "iso_country_code", "capabilities", "message_type"}``, ``.../adopt-pool`` ``{"identity",
  "phone_numbers", "iso_country_code", "message_type"}``, ``.../adopt-configuration-set``
  ``{"name"}``, ``.../adopt-protect-configuration`` ``{"identity", "country_rule_set"}``: v2
  resources made elsewhere, held by the account (``VoiceMock.adopt_phone_number``, ...);
- ``POST /_voice_constructs/reset``: every service's state, faults and logs cleared (refused,
  409, while ``emulate --app`` runs a stack, whose resources it would delete).

Every parameter has one check (:data:`PARAMETERS`, in
:mod:`~voice_constructs.testing._parameters`), the same on every route that takes it: a query
string's value is text, a JSON body's has its JSON type, and ``null`` is absent. A
parameter the route does not take, one given twice, a required one missing, or a value its check
refuses gets a 400 that names it: ``{"error": "region: 'mars-1' is not ...", "parameter":
"region"}``. A fault queues at most :data:`MAX_COUNT` calls a request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from voice_constructs.testing._moto import BackendDict
from voice_constructs.testing._parameters import API_OPERATIONS, PARAMETERS, check_value, shown
from voice_constructs.testing._parameters import MAX_COUNT as MAX_COUNT
from voice_constructs.testing._parameters import OPERATIONS as OPERATIONS
from voice_constructs.testing._parameters import ControlError as ControlError
from voice_constructs.testing._parameters import ParameterError as ParameterError
from voice_constructs.testing._parameters import check_region as check_region
from voice_constructs.testing._parameters import regions as regions
from voice_constructs.testing.core import VoiceMock, error_name
from voice_constructs.testing.events import EmittedCallEvent
from voice_constructs.testing.sms_voice_v2.common import AdoptionError
from voice_constructs.testing.validation import did_you_mean

CONTROL_PATH = "/_voice_constructs"
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
                checked[name] = check_value(name, PARAMETERS[name], value)
        for name in self.required:
            if name not in checked:
                raise ParameterError(name, f"is required by {self.name}")
        if "operation" in checked:
            operations = API_OPERATIONS[checked.get("api", "v1")]
            if checked["operation"] not in operations:
                hint = did_you_mean(checked["operation"], operations)
                raise ParameterError(
                    "operation",
                    f"{shown(checked['operation'])} is not an operation the "
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
            Route(
                "POST",
                "adopt-phone-number",
                self.adopt_phone_number,
                ("identity",),
                ("phone_number", "iso_country_code", "capabilities", "message_type", *_WHERE),
            ),
            Route(
                "POST",
                "adopt-pool",
                self.adopt_pool,
                ("identity",),
                ("phone_numbers", "iso_country_code", "message_type", *_WHERE),
            ),
            Route(
                "POST", "adopt-configuration-set", self.adopt_configuration_set, ("name",), _WHERE
            ),
            Route(
                "POST",
                "adopt-protect-configuration",
                self.adopt_protect_configuration,
                ("identity",),
                ("country_rule_set", *_WHERE),
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

    def adopt_phone_number(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"phone_number": _adopting(self.voice.adopt_phone_number, body)}

    def adopt_pool(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"pool": _adopting(self.voice.adopt_pool, body)}

    def adopt_configuration_set(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"configuration_set": _adopting(self.voice.adopt_configuration_set, body)}

    def adopt_protect_configuration(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"protect_configuration": _adopting(self.voice.adopt_protect_configuration, body)}

    def reset(self, _: dict[str, Any]) -> dict[str, Any]:
        if self.reset_refusal is not None:
            raise ControlError(self.reset_refusal, 409)
        # Every moto backend, the fakes' included: their faults and call logs live in them.
        BackendDict.reset()
        with self.lock:
            self.emitted.clear()
        return {"reset": True}


def _adopting(adopt: Callable[..., dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    """``adopt(**body)``; what it refuses is the parameter it names, as the checks' errors are."""
    arguments = dict(body)
    first = arguments.pop("identity", None) or arguments.pop("name")
    try:
        return adopt(first, **arguments)
    except AdoptionError as refused:
        raise ParameterError(refused.parameter, refused.problem) from None


def _pick(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: values[name] for name in names if name in values}
