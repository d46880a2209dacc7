"""The tables of docs/resources-and-iam.md, generated from the sample's synthesized templates.

``python -m tests.readme_tables`` (``make readme``) rewrites them between their markers;
``tests/infra/test_readme_tables.py`` fails when the page and the templates disagree.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "resources-and-iam.md"
VARIANTS = {
    "default": {},
    "no-queue-no-tracking": {"queue": "false", "trackCallStatus": "false"},
    "v2-without-pinpoint": {"api": "v2", "pinpoint": "false", "allowedCountries": "US"},
}
_HASH = re.compile(r"[0-9A-F]{8}$")
_PSEUDO = {
    "AWS::Partition": "<partition>",
    "AWS::Region": "<region>",
    "AWS::AccountId": "<account>",
    "AWS::URLSuffix": "<url-suffix>",
}


@functools.cache
def synthesize() -> dict[str, dict[str, Any]]:
    """Every sample variant's template, synthesized as `make synth` does (cdk.json's context).

    Once per process: the resources page's tables' test and checkov's test read the same templates.
    """
    return synthesize_variants(VARIANTS)


def synthesize_variants(variants: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """The sample app's template for each of ``variants`` (its ``-c`` keys), in one synth."""
    return {name: stack.template for name, (stack, _) in _synthesize(variants).items()}


def synthesize_assemblies(variants: dict[str, dict[str, str]], outdir: Path) -> dict[str, Path]:
    """The sample's cloud assembly directory for each of ``variants``, in one synth to ``outdir``.

    Each is what ``cdk synth`` with those ``-c`` keys writes: a manifest, the template, the assets.
    """
    return {name: directory for name, (_, directory) in _synthesize(variants, outdir).items()}


def _synthesize(
    variants: dict[str, dict[str, str]], outdir: Path | None = None
) -> dict[str, tuple[Any, Path]]:
    import aws_cdk as cdk

    import app as sample

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = cdk.App(context=context, outdir=None if outdir is None else str(outdir))
    stages = {}
    for name, overrides in variants.items():
        stage = cdk.Stage(app, name.title().replace("-", ""))
        for key, value in overrides.items():
            stage.node.set_context(key, value)
        sample.build(stage)  # type: ignore[arg-type]
        stages[name] = stage
    assembly = app.synth()
    synthesized = {}
    for name, stage in stages.items():
        nested = assembly.get_nested_assembly(stage.artifact_id)
        [stack] = nested.stacks
        synthesized[name] = (stack, Path(nested.directory))
    return synthesized


def name_of(logical_id: str) -> str:
    """A logical id without CDK's hash suffix (``VoiceSenderRole5AE1D2E8``: ``VoiceSenderRole``)."""
    return _HASH.sub("", logical_id)


