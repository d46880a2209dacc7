"""VoiceConfigurationSet, its event destinations and CallStatusTracker (template level)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from configuration_set import index as config_set_handler
from constructs import Construct

import app as sample
from tests.conftest import cdk_context
from tests.infra.templates import (
    Synthesized,
    allows,
    as_list,
    exactly,
    is_v2_fence,
    role_statements,
    sender_function,
)
from voice_constructs import (
    CallStatusTracker,
    EventDestination,
    PinpointVoice,
    VoiceChannel,
    VoiceConfigurationSet,
    VoiceMessageSender,
)
from voice_constructs.configuration_set import CALL_EVENT_TYPES, NAME_PREFIX_MAX
from voice_constructs.review import cdk_nag, cfn_lint

ORIGINATION = "+12065550100"
ADOPTED_ID = "0123456789abcdef0123456789abcdef"
PROVIDER_HANDLER = "custom_resource.index.on_event"
CALL_STATUS_HANDLER = "call_status.index.handler"
CONFIGURATION_SET = "Custom::VoiceConfigurationSet"
SERVICE = "sms-voice.amazonaws.com"
STREAM_ARN = "arn:aws:firehose:us-east-1:123456789012:deliverystream/call-events"
# Written out here, not imported, so a change in the construct shows up as a failing test.
ALL_EVENT_TYPES = [
    "INITIATED_CALL",
    "RINGING",
    "ANSWERED",
    "COMPLETED_CALL",
    "BUSY",
    "FAILED",
    "NO_ANSWER",
]
CONFIGURATION_SET_ACTIONS = [
    "sms-voice:CreateConfigurationSet",
    "sms-voice:CreateConfigurationSetEventDestination",
    "sms-voice:DeleteConfigurationSet",
    "sms-voice:DeleteConfigurationSetEventDestination",
    "sms-voice:GetConfigurationSetEventDestinations",
    "sms-voice:UpdateConfigurationSetEventDestination",
]
SOURCE_ACCOUNT = {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
PASSED_TO_SERVICE = {"StringEquals": {"iam:PassedToService": SERVICE}}
# A generated prefix: the handler adds "-" and 8 hexadecimal digits from the request.
GENERATED_NAME = re.compile(rf"\A[A-Za-z0-9_-]{{1,{NAME_PREFIX_MAX}}}\Z")
DEEP_SCOPE = "Deeply.Nested Scope_" * 5


@dataclass
class Stacks(Synthesized):
    app: cdk.App
    sample: cdk.Stack
    off: cdk.Stack
    sns_only: cdk.Stack
    all_kinds: cdk.Stack
    tracker: cdk.Stack
    tracker_custom: cdk.Stack
    own_set: cdk.Stack
    named: VoiceConfigurationSet
    generated: VoiceConfigurationSet
    deep: VoiceConfigurationSet
    plain_topic: sns.Topic
    encrypted_topic: sns.Topic
    topic_key: kms.Key
    mixed: VoiceConfigurationSet
    event_logs: logs.LogGroup
    mixed_topic: sns.Topic
    default_tracker: CallStatusTracker
    custom_tracker: CallStatusTracker
    reader: iam.Role
    read_grant: iam.Grant
    own: VoiceConfigurationSet
    own_voice: PinpointVoice


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    # Every stack is built before the first synthesis: nothing may be added after it.
    app = cdk.App(context=cdk_context())
    sample_stack = sample.build(app)
    # The sample with its options off, in a stage of the same app: its context overrides the
    # app's, and build() only uses its argument as the scope and the source of context.
    off_stage = cdk.Stage(app, "Off")
    off_stage.node.set_context("trackCallStatus", "false")
    off_stage.node.set_context("queue", "false")
    off = sample.build(off_stage)  # type: ignore[arg-type]

    sns_only = cdk.Stack(app, "SnsOnly")
    plain_topic = sns.Topic(sns_only, "Plain", enforce_ssl=True)
    topic_key = kms.Key(sns_only, "TopicKey", enable_key_rotation=True)
    encrypted_topic = sns.Topic(sns_only, "Encrypted", master_key=topic_key, enforce_ssl=True)
    named = VoiceConfigurationSet(
        sns_only,
        "Named",
        configuration_set_name="call-events_1",
        destinations=[
            EventDestination.sns(
                plain_topic, name="Completed", event_types=["COMPLETED_CALL", "FAILED"]
            )
        ],
    )
    named.add_destination(EventDestination.sns(encrypted_topic, enabled=False))
    generated = VoiceConfigurationSet(sns_only, "Generated")
    deep = VoiceConfigurationSet(Construct(sns_only, DEEP_SCOPE), "Set-Of_Things!")
    VoiceChannel(sns_only, "Channel", application_id=ADOPTED_ID)

    # A concrete region lets the imported stream's lazy CIDR mapping resolve in place.
    all_kinds = cdk.Stack(
        app, "AllKinds", env=cdk.Environment(account="123456789012", region="us-east-1")
    )
    event_logs = logs.LogGroup(all_kinds, "Events", retention=logs.RetentionDays.ONE_MONTH)
    stream = firehose.DeliveryStream.from_delivery_stream_arn(all_kinds, "Stream", STREAM_ARN)
    mixed_topic = sns.Topic(all_kinds, "Topic", enforce_ssl=True)
    mixed = VoiceConfigurationSet(
        all_kinds,
        "Set",
        destinations=[
            EventDestination.cloud_watch_logs(event_logs),
            EventDestination.firehose(stream, name="Failures", event_types=["FAILED"]),
        ],
    )
    mixed.add_destination(EventDestination.sns(mixed_topic))

    tracker = cdk.Stack(app, "Tracker")
    default_tracker = CallStatusTracker(tracker, "CallStatus")

    tracker_custom = cdk.Stack(app, "TrackerCustom")
    custom_tracker = CallStatusTracker(tracker_custom, "CallStatus", retention=cdk.Duration.days(7))
    reader = iam.Role(tracker_custom, "Reader", assumed_by=iam.AccountRootPrincipal())
    read_grant = custom_tracker.grant_read(reader)

    own_set = cdk.Stack(app, "OwnSet")
    own = VoiceConfigurationSet(
        own_set,
        "Own",
        configuration_set_name="my-set",
        destinations=[EventDestination.sns(sns.Topic(own_set, "Topic"), name="Mine")],
    )
    own_voice = PinpointVoice(
        own_set,
        "Voice",
        origination_number=ORIGINATION,
        configuration_set=own,
        track_call_status=True,
    )
    return Stacks(
        app=app,
        sample=sample_stack,
        off=off,
        sns_only=sns_only,
        all_kinds=all_kinds,
        tracker=tracker,
        tracker_custom=tracker_custom,
        own_set=own_set,
        named=named,
        generated=generated,
        deep=deep,
        plain_topic=plain_topic,
        encrypted_topic=encrypted_topic,
        topic_key=topic_key,
        mixed=mixed,
        event_logs=event_logs,
        mixed_topic=mixed_topic,
        default_tracker=default_tracker,
        custom_tracker=custom_tracker,
        reader=reader,
        read_grant=read_grant,
        own=own,
        own_voice=own_voice,
    )


# Helpers ------------------------------------------------------------------------------------


def resolved_id(stack: cdk.Stack, token: str) -> str:
    """The logical id behind a Ref or GetAtt token."""
    resolved = stack.resolve(token)
    return str(resolved["Ref"] if "Ref" in resolved else resolved["Fn::GetAtt"][0])


def set_properties(stack: cdk.Stack, template: Template, cs: VoiceConfigurationSet) -> Any:
    """The whole template resource of a configuration set."""
    set_id = resolved_id(stack, cs.configuration_set_name)
    resources = template.find_resources(CONFIGURATION_SET)
    assert set_id in resources, resources
    return resources[set_id]


def handler_role_id(template: Template) -> str:
    """The logical id of the (only) custom resource handler's role."""
    found = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": PROVIDER_HANDLER}}
    )
    assert len(found) == 1, found
    return str(next(iter(found.values()))["Properties"]["Role"]["Fn::GetAtt"][0])


