"""A stack created from its template: names, tags, the creators registry, what is not emulated."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.conftest import Control
from tests.local.conftest import python_function, run, stack_of
from voice_constructs.testing.local_stack import Deployment, StackError, creators
from voice_constructs.testing.local_stack.template import Created
from voice_constructs.testing.server import Emulator

PROTECT = "AWS::SMSVOICE::ProtectConfiguration"
# A type the emulator has no creator for.
OPT_OUT_LIST = "AWS::SMSVOICE::OptOutList"
ENV_READER = "import os\ndef handler(event, context):\n    return os.environ['PROTECT']\n"


def _protected(function: dict[str, Any], kind: str = PROTECT) -> dict[str, Any]:
    function["Properties"]["Environment"] = {"Variables": {"PROTECT": {"Ref": "Protect"}}}
    return {"Protect": {"Type": kind, "Properties": {}}, "Sender": function}


def test_resources_get_cloudformations_names_and_tags(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    resources = {
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
                "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
                "Tags": [{"Key": "team", "Value": {"Fn::Sub": "${AWS::StackName}-owners"}}],
            },
        },
    }
    with run(emulator, stack_of(tmp_path, resources, name="Named")) as (local, _):
        [entry] = [e for e in local.deployments[0].entries if e.logical_id == "Table"]
        table = entry.detail.split(",", 1)[0]
        dynamodb = client("dynamodb")
        arn = dynamodb.describe_table(TableName=table)["Table"]["TableArn"]
        listed = dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"]
        tags = {t["Key"]: t["Value"] for t in listed}
        ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]

    assert table.startswith("Named-Table-")
    assert tags["team"] == "Named-owners"
    assert tags["aws:cloudformation:stack-name"] == "Named"
    assert tags["aws:cloudformation:logical-id"] == "Table"
    assert ttl == {"AttributeName": "expiration", "TimeToLiveStatus": "ENABLED"}


def test_what_is_not_emulated_is_listed_with_its_reason_not_dropped(
    emulator: Emulator, tmp_path: Path
) -> None:
    resources = {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "Shared": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": {"Fn::ImportValue": "SharedName"}},
        },
        "Needs": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": {"Fn::Join": ["-", [{"Ref": "Bucket"}, "q"]]}},
        },
        "Policy": {"Type": "AWS::IAM::Policy", "Properties": {}},
    }
    with run(emulator, stack_of(tmp_path, resources)) as (local, _):
        statuses = {e.logical_id: (e.status, e.detail) for e in local.deployments[0].entries}

    assert statuses["Bucket"] == ("not emulated", "the emulator has no creator for it")
    assert statuses["Shared"][0] == "not emulated"
    assert "Fn::ImportValue" in statuses["Shared"][1]
    assert statuses["Needs"] == (
        "not emulated",
        "it needs Bucket (AWS::S3::Bucket), which is not emulated",
    )
    assert statuses["Policy"] == ("no effect", "IAM is not enforced locally")
    assert statuses["Role"][0] == "created"


def test_fails_to_start_when_a_function_needs_what_is_not_emulated(
    emulator: Emulator, tmp_path: Path
) -> None:
    _, function = python_function(ENV_READER, FunctionName="needs-protect")
    with (
        pytest.raises(StackError, match=rf"Sender: it needs Protect \({OPT_OUT_LIST}\)"),
        run(emulator, stack_of(tmp_path, _protected(function, OPT_OUT_LIST))),
    ):
        pass


def test_a_creator_added_to_the_registry_creates_its_type(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    def protect_configuration(
        deployment: Deployment, logical_id: str, props: dict[str, Any]
    ) -> Created:
        arn = deployment.arn("sms-voice", "protect-configuration/protect-0123")
        return Created("protect-0123", {"Arn": arn, "ProtectConfigurationId": "protect-0123"})

    registry = {**creators(), PROTECT: protect_configuration}
    _, function = python_function(ENV_READER, FunctionName="reads-protect")
    with run(emulator, stack_of(tmp_path, _protected(function)), registry=registry):
        answer = client("lambda").invoke(FunctionName="reads-protect")

    assert answer["Payload"].read() == b'"protect-0123"'


def test_a_reset_is_refused_while_a_stack_runs(emulator: Emulator, tmp_path: Path) -> None:
    control = Control.of(emulator)
    with run(emulator, stack_of(tmp_path, {})):
        status, answer = control.request("POST", "reset", {})
    after, _ = control.request("POST", "reset", {})

    assert status == 409
    assert "restart voice-constructs emulate --app" in answer["error"]
    assert after == 200


def test_stopping_joins_the_stacks_threads(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    _, function = python_function("def handler(event, context):\n    return 1\n")
    resources = {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Handler": function,
        "Mapping": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]},
                "FunctionName": {"Ref": "Handler"},
            },
        },
    }
    with run(emulator, stack_of(tmp_path, resources)):
        during = {t.name for t in threading.enumerate()}

    names = ("poller", "lambda async", "call events")
    after = [t.name for t in threading.enumerate() if t.name.startswith(names)]
    assert any(name.startswith("poller") for name in during)
    assert "call events" in during
    assert after == []


def test_the_pages_table_of_types_is_the_registry() -> None:
    from tests.docs import page
    from voice_constructs.testing.local_stack.deployment import NO_EFFECT_TYPES

    text = page("local-stack.md").read_text()
    table = text.split("<!-- local-stack-types:start -->")[1].split(
        "<!-- local-stack-types:end -->"
    )[0]
    listed = {
        kind
        for row in table.splitlines()[3:]
        for kind in re.findall(r"`([^`]+)`", row.split("|")[1])
    }

    assert listed == set(creators()) | set(NO_EFFECT_TYPES)
