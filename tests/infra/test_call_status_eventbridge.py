"""CallStatusTracker through EventBridge (v2), and PinpointVoice's choice of call event source."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as sample
from tests.conftest import cdk_context
from tests.infra.templates import (
    PHONE_ID,
    V2_CALL_EVENTS,
    Synthesized,
    exactly,
    role_statements,
    sender_function,
    sender_role_id,
)
from voice_constructs import (
    CallEventSource,
    CallStatusTracker,
    PinpointVoice,
    SmsVoiceApi,
    VoiceConfigurationSet,
)
from voice_constructs._contract import contract
from voice_constructs.review import cdk_nag, cfn_lint

CALL_STATUS_HANDLER = "call_status.index.handler"
V2_CONFIGURATION_SET = "AWS::SMSVOICE::ConfigurationSet"
# What the configuration-set path needs and the EventBridge path does without.
SNS_PATH_TYPES = (
    "AWS::KMS::Key",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
)


@dataclass
class Stacks(Synthesized):
    app: cdk.App
    tracker: cdk.Stack
    variant: cdk.Stack
    through_set: cdk.Stack
    given_set: cdk.Stack
    imported_set: cdk.Stack
    eventbridge_tracker: CallStatusTracker
    through_set_voice: PinpointVoice
    given_set_voice: PinpointVoice
    given: VoiceConfigurationSet


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    # Every stack is built before the first synthesis, which locks the app.
    app = cdk.App(
        context={**cdk_context(), "api": "v2", "pinpoint": "false", "allowedCountries": "US"}
    )
    variant = sample.build(app)

    tracker_stack = cdk.Stack(app, "EventBridgeTracker")
    tracker = CallStatusTracker(
        tracker_stack, "CallStatus", event_source=CallEventSource.EVENTBRIDGE
    )

    v2 = {
        "application": False,
        "api": SmsVoiceApi.V2,
        "tracing": False,
        "allowed_countries": ["US"],
    }
    through_set = cdk.Stack(app, "ThroughSet")
    through_set_voice = PinpointVoice(
        through_set,
        "Voice",
        origination_number=PHONE_ID,
        track_call_status=True,
        call_event_source=CallEventSource.CONFIGURATION_SET,
        **v2,  # type: ignore[arg-type]
    )
    given_set = cdk.Stack(app, "GivenSet")
    given = VoiceConfigurationSet(given_set, "Set", api=SmsVoiceApi.V2)
    given_set_voice = PinpointVoice(
        given_set,
        "Voice",
        origination_number=PHONE_ID,
        configuration_set=given,
        track_call_status=True,
        **v2,  # type: ignore[arg-type]
    )
    imported_set = cdk.Stack(app, "ImportedSet")
    PinpointVoice(
        imported_set,
        "Voice",
        origination_number=PHONE_ID,
        configuration_set=VoiceConfigurationSet.from_configuration_set_name(
            imported_set, "Theirs", "their-set", api=SmsVoiceApi.V2
        ),
        track_call_status=True,
        **v2,  # type: ignore[arg-type]
    )
    return Stacks(
        app,
        tracker_stack,
        variant,
        through_set,
        given_set,
        imported_set,
        tracker,
        through_set_voice,
        given_set_voice,
        given,
    )


def logical_id(stack: cdk.Stack, token: str) -> str:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` token of ``stack`` points at."""
    resolved = stack.resolve(token)
    return str(resolved["Ref"] if "Ref" in resolved else resolved["Fn::GetAtt"][0])


def count(template: Template, resource_type: str) -> int:
    return len(template.find_resources(resource_type))


def the_rule(template: Template) -> tuple[str, dict[str, Any]]:
    [(rule_id, rule)] = template.find_resources("AWS::Events::Rule").items()
    return rule_id, rule["Properties"]


# The tracker on its own ----------------------------------------------------------------------


def test_rule_matches_the_v2_voice_events_on_the_default_bus(stacks: Stacks) -> None:
    template = stacks.template(stacks.tracker)
    _, rule = the_rule(template)

    assert rule["EventPattern"] == {
        "source": [contract.EVENTBRIDGE_SOURCE],
        "detail-type": [contract.EVENTBRIDGE_VOICE_DETAIL_TYPE],
    }
    assert "EventBusName" not in rule  # the default bus, where the service puts them
    assert rule["State"] == "ENABLED"