def policies_of(template: Template, role_id: str) -> list[str]:
    """Logical ids of the IAM policies attached to ``role_id``."""
    return [
        logical_id
        for logical_id, resource in template.find_resources("AWS::IAM::Policy").items()
        if {"Ref": role_id} in resource["Properties"]["Roles"]
    ]


def delivery_role_ids(template: Template) -> list[str]:
    """Roles the SMS and Voice service may assume."""
    return [
        logical_id
        for logical_id, resource in template.find_resources("AWS::IAM::Role").items()
        if any(
            SERVICE in as_list(statement["Principal"].get("Service", []))
            for statement in resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        )
    ]


def topic_policy(template: Template, stack: cdk.Stack, topic: sns.ITopic) -> list[Any]:
    """The statements of the topic's policy."""
    ref = stack.resolve(topic.topic_arn)
    found = [
        resource["Properties"]["PolicyDocument"]["Statement"]
        for resource in template.find_resources("AWS::SNS::TopicPolicy").values()
        if ref in resource["Properties"]["Topics"]
    ]
    assert len(found) == 1, found
    return list(found[0])


def topic_policy_id(template: Template, stack: cdk.Stack, topic: sns.ITopic) -> str:
    ref = stack.resolve(topic.topic_arn)
    found = [
        logical_id
        for logical_id, resource in template.find_resources("AWS::SNS::TopicPolicy").items()
        if ref in resource["Properties"]["Topics"]
    ]
    assert len(found) == 1, found
    return found[0]


