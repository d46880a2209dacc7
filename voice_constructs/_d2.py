"""D2's syntax for the diagram: keys unique in their container, and quoted strings.

This module imports only the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Group = tuple[str, ...]
"""A container, as the construct ids from the outermost one."""


class Keys:
    """D2 keys for every container and node, unique in their container.

    D2 keys are case-insensitive, so of two members of one container whose ids differ only in
    case, the second gets a ``~2`` suffix.
    """

    def __init__(self, groups: Iterable[Group], nodes: Iterable[tuple[Group, str]]) -> None:
        """Key ``groups`` (sorted, outermost first) and ``nodes`` (each its group and id)."""
        members: dict[Group, list[tuple[str, str]]] = {}
        for group in groups:
            members.setdefault(group[:-1], []).append(("group", group[-1]))
        for group, name in nodes:
            members.setdefault(group, []).append(("node", name))
        self._keys: dict[tuple[Group, str, str], Group] = {}
        scope_keys: dict[Group, Group] = {(): ()}
        for scope in sorted(members, key=len):
            taken: set[str] = set()
            for kind, name in members[scope]:
                key, count = name, 1
                while key.casefold() in taken:
                    count += 1
                    key = f"{name}~{count}"
                taken.add(key.casefold())
                path = (*scope_keys[scope], key)
                self._keys[scope, kind, name] = path
                if kind == "group":
                    scope_keys[(*scope, name)] = path

    def group(self, group: Group) -> str:
        """The key of a container inside its parent."""
        return self._keys[group[:-1], "group", group[-1]][-1]

    def node(self, group: Group, name: str) -> str:
        """The key of a node inside its container."""
        return self._keys[group, "node", name][-1]

    def path(self, group: Group, name: str) -> str:
        """The full dotted key of a node, for edges declared at the top level."""
        return ".".join(quote(key) for key in self._keys[group, "node", name])


def quote(text: str) -> str:
    r"""A D2 double-quoted string: no substitutions, newlines as ``\n``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    escaped = escaped.replace("\n", "\\n")
    return '"' + re.sub(r"[\x00-\x1f]", " ", escaped) + '"'
