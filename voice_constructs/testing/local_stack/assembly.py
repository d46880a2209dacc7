"""The stacks of a cloud assembly (``cdk.out``) or of one template file, as the emulator runs them.

A cloud assembly's ``manifest.json`` lists its artifacts; each ``aws:cloudformation:stack`` is a
stack (its ``stackName``, its ``templateFile``, its environment), and each ``cdk:cloud-assembly``
a nested assembly (a ``Stage``), read in turn. A template file alone is one stack, named by the
manifest beside it when there is one, else by the file's name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ARTIFACT = "cdk:cloud-assembly"
_UNKNOWN = ("unknown-account", "unknown-region")


class AssemblyError(ValueError):
    """What is wrong with ``--app``: a path that is no assembly or template, or no such stack."""


@dataclass(frozen=True)
class StackTemplate:
    """One stack of the assembly: its name, template, where its assets are, its environment."""

    name: str
    artifact_id: str
    template: dict[str, Any]
    template_path: Path
    #: The directory the template's ``aws:asset:path`` metadata is relative to.
    directory: Path
    account: str | None = None
    region: str | None = None


def load(path: Path, stack: str | None = None) -> list[StackTemplate]:
    """The stacks at ``path`` (an assembly directory or a template file), or the one named.

    ``stack`` matches a stack's name or its artifact id.
    """
    if path.is_dir():
        if not (path / MANIFEST).is_file():
            raise AssemblyError(
                f"{path} has no {MANIFEST}: give a cloud assembly directory (cdk synth's "
                "output, cdk.out) or a template file"
            )
        found = _assembly(path)
    elif path.is_file():
        found = [_template_file(path)]
    else:
        raise AssemblyError(f"{path} does not exist: run cdk synth first, or give its --output")
    if stack is not None:
        found = [s for s in found if stack in (s.name, s.artifact_id)]
        if not found:
            raise AssemblyError(f"no stack {stack!r} in {path} (it has: {_names(path)})")
    if not found:
        raise AssemblyError(f"{path} holds no stack")
    names = [s.name for s in found]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise AssemblyError(
            f"{path} has several stacks named {', '.join(twice)}; pick one with --stack "
            "(its artifact id, e.g. " + ", ".join(s.artifact_id for s in found) + ")"
        )
    return found


def _names(path: Path) -> str:
    try:
        return ", ".join(f"{s.name} ({s.artifact_id})" for s in load(path)) or "none"
    except AssemblyError:
        return "none"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise AssemblyError(f"{path}: cannot read it as JSON: {error}") from None
    if not isinstance(value, dict):
        raise AssemblyError(f"{path}: must hold a JSON object")
    return value


def _assembly(directory: Path) -> list[StackTemplate]:
    manifest = _read_json(directory / MANIFEST)
    stacks: list[StackTemplate] = []
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        properties = artifact.get("properties") or {}
        if artifact.get("type") == STACK_ARTIFACT:
            template_path = directory / str(properties.get("templateFile", ""))
            account, region = _environment(str(artifact.get("environment", "")))
            stacks.append(
                StackTemplate(
                    name=str(properties.get("stackName") or artifact_id),
                    artifact_id=artifact_id,
                    template=_template(template_path),
                    template_path=template_path,
                    directory=directory,
                    account=account,
                    region=region,
                )
            )
        elif artifact.get("type") == NESTED_ARTIFACT:
            nested = directory / str(properties.get("directoryName", ""))
            if (nested / MANIFEST).is_file():
                stacks.extend(_assembly(nested))
    return stacks


def _environment(value: str) -> tuple[str | None, str | None]:
    """``aws://ACCOUNT/REGION``, with CDK's ``unknown-...`` as None."""
    parts = value.removeprefix("aws://").split("/")
    if len(parts) != 2:
        return None, None
    account, region = parts
    known_account = None if account == _UNKNOWN[0] else account
    return known_account, (None if region == _UNKNOWN[1] else region)


def _template(path: Path) -> dict[str, Any]:
    template = _read_json(path)
    if not isinstance(template.get("Resources"), dict):
        raise AssemblyError(f"{path}: not a CloudFormation template (no Resources)")
    return template


def _template_file(path: Path) -> StackTemplate:
    """A template file: its stack named by the assembly beside it, if any, else by its name."""
    template = _template(path)
    artifact_id = path.name.removesuffix(".json").removesuffix(".template")
    if (path.parent / MANIFEST).is_file():
        for stack in _assembly(path.parent):
            if stack.template_path.resolve() == path.resolve():
                return stack
    return StackTemplate(artifact_id, artifact_id, template, path, path.parent)