def functions_by_handler(template: Template, handler: str) -> dict[str, Any]:
    """The functions with ``handler``, by logical id."""
    return dict(
        template.find_resources("AWS::Lambda::Function", {"Properties": {"Handler": handler}})
    )


def publish_by_service(topic_ref: Any) -> dict[str, Any]:
    return {
        "Action": "sns:Publish",
        "Condition": SOURCE_ACCOUNT,
        "Effect": "Allow",
        "Principal": {"Service": SERVICE},
        "Resource": topic_ref,
    }


# The configuration set resource -------------------------------------------------------------


def test_given_name_and_sns_destinations(stacks: Stacks) -> None:
    stack = stacks.sns_only
    resource = set_properties(stack, stacks.template(stack), stacks.named)
    assert resource["Properties"]["ConfigurationSetName"] == "call-events_1"
    assert resource["Properties"]["EventDestinations"] == [
        {
            "Name": "Completed",
            "Enabled": True,
            "MatchingEventTypes": ["COMPLETED_CALL", "FAILED"],
            "SnsDestination": {"TopicArn": stack.resolve(stacks.plain_topic.topic_arn)},
        },
        # Added after construction, with the default name, types and a disabled flag.
        {
            "Name": "Sns-2",
            "Enabled": False,
            "MatchingEventTypes": ALL_EVENT_TYPES,
            "SnsDestination": {"TopicArn": stack.resolve(stacks.encrypted_topic.topic_arn)},
        },
    ]
    [framework_id] = functions_by_handler(stacks.template(stack), "framework.onEvent")
    assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [framework_id, "Arn"]}


def test_generated_names_fit_the_service(stacks: Stacks) -> None:
    stack = stacks.sns_only
    template = stacks.template(stack)
    names = []
    for cs in (stacks.generated, stacks.deep):
        resource = set_properties(stack, template, cs)
        assert "ConfigurationSetName" not in resource["Properties"]
        name = resource["Properties"]["NamePrefix"]
        assert GENERATED_NAME.match(name), name
        names.append(name)
    assert names[0].startswith("SnsOnly-Generated-")
    assert 50 <= len(names[1]) <= NAME_PREFIX_MAX == config_set_handler.NAME_PREFIX_MAX
    assert len(set(names)) == 2
    assert (
        set_properties(stack, template, stacks.generated)["Properties"]["EventDestinations"] == []
    )


