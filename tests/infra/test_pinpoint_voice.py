"""Template assertions and review gates for PinpointVoice and VoiceChannel."""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Capture, Match, Template

import app as sample
from tests.conftest import ROOT, cdk_context
from tests.infra.templates import Synthesized, allows, exactly
from voice_constructs import CallEventSource, PinpointVoice, SmsVoiceApi, VoiceChannel
from voice_constructs._provider import HANDLER_TIMEOUT
from voice_constructs.review import cdk_nag, cfn_lint

ADOPTED_ID = "0123456789abcdef0123456789abcdef"
OTHER_ID = "fedcba9876543210fedcba9876543210"
ATTRIBUTES = (
    "ApplicationId",
    "Enabled",
    "Version",
    "CreationDate",
    "LastModifiedDate",
    "IsArchived",
)
# Actions IAM accepts only on "*": they have no resource-level permissions.
STAR_ONLY_ACTIONS = {
    "sms-voice:SendVoiceMessage",
    # The v1 configuration-set actions have no resource types either.
    "sms-voice:CreateConfigurationSet",
    "sms-voice:DeleteConfigurationSet",
    "sms-voice:GetConfigurationSetEventDestinations",
    "sms-voice:CreateConfigurationSetEventDestination",
    "sms-voice:UpdateConfigurationSetEventDestination",
    "sms-voice:DeleteConfigurationSetEventDestination",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
}
CHANNEL_ACTIONS = [
    "mobiletargeting:DeleteVoiceChannel",
    "mobiletargeting:GetVoiceChannel",
    "mobiletargeting:UpdateVoiceChannel",
]


@dataclass
class Stacks(Synthesized):
    app: cdk.App
    sample: cdk.Stack
    adopted: cdk.Stack
    two_channels: cdk.Stack
    attributes: cdk.Stack
    retained: cdk.Stack


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    app = cdk.App(context=cdk_context())
    sample_stack = sample.build(app)
    adopted = cdk.Stack(app, "Adopted")
    PinpointVoice(adopted, "Voice", application_id=ADOPTED_ID)
    two = cdk.Stack(app, "TwoChannels")
    VoiceChannel(two, "First", application_id=ADOPTED_ID)
    VoiceChannel(two, "Second", application_id=OTHER_ID, enabled=False)
    attributes = cdk.Stack(app, "Attributes")
    channel = VoiceChannel(attributes, "Channel", application_id=ADOPTED_ID)
    for name in ATTRIBUTES:
        cdk.CfnOutput(attributes, name, value=getattr(channel, "attr_" + _snake(name)))
    retained = cdk.Stack(app, "Retained")
    PinpointVoice(retained, "Voice", removal_policy=cdk.RemovalPolicy.RETAIN)
    return Stacks(app, sample_stack, adopted, two, attributes, retained)


@pytest.fixture(scope="module")
def sample_template(stacks: Stacks) -> Template:
    return stacks.template(stacks.sample)


def channel_arn(app_id: object) -> dict[str, object]:
    prefix: list[object] = [
        "arn:",
        {"Ref": "AWS::Partition"},
        ":mobiletargeting:",
        {"Ref": "AWS::Region"},
        ":",
        {"Ref": "AWS::AccountId"},
    ]
    if isinstance(app_id, str):  # CDK folds literal parts into one string
        return {"Fn::Join": ["", [*prefix, f":apps/{app_id}/channels/voice"]]}
    return {"Fn::Join": ["", [*prefix, ":apps/", app_id, "/channels/voice"]]}


def test_creates_an_application_and_enables_its_voice_channel(sample_template: Template) -> None:
    sample_template.resource_count_is("AWS::Pinpoint::App", 1)
    app_ref = Capture()
    sample_template.has_resource_properties(
        "Custom::PinpointVoiceChannel", {"ApplicationId": {"Ref": app_ref}, "Enabled": True}
    )
    apps = sample_template.find_resources("AWS::Pinpoint::App")
    assert list(apps) == [app_ref.as_string()]


def test_handler_may_only_touch_this_applications_voice_channel(
    sample_template: Template,
) -> None:
    app_id = next(iter(sample_template.find_resources("AWS::Pinpoint::App")))
    sample_template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": CHANNEL_ACTIONS,
                            "Effect": "Allow",
                            "Resource": channel_arn({"Ref": app_id}),
                        }
                    ]
                )
            }
        },
    )


