"""Whom the emulator answers, and how much it reads: the checks before a request is served.

``voice-constructs emulate`` is for its own user, on this machine. A web page the user visits can
send requests to ``127.0.0.1`` too, and moto's server would answer them (with CORS headers that
let the page read the answers), so every request meets these checks first:

- The ``Host`` header names a loopback address: ``localhost`` or a name under it, 127.0.0.0/8 or
  ``[::1]``, with any port. A page that rebinds its own DNS name to 127.0.0.1 still sends that
  name, and is refused. A server bound to another address (``allow_remote``) also answers to
  that address; one bound to every address (``0.0.0.0``, ``::``) to any IP address (no DNS name
  is involved, so nothing to rebind) and to this machine's own names.
- A browser's cross-site request is refused: one with an ``Origin`` header, or with a
  ``Sec-Fetch-Site`` of ``cross-site`` or ``same-site`` (a browser sends no ``Origin`` on a plain
  GET from an ``<img>``). No answer carries ``Access-Control-*`` headers: moto's server adds
  them to every answer, the guard takes them off.
- The control path and moto's ``/moto-api/`` need the run's token (:func:`new_token`) in the
  :data:`TOKEN_HEADER` header, and a JSON content type on anything but GET and HEAD, which no
  HTML form can send. moto's recorder (``/moto-api/recorder/``), which writes files in the
  working directory and replays requests to other hosts, is not served at all. The AWS API
  paths need no token (the SDKs cannot send one): the two checks above protect them.
- A body is at most :data:`MAX_BODY` bytes, declared (``Content-Length``) or chunked.
"""

from __future__ import annotations

import hmac
import io
import ipaddress
import posixpath
import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

TOKEN_HEADER = "X-Voice-Constructs-Token"  # noqa: S105 (a header name, not a secret)
MAX_BODY = 1024 * 1024
MOTO_API_PATH = "/moto-api"

WSGIEnvironment = dict[str, Any]
StartResponse = Callable[..., Any]

_TOKEN_KEY = "HTTP_" + TOKEN_HEADER.upper().replace("-", "_")
_CROSS_SITE = frozenset({"cross-site", "same-site"})
_SAFE_METHODS = frozenset({"GET", "HEAD"})
_CHUNK = 64 * 1024


class RefusedError(Exception):
    """A request the guard does not serve: the HTTP status and what was wrong."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def new_token() -> str:
    """A fresh token for one run of the emulator (URL-safe, 256 random bits)."""
    return secrets.token_urlsafe(32)


def is_loopback(name: str) -> bool:
    """Whether a host name or address (no port; brackets allowed) is this machine's loopback."""
    name = name.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _address(name)
    return address is not None and address.is_loopback


def binds_remotely(host: str) -> bool:
    """Whether a server listening on ``host`` can be reached from other machines.

    A name is resolved: it binds remotely when any of its addresses is not a loopback one. A
    name that does not resolve cannot be bound either; binding it reports that.
    """
    if is_loopback(host):
        return False
    if not host or _address(host.strip("[]")) is not None:
        return True
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    return any(not is_loopback(str(entry[4][0])) for entry in found)


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