def test_logs_firehose_and_sns_destinations(stacks: Stacks) -> None:
    stack = stacks.all_kinds
    template = stacks.template(stack)
    [role_id] = delivery_role_ids(template)
    role_arn = {"Fn::GetAtt": [role_id, "Arn"]}
    resource = set_properties(stack, template, stacks.mixed)
    name = resource["Properties"]["NamePrefix"]
    assert GENERATED_NAME.match(name), name
    assert resource["Properties"]["EventDestinations"] == [
        {
            "Name": "CloudWatchLogs-1",
            "Enabled": True,
            "MatchingEventTypes": ALL_EVENT_TYPES,
            "CloudWatchLogsDestination": {
                "IamRoleArn": role_arn,
                "LogGroupArn": stack.resolve(stacks.event_logs.log_group_arn),
            },
        },
        {
            "Name": "Failures",
            "Enabled": True,
            "MatchingEventTypes": ["FAILED"],
            "KinesisFirehoseDestination": {
                "DeliveryStreamArn": STREAM_ARN,
                "IamRoleArn": role_arn,
            },
        },
        {
            "Name": "Sns-3",
            "Enabled": True,
            "MatchingEventTypes": ALL_EVENT_TYPES,
            "SnsDestination": {"TopicArn": stack.resolve(stacks.mixed_topic.topic_arn)},
        },
    ]


def test_set_waits_for_its_permissions(stacks: Stacks) -> None:
    stack = stacks.sns_only
    template = stacks.template(stack)
    handler_policies = policies_of(template, handler_role_id(template))
    assert len(handler_policies) == 1
    depends_on = set(set_properties(stack, template, stacks.named)["DependsOn"])
    assert {
        handler_policies[0],
        topic_policy_id(template, stack, stacks.plain_topic),
        topic_policy_id(template, stack, stacks.encrypted_topic),
    } <= depends_on
    assert handler_policies[0] in set(
        set_properties(stack, template, stacks.generated)["DependsOn"]
    )


def test_set_with_delivery_role_waits_for_it(stacks: Stacks) -> None:
    stack = stacks.all_kinds
    template = stacks.template(stack)
    [role_id] = delivery_role_ids(template)
    expected = {
        *policies_of(template, handler_role_id(template)),
        *policies_of(template, role_id),
        topic_policy_id(template, stack, stacks.mixed_topic),
    }
    assert len(expected) == 3
    assert expected <= set(set_properties(stack, template, stacks.mixed)["DependsOn"])


# IAM ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["sns_only", "all_kinds", "sample"])
def test_handler_manages_configuration_sets_on_star_only(stacks: Stacks, which: str) -> None:
    template = stacks.template(getattr(stacks, which))
    everything = role_statements(template, handler_role_id(template))
    assert sum(is_v2_fence(s) for s in everything) == 1
    statements = allows(everything)
    sms_voice = [
        s for s in statements if any(a.startswith("sms-voice:") for a in as_list(s["Action"]))
    ]
    assert sms_voice == [{"Action": CONFIGURATION_SET_ACTIONS, "Effect": "Allow", "Resource": "*"}]


def test_star_resource_is_acknowledged_on_the_handler_role(stacks: Stacks) -> None:
    findings = cdk_nag(stacks.sns_only)
    assert [f for f in findings if f.rule.startswith("AwsSolutions-IAM5")] == []


def test_delivery_role_is_assumed_by_the_service_for_this_account(stacks: Stacks) -> None:
    template = stacks.template(stacks.all_kinds)
    [role_id] = delivery_role_ids(template)
    role = template.to_json()["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Condition": SOURCE_ACCOUNT,
            "Effect": "Allow",
            "Principal": {"Service": SERVICE},
        }
    ]
    assert "ManagedPolicyArns" not in role
    assert "Policies" not in role


def test_delivery_role_may_only_write_to_its_destinations(stacks: Stacks) -> None:
    stack = stacks.all_kinds
    template = stacks.template(stack)
    [role_id] = delivery_role_ids(template)
    assert role_statements(template, role_id) == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": stack.resolve(stacks.event_logs.log_group_arn),
        },
        {
            "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
            "Effect": "Allow",
            "Resource": STREAM_ARN,
        },
    ]


