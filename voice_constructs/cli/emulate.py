"""``voice-constructs emulate``: the voice fakes and the moto services they work with, on a port.

Needs the ``testing`` extra (moto's server); the parser is registered without it, and the command
says which extra to install when it is missing. It listens on a loopback address unless told
``--allow-remote``, and prints the run's token, which the control path needs. With ``--app`` it
also runs a synthesized stack (:mod:`voice_constructs.cli._local`).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import shlex
import signal
import socket
import sys
import warnings
from typing import Any

from voice_constructs.cli import _local
from voice_constructs.cli._exit import OK, USAGE, CommandError
from voice_constructs.cli._extras import missing
from voice_constructs.cli._runtime import printable

MISSING_EXTRA = missing("emulate", "testing", "moto's server")
DEFAULT_PORT = 4566
MAX_PORT = 65535
# How each placed call ends with --app (the call events' outcomes; none: the control path's).
CALL_OUTCOMES = ("answered", "busy", "no-answer", "failed", "none")


def register(subcommands: Any) -> None:
    """Add ``emulate`` to the command line."""
    command = subcommands.add_parser(
        "emulate",
        help="serve the voice fakes and moto's services over HTTP, for clients in any language",
        description="Serve the voice fakes (the Pinpoint voice channel, pinpoint-sms-voice, "
        "pinpoint-sms-voice-v2) and moto's services (SNS, CloudWatch Logs, Firehose, "
        "EventBridge, DynamoDB, SQS, Pinpoint, ...) on one local endpoint, until interrupted. "
        "Point a client's endpoint URL at it, with fake credentials and any region. Fault "
        "injection and inspection are under /_voice_constructs/ (JSON), with the token it "
        "prints in the X-Voice-Constructs-Token header. With --app, a synthesized stack runs "
        "against it: its resources created, its functions run in-process.",
        epilog="example: cdk synth && voice-constructs emulate --app cdk.out",
    )
    command.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    command.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1); one other machines reach needs "
        "--allow-remote",
    )
    command.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines reach (0.0.0.0, a LAN address): they can then use "
        "the AWS APIs, which need no token",
    )
    command.add_argument(
        "--region",
        default=None,
        help="the control path's default region (default: AWS_REGION, AWS_DEFAULT_REGION or "
        "us-east-1)",
    )
    command.add_argument(
        "--json",
        action="store_true",
        help="print the endpoint and the token as one JSON line, for scripts",
    )
    command.add_argument(
        "--verbose",
        action="store_true",
        help="log each request to standard error (in colour only on a terminal)",
    )
    _local.register_options(command, CALL_OUTCOMES)
    command.set_defaults(handler=emulate, command="emulate")


def _port(value: str) -> int:
    """A TCP port from the command line: 0 (any free port) to 65535."""
    port = int(value) if value.strip().isdigit() else -1
    if not 0 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to {MAX_PORT} (0 picks a free port), got {value!r}"
        )
    return port


def emulate(arguments: argparse.Namespace) -> int:
    """Serve until interrupted; returns the exit status."""
    try:
        # Without flask, moto warns at length before its ImportError; the one line below says it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from voice_constructs.testing.server import (
                CONTROL_PATH,
                TOKEN_HEADER,
                EmulatorApp,
                ParameterError,
                RemoteBindError,
                listening,
            )
    except ImportError as error:
        raise CommandError(MISSING_EXTRA, USAGE) from error
    stacks = _local.load(arguments) if arguments.app else None
    region = _local.region_of(stacks, arguments.region) if stacks else arguments.region
    _stop_on_signals()
    try:
        with listening(
            arguments.host,
            arguments.port,
            region,
            allow_remote=arguments.allow_remote,
            verbose=arguments.verbose,
        ) as server:
            app = server.app
            assert isinstance(app, EmulatorApp)

            def announce(
                stack: dict[str, Any] | None = None, lines: list[str] | None = None
            ) -> None:
                _announce(
                    server.server_address,
                    CONTROL_PATH,
                    TOKEN_HEADER,
                    app.token,
                    as_json=arguments.json,
                    stacks=stack,
                    lines=lines or [],
                )

            # Ctrl-C is how the emulator is meant to stop: a success, even right after the
            # announcement, which a script may answer at once.
            with contextlib.suppress(KeyboardInterrupt):
                if stacks is None:
                    announce()
                    server.serve_forever()
                else:
                    _local.serve(server, stacks, arguments, announce)
    except RemoteBindError as error:
        raise CommandError(
            f"--host {shlex.quote(arguments.host)} is reachable from other machines: add "
            "--allow-remote to listen there, or leave --host at 127.0.0.1",
            USAGE,
        ) from error
    except ParameterError as error:
        raise CommandError(f"--region: {error.problem}", USAGE) from error
    except OSError as error:
        raise CommandError(_bind_problem(arguments.host, arguments.port, error), USAGE) from error
    return OK


# getaddrinfo's errors (negative on Linux, so never an errno of bind's own).
_RESOLVER_ERRORS = frozenset(
    getattr(socket, name)
    for name in ("EAI_NONAME", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_ADDRFAMILY")
    if hasattr(socket, name)
)


def _bind_problem(host: str, port: int, error: OSError) -> str:
    """Why the address could not be bound, naming the argument at fault, in one line."""
    # create_server re-raises a resolver's error as a plain OSError, and adds the address.
    reason = str(error.strerror or error).split(" (while attempting to bind", 1)[0]
    shown = shlex.quote(host)
    if isinstance(error, socket.gaierror) or error.errno in _RESOLVER_ERRORS:
        return (
            f"--host {shown} does not resolve ({reason}): give an address or a name of this machine"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return f"--host {shown} is not an address of this machine ({reason})"
    if error.errno == errno.EADDRINUSE:
        return f"--port {port} is in use on {shown} ({reason}): pick another, or 0 for a free one"
    if error.errno == errno.EACCES:
        return (
            f"--port {port} needs privileges ({reason}): pick one from 1024 up, or 0 for a free one"
        )
    return f"cannot listen on --host {shown} --port {port}: {reason}"


def _stop_on_signals() -> None:
    """SIGINT and SIGTERM stop the emulator, even where SIGINT came in ignored.

    A shell without job control starts background commands (``voice-constructs emulate &``, a
    CI step) with SIGINT ignored, and Python then never raises KeyboardInterrupt for it; a
    service manager or a test harness stops it with SIGTERM.
    """

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def _announce(
    address: Any,
    control_path: str,
    header: str,
    token: str,
    *,
    as_json: bool,
    stacks: dict[str, Any] | None = None,
    lines: list[str],
) -> None:
    """Where it serves and its token; with ``--app``, what runs (``stacks``, ``lines``)."""
    host, port = address[:2]
    endpoint = f"http://{host}:{port}"
    if as_json:
        announced = {
            "endpoint_url": endpoint,
            "control_url": endpoint + control_path,
            "token_header": header,
            "token": token,
            **(stacks or {}),
        }
        print(json.dumps(announced))
    else:
        print(f"voice-constructs emulate: serving on {endpoint} (Ctrl-C stops)")
        print(f"  fault injection and inspection: {endpoint}{control_path}/")
        print(f"  its token, in the header {header}: {token}")
        for line in lines:
            print(printable(line))
    sys.stdout.flush()