def test_rule_invokes_the_function_with_retries_and_the_failed_events_queue(
    stacks: Stacks,
) -> None:
    stack, tracker = stacks.tracker, stacks.eventbridge_tracker
    rule_id, rule = the_rule(stacks.template(stack))
    targets = [{k: v for k, v in t.items() if k != "Id"} for t in rule["Targets"]]

    assert targets == [
        {
            "Arn": stack.resolve(tracker.function.function_arn),
            "DeadLetterConfig": {"Arn": stack.resolve(tracker.failed_events.queue_arn)},
            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
        }
    ]
    assert tracker.rule is not None
    assert stack.resolve(tracker.rule.rule_arn) == {"Fn::GetAtt": [rule_id, "Arn"]}


def test_only_the_rule_may_invoke_the_function(stacks: Stacks) -> None:
    stack, tracker = stacks.tracker, stacks.eventbridge_tracker
    template = stacks.template(stack)
    rule_id, _ = the_rule(template)

    permissions = [
        r["Properties"] for r in template.find_resources("AWS::Lambda::Permission").values()
    ]

    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": stack.resolve(tracker.function.function_arn),
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        }
    ]


def test_failed_events_queue_takes_dead_letters_from_the_rule_only(stacks: Stacks) -> None:
    stack, tracker = stacks.tracker, stacks.eventbridge_tracker
    template = stacks.template(stack)
    rule_id, _ = the_rule(template)
    queue_id = logical_id(stack, tracker.failed_events.queue_arn)
    [policy] = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in template.find_resources("AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]

    allowed = [{k: v for k, v in s.items() if k != "Sid"} for s in policy if s["Effect"] == "Allow"]

    assert allowed == [
        {
            "Action": "sqs:SendMessage",
            "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}},
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        }
    ]


def test_no_topic_key_or_subscription(stacks: Stacks) -> None:
    template = stacks.template(stacks.tracker)
    tracker = stacks.eventbridge_tracker

    assert tracker.topic is None
    assert tracker.event_source is CallEventSource.EVENTBRIDGE
    assert {t: count(template, t) for t in SNS_PATH_TYPES} == dict.fromkeys(SNS_PATH_TYPES, 0)
    assert count(template, "AWS::Events::Rule") == 1


def test_failed_invocations_still_go_to_the_failed_events_queue(stacks: Stacks) -> None:
    stack, tracker = stacks.tracker, stacks.eventbridge_tracker
    stacks.template(stack).has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": stack.resolve(tracker.function.function_name),
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {
                "OnFailure": {"Destination": stack.resolve(tracker.failed_events.queue_arn)}
            },
        },
    )


def test_table_is_tagged_for_the_tool(stacks: Stacks) -> None:
    stack, tracker = stacks.tracker, stacks.eventbridge_tracker
    table = stacks.template(stack).to_json()["Resources"][
        logical_id(stack, tracker.table.table_name)
    ]

    tags = {tag["Key"]: tag["Value"] for tag in table["Properties"]["Tags"]}

    assert tags[contract.TAG_COMPONENT] == contract.COMPONENT_CALL_STATUS_TABLE


def test_checkov_skip_says_eventbridge_invokes_the_function(stacks: Stacks) -> None:
    stack, tracker = stacks.tracker, stacks.eventbridge_tracker
    resources = stacks.template(stack).to_json()["Resources"]
    function = resources[logical_id(stack, tracker.function.function_name)]

    skips = {s["id"]: s["comment"] for s in function["Metadata"]["checkov"]["skip"]}

    assert skips["CKV_AWS_115"].startswith("invoked by EventBridge once per call event")


def test_fails_for_destination_with_eventbridge(stacks: Stacks) -> None:
    with pytest.raises(ValueError, match=r"\Adestination is an SNS destination .* has no topic"):
        _ = stacks.eventbridge_tracker.destination


