"""Review gates for synthesized apps: cfn-lint, cdk-nag, checkov, and a summary of each template.

The same gates this library's own tests and ``make synth`` run, for your app too::

    pip install 'voice-constructs[review]'
    cdk synth --output cdk.out && python -m voice_constructs.review cdk.out

It prints, per template, the resources by type, every IAM action granted and on what, and each
gate's verdict: cfn-lint, cdk-nag's AwsSolutions and Serverless packs (run here on the template,
with the acknowledgements the app recorded, whether or not the app registered cdk-nag), and,
with ``--checkov PATH`` (checkov in a virtual environment of its own: it pins an old boto3),
checkov. Then a line per template says which gates ran. It exits 1 when any finding is open or
any expected gate did not run (cdk-nag not installed, checkov asked for and failing).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGION = "us-east-1"


@dataclass(frozen=True)
class Finding:
    """One review-gate finding: the rule, where it is, and what it says."""

    gate: str
    rule: str
    where: str
    message: str


@dataclass(frozen=True)
class CfnLintAcknowledgement:
    """A cfn-lint rule accepted for one resource type (and optionally one part of it)."""

    rule: str
    resource_type: str
    reason: str
    path_part: str | None = None

    def covers(self, rule: str, path: list[Any], template: dict[str, Any]) -> bool:
        """Whether this acknowledgement covers the finding of ``rule`` at ``path``."""
        if rule != self.rule or len(path) < 2 or path[0] != "Resources":
            return False
        resource = template["Resources"].get(path[1], {})
        if resource.get("Type") != self.resource_type:
            return False
        return self.path_part is None or self.path_part in path


# Every cfn-lint finding the templates may carry, each with its reason and narrowest scope.
CFN_LINT_ACKNOWLEDGED = (
    CfnLintAcknowledgement(
        rule="W3696",
        resource_type="AWS::Pinpoint::App",
        reason=(
            "Amazon Pinpoint's engagement features reached end of support on 2026-10-30; the "
            "voice channel and the SMS and Voice API this library uses continue under AWS End "
            "User Messaging. The application is kept for users already on Pinpoint (see the "
            "README's section on Pinpoint's end of support)."
        ),
    ),
    CfnLintAcknowledgement(
        rule="W3005",
        resource_type="AWS::Lambda::Function",
        path_part="DependsOn",
        reason=(
            "aws-cdk-lib makes a function depend on its role construct, which holds the role and "
            "its default policy; the policy half is needed (the function must not run before its "
            "permissions exist), the role half repeats the GetAtt. Harmless, and emitted by CDK."
        ),
    ),
)

# CDK's built-in CloudFormation validation reports the same W3696 as a warning on synth.
CDK_W3696 = "CloudFormation-Validate::W3696"


def cfn_lint(template: dict[str, Any]) -> tuple[list[Finding], list[Finding]]:
    """Lint a template; return (unacknowledged findings, acknowledged findings)."""
    from cfnlint.api import ManualArgs, lint

    open_findings: list[Finding] = []
    acknowledged: list[Finding] = []
    for match in lint(json.dumps(template), config=ManualArgs(regions=[REGION])):
        path = list(match.path)
        finding = Finding(
            "cfn-lint", match.rule.id, "/".join(str(p) for p in path[:2]), match.message
        )
        if any(ack.covers(match.rule.id, path, template) for ack in CFN_LINT_ACKNOWLEDGED):
            acknowledged.append(finding)
        else:
            open_findings.append(finding)
    return open_findings, acknowledged


def cdk_nag(scope: Any) -> list[Finding]:
    """Run cdk-nag's AwsSolutions and Serverless packs on a construct; return open findings."""
    from cdk_nag import AwsSolutionsChecks, ServerlessChecks

    findings: list[Finding] = []
    for pack in (AwsSolutionsChecks(), ServerlessChecks()):
        report = pack.validate_scope(scope)
        for violation in report.violations:
            for resource in violation.violating_resources:
                findings.append(
                    Finding(
                        "cdk-nag",
                        violation.rule_name,
                        str(resource.construct_path),
                        violation.description,
                    )
                )
    return findings


