"""cdk-nag's packs on a synthesized template, so that the review gate never passes unrun.

cdk-nag 3 runs as a CDK policy validation plugin, and only in an app that registers it; an app
that does not leaves no trace in its cloud assembly (a validation report without plugin reports
looks the same as one whose plugins all passed). So ``python -m voice_constructs.review`` runs the
AwsSolutions and Serverless packs itself: it loads each template into a stack of its own
(``cloudformation_include.CfnInclude``, every resource as its L1 construct), puts back the
acknowledgements the app recorded (``aws:cdk:acknowledged-rules`` in the stack's metadata, each on
its construct and everything below it, as ``Validations.of`` applies them), and validates.
Findings are named by the app's own construct paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKS = ("AwsSolutions", "Serverless")


@dataclass(frozen=True)
class NagResult:
    """One pack's verdict on one template: its open findings, and how many acknowledgements."""

    pack: str
    open: list[tuple[str, str, str]]  # (rule, construct path, description)
    acknowledged: int


def stack_metadata(template_path: Path) -> dict[str, list[dict[str, Any]]]:
    """The stack's construct metadata (``<stack>.metadata.json`` beside its template)."""
    name = template_path.name.removesuffix(".template.json")
    path = template_path.with_name(f"{name}.metadata.json")
    if not path.exists():
        return {}
    loaded: dict[str, list[dict[str, Any]]] = json.loads(path.read_text())
    return loaded


def run_packs(template_path: Path) -> list[NagResult]:
    """Run cdk-nag's packs on one template, with the app's acknowledgements put back."""
    import aws_cdk as cdk
    from aws_cdk import cloudformation_include as include
    from cdk_nag import AwsSolutionsChecks, ServerlessChecks

    metadata = stack_metadata(template_path)
    paths: dict[str, str] = {}
    acknowledgements: list[tuple[str, dict[str, str]]] = []
    for construct_path, entries in metadata.items():
        for entry in entries:
            if entry.get("type") == "aws:cdk:logicalId":
                paths[str(entry.get("data"))] = construct_path
            elif entry.get("type") == "aws:cdk:acknowledged-rules":
                acknowledgements.append((construct_path, dict(entry.get("data") or {})))
    stack = cdk.Stack(cdk.App(), "Review")
    included = include.CfnInclude(stack, "Template", template_file=str(template_path))
    template = json.loads(template_path.read_text())
    for logical_id in template.get("Resources", {}):
        own = paths.get(logical_id)
        for scope_path, rules in acknowledgements:
            if own is not None and (own == scope_path or own.startswith(scope_path + "/")):
                for rule, reason in rules.items():
                    cdk.Validations.of(included.get_resource(logical_id)).acknowledge(
                        cdk.Acknowledgment(id=rule, reason=reason)
                    )
    results = []
    for name, pack in zip(PACKS, (AwsSolutionsChecks(), ServerlessChecks()), strict=True):
        report = pack.validate_scope(stack)
        found = [
            (
                violation.rule_name,
                paths.get(str(resource.construct_path).rsplit("/", 1)[-1], "?").lstrip("/"),
                violation.description,
            )
            for violation in report.violations
            for resource in violation.violating_resources
        ]
        counted = sum(
            1 for _, rules in acknowledgements for rule in rules if _pack_of(rule) == name
        )
        results.append(NagResult(name, found, counted))
    return results


def _pack_of(rule: str) -> str:
    """The pack an acknowledged id belongs to (``AwsSolutions``, ``Serverless``).

    ``Annotation::AwsSolutions-SQS3`` (CDK records a plain id so),
    ``AwsSolutions::AwsSolutions-SQS3`` and ``AwsSolutions-SQS3`` all belong to ``AwsSolutions``.
    """
    bare = rule.removeprefix("Annotation::")
    for pack in PACKS:
        bare = bare.removeprefix(f"{pack}::")
    return bare.split("-", 1)[0]
