"""The resources a CloudFormation value references: ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

# ${Name} or ${Name.Attribute} in Fn::Sub; ${!Literal} is an escaped literal.
_SUB_VARIABLE: Final = re.compile(r"\$\{([^!}][^}]*)\}")


def references(value: object) -> Iterable[str]:
    """Every name ``value`` references with ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub``."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
        return
    if not isinstance(value, Mapping):
        return
    if len(value) == 1:
        ((function, argument),) = value.items()
        intrinsic = _INTRINSICS.get(function)
        if intrinsic is not None:
            yield from intrinsic(argument)
            return
    for item in value.values():
        yield from references(item)


def _ref(argument: object) -> Iterable[str]:
    if isinstance(argument, str):
        yield argument
    else:
        yield from references(argument)


def _get_att(argument: object) -> Iterable[str]:
    if isinstance(argument, str):
        yield argument.split(".", 1)[0]
    elif isinstance(argument, list) and argument:
        if isinstance(argument[0], str):
            yield argument[0]
        yield from references(argument[1:])


def _sub(argument: object) -> Iterable[str]:
    text, variables = (argument, {}) if isinstance(argument, str) else _sub_args(argument)
    for match in _SUB_VARIABLE.finditer(text):
        name = match.group(1).split(".", 1)[0].strip()
        if name not in variables and not name.startswith("AWS::"):
            yield name
    yield from references(list(variables.values()))


_INTRINSICS: dict[str, Callable[[object], Iterable[str]]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
}


def _sub_args(argument: object) -> tuple[str, Mapping[str, Any]]:
    if isinstance(argument, list) and argument and isinstance(argument[0], str):
        variables = argument[1] if len(argument) > 1 else {}
        return argument[0], variables if isinstance(variables, Mapping) else {}
    return "", {}
