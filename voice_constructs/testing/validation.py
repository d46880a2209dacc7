r"""Request validation derived from botocore's service models, for all three fakes.

Each fake checks a request against the input shape of its operation in the service model botocore
ships (``botocore.session.get_session().get_service_model(...)``), the model every AWS SDK is
generated from, instead of tables written by hand; so a fake cannot drift from the real API.
What is checked, for every member at any depth:

- ``required``: a required member is present (a member that is JSON ``null`` counts as absent,
  as the services' parsers take it; a ``null`` list item or map value is refused);
- the type: a string, a boolean, an integer (not a boolean, not a fraction), a number, a list, a
  map or a structure (a JSON object) as the shape says;
- ``enum``: a string is one of the listed values (the error suggests the closest one:
  :func:`closest`);
- ``min`` and ``max``: a string's length, a list's or a map's number of entries, a number's
  value;
- ``pattern``: a string matches the pattern as a whole, its classes (``\s``, ``\d``, ``\w``)
  ASCII ones: the AWS services' framework matches the whole value, as Java's
  ``Pattern.matches`` does; botocore never checks patterns itself.

Members are read from where the protocol puts them: a ``uri`` label from the path parameters, the
``payload`` member from the whole body, the others from the JSON body under their wire name.
Members the model does not know are ignored, as the services ignore them.

Rules the model cannot express (one content kind, E.164, the per-recipient cap, configuration set
existence, ...) stay in each service's ``models.py``, checked after these.

The model is loaded on first use and the compiled checks are cached per operation, so importing
:mod:`voice_constructs.testing` costs nothing here. An error names the member's path
(``Content.PlainTextMessage.Text``, ``EventDestination.MatchingEventTypes[1]``; a map's keys and
values by the map's own path, since a key may be anything, a phone number included) and the
problem, and never quotes the value.
"""

from __future__ import annotations

import difflib
import functools
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel, Shape

    from voice_constructs.testing.exceptions import ServiceError

# The kinds of constraint, as :meth:`ModelValidator.counts` reports them.
REQUIRED, TYPE, ENUM, MIN, MAX, PATTERN = "required", "type", "enum", "min", "max", "pattern"
CONSTRAINT_KINDS = (REQUIRED, TYPE, ENUM, MIN, MAX, PATTERN)
# An enum longer than this is named by its shape rather than listed in an error message.
_ENUM_LISTED = 10

_lock = threading.Lock()


@functools.cache
def service_model(service_name: str) -> ServiceModel:
    """The service model botocore ships for ``service_name``, loaded once per process."""
    import botocore.session

    with _lock:
        return botocore.session.get_session().get_service_model(service_name)


@functools.cache
def error_shapes(service_name: str) -> dict[str, tuple[str, ...]]:
    """The error shapes of the service's model, by name, with their members' names."""
    model = service_model(service_name)
    return {shape.name: tuple(shape.members) for shape in model.error_shapes}  # type: ignore[attr-defined]


@dataclass
class _Node:
    """The compiled checks of one shape (shared by every member of that shape)."""

    shape: str
    type_name: str
    enum: tuple[str, ...] = ()
    minimum: int | float | None = None
    maximum: int | float | None = None
    pattern: re.Pattern[str] | None = None
    required: tuple[str, ...] = ()
    # Structure: member name -> (wire name, node); list: "member"; map: "key" and "value".
    members: dict[str, tuple[str, _Node]] = field(default_factory=dict)

    def constraints(self) -> list[str]:
        """The kinds of constraint this shape puts on a value (required is its parent's)."""
        kinds = [TYPE]
        kinds += [ENUM] if self.enum else []
        kinds += [MIN] if self.minimum is not None else []
        kinds += [MAX] if self.maximum is not None else []
        kinds += [PATTERN] if self.pattern is not None else []
        return kinds


@dataclass(frozen=True)
class Counts:
    """How many members and constraints the validation of some operations derives from a model."""

    operations: int
    members: int
    constraints: int
    by_kind: dict[str, int]


@dataclass(frozen=True)
class _Operation:
    """One operation's compiled input: the root node and where each top-level member is read."""

    root: _Node
    locations: dict[str, tuple[str, str]]  # member -> (location, wire name)