def test_handler_may_pass_only_the_delivery_role_to_the_service(stacks: Stacks) -> None:
    template = stacks.template(stacks.all_kinds)
    [role_id] = delivery_role_ids(template)
    statements = role_statements(template, handler_role_id(template))
    pass_role = [s for s in statements if "iam:PassRole" in as_list(s["Action"])]
    assert pass_role == [
        {
            "Action": "iam:PassRole",
            "Condition": PASSED_TO_SERVICE,
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [role_id, "Arn"]},
        }
    ]


@pytest.mark.parametrize("which", ["sns_only", "sample"])
def test_sns_only_sets_need_no_delivery_role(stacks: Stacks, which: str) -> None:
    template = stacks.template(getattr(stacks, which))
    assert delivery_role_ids(template) == []
    for resource in template.find_resources("AWS::IAM::Policy").values():
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            assert "iam:PassRole" not in as_list(statement["Action"]), statement


def test_topics_let_the_service_publish_for_this_account(stacks: Stacks) -> None:
    stack = stacks.sns_only
    template = stacks.template(stack)
    for topic in (stacks.plain_topic, stacks.encrypted_topic):
        statements = topic_policy(template, stack, topic)
        ref = stack.resolve(topic.topic_arn)
        matching = [s for s in statements if s.get("Principal") == {"Service": SERVICE}]
        assert len(matching) == 1, statements
        assert {k: v for k, v in matching[0].items() if k != "Sid"} == publish_by_service(ref)


def test_encrypted_topic_key_lets_the_service_encrypt(stacks: Stacks) -> None:
    stack = stacks.sns_only
    template = stacks.template(stack)
    key_id = resolved_id(stack, stacks.topic_key.key_arn)
    policy = template.to_json()["Resources"][key_id]["Properties"]["KeyPolicy"]
    service = [s for s in policy["Statement"] if s.get("Principal") == {"Service": SERVICE}]
    assert service == [
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            # Only for this account's configuration sets: no confused deputy.
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            "Effect": "Allow",
            "Principal": {"Service": SERVICE},
            "Resource": "*",
        }
    ]
    template.resource_count_is("AWS::KMS::Key", 1)


# One provider per stack ---------------------------------------------------------------------


def test_sets_and_channels_share_one_provider(stacks: Stacks) -> None:
    template = stacks.template(stacks.sns_only)
    template.resource_count_is(CONFIGURATION_SET, 3)
    template.resource_count_is("Custom::PinpointVoiceChannel", 1)
    template.resource_count_is("AWS::Lambda::Function", 2)
    assert len(functions_by_handler(template, PROVIDER_HANDLER)) == 1
    tokens = {
        str(r["Properties"]["ServiceToken"]["Fn::GetAtt"][0])
        for r in [
            *template.find_resources(CONFIGURATION_SET).values(),
            *template.find_resources("Custom::PinpointVoiceChannel").values(),
        ]
    }
    assert len(tokens) == 1, tokens


# CallStatusTracker --------------------------------------------------------------------------


def test_tracker_topic_is_encrypted_with_its_own_rotating_key(stacks: Stacks) -> None:
    stack = stacks.tracker
    template = stacks.template(stack)
    topic = stacks.default_tracker.topic
    assert topic.master_key is not None
    key_arn = stack.resolve(topic.master_key.key_arn)
    topic_id = resolved_id(stack, topic.topic_arn)
    resources = template.to_json()["Resources"]
    assert resources[topic_id]["Properties"]["KmsMasterKeyId"] == key_arn
    key = resources[key_arn["Fn::GetAtt"][0]]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    template.resource_count_is("AWS::KMS::Key", 1)
    template.resource_count_is("AWS::SNS::Topic", 1)


def test_tracker_topic_allows_tls_only(stacks: Stacks) -> None:
    stack = stacks.tracker
    statements = topic_policy(stacks.template(stack), stack, stacks.default_tracker.topic)
    assert {
        "Action": "sns:Publish",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": "*",
        "Resource": stack.resolve(stacks.default_tracker.topic.topic_arn),
        "Sid": "AllowPublishThroughSSLOnly",
    } in statements


