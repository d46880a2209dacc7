"""Which operation a REST request names, read from botocore's service model.

A REST-JSON API (Pinpoint's voice channel, SMS and Voice v1) names its operation by the HTTP
method and the path: each operation's ``http`` trait in the service model has a ``method`` and a
``requestUri`` template (``/v1/sms-voice/configuration-sets/{ConfigurationSetName}``), whose
labels are path segments (``{Name}``) or the rest of the path (``{Name+}``). The fakes resolve a
request against those templates themselves, from the same model they validate with
(:func:`voice_constructs.testing.validation.service_model`), instead of through moto's private
dispatch helpers, which moto renames between releases.

Where two templates match one path, the one with more literal characters wins (a fixed segment
over a label), as the services' routers do.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote

from voice_constructs.testing.validation import service_model

_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")


@dataclass(frozen=True)
class Route:
    """One operation's method and path template, compiled."""

    operation: str
    method: str
    pattern: re.Pattern[str]
    #: The template's labels in order (the pattern's groups are ``g0``, ``g1``, ...).
    labels: tuple[str, ...]
    #: Characters of the template outside its labels: the more, the more specific.
    literal: int


@dataclass(frozen=True)
class Match:
    """A request resolved: its operation and its path labels, percent-decoded."""

    operation: str
    labels: dict[str, str]


def compile_template(operation: str, method: str, request_uri: str) -> Route:
    """Compile one ``requestUri`` template (its query part, if any, ignored)."""
    path = request_uri.split("?", 1)[0]
    parts: list[str] = []
    labels: list[str] = []
    literal = 0
    position = 0
    for label in _LABEL.finditer(path):
        text = path[position : label.start()]
        parts.append(re.escape(text))
        literal += len(text)
        group = f"g{len(labels)}"
        parts.append(f"(?P<{group}>.+)" if label.group(2) else f"(?P<{group}>[^/]+)")
        labels.append(label.group(1))
        position = label.end()
    parts.append(re.escape(path[position:]))
    literal += len(path) - position
    # A trailing slash is optional, as API Gateway-style routers treat it.
    pattern = re.compile("".join(parts).rstrip("/") + "/?")
    return Route(operation, method.upper(), pattern, tuple(labels), literal)


@functools.cache
def routes(service_name: str) -> tuple[Route, ...]:
    """Every operation of the service model, most specific template first."""
    model = service_model(service_name)
    compiled = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        compiled.append(compile_template(name, str(http["method"]), str(http["requestUri"])))
    return tuple(sorted(compiled, key=lambda route: -route.literal))


def resolve(service_name: str, method: str, path: str) -> Match | None:
    """The operation a ``method`` and (percent-encoded) ``path`` name, or None."""
    for route in routes(service_name):
        if route.method != method.upper():
            continue
        found = route.pattern.fullmatch(path)
        if found:
            values = (unquote(found.group(f"g{i}")) for i in range(len(route.labels)))
            return Match(route.operation, dict(zip(route.labels, values, strict=True)))
    return None