def _compile(shape: Shape, done: dict[str, _Node]) -> _Node:
    # Shapes are compiled once each and shared, which also ends recursive shapes.
    if shape.name in done:
        return done[shape.name]
    metadata = shape.metadata
    pattern = metadata.get("pattern")
    node = _Node(
        shape=shape.name,
        type_name=shape.type_name,
        enum=tuple(getattr(shape, "enum", None) or ()),
        minimum=metadata.get("min"),
        maximum=metadata.get("max"),
        # ASCII: the services' framework reads patterns as Java does, where \s, \d and \w
        # are ASCII classes unless a pattern asks otherwise.
        pattern=re.compile(pattern, re.ASCII) if pattern is not None else None,
        required=tuple(metadata.get("required", ())),
    )
    done[shape.name] = node
    if shape.type_name == "structure":
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            wire = member.serialization.get("name", name)
            node.members[name] = (wire, _compile(member, done))
    elif shape.type_name == "list":
        node.members["member"] = ("member", _compile(shape.member, done))  # type: ignore[attr-defined]
    elif shape.type_name == "map":
        node.members["key"] = ("key", _compile(shape.key, done))  # type: ignore[attr-defined]
        node.members["value"] = ("value", _compile(shape.value, done))  # type: ignore[attr-defined]
    return node


def _type_problem(node: _Node, value: object) -> str | None:
    expected = _TYPES.get(node.type_name)
    if expected is None:
        return None
    accepts, described = expected
    if isinstance(value, bool) and node.type_name != "boolean":
        return f"must be {described}"
    if not isinstance(value, accepts):
        return f"must be {described}"
    if node.type_name in ("integer", "long") and isinstance(value, float):
        return f"must be {described}"
    return None


_TYPES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "string": (str, "a string"),
    "blob": (str, "a string (base64)"),
    "boolean": (bool, "true or false"),
    "integer": (int, "an integer"),
    "long": (int, "an integer"),
    "float": ((int, float), "a number"),
    "double": ((int, float), "a number"),
    "timestamp": ((int, float, str), "a timestamp"),
    "structure": (dict, "an object"),
    "map": (dict, "an object (a map)"),
    "list": (list, "a list"),
}


def _bounds(node: _Node, unit: str) -> str:
    low, high = node.minimum, node.maximum
    if low is not None and high is not None:
        return f"{low}-{high} {unit}"
    if low is not None:
        return f"at least {low} {unit}"
    return f"at most {high} {unit}"


def _size_problem(node: _Node, value: object) -> str | None:
    if node.minimum is None and node.maximum is None:
        return None
    low = node.minimum if node.minimum is not None else float("-inf")
    high = node.maximum if node.maximum is not None else float("inf")
    if isinstance(value, str | list | dict):
        size = len(value)
        if low <= size <= high:
            return None
        if isinstance(value, str):
            return f"must be {_bounds(node, 'characters')}, got {size}"
        return f"must have {_bounds(node, 'entries')}, got {size}"
    if isinstance(value, int | float) and not low <= value <= high:
        # The value itself is not quoted: a number may be a phone number put in the wrong place.
        if node.minimum is not None and node.maximum is not None:
            return f"must be between {node.minimum} and {node.maximum}"
        return f"must be {'at least' if value < low else 'at most'} {low if value < low else high}"
    return None


def _value_problem(node: _Node, value: object) -> str | None:
    problem = _type_problem(node, value) or _size_problem(node, value)
    if problem or not isinstance(value, str):
        return problem
    if node.pattern is not None and not node.pattern.fullmatch(value):
        return f"must match {node.pattern.pattern}"
    if node.enum and value not in node.enum:
        if len(node.enum) > _ENUM_LISTED:
            problem = f"must be one of the {len(node.enum)} values of {node.shape}"
        else:
            problem = "must be one of " + ", ".join(repr(choice) for choice in node.enum)
        return problem + did_you_mean(value, node.enum)
    return None


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The choice ``value`` most likely stands for, or None when none is near.

    One that differs only in case first (``Joanna`` is ``JOANNA``), then the closest by
    :func:`difflib.get_close_matches` (its default cutoff, 0.6), both compared without case.
    """
    by_case = {choice.casefold(): choice for choice in reversed(tuple(choices))}
    folded = value.casefold()
    if folded in by_case:
        return by_case[folded]
    near = difflib.get_close_matches(folded, by_case, n=1)
    return by_case[near[0]] if near else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'X'?"`` for the :func:`closest` choice, or "" when none is near.

    Only a choice is ever quoted, never ``value``: it may be anything, a phone number too.
    """
    choice = closest(value, choices)
    return f"; did you mean {choice!r}?" if choice is not None else ""


def _check(node: _Node, value: object, path: str, fail: Callable[[str, str], Exception]) -> None:
    problem = _value_problem(node, value)
    if problem:
        raise fail(path, problem)
    if node.type_name == "structure" and isinstance(value, dict):
        _check_structure(node, value, path, fail)
    elif node.type_name == "list" and isinstance(value, list):
        _, item = node.members["member"]
        for index, element in enumerate(value):
            if element is None:
                raise fail(f"{path}[{index}]", "must not be null")
            _check(item, element, f"{path}[{index}]", fail)
    elif node.type_name == "map" and isinstance(value, dict):
        (_, key), (_, entry) = node.members["key"], node.members["value"]
        for name, element in value.items():
            _check_map_entry(key, entry, name, element, path, fail)


