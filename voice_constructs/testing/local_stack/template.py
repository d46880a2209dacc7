"""A template's intrinsic functions and conditions, resolved against what the emulator created.

Supported: ``Ref`` (resources, parameters, pseudo parameters), ``Fn::GetAtt``, ``Fn::Join``,
``Fn::Sub`` (both forms), ``Fn::Select``, ``Fn::Split``, ``Fn::If`` and the conditions
(``Fn::Equals``, ``Fn::And``, ``Fn::Or``, ``Fn::Not``, ``Condition``), ``Fn::FindInMap``,
``Fn::GetAZs``, ``Fn::Base64``, ``Fn::ToJsonString`` and ``Fn::Length``. Anything else
(``Fn::ImportValue``, ``Fn::Cidr``, a transform) raises :class:`UnresolvedError`, which names it, as
does a reference to a resource that was not created.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition")


class UnresolvedError(Exception):
    """A value the emulator cannot resolve: the message names what (``Fn::ImportValue``, ...)."""


@dataclass
class Created:
    """A resource the emulator created: what ``Ref`` gives, and its ``Fn::GetAtt`` attributes."""

    ref: str
    attributes: dict[str, Any] = field(default_factory=dict)
    #: What the startup output says of it (default: its ``Ref``).
    detail: str = ""


#: Resolves a parameter, from its name and its definition in the template.
ParameterSource = Callable[[str, dict[str, Any]], Any]


class Resolver:
    """Resolves values of one template; ``created`` fills in as resources are created."""

    def __init__(
        self,
        template: dict[str, Any],
        pseudo: dict[str, Any],
        parameters: ParameterSource,
        *,
        missing: Callable[[str], str] | None = None,
    ) -> None:
        """``pseudo`` maps ``AWS::Region`` and the like; ``missing`` says why one is absent."""
        self.template = template
        self.pseudo = pseudo
        self.created: dict[str, Created] = {}
        self._parameters = parameters
        self._parameter_values: dict[str, Any] = {}
        self._missing = missing or (lambda logical_id: f"{logical_id} is not created")
        self._conditions: dict[str, bool] = {}

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function resolved (``AWS::NoValue`` members dropped)."""
        if isinstance(value, list):
            items = (self.resolve(item) for item in value)
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref":
                return self.ref(str(argument))
            if name.startswith("Fn::") or name == "Condition":
                return self._function(name, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def ref(self, name: str) -> Any:
        """What ``Ref`` gives for ``name``: a pseudo parameter, a parameter or a resource."""
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in (self.template.get("Parameters") or {}):
            if name not in self._parameter_values:
                definition = self.template["Parameters"][name]
                self._parameter_values[name] = self._parameters(name, definition)
            return self._parameter_values[name]
        return self._resource(name).ref

    def _resource(self, logical_id: str) -> Created:
        if logical_id in self.created:
            return self.created[logical_id]
        if logical_id not in (self.template.get("Resources") or {}):
            raise UnresolvedError(f"{logical_id} is no resource or parameter of the template")
        raise UnresolvedError(self._missing(logical_id))

    def get_att(self, logical_id: str, attribute: str) -> Any:
        """``Fn::GetAtt`` of a created resource."""
        attributes = self._resource(logical_id).attributes
        if attribute not in attributes:
            known = ", ".join(sorted(attributes)) or "none"
            raise UnresolvedError(
                f"Fn::GetAtt {logical_id}.{attribute} (emulated attributes: {known})"
            )
        return attributes[attribute]

    def condition(self, name: str) -> bool:
        """The value of the template's condition ``name``."""
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise UnresolvedError(f"condition {name} is not in the template")
            self._conditions[name] = bool(self._truth(conditions[name]))
        return self._conditions[name]

    def _truth(self, value: Any) -> bool:
        resolved = self.resolve(value)
        if isinstance(resolved, bool):
            return resolved
        if isinstance(resolved, str) and resolved.lower() in ("true", "false"):
            return resolved.lower() == "true"
        raise UnresolvedError(f"a condition must be true or false, got {_shown(resolved)}")

    def _function(self, name: str, argument: Any) -> Any:
        functions: dict[str, Callable[[Any], Any]] = {
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Sub": self._sub,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::Equals": lambda a: _pair(self.resolve(a), "Fn::Equals", lambda x, y: x == y),
            "Fn::And": lambda a: all(self._truth(item) for item in _listed(a, "Fn::And")),
            "Fn::Or": lambda a: any(self._truth(item) for item in _listed(a, "Fn::Or")),
            "Fn::Not": lambda a: not self._truth(_listed(a, "Fn::Not")[0]),
            "Condition": lambda a: self.condition(str(a)),
            "Fn::FindInMap": self._find_in_map,
            "Fn::GetAZs": self._get_azs,
            "Fn::Base64": lambda a: base64.b64encode(str(self.resolve(a)).encode()).decode(),
            "Fn::ToJsonString": lambda a: json.dumps(self.resolve(a), separators=(",", ":")),
            "Fn::Length": lambda a: len(_listed(self.resolve(a), "Fn::Length")),
        }
        if name not in functions:
            raise UnresolvedError(f"{name} (not an intrinsic function the emulator resolves)")
        return functions[name](argument)

    def _get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        logical_id, attribute = _listed(argument, "Fn::GetAtt", 2)
        return self.get_att(str(logical_id), str(self.resolve(attribute)))

    def _join(self, argument: Any) -> str:
        separator, items = _listed(argument, "Fn::Join", 2)
        values = self.resolve(items)
        return str(separator).join(_text(item, "Fn::Join") for item in _listed(values, "Fn::Join"))

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = _listed(argument, "Fn::Sub", 2)
            variables = self.resolve(variables)
        else:
            text, variables = argument, {}

        def substitute(found: re.Match[str]) -> str:
            name = found.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _text(variables[name], "Fn::Sub")
            if "." in name and name.split(".", 1)[0] not in self.pseudo:
                logical_id, attribute = name.split(".", 1)
                return _text(self.get_att(logical_id, attribute), "Fn::Sub")
            return _text(self.ref(name), "Fn::Sub")

        return _SUB_VARIABLE.sub(substitute, _text(text, "Fn::Sub"))

    def _select(self, argument: Any) -> Any:
        index, items = _listed(argument, "Fn::Select", 2)
        values = _listed(self.resolve(items), "Fn::Select")
        position = int(self.resolve(index))
        if not 0 <= position < len(values):
            raise UnresolvedError(f"Fn::Select index {position} is outside a list of {len(values)}")
        return values[position]

    def _split(self, argument: Any) -> list[str]:
        separator, text = _listed(argument, "Fn::Split", 2)
        return _text(self.resolve(text), "Fn::Split").split(str(separator))

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = _listed(argument, "Fn::If", 3)
        return self.resolve(when_true if self.condition(str(name)) else when_false)

    def _get_azs(self, argument: Any) -> list[str]:
        region = self.resolve(argument) or self.pseudo["AWS::Region"]
        return [f"{region}{zone}" for zone in "abc"]

    def _find_in_map(self, argument: Any) -> Any:
        listed = _listed(argument, "Fn::FindInMap", 3)
        mapping, top, second = (self.resolve(item) for item in listed)
        try:
            return self.template["Mappings"][mapping][top][second]
        except (KeyError, TypeError):
            where = f"{mapping}/{top}/{second}"
            raise UnresolvedError(f"Fn::FindInMap {where} is not in Mappings") from None


def is_true(value: Any) -> bool:
    """A CloudFormation Boolean: ``true`` or ``"true"`` (any case), as templates give them."""
    return str(value).lower() == "true"


def references(value: Any) -> set[str]:
    """The names ``value`` refers to (resources and parameters), without resolving anything."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item.split(".", 1)[0] if isinstance(item, str) else item[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                given = item[1] if isinstance(item, list) else None
                local = set(given) if isinstance(given, dict) else set()
                for name in _SUB_VARIABLE.findall(str(text)):
                    if not name.startswith("!") and name not in local:
                        found.add(name.split(".", 1)[0])
                found |= references(item[1] if isinstance(item, list) else None)
            else:
                found |= references(item)
    return found


def creation_order(resources: dict[str, Any]) -> list[str]:
    """The logical ids in an order where each comes after what it refers to and depends on.

    Template order among equals; a cycle (which CloudFormation refuses) keeps template order.
    """
    needs: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn") or []
        depends = [depends] if isinstance(depends, str) else list(depends)
        wanted = references(resource.get("Properties") or {}) | set(depends)
        needs[logical_id] = {name for name in wanted if name in resources and name != logical_id}
    ordered: list[str] = []
    placed: set[str] = set()
    while len(ordered) < len(resources):
        ready = [i for i in resources if i not in placed and needs[i] <= placed]
        if not ready:
            ready = [next(i for i in resources if i not in placed)]
        for logical_id in ready:
            ordered.append(logical_id)
            placed.add(logical_id)
    return ordered


def _listed(value: Any, function: str, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        wanted = f"a list of {length}" if length else "a list"
        raise UnresolvedError(f"{function} takes {wanted}, got {_shown(value)}")
    return value


def _pair(value: Any, function: str, test: Callable[[Any, Any], bool]) -> bool:
    first, second = _listed(value, function, 2)
    return test(first, second)


def _text(value: Any, function: str) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return str(value)
    raise UnresolvedError(f"{function} needs text, got {_shown(value)}")


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def names_in(values: Iterable[str]) -> str:
    """Names for a message: ``a, b and c``."""
    items = sorted(values)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
