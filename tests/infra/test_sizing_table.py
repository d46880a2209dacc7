"""docs/bulk-and-sizing.md's sizing table is what the construct synthesizes for each quota."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from tests.conftest import cdk_context
from tests.docs import page
from tests.infra.templates import sender_function
from voice_constructs.sender import VoiceMessageSender, concurrency_for, identities_needed

README = page("bulk-and-sizing.md")
HEADER = "| calls a minute | numbers needed | max concurrency | batch size | timeout (s) |"


def readme_rows() -> list[tuple[int, ...]]:
    """The table's rows, as numbers."""
    lines = README.read_text().splitlines()
    start = lines.index(HEADER) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(tuple(int(cell.replace(",", "")) for cell in re.findall(r"[\d,]+", line)))
    return rows


@pytest.fixture(scope="module")
def synthesized() -> dict[int, tuple[int, ...]]:
    app = cdk.App(context=cdk_context())
    stacks = {}
    for quota, *_ in readme_rows():
        stack = cdk.Stack(app, f"Quota{quota}")
        numbers = [f"+1206{n:07d}" for n in range(5_550_000, 5_550_000 + identities_needed(quota))]
        VoiceMessageSender(
            stack,
            "Sender",
            origination_numbers=numbers,
            max_calls_per_minute=quota,
            enable_queue=True,
        )
        stacks[quota] = stack
    found = {}
    for quota, stack in stacks.items():
        template = Template.from_stack(stack)
        [mapping] = template.find_resources("AWS::Lambda::EventSourceMapping").values()
        _, function = sender_function(template)
        properties = mapping["Properties"]
        found[quota] = (
            quota,
            identities_needed(quota),
            properties["ScalingConfig"]["MaximumConcurrency"],
            properties["BatchSize"],
            function["Timeout"],
        )
    return found


def test_readme_sizing_table_is_what_the_construct_synthesizes(
    synthesized: dict[int, tuple[int, ...]],
) -> None:
    rows = readme_rows()

    assert len(rows) >= 6
    for row in rows:
        assert row == synthesized[row[0]], row
        assert row[2] == concurrency_for(row[0])