def test_star_only_for_actions_without_resource_permissions(stacks: Stacks) -> None:
    for stack in (stacks.sample, stacks.adopted, stacks.two_channels):
        template = stacks.template(stack).to_json()
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::IAM::Policy":
                for statement in allows(resource["Properties"]["PolicyDocument"]["Statement"]):
                    actions = statement["Action"]
                    actions = actions if isinstance(actions, list) else [actions]
                    assert "*" not in json.dumps(actions), statement
                    if statement["Resource"] == "*":
                        assert set(actions) <= STAR_ONLY_ACTIONS, statement
            if resource["Type"] == "AWS::IAM::Role":
                assert "ManagedPolicyArns" not in resource["Properties"]


def test_handler_function_settings(sample_template: Template) -> None:
    sample_template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "custom_resource.index.on_event",
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "MemorySize": 256,
            "Timeout": int(HANDLER_TIMEOUT.to_seconds()),
            "LoggingConfig": Match.object_like({"LogFormat": "JSON"}),
        },
    )
    groups = sample_template.find_resources("AWS::Logs::LogGroup")
    # Custom resource handler, provider framework, sender, call status tracker.
    assert len(groups) == 4
    assert all(g["Properties"]["RetentionInDays"] == 90 for g in groups.values())


def test_custom_resource_waits_for_its_permission(sample_template: Template) -> None:
    resources = sample_template.to_json()["Resources"]
    channel = next(r for r in resources.values() if r["Type"] == "Custom::PinpointVoiceChannel")
    policies = {k for k, r in resources.items() if r["Type"] == "AWS::IAM::Policy"}
    assert policies & set(channel.get("DependsOn", [])), channel


def test_adopting_an_application_creates_none(stacks: Stacks) -> None:
    template = stacks.template(stacks.adopted)
    template.resource_count_is("AWS::Pinpoint::App", 0)
    template.has_resource_properties(
        "Custom::PinpointVoiceChannel", {"ApplicationId": ADOPTED_ID, "Enabled": True}
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": CHANNEL_ACTIONS,
                            "Effect": "Allow",
                            "Resource": channel_arn(ADOPTED_ID),
                        }
                    ]
                )
            }
        },
    )


def test_channels_in_one_stack_share_one_provider(stacks: Stacks) -> None:
    template = stacks.template(stacks.two_channels)
    template.resource_count_is("AWS::Lambda::Function", 2)
    template.resource_count_is("Custom::PinpointVoiceChannel", 2)
    template.has_resource_properties(
        "Custom::PinpointVoiceChannel", {"ApplicationId": OTHER_ID, "Enabled": False}
    )
    text = json.dumps(template.to_json())
    assert f"apps/{ADOPTED_ID}/channels/voice" in text
    assert f"apps/{OTHER_ID}/channels/voice" in text


def test_exposes_channel_attributes(stacks: Stacks) -> None:
    outputs = stacks.template(stacks.attributes).find_outputs("*")
    assert {k: v["Value"]["Fn::GetAtt"][1] for k, v in outputs.items()} == {
        name: name for name in ATTRIBUTES
    }


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def test_retain_removal_policy_keeps_the_channel(stacks: Stacks) -> None:
    template = stacks.template(stacks.retained)
    template.has_resource("Custom::PinpointVoiceChannel", {"DeletionPolicy": "Retain"})
    template.has_resource("AWS::Pinpoint::App", {"DeletionPolicy": "Retain"})


def test_fails_when_both_name_and_id_are_given() -> None:
    stack = cdk.Stack(cdk.App(), "Both")
    with pytest.raises(ValueError, match="application_name and application_id are mutually"):
        PinpointVoice(stack, "Voice", application_name="alerts", application_id=ADOPTED_ID)


@pytest.mark.parametrize("bad", ["", "abc", "0123456789abcdef0123456789abcdeg", " " * 32])
def test_fails_for_a_malformed_application_id(bad: str) -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    with pytest.raises(ValueError, match=r"^application_id must be a pinpoint application id"):
        PinpointVoice(stack, "Voice", application_id=bad)
    with pytest.raises(ValueError, match=repr(bad).replace("'", "'")):
        VoiceChannel(stack, "Channel", application_id=bad)


def test_fails_for_a_blank_application_name() -> None:
    stack = cdk.Stack(cdk.App(), "Blank")
    with pytest.raises(ValueError, match="application_name must not be blank, got '  '"):
        PinpointVoice(stack, "Voice", application_name="  ")


