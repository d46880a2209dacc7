"""The sample's variants: the numbers ``-c originationNumbers`` lists reach the sender (issue 23,
sample app)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as sample
from tests.conftest import cdk_context
from tests.infra.templates import sender_function

# 25 numbers from the reserved 555-01xx range (not the placeholders): enough for 1,000 a minute.
NUMBERS = [f"+1212555{n:04d}" for n in range(100, 125)]
VARIANTS = {
    "numbers": {"originationNumbers": ",".join(NUMBERS), "maxCallsPerMinute": "1000"},
}


@pytest.fixture(scope="module")
def templates() -> dict[str, Template]:
    app = cdk.App(context=cdk_context())
    stages = {}
    for name, context in VARIANTS.items():
        stage = cdk.Stage(app, name.title().replace("-", ""))
        for key, value in context.items():
            stage.node.set_context(key, value)
        sample.build(stage)  # type: ignore[arg-type]
        stages[name] = stage
    assembly = app.synth()
    templates = {}
    for name, stage in stages.items():
        [stack] = assembly.get_nested_assembly(stage.artifact_id).stacks
        templates[name] = Template.from_json(stack.template)
    return templates


def test_every_listed_number_reaches_the_sender_in_order(templates: dict[str, Template]) -> None:
    _, function = sender_function(templates["numbers"])

    variables = function["Environment"]["Variables"]
    assert variables["ORIGINATION_IDENTITIES"] == ",".join(NUMBERS)
    assert variables["MAX_CALLS_PER_MINUTE"] == "1000"