@dataclass(frozen=True)
class CheckovResult:
    """checkov's verdict on one template: failed checks, and checks skipped with a reason."""

    failed: list[Finding]
    skipped: list[Finding]


def checkov(template_path: Path, executable: str) -> CheckovResult:
    """Run checkov (in its own virtual environment: it pins an old boto3) on one template.

    checkov honours ``Metadata.checkov.skip`` in the template; a skip's comment is its reason.
    """
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    run = subprocess.run(  # noqa: S603 - the checkov the caller names, on a local file
        [
            executable,
            "--file",
            str(template_path),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--compact",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    if run.returncode not in (0, 1) or not run.stdout.strip():
        raise RuntimeError(f"checkov failed ({run.returncode}): {run.stderr.strip()[-500:]}")
    report = json.loads(run.stdout)
    reports = report if isinstance(report, list) else [report]
    failed: list[Finding] = []
    skipped: list[Finding] = []
    for one in reports:
        if one.get("summary", {}).get("parsing_errors"):
            raise RuntimeError(f"checkov could not parse {template_path}")
        results = one.get("results", {})
        for check in results.get("failed_checks", []):
            failed.append(
                Finding("checkov", check["check_id"], check["resource"], check["check_name"])
            )
        for check in results.get("skipped_checks", []):
            reason = str((check.get("check_result") or {}).get("suppress_comment") or "")
            skipped.append(Finding("checkov", check["check_id"], check["resource"], reason))
    return CheckovResult(failed, skipped)


def acknowledgements(assembly_dir: Path) -> list[tuple[str, str, str]]:
    """Return (rule, construct path, reason) of every acknowledgement recorded in the assembly."""
    found: list[tuple[str, str, str]] = []
    for metadata_file in sorted(assembly_dir.glob("*.metadata.json")):
        for construct_path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry.get("type") == "aws:cdk:acknowledged-rules":
                    for rule, reason in (entry.get("data") or {}).items():
                        found.append((str(rule), construct_path, str(reason)))
    return found


def iam_grants(template: dict[str, Any]) -> list[tuple[str, str, list[str], list[str]]]:
    """Return (policy, effect, actions, resources) for every IAM policy statement."""
    grants = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            continue
        document = resource["Properties"]["PolicyDocument"]
        for statement in document["Statement"]:
            actions = _as_list(statement.get("Action"))
            resources = [_render(r) for r in _as_list(statement.get("Resource"))]
            grants.append((logical_id, statement.get("Effect", "Allow"), actions, resources))
    return grants


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _render(value: Any) -> str:
    """Render an intrinsic-function resource into a readable ARN-like string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Ref" in value:
            return "${" + str(value["Ref"]) + "}"
        if "Fn::GetAtt" in value:
            return "${" + ".".join(str(x) for x in value["Fn::GetAtt"]) + "}"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(_render(p) for p in parts)
    return json.dumps(value)


def summarize(
    assembly_dir: Path, out: Any = sys.stdout, checkov_executable: str | None = None
) -> int:
    """Print the review summary of every stack template in a cloud assembly; return exit code."""
    templates = sorted(assembly_dir.glob("*.template.json"))
    if not templates:
        print(f"no templates in {assembly_dir}", file=out)
        return 1
    failed = False
    for path in templates:
        template = json.loads(path.read_text())
        print(f"== {path.name}", file=out)
        counts = Counter(r["Type"] for r in template.get("Resources", {}).values())
        print("Resources by type:", file=out)
        for resource_type, count in sorted(counts.items()):
            print(f"  {count:3d}  {resource_type}", file=out)
        print("IAM actions granted (and on what):", file=out)
        for policy, effect, actions, resources in iam_grants(template):
            print(f"  {policy}: {effect} {', '.join(actions)}", file=out)
            for resource in resources:
                print(f"      on {resource}", file=out)
        gates: dict[str, str] = {}
        open_findings, acknowledged = cfn_lint(template)
        _print_findings("cfn-lint", open_findings, acknowledged, out)
        gates["cfn-lint"] = "ran"
        failed = failed or bool(open_findings)
        failed = _cdk_nag_gate(path, gates, out) or failed
        if checkov_executable is not None:
            failed = _checkov_gate(path, checkov_executable, gates, out) or failed
        else:
            gates["checkov"] = "not run (--checkov PATH runs it)"
        print(f"Gates of {path.name}: " + "; ".join(f"{g} {v}" for g, v in gates.items()), file=out)
    acks = acknowledgements(assembly_dir)
    print(f"cdk-nag and CDK validation: {len(acks)} acknowledged with a reason:", file=out)
    for rule, construct_path, reason in acks:
        print(f"  {rule} on {construct_path}\n      {reason}", file=out)
    print("Review gates: " + ("FAILED" if failed else "passed"), file=out)
    return 1 if failed else 0


def _cdk_nag_gate(path: Path, gates: dict[str, str], out: Any) -> bool:
    """Run cdk-nag's packs on the template; True when the gate fails (open, or not run)."""
    try:
        from voice_constructs._nag_template import PACKS, run_packs

        results = run_packs(path)
    except ImportError as error:
        print(
            f"cdk-nag: NOT RUN ({error.name} is missing): pip install 'voice-constructs[review]'",
            file=out,
        )
        gates["cdk-nag"] = "NOT RUN"
        return True
    for result in results:
        print(
            f"cdk-nag {result.pack}: {len(result.open)} open, {result.acknowledged} "
            "acknowledged in the app",
            file=out,
        )
        for rule, where, message in result.open:
            print(f"  OPEN {rule} {where}: {message}", file=out)
    gates.update({f"cdk-nag {pack}": "ran" for pack in PACKS})
    return any(result.open for result in results)


def _checkov_gate(path: Path, executable: str, gates: dict[str, str], out: Any) -> bool:
    """Run checkov on the template; True when the gate fails (open, or not run)."""
    try:
        result = checkov(path, executable)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"checkov: NOT RUN ({error})", file=out)
        gates["checkov"] = "NOT RUN"
        return True
    print(
        f"checkov: {len(result.failed)} open, {len(result.skipped)} skipped with a reason",
        file=out,
    )
    for finding in result.failed:
        print(f"  OPEN {finding.rule} {finding.where}: {finding.message}", file=out)
    gates["checkov"] = "ran"
    return bool(result.failed)


def _print_findings(
    gate: str, open_findings: Iterable[Finding], acknowledged: Iterable[Finding], out: Any
) -> None:
    open_list, ack_list = list(open_findings), list(acknowledged)
    print(f"{gate}: {len(open_list)} open, {len(ack_list)} acknowledged", file=out)
    for finding in open_list:
        print(f"  OPEN {finding.rule} {finding.where}: {finding.message}", file=out)
    for finding in ack_list:
        reason = next(a.reason for a in CFN_LINT_ACKNOWLEDGED if a.rule == finding.rule)
        print(f"  ack  {finding.rule} {finding.where}\n      {reason}", file=out)


def main(argv: list[str] | None = None) -> int:
    """``python -m voice_constructs.review [cdk.out] [--checkov PATH]``."""
    parser = argparse.ArgumentParser(
        prog="python -m voice_constructs.review",
        description="Summarize and gate the templates of a synthesized CDK app.",
    )
    parser.add_argument("assembly", nargs="?", default="cdk.out", help="the cloud assembly")
    parser.add_argument(
        "--checkov", metavar="PATH", help="run this checkov executable on every template too"
    )
    args = parser.parse_args(argv)
    return summarize(Path(args.assembly), checkov_executable=args.checkov)


if __name__ == "__main__":
    sys.exit(main())