def test_fails_for_eventbridge_call_events_with_v1() -> None:
    stack = cdk.Stack(cdk.App(), "EventBridgeV1")
    message = (
        "call_event_source=CallEventSource.EVENTBRIDGE needs api=SmsVoiceApi.V2, got "
        "api=SmsVoiceApi.V1: AWS documents the EventBridge voice events for End User Messaging "
        "SMS and Voice v2 only, not for messages sent with the v1 API; use "
        "CallEventSource.CONFIGURATION_SET (the default with v1)"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        PinpointVoice(
            stack,
            "Voice",
            origination_number="+12065550100",
            track_call_status=True,
            call_event_source=CallEventSource.EVENTBRIDGE,
        )


@pytest.mark.parametrize("source", list(CallEventSource))
def test_fails_for_a_call_event_source_without_tracking(source: CallEventSource) -> None:
    stack = cdk.Stack(cdk.App(), "NoTracking")
    message = (
        "call_event_source chooses how track_call_status follows calls; got "
        f"call_event_source={source} with track_call_status=False"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        PinpointVoice(
            stack,
            "Voice",
            application=False,
            api=SmsVoiceApi.V2,
            allowed_countries=["US"],
            origination_number="phone-0123456789abcdef0123456789abcdef",
            call_event_source=source,
        )


def test_v1_tracks_through_a_configuration_set_by_default() -> None:
    stack = cdk.Stack(cdk.App(), "V1Default")
    voice = PinpointVoice(stack, "Voice", track_call_status=True)
    assert voice.call_status is not None
    assert voice.call_status.event_source is CallEventSource.CONFIGURATION_SET
    assert voice.call_status.rule is None
    assert voice.configuration_set is not None


def test_v2_tracks_through_eventbridge_by_default() -> None:
    stack = cdk.Stack(cdk.App(), "V2Default")
    voice = PinpointVoice(
        stack, "Voice", application=False, api=SmsVoiceApi.V2, track_call_status=True
    )
    assert voice.call_status is not None
    assert voice.call_status.event_source is CallEventSource.EVENTBRIDGE
    assert voice.call_status.topic is None
    assert voice.configuration_set is None


def test_accepts_a_token_application_id() -> None:
    stack = cdk.Stack(cdk.App(), "Token")
    param = cdk.CfnParameter(stack, "AppId")
    PinpointVoice(stack, "Voice", application_id=param.value_as_string)
    Template.from_stack(stack).has_resource_properties(
        "Custom::PinpointVoiceChannel", {"ApplicationId": {"Ref": "AppId"}}
    )


# Review gates -------------------------------------------------------------------------------


def test_cdk_nag_has_no_open_findings(stacks: Stacks) -> None:
    for stack in (stacks.sample, stacks.adopted, stacks.two_channels):
        assert cdk_nag(stack) == []


def test_cfn_lint_has_only_acknowledged_findings(stacks: Stacks) -> None:
    open_findings, acknowledged = cfn_lint(stacks.template(stacks.sample).to_json())
    assert open_findings == []
    assert {f.rule for f in acknowledged} == {"W3696", "W3005"}
    pinpoint = [f for f in acknowledged if f.rule == "W3696"]
    assert len(pinpoint) == 1


def test_adopted_application_has_no_pinpoint_warning(stacks: Stacks) -> None:
    open_findings, acknowledged = cfn_lint(stacks.template(stacks.adopted).to_json())
    assert open_findings == []
    assert "W3696" not in {f.rule for f in acknowledged}


def test_cdk_json_carries_every_recommended_feature_flag() -> None:
    import aws_cdk

    tarball = next((Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz"))
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        recommended = json.load(member)
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    missing = {k: v for k, v in recommended.items() if context.get(k) != v}
    assert missing == {}


def test_pinpoint_voice_passes_its_origination_numbers_to_the_sender() -> None:
    numbers = ["+12065550100", "+12065550101", "+12065550102"]
    stack = cdk.Stack(cdk.App(), "Numbers")
    voice = PinpointVoice(
        stack, "Voice", application=False, origination_numbers=numbers, max_calls_per_minute=100
    )
    assert voice.sender is not None
    assert list(voice.sender.origination_identities) == numbers


def test_fails_origination_numbers_given_twice() -> None:
    from voice_constructs import SenderOptions

    stack = cdk.Stack(cdk.App(), "Twice")
    with pytest.raises(ValueError, match="origination_numbers is given twice"):
        PinpointVoice(
            stack,
            "Voice",
            application=False,
            origination_numbers=["+12065550100"],
            sender_options=SenderOptions(origination_numbers=("+12065550101",)),
        )