def _check_map_entry(
    key: _Node,
    entry: _Node,
    name: object,
    element: object,
    path: str,
    fail: Callable[[str, str], Exception],
) -> None:
    # A key may hold anything (a phone number too), so it is never part of the path.
    problem = _value_problem(key, name)
    if problem:
        raise fail(path, f"keys {problem}")
    if element is None:
        raise fail(path, "values must not be null")
    problem = _value_problem(entry, element)
    if problem:
        raise fail(path, f"values {problem}")
    if entry.type_name in ("structure", "list", "map"):
        _check(entry, element, f"{path}{{value}}", fail)


def _check_structure(
    node: _Node, value: Mapping[str, Any], path: str, fail: Callable[[str, str], Exception]
) -> None:
    prefix = f"{path}." if path else ""
    for name in node.required:
        wire, _ = node.members[name]
        if value.get(wire) is None:
            raise fail(f"{prefix}{name}", "is required")
    for name, (wire, member) in node.members.items():
        element = value.get(wire)
        if element is not None:
            _check(member, element, f"{prefix}{name}", fail)


class ModelValidator:
    """The model-derived validation of one service's operations, raising its own error.

    ``error`` builds the service's error from a member path and a problem (v1 and Pinpoint:
    ``BadRequestException``, v2: ``ValidationException``).
    """

    def __init__(self, service_name: str, error: Callable[[str, str], ServiceError]) -> None:
        self.service_name = service_name
        self.error = error
        self._operations: dict[str, _Operation] = {}
        self._shapes: dict[str, _Node] = {}
        self._lock = threading.Lock()

    def _operation(self, name: str) -> _Operation:
        compiled = self._operations.get(name)
        if compiled is None:
            model: OperationModel = service_model(self.service_name).operation_model(name)
            shape = model.input_shape
            with self._lock:
                if shape is None:
                    compiled = _Operation(_Node(shape="", type_name="structure"), {})
                else:
                    compiled = _Operation(_compile(shape, self._shapes), _locations(shape))
                self._operations[name] = compiled
        return compiled

    def validate(
        self,
        operation: str,
        body: Mapping[str, Any],
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> None:
        """Check a request of ``operation`` against the model; raise the service's error.

        ``body`` is the request's JSON body, ``path`` the labels of its URI (by the model's
        label name, ``application-id``), ``query`` its query string parameters.
        """
        compiled = self._operation(operation)
        sources: dict[str, Mapping[str, Any]] = {"uri": path or {}, "querystring": query or {}}
        # Keyed as the root's members are read (their wire names), wherever the wire put them.
        params: dict[str, Any] = {}
        for member, (location, wire) in compiled.locations.items():
            key = compiled.root.members[member][0]
            if location == "payload":
                params[key] = body
            elif location in sources:
                params[key] = sources[location].get(wire)
            else:
                params[key] = body.get(wire)
        _check_structure(compiled.root, params, "", self.error)

    def counts(self, operations: tuple[str, ...]) -> Counts:
        """How many members and constraints the validation of ``operations`` checks.

        A member is one place a value can be (``Content.PlainTextMessage.Text``, a list's
        items, a map's keys and its values), counted once per operation; a constraint is one
        check on it: its type, required, enum, min, max, pattern.
        """
        kinds: Counter[str] = Counter()
        members = 0
        for name in operations:
            root = self._operation(name).root
            for node, required in _members(root, ()):
                members += 1
                kinds.update(node.constraints())
                kinds.update([REQUIRED] if required else [])
        return Counts(
            len(operations),
            members,
            sum(kinds.values()),
            {kind: kinds[kind] for kind in CONSTRAINT_KINDS},
        )


def _members(node: _Node, seen: tuple[str, ...]) -> list[tuple[_Node, bool]]:
    """Every member below ``node`` (a recursive shape's members once), with its required flag."""
    if node.shape in seen:
        return []
    found: list[tuple[_Node, bool]] = []
    for name, (_, member) in node.members.items():
        found.append((member, name in node.required))
        found += _members(member, (*seen, node.shape))
    return found


def _locations(shape: Shape) -> dict[str, tuple[str, str]]:
    """Where each top-level member of an input shape is on the wire: location and name."""
    payload = shape.serialization.get("payload")
    found: dict[str, tuple[str, str]] = {}
    for name, member in shape.members.items():  # type: ignore[attr-defined]
        if name == payload:
            found[name] = ("payload", name)
        else:
            # Headers are not passed to the backends; no faked operation has a header member.
            location = str(member.serialization.get("location", "body"))
            found[name] = (location, str(member.serialization.get("name", name)))
    return found