def test_tracker_key_lets_the_service_encrypt(stacks: Stacks) -> None:
    stack = stacks.tracker
    template = stacks.template(stack)
    [key] = template.find_resources("AWS::KMS::Key").values()
    service = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": SERVICE}
    ]
    assert service == [
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            # Only for this account's configuration sets: no confused deputy.
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            "Effect": "Allow",
            "Principal": {"Service": SERVICE},
            "Resource": "*",
        }
    ]


def test_tracker_table(stacks: Stacks) -> None:
    stack = stacks.tracker
    template = stacks.template(stack)
    table_id = resolved_id(stack, stacks.default_tracker.table.table_name)
    properties = template.to_json()["Resources"][table_id]["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": "MessageId", "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": "MessageId", "AttributeType": "S"}
    ]
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


@pytest.mark.parametrize(("which", "days"), [("tracker", "30"), ("tracker_custom", "7")])
def test_tracker_function(stacks: Stacks, which: str, days: str) -> None:
    stack = getattr(stacks, which)
    tracker = stacks.default_tracker if which == "tracker" else stacks.custom_tracker
    template = stacks.template(stack)
    found = functions_by_handler(template, CALL_STATUS_HANDLER)
    assert list(found) == [resolved_id(stack, tracker.function.function_name)]
    properties = next(iter(found.values()))["Properties"]
    assert properties["Environment"]["Variables"] == {
        "CALL_STATUS_TABLE_NAME": stack.resolve(tracker.table.table_name),
        "CALL_STATUS_RETENTION_DAYS": days,
    }


def test_tracker_function_may_only_update_items(stacks: Stacks) -> None:
    stack = stacks.tracker
    template = stacks.template(stack)
    tracker = stacks.default_tracker
    role_id = resolved_id(stack, tracker.function.role.role_arn)  # type: ignore[union-attr]
    dynamodb = [
        s
        for s in role_statements(template, role_id)
        if any(str(a).startswith("dynamodb:") for a in as_list(s["Action"]))
    ]
    assert dynamodb == [
        {
            "Action": "dynamodb:UpdateItem",
            "Effect": "Allow",
            "Resource": stack.resolve(tracker.table.table_arn),
        }
    ]


def test_tracker_subscription_redrives_to_the_failed_events_queue(stacks: Stacks) -> None:
    stack = stacks.tracker
    tracker = stacks.default_tracker
    template = stacks.template(stack)
    subscriptions = template.find_resources("AWS::SNS::Subscription")
    assert [s["Properties"] for s in subscriptions.values()] == [
        {
            "Endpoint": stack.resolve(tracker.function.function_arn),
            "Protocol": "lambda",
            "RedrivePolicy": {
                "deadLetterTargetArn": stack.resolve(tracker.failed_events.queue_arn)
            },
            "TopicArn": stack.resolve(tracker.topic.topic_arn),
        }
    ]


def test_tracker_failed_invocations_go_to_the_failed_events_queue(stacks: Stacks) -> None:
    stack = stacks.tracker
    tracker = stacks.default_tracker
    template = stacks.template(stack)
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": stack.resolve(tracker.function.function_name),
            "DestinationConfig": {
                "OnFailure": {"Destination": stack.resolve(tracker.failed_events.queue_arn)}
            },
        },
    )


def test_grant_read_gives_only_get_item(stacks: Stacks) -> None:
    stack = stacks.tracker_custom
    template = stacks.template(stack)
    assert stacks.read_grant.success
    role_id = resolved_id(stack, stacks.reader.role_arn)
    assert role_statements(template, role_id) == [
        {
            "Action": "dynamodb:GetItem",
            "Effect": "Allow",
            "Resource": stack.resolve(stacks.custom_tracker.table.table_arn),
        }
    ]


