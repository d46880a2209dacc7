"""The voice fakes and the moto services they work with, over HTTP: ``voice-constructs emulate``.

A client in any language points its endpoint at the server (``endpoint_url``, ``endpoint``,
``--endpoint-url``) with fake credentials and any region. The server is moto's own: its
``DomainDispatcherApplication`` picks a service from the request, ``create_backend_app`` builds a
Flask app from the service's ``urls.py``, and ``MotoRequestHandler`` serves it, so SNS, CloudWatch
Logs, Firehose, EventBridge, DynamoDB, SQS, Pinpoint and every other moto service answer on the
same port as the three voice fakes (:func:`voice_constructs.testing.install` registers them).

What this module adds to moto's server, and why:

- v1 and v2 of SMS and Voice sign their requests with the same name (``sms-voice``), from which
  moto's server infers the host ``sms-voice.<region>.amazonaws.com``: v2's. A request under
  ``/v1/sms-voice/`` (v1's REST paths; v2 posts to ``/``) goes to v1's host instead.
- An injected timeout (``time_out_next``) raises botocore's timeout errors inside the fake, which
  the in-process mock hands to the client. Over HTTP the server sends no answer at all and keeps
  the connection open, so the client meets its own read timeout; with ``after_accept`` the
  service has acted first, as in process.
- The control path, :data:`CONTROL_PATH`: fault injection and inspection over HTTP, JSON in and
  out, so a test in any language can inject a throttle or read what was sent.

The control path, JSON in and out. ``account_id`` and ``region`` are optional everywhere (moto's
default account and the server's region); ``api`` is ``"v1"`` (the default; the voice channel's
operations too) or ``"v2"``:

- ``GET /_voice_constructs/``: the operations served per service, and these paths;
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
- ``POST /_voice_constructs/reset``: every service's state, faults and logs cleared.

A refused control request gets a 400 (404 for an unknown path, 405 for a wrong method) and
``{"error": "..."}``; so does any error of the emulator's own, on any path (500 for the
unexpected). A fault queues at most :data:`MAX_COUNT` calls a request.

Whom it answers: :mod:`voice_constructs.testing._guard`. In short, requests to a loopback host
name only, none from a browser's page, and the control path and ``/moto-api/`` only with the
run's token (:attr:`Emulator.token`) in the ``X-Voice-Constructs-Token`` header. Listening on an
address other machines reach takes ``allow_remote``.
"""

from __future__ import annotations

import json
import socket
import socketserver
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from voice_constructs.testing._guard import (
    MOTO_API_PATH,
    Guard,
    RefusedError,
    StartResponse,
    WSGIEnvironment,
    binds_remotely,
)
from voice_constructs.testing._guard import TOKEN_HEADER as TOKEN_HEADER
from voice_constructs.testing._moto import (
    REQUEST_HANDLER,
    BackendDict,
    DomainDispatcherApplication,
    create_backend_app,
    mock_aws,
)
from voice_constructs.testing.core import VoiceMock, install
from voice_constructs.testing.environment import default_region
from voice_constructs.testing.events import EmittedCallEvent
from voice_constructs.testing.pinpoint_voice.responses import VOICE_CHANNEL_OPERATIONS
from voice_constructs.testing.sms_voice.responses import SMS_VOICE_OPERATIONS
from voice_constructs.testing.sms_voice_v2.responses import SMS_VOICE_V2_OPERATIONS

CONTROL_PATH = "/_voice_constructs"
DEFAULT_HOST = "127.0.0.1"
# The most calls one fault request queues: each is held in memory until a call takes it.
MAX_COUNT = 1000
# The service names a client knows the fakes by (botocore's, the AWS CLI's), and their operations.
OPERATIONS = {
    "pinpoint": VOICE_CHANNEL_OPERATIONS,
    "pinpoint-sms-voice": SMS_VOICE_OPERATIONS,
    "pinpoint-sms-voice-v2": SMS_VOICE_V2_OPERATIONS,
}
_V1_PATH = "/v1/sms-voice"