def render(value: Any, resources: dict[str, Any]) -> str:
    """An IAM resource or condition value, with references named after their resources."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Ref" in value:
            target = str(value["Ref"])
            return _PSEUDO.get(target, f"<{name_of(target)}>")
        if "Fn::GetAtt" in value:
            target, attribute = value["Fn::GetAtt"]
            return f"<{name_of(str(target))}.{attribute}>"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(render(part, resources) for part in parts)
        if "Fn::Sub" in value:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            return re.sub(
                r"\$\{([^}]+)\}",
                lambda m: _PSEUDO.get(m.group(1), f"<{name_of(m.group(1))}>"),
                text,
            )
    return json.dumps(value, sort_keys=True)


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _cell(items: list[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)


def _variants(present: set[str], templates: dict[str, Any]) -> str:
    return "all" if present == set(templates) else ", ".join(n for n in templates if n in present)


def _condition(statement: dict[str, Any], resources: dict[str, Any]) -> str:
    parts = []
    for operator, pairs in sorted((statement.get("Condition") or {}).items()):
        for key, value in sorted(pairs.items()):
            shown = ", ".join(render(v, resources) for v in _listed(value))
            parts.append(f"`{key}` {operator} `{shown}`")
    return "; ".join(parts) or "-"


def iam_table(templates: dict[str, dict[str, Any]]) -> str:
    """Every identity-policy statement of every role, over all variants, de-duplicated."""
    rows: dict[tuple[str, str, str, str], set[str]] = {}
    managed = []
    for variant, template in templates.items():
        resources = template["Resources"]
        for logical_id, resource in resources.items():
            if resource["Type"] == "AWS::IAM::Role" and resource["Properties"].get(
                "ManagedPolicyArns"
            ):
                managed.append(name_of(logical_id))
            if resource["Type"] != "AWS::IAM::Policy":
                continue
            roles = [name_of(r["Ref"]) for r in resource["Properties"].get("Roles", [])]
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                actions = sorted(str(a) for a in _listed(statement["Action"]))
                on = sorted(render(r, resources) for r in _listed(statement["Resource"]))
                condition = _condition(statement, resources)
                # A deny (the fence between the v1 and v2 APIs) says so before its actions.
                denied = "**deny** " if statement.get("Effect") == "Deny" else ""
                for role in roles:
                    row = (role, denied + _cell(actions), _cell(on), condition)
                    rows.setdefault(row, set()).add(variant)
    lines = ["| role | actions | on | condition | in |", "| --- | --- | --- | --- | --- |"]
    lines += [
        f"| `{role}` | {a} | {on} | {c} | {_variants(rows[(role, a, on, c)], templates)} |"
        for role, a, on, c in sorted(rows)
    ]
    lines.append("")
    lines.append(f"Roles with a managed policy: {len(set(managed))}.")
    return "\n".join(lines)


def resource_policy_table(templates: dict[str, dict[str, Any]]) -> str:
    """Every statement of a resource policy (key, topic, queue policies), over all variants."""
    rows: dict[tuple[str, str, str, str, str], set[str]] = {}
    policies = {
        "AWS::KMS::Key": ("KeyPolicy", None),
        "AWS::SNS::TopicPolicy": ("PolicyDocument", "Topics"),
        "AWS::SQS::QueuePolicy": ("PolicyDocument", "Queues"),
    }
    for variant, template in templates.items():
        resources = template["Resources"]
        for logical_id, resource in resources.items():
            if resource["Type"] not in policies:
                continue
            document_key, target_key = policies[resource["Type"]]
            targets = (
                [render(t, resources).strip("<>") for t in resource["Properties"][target_key]]
                if target_key
                else [name_of(logical_id)]
            )
            for statement in resource["Properties"][document_key]["Statement"]:
                principal = statement.get("Principal", {})
                who = (
                    ", ".join(
                        f"{kind}: {render(v, resources)}"
                        for kind, value in sorted(principal.items())
                        for v in _listed(value)
                    )
                    if isinstance(principal, dict)
                    else str(principal)
                )
                actions = _cell(sorted(str(a) for a in _listed(statement["Action"])))
                condition = _condition(statement, resources)
                effect = statement.get("Effect", "Allow")
                for target in targets:
                    row = (f"`{target}`", effect, f"`{who}`", actions, condition)
                    rows.setdefault(row, set()).add(variant)
    lines = [
        "| resource | effect | principal | actions | condition | in |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {t} | {e} | {p} | {a} | {c} | {_variants(rows[(t, e, p, a, c)], templates)} |"
        for t, e, p, a, c in sorted(rows)
    ]
    return "\n".join(lines)


def resource_table(templates: dict[str, dict[str, Any]]) -> str:
    """How many resources of each type each variant synthesizes."""
    counts = {
        name: Counter(
            r["Type"] for r in template["Resources"].values() if r["Type"] != "AWS::CDK::Metadata"
        )
        for name, template in templates.items()
    }
    types = sorted(set().union(*counts.values()))
    header = "| resource type | " + " | ".join(f"`{name}`" for name in templates) + " |"
    lines = [header, "| --- |" + " ---: |" * len(templates)]
    for resource_type in types:
        cells = " | ".join(str(counts[name][resource_type] or "-") for name in templates)
        lines.append(f"| `{resource_type}` | {cells} |")
    totals = " | ".join(f"**{sum(counts[name].values())}**" for name in templates)
    lines.append(f"| total (without CDK's metadata) | {totals} |")
    return "\n".join(lines)


TABLES = {
    "resources": resource_table,
    "iam": iam_table,
    "resource-policies": resource_policy_table,
}


def section(readme: str, name: str) -> str:
    """The text between the README's markers for table ``name``."""
    start, end = f"<!-- {name}-table:start -->", f"<!-- {name}-table:end -->"
    if start not in readme or end not in readme:
        raise ValueError(f"the page has no {start} ... {end} markers")
    return readme.split(start, 1)[1].split(end, 1)[0].strip()


def rewrite(readme: str, templates: dict[str, dict[str, Any]]) -> str:
    """``readme`` with every generated table replaced by the one for ``templates``."""
    for name, build in TABLES.items():
        section(readme, name)  # both markers are there
        start, end = f"<!-- {name}-table:start -->", f"<!-- {name}-table:end -->"
        before, rest = readme.split(start, 1)
        after = rest.split(end, 1)[1]
        readme = f"{before}{start}\n{build(templates)}\n{end}{after}"
    return readme


if __name__ == "__main__":
    PAGE.write_text(rewrite(PAGE.read_text(), synthesize()))
    print(f"{PAGE.name}: tables rewritten from the synthesized sample variants")
