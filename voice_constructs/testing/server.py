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
- The control path, :data:`CONTROL_PATH` (:mod:`voice_constructs.testing._control`): fault
  injection and inspection over HTTP, JSON in and out, so a test in any language can inject a
  throttle or read what was sent.

A refused control request gets a JSON ``{"error": "..."}``: a 400 (with ``"parameter"``, the one at
fault), 404 for an unknown path, 405 for a wrong method; so does any error of the emulator's own,
on any path (500 for the unexpected).

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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from voice_constructs.testing._control import CONTROL_PATH as CONTROL_PATH
from voice_constructs.testing._control import MAX_COUNT as MAX_COUNT
from voice_constructs.testing._control import OPERATIONS as OPERATIONS
from voice_constructs.testing._control import Control, ControlError, check_region
from voice_constructs.testing._control import ParameterError as ParameterError
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
    DomainDispatcherApplication,
    create_backend_app,
    mock_aws,
)
from voice_constructs.testing.core import VoiceMock, install
from voice_constructs.testing.environment import default_region

DEFAULT_HOST = "127.0.0.1"
_V1_PATH = "/v1/sms-voice"


class _VoiceDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, which tells SMS and Voice v1 from v2 by the path."""

    def infer_service_region_host(self, environ: WSGIEnvironment, path: str) -> str | None:
        host: str | None = super().infer_service_region_host(environ, path)
        if host and host.startswith("sms-voice.") and path.startswith(_V1_PATH):
            region = host.split(".")[1]
            return f"sms-voice.pinpoint.{region}.amazonaws.com"
        return host


# What the request log escapes: a request line is the client's, control characters included.
_CONTROL_CHARACTERS = {code: f"\\x{code:02x}" for code in (*range(32), 127)}


def _request_handler(verbose: bool) -> type[WSGIRequestHandler]:
    """Moto's request handler with a request log that is off unless ``verbose``.

    werkzeug logs every request, in ANSI colours wherever standard error goes; with ``verbose``
    the log keeps werkzeug's colours on a terminal and is plain text anywhere else (a file, a
    pipe, CI's log).
    """

    class Handler(REQUEST_HANDLER):  # type: ignore[misc,valid-type]
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if not verbose:
                return
            if sys.stderr.isatty():
                super().log_request(code, size)
                return
            line = str(self.requestline).translate(_CONTROL_CHARACTERS)
            self.log("info", '"%s" %s %s', line, code, size)

    return Handler


class RemoteBindError(ValueError):
    """Listening on an address other machines reach, without ``allow_remote``."""


class EmulatorApp:
    """The WSGI application: the guard, the control path, and moto's dispatcher for the rest."""

    def __init__(self, region: str | None = None, *, guard: Guard | None = None) -> None:
        install()
        self.guard = guard or Guard((CONTROL_PATH, MOTO_API_PATH))
        self.dispatcher = _VoiceDispatcher(create_backend_app)
        self.control = Control(VoiceMock(region=_region(region)))
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
        route = self._routes.get((request.method, name))
        try:
            if route is None:
                known = any(path == name for _, path in self._routes)
                raise ControlError(
                    f"no control operation {request.method} {request.path}", 405 if known else 404
                )
            if request.method == "GET":
                arguments = route.arguments(request.args.to_dict(flat=False), query=True)
            else:
                arguments = route.arguments(self._body(request), query=False)
            return _json(200, route.handler(arguments))
        except ControlError as error:
            answer = {"error": str(error)}
            if error.parameter is not None:
                answer["parameter"] = error.parameter
            return _json(error.status, answer)
        except RecursionError:
            return _too_deep()
        except (ValueError, TypeError, KeyError) as error:
            # What the fakes refuse past the parameters' own checks (a message never sent).
            return _json(400, {"error": str(error)})
        except Exception as error:  # any failure: a JSON answer, and a log
            return _internal(request.environ, error)

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        raw = request.get_data(as_text=True)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as error:
            raise ControlError(f"the body is not JSON: {error}") from error
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        return body


def _region(region: str | None) -> str:
    """The control path's default region: ``region`` or the environment's, a region it serves."""
    where = region or default_region()
    try:
        return check_region(where)
    except ParameterError as error:
        if region:
            raise
        # Not given: the environment's, which the message names.
        raise ParameterError(
            "region", f"{error.problem}; it came from AWS_REGION or AWS_DEFAULT_REGION"
        ) from None


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
    verbose: bool = False,
) -> Iterator[BaseWSGIServer]:
    """Bind moto's threaded server with the emulator's app (port 0: any free port); not started.

    moto's ``mock_aws`` is active for the scope, so that what the fakes do in process (call events
    published to SNS, Logs, Firehose) reaches the state the server serves. boto3 clients with an
    ``endpoint_url`` still go to the server over HTTP, as any other client does.

    ``host`` is a loopback address unless ``allow_remote`` (then a warning goes to standard
    error): the AWS APIs need no token, so anyone who reaches the port can use them. Requests
    are logged to standard error only when ``verbose`` (in colour only on a terminal).

    Raises:
        ParameterError: ``region`` (or, without it, the environment's) is not one the fakes
            serve (a ``ValueError``).
        RemoteBindError: ``host`` is reachable from other machines, without ``allow_remote``.
        OSError: the address cannot be bound (a port in use, an unknown name).
    """
    region = _region(region)
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
            request_handler=_request_handler(verbose),
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
    verbose: bool = False,
) -> Iterator[Emulator]:
    """Serve the emulator in a background thread for the scope; yields where it listens.

    ``region`` is the control path's default region (default: the environment's, or us-east-1).
    See :func:`listening` for ``allow_remote``, ``verbose`` and the ``mock_aws`` scope that comes
    with it.
    """
    with listening(host, port, region, allow_remote=allow_remote, verbose=verbose) as server:
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
