"""The tags by which the command-line tool finds a deployed stack's parts."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from voice_constructs import PinpointVoice, VoiceMessageSender
from voice_constructs._contract import contract


def _components(template: Template) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for logical_id, resource in template.to_json()["Resources"].items():
        tags = resource.get("Properties", {}).get("Tags")
        if not tags:
            continue
        pairs: dict[str, Any] = (
            tags if isinstance(tags, dict) else {tag["Key"]: tag["Value"] for tag in tags}
        )
        if contract.TAG_COMPONENT in pairs:
            component = pairs[contract.TAG_COMPONENT]
            assert component not in found, f"{component} tagged twice"
            found[component] = (resource["Type"], pairs[contract.TAG_CONSTRUCT])
            assert pairs[contract.TAG_STACK] == {"Ref": "AWS::StackName"}
            assert logical_id
    return found


@pytest.fixture(scope="module")
def templates() -> dict[str, Template]:
    app = cdk.App()
    full = cdk.Stack(app, "Full", env=cdk.Environment(account="111122223333", region="us-east-1"))
    PinpointVoice(
        full,
        "Voice",
        origination_number="+12065550100",
        enable_queue=True,
        track_call_status=True,
    )
    own = cdk.Stack(app, "OwnFailureQueue")
    VoiceMessageSender(
        own,
        "Sender",
        origination_number="+12065550100",
        failure_queue=cdk.aws_sqs.Queue(own, "Mine"),
    )
    return {"full": Template.from_stack(full), "own": Template.from_stack(own)}


def test_every_part_the_tool_uses_is_tagged_with_its_construct(
    templates: dict[str, Template],
) -> None:
    assert _components(templates["full"]) == {
        contract.COMPONENT_SENDER: ("AWS::Lambda::Function", "Voice/Sender"),
        contract.COMPONENT_FAILURE_QUEUE: ("AWS::SQS::Queue", "Voice/Sender"),
        contract.COMPONENT_BULK_QUEUE: ("AWS::SQS::Queue", "Voice/Sender"),
        contract.COMPONENT_DEAD_LETTER_QUEUE: ("AWS::SQS::Queue", "Voice/Sender"),
        contract.COMPONENT_CALL_STATUS_TABLE: ("AWS::DynamoDB::Table", "Voice/CallStatus"),
    }


def test_a_queue_the_user_brought_is_left_untagged(templates: dict[str, Template]) -> None:
    assert set(_components(templates["own"])) == {contract.COMPONENT_SENDER}