def test_fails_for_an_event_source_that_is_not_the_enum() -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    message = (
        "event_source must be CallEventSource.CONFIGURATION_SET or "
        "CallEventSource.EVENTBRIDGE, got 'eventbridge'"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        CallStatusTracker(stack, "CallStatus", event_source="eventbridge")  # type: ignore[arg-type]


# The v2 sample (-c api=v2 -c pinpoint=false) --------------------------------------------------


def test_v2_sample_tracks_calls_through_the_rule(stacks: Stacks) -> None:
    template = stacks.template(stacks.variant)
    _, rule = the_rule(template)
    [function_id] = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": CALL_STATUS_HANDLER}}
    )

    assert [t["Arn"] for t in rule["Targets"]] == [{"Fn::GetAtt": [function_id, "Arn"]}]
    assert {t: count(template, t) for t in SNS_PATH_TYPES} == dict.fromkeys(SNS_PATH_TYPES, 0)


def test_v2_sample_has_no_configuration_set(stacks: Stacks) -> None:
    template = stacks.template(stacks.variant)
    _, sender = sender_function(template)

    assert count(template, V2_CONFIGURATION_SET) == 0
    assert "CONFIGURATION_SET_NAME" not in sender["Environment"]["Variables"]
    assert "ConfigurationSetName" not in template.to_json()["Outputs"]
    assert "CallStatusTableName" in template.to_json()["Outputs"]


def test_v2_sample_sender_sends_only_from_its_identity(stacks: Stacks) -> None:
    template = stacks.template(stacks.variant)
    statements = role_statements(template, sender_role_id(template))

    [send] = [s for s in statements if s["Action"] == "sms-voice:SendVoiceMessage"]

    assert json.dumps(send["Resource"]).count(":phone-number/" + PHONE_ID) == 1
    # The identity and the sender's protect configuration (allowed_countries), nothing else.
    [protect] = template.find_resources("AWS::SMSVOICE::ProtectConfiguration")
    assert {"Fn::GetAtt": [protect, "Arn"]} in send["Resource"]
    assert len(send["Resource"]) == 2


# PinpointVoice's choice -----------------------------------------------------------------------


def test_v2_configuration_set_path_on_request(stacks: Stacks) -> None:
    stack, voice = stacks.through_set, stacks.through_set_voice
    template = stacks.template(stack)
    assert voice.call_status is not None
    assert voice.call_status.topic is not None
    assert voice.call_status.event_source is CallEventSource.CONFIGURATION_SET

    [config] = template.find_resources(V2_CONFIGURATION_SET).values()
    [destination] = config["Properties"]["EventDestinations"]

    assert destination["MatchingEventTypes"] == V2_CALL_EVENTS
    assert destination["SnsDestination"] == {
        "TopicArn": stack.resolve(voice.call_status.topic.topic_arn)
    }
    assert count(template, "AWS::Events::Rule") == 0
    assert {t: count(template, t) for t in SNS_PATH_TYPES} == dict.fromkeys(SNS_PATH_TYPES, 1)


def test_v2_given_set_is_used_by_the_sender_and_left_without_a_destination(
    stacks: Stacks,
) -> None:
    stack, voice = stacks.given_set, stacks.given_set_voice
    template = stacks.template(stack)
    assert voice.configuration_set is stacks.given
    assert voice.call_status is not None
    assert voice.call_status.rule is not None

    [config] = template.find_resources(V2_CONFIGURATION_SET).values()
    _, sender = sender_function(template)

    assert config["Properties"].get("EventDestinations", []) == []
    assert sender["Environment"]["Variables"]["CONFIGURATION_SET_NAME"] == stack.resolve(
        stacks.given.configuration_set_name
    )
    assert count(template, "AWS::Events::Rule") == 1
    assert count(template, "AWS::SNS::Topic") == 0


def test_v2_imported_set_is_no_obstacle_to_eventbridge(stacks: Stacks) -> None:
    template = stacks.template(stacks.imported_set)
    _, sender = sender_function(template)

    assert sender["Environment"]["Variables"]["CONFIGURATION_SET_NAME"] == "their-set"
    assert count(template, "AWS::Events::Rule") == 1
    assert count(template, V2_CONFIGURATION_SET) == 0


# Review gates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "which", ["tracker", "variant", "through_set", "given_set", "imported_set"]
)
def test_review_gates_have_no_open_findings(stacks: Stacks, which: str) -> None:
    stack = getattr(stacks, which)
    assert cdk_nag(stack) == []
    open_findings, _ = cfn_lint(stacks.template(stack).to_json())
    assert open_findings == []