class _VoiceDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, which tells SMS and Voice v1 from v2 by the path."""

    def infer_service_region_host(self, environ: WSGIEnvironment, path: str) -> str | None:
        host: str | None = super().infer_service_region_host(environ, path)
        if host and host.startswith("sms-voice.") and path.startswith(_V1_PATH):
            region = host.split(".")[1]
            return f"sms-voice.pinpoint.{region}.amazonaws.com"
        return host


class RemoteBindError(ValueError):
    """Listening on an address other machines reach, without ``allow_remote``."""


class ControlError(Exception):
    """A refused control request: the HTTP status and what was wrong."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class _Control:
    """The control path's handlers, over a :class:`VoiceMock` of the server's region."""

    voice: VoiceMock
    emitted: list[EmittedCallEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def routes(self) -> dict[tuple[str, str], Callable[[dict[str, Any]], Any]]:
        return {
            ("GET", ""): self.index,
            ("GET", "sent"): self.sent,
            ("GET", "calls"): self.calls,
            ("GET", "channel"): self.channel,
            ("GET", "events"): self.events,
            ("POST", "fail-next"): self.fail_next,
            ("POST", "time-out-next"): self.time_out_next,
            ("POST", "emit-call-events"): self.emit_call_events,
            ("POST", "reset"): self.reset,
        }

    def index(self, _: dict[str, Any]) -> dict[str, Any]:
        paths = [f"{method} {CONTROL_PATH}/{path}" for method, path in self.routes()]
        return {"operations": {k: list(v) for k, v in OPERATIONS.items()}, "control": paths}

    def sent(self, query: dict[str, Any]) -> dict[str, Any]:
        messages = self.voice.sent_messages(**_where(query), api=query.get("api", "v1"))
        return {"messages": [asdict(message) for message in messages]}

    def calls(self, query: dict[str, Any]) -> dict[str, Any]:
        operation = _required(query, "operation")
        calls = self.voice.calls(operation, **_where(query), api=query.get("api", "v1"))
        return {"calls": [asdict(call) for call in calls]}

    def channel(self, query: dict[str, Any]) -> dict[str, Any]:
        application = _required(query, "application_id")
        return {"channel": self.voice.voice_channel(application, **_where(query))}

    def events(self, _: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return {"events": [asdict(event) for event in self.emitted]}

    def fail_next(self, body: dict[str, Any]) -> dict[str, Any]:
        options = _pick(body, "status", "code", "message", "api")
        count = _count(body)
        self.voice.fail_next(_required(body, "operation"), count, **_where(body), **options)
        return {"queued": count}

    def time_out_next(self, body: dict[str, Any]) -> dict[str, Any]:
        options = _pick(body, "after_accept", "api")
        count = _count(body)
        self.voice.time_out_next(_required(body, "operation"), count, **_where(body), **options)
        return {"queued": count}

    def emit_call_events(self, body: dict[str, Any]) -> dict[str, Any]:
        options = _pick(body, "api", "start_ms", "step_ms")
        if body.get("events") is not None:
            options["events"] = tuple(body["events"])
        delivered = self.voice.emit_call_events(
            _required(body, "message_id"), **_where(body), **options
        )
        with self.lock:
            self.emitted.extend(delivered)
        return {"events": [asdict(event) for event in delivered]}

    def reset(self, _: dict[str, Any]) -> dict[str, Any]:
        # Every moto backend, the fakes' included: their faults and call logs live in them.
        BackendDict.reset()
        with self.lock:
            self.emitted.clear()
        return {"reset": True}


def _required(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    if not isinstance(value, str) or not value:
        raise ControlError(f"{name} is required")
    return value


def _count(values: dict[str, Any]) -> int:
    count = values.get("count")
    if count is None:
        return 1
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ControlError(f"count must be a whole number from 1 to {MAX_COUNT}, got {count!r}")
    return count


def _where(values: dict[str, Any]) -> dict[str, Any]:
    return _pick(values, "account_id", "region")


def _pick(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: values[name] for name in names if values.get(name) is not None}


class EmulatorApp:
    """The WSGI application: the guard, the control path, and moto's dispatcher for the rest."""

    def __init__(self, region: str | None = None, *, guard: Guard | None = None) -> None:
        install()
        self.guard = guard or Guard((CONTROL_PATH, MOTO_API_PATH))
        self.dispatcher = _VoiceDispatcher(create_backend_app)
        self.control = _Control(VoiceMock(region=region or default_region()))
        self._routes = self.control.routes()

    @property
    def token(self) -> str:
        """The run's token, which the control path and ``/moto-api/`` need."""
        return self.guard.token

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        start_response = self.guard.start_response(start_response)
        try:
            self.guard.check(environ)
        except RefusedError as refused:
            return _json(refused.status, {"error": str(refused)})(environ, start_response)
        path = str(environ.get("PATH_INFO", ""))
        if path == CONTROL_PATH or path.startswith(CONTROL_PATH + "/"):
            response = self._control(Request(environ))
            return response(environ, start_response)
        try:
            return self.dispatcher(environ, start_response)  # type: ignore[no-any-return]
        except (ConnectTimeoutError, ReadTimeoutError) as timeout:
            # No answer on an open connection: the client meets its own read timeout.
            raise ConnectionAbortedError("injected timeout") from timeout
        except RecursionError:
            return _too_deep()(environ, start_response)
        except Exception as error:  # any failure: a JSON answer, and a log
            return _internal(environ, error)(environ, start_response)

    def _control(self, request: Request) -> Response:
        name = request.path[len(CONTROL_PATH) :].strip("/")
        handler = self._routes.get((request.method, name))
        try:
            if handler is None:
                known = any(path == name for _, path in self._routes)
                raise ControlError(
                    f"no control operation {request.method} {request.path}", 405 if known else 404
                )
            result = handler(self._arguments(request))
            return _json(200, result)
        except ControlError as error:
            return _json(error.status, {"error": str(error)})
        except RecursionError:
            return _too_deep()
        except (ValueError, TypeError, KeyError) as error:
            return _json(400, {"error": str(error)})
        except Exception as error:  # any failure: a JSON answer, and a log
            return _internal(request.environ, error)

    @staticmethod
    def _arguments(request: Request) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.args)
        raw = request.get_data(as_text=True)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as error:
            raise ControlError(f"the body is not JSON: {error}") from error
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        return body


def _too_deep() -> Response:
    return _json(400, {"error": "the body is nested too deeply to read"})


def _internal(environ: WSGIEnvironment, error: Exception) -> Response:
    """A 500 in JSON; the traceback goes where the server logs (werkzeug's: standard error)."""
    log = environ.get("wsgi.errors") or sys.stderr
    print("".join(traceback.format_exception(error)), end="", file=log)
    return _json(500, {"error": f"the emulator failed: {type(error).__name__}"})


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body, default=str), status=status, mimetype="application/json")