def test_tracker_destination_is_its_topic(stacks: Stacks) -> None:
    destination = stacks.default_tracker.destination
    assert destination.kind == "SnsDestination"
    assert destination.name == "CallStatus"
    assert destination.target is stacks.default_tracker.topic
    assert destination.event_types == CALL_EVENT_TYPES
    assert destination.enabled is True


@pytest.mark.parametrize(
    ("retention", "shown"),
    [
        (cdk.Duration.days(0), "0"),
        (cdk.Duration.days(400), "400"),
        pytest.param(
            cdk.Duration.days(1.5),
            "1.5",
        ),
        pytest.param(
            cdk.Duration.hours(36),
            "1.5",
        ),
    ],
    ids=["0-days", "400-days", "1.5-days", "36-hours"],
)
def test_tracker_fails_for_a_bad_retention(retention: cdk.Duration, shown: str) -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    message = f"retention must be whole days between 1 and 365, got {shown} days"
    with pytest.raises(ValueError, match=exactly(message)):
        CallStatusTracker(stack, "CallStatus", retention=retention)


# PinpointVoice and the sender ---------------------------------------------------------------


def test_tracking_call_status_creates_a_set_feeding_the_tracker(stacks: Stacks) -> None:
    stack = stacks.sample
    template = stacks.template(stack)
    template.resource_count_is(CONFIGURATION_SET, 1)
    assert len(functions_by_handler(template, CALL_STATUS_HANDLER)) == 1
    [(set_id, resource)] = template.find_resources(CONFIGURATION_SET).items()
    [topic_id] = template.find_resources("AWS::SNS::Topic")
    assert resource["Properties"]["EventDestinations"] == [
        {
            "Name": "CallStatus",
            "Enabled": True,
            "MatchingEventTypes": ALL_EVENT_TYPES,
            "SnsDestination": {"TopicArn": {"Ref": topic_id}},
        }
    ]
    _, sender = sender_function(template)
    assert sender["Environment"]["Variables"]["CONFIGURATION_SET_NAME"] == {
        "Fn::GetAtt": [set_id, "ConfigurationSetName"]
    }


def test_tracking_adds_to_a_given_set(stacks: Stacks) -> None:
    stack = stacks.own_set
    template = stacks.template(stack)
    voice = stacks.own_voice
    assert voice.configuration_set is stacks.own
    assert voice.call_status is not None
    template.resource_count_is(CONFIGURATION_SET, 1)
    resource = set_properties(stack, template, stacks.own)
    assert resource["Properties"]["ConfigurationSetName"] == "my-set"
    destinations = resource["Properties"]["EventDestinations"]
    assert [d["Name"] for d in destinations] == ["Mine", "CallStatus"]
    assert destinations[1]["SnsDestination"] == {
        "TopicArn": stack.resolve(voice.call_status.topic.topic_arn)
    }
    _, sender = sender_function(template)
    assert sender["Environment"]["Variables"]["CONFIGURATION_SET_NAME"] == stack.resolve(
        stacks.own.configuration_set_name
    )


