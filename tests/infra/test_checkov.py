"""checkov on every sample variant: each finding fixed, or skipped in the template with a reason.

checkov runs from its own virtual environment (``make checkov-venv``: it pins an old boto3),
found through ``CHECKOV`` or at ``.venv-checkov/bin/checkov``.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

from tests import readme_tables
from tests.conftest import ROOT
from tests.docs import page
from voice_constructs.review import CheckovResult, checkov

CHECKOV = os.environ.get("CHECKOV", str(ROOT / ".venv-checkov" / "bin" / "checkov"))
VARIANTS = readme_tables.VARIANTS
TABLE_START, TABLE_END = "<!-- checkov-table:start -->", "<!-- checkov-table:end -->"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[CheckovResult, dict]]:
    if not Path(CHECKOV).exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make checkov-venv`")
    out = tmp_path_factory.mktemp("checkov")
    found = {}
    for name, template in readme_tables.synthesize().items():
        path = out / f"{name}.template.json"
        path.write_text(json.dumps(template))
        found[name] = (checkov(path, CHECKOV), template)
    return found


@pytest.mark.parametrize("variant", VARIANTS)
def test_checkov_has_no_open_findings(
    results: dict[str, tuple[CheckovResult, dict]], variant: str
) -> None:
    result, _ = results[variant]

    assert [f"{f.rule} {f.where}: {f.message}" for f in result.failed] == []
    assert result.skipped, "the skips in the template should be seen by checkov"
    assert all(len(finding.message) > 40 for finding in result.skipped), result.skipped


def checkov_table(results: dict[str, tuple[CheckovResult, dict]]) -> str:
    """The README's table: every skipped check, the resource types it is skipped on, and why."""
    rows: dict[tuple[str, str], set[str]] = defaultdict(set)
    for result, _ in results.values():
        for finding in result.skipped:
            # "AWS::SQS::Queue.VoiceSenderQueueF127793E" -> "VoiceSenderQueue (AWS::SQS::Queue)"
            resource_type, logical_id = finding.where.rsplit(".", 1)
            name = re.sub(r"[0-9A-F]{8}$", "", logical_id)
            rows[(finding.rule, finding.message)].add(f"`{name}` ({resource_type})")
    lines = ["| checkov check | on | reason |", "| --- | --- | --- |"]
    for (rule, reason), where in sorted(rows.items()):
        lines.append(f"| `{rule}` | {', '.join(sorted(where))} | {reason} |")
    return "\n".join(lines)


def test_readme_lists_every_checkov_skip(results: dict[str, tuple[CheckovResult, dict]]) -> None:
    readme = page("review-gates.md").read_text()
    shown = readme.split(TABLE_START, 1)[-1].split(TABLE_END, 1)[0].strip()

    assert shown == checkov_table(results), (
        "docs/review-gates.md's checkov table is stale; the table for the current templates is:\n"
        + checkov_table(results)
    )
