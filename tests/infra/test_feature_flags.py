"""Which of CDK's feature flags change what the constructs synthesize (the README's quick start).

The quick start's stack, synthesized with no flags, with the one flag the README names, and with
every flag cdk.json sets (aws-cdk-lib's recommended ones): the one flag must account for every
difference, and only in the shape of the IAM policies, never in what they allow.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest

from tests.conftest import cdk_context
from tests.docs import README, block
from voice_constructs import PinpointVoice, SmsVoiceApi

FLAG = "@aws-cdk/aws-iam:minimizePolicies"


def synthesize(context: dict[str, Any]) -> dict[str, Any]:
    app = cdk.App(context=context)
    stack = cdk.Stack(app, "Alerts")
    PinpointVoice(
        stack,
        "Voice",
        application=False,
        api=SmsVoiceApi.V2,
        allowed_countries=["US"],
        origination_number="phone-0123456789abcdef0123456789abcdef",
        enable_queue=True,
        track_call_status=True,
        tracing=False,
    )
    resources: dict[str, Any] = app.synth().get_stack_by_name("Alerts").template["Resources"]
    return resources


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    return {
        "none": synthesize({}),
        "one": synthesize({FLAG: True}),
        "all": synthesize(cdk_context()),
    }


def grants(resources: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Every (effect, action, resource) the policies hold, whatever their statements' shape."""
    found = set()
    for resource in resources.values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            targets = statement["Resource"]
            for action in [actions] if isinstance(actions, str) else actions:
                for target in targets if isinstance(targets, list) else [targets]:
                    found.add((statement["Effect"], action, json.dumps(target, sort_keys=True)))
    return found


def test_the_readme_names_the_one_flag_and_its_cdk_json(templates: dict[str, Any]) -> None:
    cdk_json = json.loads(block('"app": "python3 app.py"', "json", README))
    assert cdk_json["context"] == {FLAG: True}
    assert f"only `{FLAG}`" in README.read_text()


def test_every_recommended_flag_but_one_leaves_the_template_as_it_is(
    templates: dict[str, Any],
) -> None:
    assert templates["all"] == templates["one"]


def test_the_one_flag_changes_the_shape_of_the_policies_only(templates: dict[str, Any]) -> None:
    none, one = templates["none"], templates["one"]
    changed = sorted(k for k in none if none[k] != one.get(k))
    assert changed, "the flag no longer changes anything: the README's advice is stale"
    assert {none[k]["Type"] for k in changed} <= {"AWS::IAM::Policy", "AWS::KMS::Key"}
    assert grants(none) == grants(one)