@dataclass
class Emulator:
    """A running emulator: where it listens, and its in-process view for Python tests."""

    host: str
    port: int
    app: EmulatorApp

    @property
    def endpoint_url(self) -> str:
        """The URL clients take as their endpoint."""
        return f"http://{self.host}:{self.port}"

    @property
    def control_url(self) -> str:
        """The control path's URL."""
        return f"{self.endpoint_url}{CONTROL_PATH}"

    @property
    def token(self) -> str:
        """The run's token: send it as ``X-Voice-Constructs-Token`` to the control path."""
        return self.app.token

    @property
    def voice(self) -> VoiceMock:
        """The fakes' state, in process: what the control path reads and changes."""
        return self.app.control.voice


@contextmanager
def listening(
    host: str = DEFAULT_HOST,
    port: int = 0,
    region: str | None = None,
    *,
    allow_remote: bool = False,
) -> Iterator[BaseWSGIServer]:
    """Bind moto's threaded server with the emulator's app (port 0: any free port); not started.

    moto's ``mock_aws`` is active for the scope, so that what the fakes do in process (call events
    published to SNS, Logs, Firehose) reaches the state the server serves. boto3 clients with an
    ``endpoint_url`` still go to the server over HTTP, as any other client does.

    ``host`` is a loopback address unless ``allow_remote`` (then a warning goes to standard
    error): the AWS APIs need no token, so anyone who reaches the port can use them.

    Raises:
        RemoteBindError: ``host`` is reachable from other machines, without ``allow_remote``.
        OSError: the address cannot be bound (a port in use, an unknown name).
    """
    remote = binds_remotely(host)
    if remote and not allow_remote:
        raise RemoteBindError(
            f"{host} is reachable from other machines; listen on 127.0.0.1, or allow remote access"
        )
    # Bound here, not by werkzeug, which prints its own advice and exits when a port is taken;
    # this raises OSError instead. werkzeug serves a duplicate of the socket.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.create_server((host, port), family=family) as bound, mock_aws():
        address = bound.getsockname()
        guard = Guard.for_bind(host, str(address[0]), (CONTROL_PATH, MOTO_API_PATH))
        server = make_server(
            host,
            port,
            EmulatorApp(region, guard=guard),
            threaded=True,
            request_handler=REQUEST_HANDLER,
            fd=bound.fileno(),
        )
        # Closing never waits for request threads (daemons, which die with the process): a
        # client holding a connection open cannot keep Ctrl-C from stopping the emulator.
        if isinstance(server, socketserver.ThreadingMixIn):
            server.block_on_close = False
        if remote:
            print(
                f"voice-constructs: warning: listening on {address[0]} port {address[1]}, which "
                "other machines reach; its AWS APIs answer them without a token",
                file=sys.stderr,
                flush=True,
            )
        try:
            yield server
        finally:
            server.server_close()


@contextmanager
def serve(
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    region: str | None = None,
    allow_remote: bool = False,
) -> Iterator[Emulator]:
    """Serve the emulator in a background thread for the scope; yields where it listens.

    ``region`` is the control path's default region (default: the environment's, or us-east-1).
    See :func:`listening` for ``allow_remote`` and the ``mock_aws`` scope that comes with it.
    """
    with listening(host, port, region, allow_remote=allow_remote) as server:
        thread = threading.Thread(target=server.serve_forever, name="voice-emulator", daemon=True)
        thread.start()
        try:
            bound_host, bound_port = server.server_address[:2]
            app = server.app
            assert isinstance(app, EmulatorApp)
            yield Emulator(str(bound_host), int(bound_port), app)
        finally:
            server.shutdown()
            thread.join()