@dataclass(frozen=True)
class Guard:
    """The checks of one run: its token, the paths that need it, and the hosts it answers to.

    ``hosts`` are the names and addresses (lowercase, no brackets) served besides loopback ones;
    ``any_address`` also serves any IP address and this machine's names (a wildcard bind).
    """

    protected: tuple[str, ...]
    token: str = field(default_factory=new_token, repr=False)
    hosts: frozenset[str] = frozenset()
    any_address: bool = False

    @classmethod
    def for_bind(cls, host: str, bound: str, protected: tuple[str, ...]) -> Guard:
        """The guard of a server asked to listen on ``host`` and bound to address ``bound``."""
        if not binds_remotely(host):
            return cls(protected)
        names = {name.strip("[]").rstrip(".").lower() for name in (host, bound) if name}
        wildcard = not host or any(
            address is not None and address.is_unspecified for address in map(_address, names)
        )
        if wildcard:
            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        return cls(protected, hosts=frozenset(names), any_address=wildcard)

    def check(self, environ: WSGIEnvironment) -> None:
        """Raise :class:`RefusedError` unless the request may be served; bounds its body."""
        self._check_host(environ.get("HTTP_HOST"))
        if environ.get("HTTP_ORIGIN") is not None:
            raise RefusedError("cross-site requests are refused (the request has an Origin)", 403)
        if str(environ.get("HTTP_SEC_FETCH_SITE", "")).lower() in _CROSS_SITE:
            raise RefusedError("cross-site requests are refused (Sec-Fetch-Site)", 403)
        path = str(environ.get("PATH_INFO", ""))
        # As a router might read it: no empty or dot segments, any case.
        normal = posixpath.normpath("/" + path.lstrip("/")).lower()
        if normal.startswith(MOTO_API_PATH) and "recorder" in normal.split("/"):
            raise RefusedError("moto's recorder is not served by the emulator", 404)
        if normal.startswith(self.protected):
            self._check_token(environ)
            method = str(environ.get("REQUEST_METHOD", "GET")).upper()
            media = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
            if method not in _SAFE_METHODS and media != "application/json":
                raise RefusedError(f"{method} {path} needs Content-Type: application/json", 415)
        _bound_body(environ)

    def _check_host(self, header: object) -> None:
        name = _host_name(header) if isinstance(header, str) else None
        if name is None:
            raise RefusedError("a Host header is required", 403)
        if is_loopback(name) or name in self.hosts:
            return
        if self.any_address and _address(name) is not None:
            return
        served = "a loopback address" if not self.hosts else "a loopback or the bound address"
        raise RefusedError(f"Host {name!r} is refused: the emulator answers to {served} only", 403)

    def _check_token(self, environ: WSGIEnvironment) -> None:
        given = str(environ.get(_TOKEN_KEY, "")).encode()
        if not hmac.compare_digest(given, self.token.encode()):
            raise RefusedError(
                f"this path needs the emulator's token in {TOKEN_HEADER} (emulate prints it)",
                403,
            )

    def start_response(self, start_response: StartResponse) -> StartResponse:
        """``start_response`` without CORS headers (moto's flask-cors adds them to every answer)."""

        def without_cors(status: str, headers: Iterable[tuple[str, str]], *rest: Any) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            return start_response(status, kept, *rest)

        return without_cors


def _host_name(header: str) -> str | None:
    """The host of a Host header (lowercase, no brackets, no port), or None if malformed."""
    header = header.strip().lower()
    if header.startswith("["):
        name, bracket, port = header[1:].partition("]")
        if not bracket or (port and not (port[0] == ":" and port[1:].isdigit())):
            return None
    else:
        name, colon, port = header.partition(":")
        if colon and not port.isdigit():
            return None
    name = name.rstrip(".")
    return name or None


def _bound_body(environ: WSGIEnvironment) -> None:
    """Refuse a body over :data:`MAX_BODY`; a chunked one is read here, and served from memory."""
    declared = environ.get("CONTENT_LENGTH")
    if declared:
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            raise RefusedError(f"Content-Length is not a length: {declared!r}", 400)
        if length > MAX_BODY:
            raise RefusedError(f"the body is over {MAX_BODY} bytes ({length})", 413)
        return
    if not environ.get("wsgi.input_terminated"):
        return
    stream = environ["wsgi.input"]
    body = bytearray()
    try:
        while len(body) <= MAX_BODY:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            body += chunk
    except (OSError, ValueError) as error:
        raise RefusedError(f"the chunked body is malformed: {error}", 400) from error
    if len(body) > MAX_BODY:
        raise RefusedError(f"the chunked body is over {MAX_BODY} bytes", 413)
    # What follows reads a plain body of a known length, as moto's request parsing expects.
    environ["wsgi.input"] = io.BytesIO(bytes(body))
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated", None)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