def test_sender_fails_for_both_set_props() -> None:
    stack = cdk.Stack(cdk.App(), "Both")
    cs = VoiceConfigurationSet(stack, "Set")
    message = (
        "configuration_set and configuration_set_name are mutually exclusive, got "
        "configuration_set_name='x' as well"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        VoiceMessageSender(
            stack,
            "Sender",
            origination_number=ORIGINATION,
            configuration_set=cs,
            configuration_set_name="x",
        )


# Validation ---------------------------------------------------------------------------------

EVENT_TYPES_MESSAGE = (
    "event_types must be a non-empty subset of ['INITIATED_CALL', 'RINGING', 'ANSWERED', "
    "'COMPLETED_CALL', 'BUSY', 'FAILED', 'NO_ANSWER'], got {}"
)


@pytest.mark.parametrize("factory", ["sns", "cloud_watch_logs", "firehose"])
@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"event_types": ["RINGING", "HUNG_UP"]},
            EVENT_TYPES_MESSAGE.format("['RINGING', 'HUNG_UP']"),
        ),
        ({"event_types": []}, EVENT_TYPES_MESSAGE.format("[]")),
        ({"name": "bad name!"}, "name must be 1-64 letters, digits, - or _, got 'bad name!'"),
        ({"name": "x" * 65}, f"name must be 1-64 letters, digits, - or _, got '{'x' * 65}'"),
    ],
    ids=["unknown_type", "no_types", "bad_name", "long_name"],
)
def test_event_destination_fails_for_bad_props(
    factory: str, props: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        getattr(EventDestination, factory)(None, **props)


def test_set_fails_for_a_bad_name() -> None:
    stack = cdk.Stack(cdk.App(), "BadName")
    message = "configuration_set_name must be 1-64 letters, digits, - or _, got 'bad name!'"
    with pytest.raises(ValueError, match=exactly(message)):
        VoiceConfigurationSet(stack, "Set", configuration_set_name="bad name!")


def test_set_holds_at_most_ten_destinations() -> None:
    stack = cdk.Stack(cdk.App(), "Many")
    topic = sns.Topic(stack, "Topic")
    ten = [EventDestination.sns(topic) for _ in range(10)]
    VoiceConfigurationSet(stack, "Ten", destinations=ten)
    message = "destinations may hold at most 10, got one more on Many/Eleven"
    with pytest.raises(ValueError, match=exactly(message)):
        VoiceConfigurationSet(stack, "Eleven", destinations=[*ten, EventDestination.sns(topic)])
    later = VoiceConfigurationSet(stack, "Later", destinations=ten)
    with pytest.raises(ValueError, match=exactly(message.replace("Eleven", "Later"))):
        later.add_destination(EventDestination.sns(topic))


def test_set_fails_for_duplicate_destination_names() -> None:
    stack = cdk.Stack(cdk.App(), "Dup")
    topic = sns.Topic(stack, "Topic")
    cs = VoiceConfigurationSet(stack, "Set", destinations=[EventDestination.sns(topic, name="A")])
    message = "name 'A' is used by another destination of Dup/Set"
    with pytest.raises(ValueError, match=exactly(message)):
        cs.add_destination(EventDestination.sns(topic, name="A"))
    # A default name is taken too.
    cs.add_destination(EventDestination.sns(topic))
    with pytest.raises(ValueError, match=exactly(message.replace("'A'", "'Sns-2'"))):
        cs.add_destination(EventDestination.sns(topic, name="Sns-2"))


# Review gates -------------------------------------------------------------------------------

GATED = ["sample", "all_kinds", "tracker"]


@pytest.mark.parametrize("which", GATED)
def test_cdk_nag_has_no_open_findings(stacks: Stacks, which: str) -> None:
    assert cdk_nag(getattr(stacks, which)) == []


@pytest.mark.parametrize("which", GATED)
def test_cfn_lint_has_no_open_findings(stacks: Stacks, which: str) -> None:
    open_findings, _ = cfn_lint(dict(stacks.template(getattr(stacks, which)).to_json()))
    assert open_findings == []


# The sample app -----------------------------------------------------------------------------


def test_sample_has_four_functions_by_default(stacks: Stacks) -> None:
    template = stacks.template(stacks.sample)
    template.resource_count_is("AWS::Lambda::Function", 4)
    handlers = sorted(
        str(r["Properties"]["Handler"])
        for r in template.find_resources("AWS::Lambda::Function").values()
    )
    assert handlers == [
        CALL_STATUS_HANDLER,
        PROVIDER_HANDLER,
        "framework.onEvent",
        "send_voice_message.index.handler",
    ]


def test_sample_without_tracking_or_queue(stacks: Stacks) -> None:
    template = stacks.template(stacks.off)
    template.resource_count_is("AWS::Lambda::Function", 3)
    template.resource_count_is("AWS::SNS::Topic", 0)
    template.resource_count_is(CONFIGURATION_SET, 0)
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 0)
    assert len(functions_by_handler(template, CALL_STATUS_HANDLER)) == 0
    _, sender = sender_function(template)
    assert "CONFIGURATION_SET_NAME" not in sender["Environment"]["Variables"]
