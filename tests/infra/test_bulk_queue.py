"""VoiceMessageSender's state table, Powertools layer and optional bulk queue (template level)."""

from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Capture, Match, Template
from send_voice_message import ledger

from tests.conftest import cdk_context
from tests.infra.templates import (
    SENDER_HANDLER,
    Synthesized,
    allows,
    as_list,
    exactly,
    role_statements,
    sender_function,
    sender_role_id,
)
from voice_constructs import VoiceMessageSender
from voice_constructs._powertools import POWERTOOLS_VERSION
from voice_constructs.review import cdk_nag, cfn_lint
from voice_constructs.sender import REDRIVE_SLACK, seconds_per_queued_message

ORIGINATION = "+12065550100"
HANDLER = SENDER_HANDLER
SEND_AND_XRAY = ["sms-voice:SendVoiceMessage", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]
# Written out here, not imported, so a change in the construct shows up as a failing test.
STATE_TABLE_ACTIONS = [
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
]
CONSUME_ACTIONS = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
]
SSM_PARAMETER_TYPE = "AWS::SSM::Parameter::Value<String>"
POWERTOOLS_PREFIX = "/aws/service/powertools/python/"
OWN_LAYER_ARN = "arn:aws:lambda:us-east-1:123456789012:layer:my-powertools:7"
GTE = "GreaterThanOrEqualToThreshold"
# Worst time of one queued message at 20 calls a minute with 2 concurrent invocations: a slot
# behind every concurrent invocation (2 x 3 s), then one attempt's connect and read timeouts (7 s).
DEFAULT_SECONDS_PER_MESSAGE = 2 * 3 + 7


@dataclass
class Stacks(Synthesized):
    app: cdk.App
    plain: cdk.Stack
    queued: cdk.Stack
    slow: cdk.Stack
    custom: cdk.Stack
    own_layer: cdk.Stack
    plain_sender: VoiceMessageSender
    queued_sender: VoiceMessageSender
    custom_sender: VoiceMessageSender
    grant: iam.Grant


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    # Every stack is built before the first synthesis: nothing may be added after it.
    app = cdk.App(context=cdk_context())

    plain = cdk.Stack(app, "Plain")
    plain_sender = VoiceMessageSender(plain, "Sender", origination_number=ORIGINATION)

    queued = cdk.Stack(app, "Queued")
    queued_sender = VoiceMessageSender(
        queued, "Sender", origination_number=ORIGINATION, enable_queue=True
    )

    slow = cdk.Stack(app, "Slow")
    VoiceMessageSender(
        slow,
        "Sender",
        origination_number=ORIGINATION,
        enable_queue=True,
        timeout=cdk.Duration.seconds(60),
    )

    custom = cdk.Stack(app, "Custom")
    custom_sender = VoiceMessageSender(
        custom,
        "Sender",
        origination_number=ORIGINATION,
        architecture=lambda_.Architecture.X86_64,
        max_calls_per_minute=10,
        idempotency_window=cdk.Duration.hours(2),
        enable_queue=True,
        queue_batch_size=1,
        queue_max_concurrency=3,
        max_receive_count=3,
        oldest_message_alarm_age=cdk.Duration.minutes(30),
    )
    topic = sns.Topic(custom, "Alerts")
    custom_sender.dead_letter_alarm.add_alarm_action(cw_actions.SnsAction(topic))
    producer = iam.Role(custom, "Producer", assumed_by=iam.AccountRootPrincipal())
    grant = custom_sender.grant_send_messages(producer)

    own_layer = cdk.Stack(app, "OwnLayer")
    VoiceMessageSender(
        own_layer,
        "Sender",
        origination_number=ORIGINATION,
        powertools_layer=lambda_.LayerVersion.from_layer_version_arn(
            own_layer, "Powertools", OWN_LAYER_ARN
        ),
    )
    return Stacks(
        app,
        plain,
        queued,
        slow,
        custom,
        own_layer,
        plain_sender,
        queued_sender,
        custom_sender,
        grant,
    )


@pytest.fixture(scope="module")
def plain(stacks: Stacks) -> Template:
    return stacks.template(stacks.plain)


@pytest.fixture(scope="module")
def queued(stacks: Stacks) -> Template:
    return stacks.template(stacks.queued)


@pytest.fixture(scope="module")
def slow(stacks: Stacks) -> Template:
    return stacks.template(stacks.slow)


@pytest.fixture(scope="module")
def custom(stacks: Stacks) -> Template:
    return stacks.template(stacks.custom)


# Helpers ------------------------------------------------------------------------------------


def arn_of(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def table_id(template: Template) -> str:
    tables = template.find_resources("AWS::DynamoDB::Table")
    assert len(tables) == 1, tables
    return next(iter(tables))


def logical_id(stack: cdk.Stack, token: str, intrinsic: str = "Ref") -> str:
    """The logical id behind a Ref (or GetAtt) token of a construct attribute."""
    resolved = stack.resolve(token)
    return str(resolved["Ref"] if intrinsic == "Ref" else resolved["Fn::GetAtt"][0])


def queue_ids(stack: cdk.Stack, sender: VoiceMessageSender) -> tuple[str, str, str]:
    """(queue, dead-letter queue, failure queue) logical ids of a sender with the queue."""
    assert sender.queue is not None
    assert sender.dead_letter_queue is not None
    return (
        logical_id(stack, sender.queue.queue_arn, "GetAtt"),
        logical_id(stack, sender.dead_letter_queue.queue_arn, "GetAtt"),
        logical_id(stack, sender.failure_queue.queue_arn, "GetAtt"),
    )


def environment(template: Template) -> dict[str, Any]:
    _, properties = sender_function(template)
    variables: dict[str, Any] = properties["Environment"]["Variables"]
    return variables


def powertools_parameters(template: Template) -> dict[str, dict[str, Any]]:
    return {
        name: parameter
        for name, parameter in template.to_json().get("Parameters", {}).items()
        if str(parameter.get("Default", "")).startswith(POWERTOOLS_PREFIX)
    }


# State table --------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["plain", "queued"])
def test_state_table_is_always_created(stacks: Stacks, which: str) -> None:
    template = stacks.template(getattr(stacks, which))
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
                "SSESpecification": {"SSEEnabled": True},
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
                "ProvisionedThroughput": Match.absent(),
                "GlobalSecondaryIndexes": Match.absent(),
            },
            # Kept on cdk destroy: it holds the records of calls whose outcome is unknown.
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_state_table_attribute_is_the_table(stacks: Stacks, plain: Template) -> None:
    table = stacks.plain_sender.state_table
    assert logical_id(stacks.plain, table.table_name) == table_id(plain)


def test_environment_without_the_queue(plain: Template) -> None:
    assert environment(plain) == {
        "ORIGINATION_NUMBER": ORIGINATION,
        "ORIGINATION_IDENTITIES": ORIGINATION,
        "ALLOWED_COUNTRIES": "US",
        "DEFAULT_LANGUAGE_CODE": "en-US",
        "SEND_MAX_ATTEMPTS": "3",
        "STATE_TABLE_NAME": {"Ref": table_id(plain)},
        "MAX_CALLS_PER_MINUTE": "20",
        "IDEMPOTENCY_WINDOW_SECONDS": "86400",
    }


def test_environment_with_the_queue(stacks: Stacks, queued: Template) -> None:
    queue, dead_letters, _ = queue_ids(stacks.queued, stacks.queued_sender)
    assert environment(queued) == {
        "ORIGINATION_NUMBER": ORIGINATION,
        "ORIGINATION_IDENTITIES": ORIGINATION,
        "ALLOWED_COUNTRIES": "US",
        "DEFAULT_LANGUAGE_CODE": "en-US",
        "SEND_MAX_ATTEMPTS": "3",
        "STATE_TABLE_NAME": {"Ref": table_id(queued)},
        "MAX_CALLS_PER_MINUTE": "20",
        "IDEMPOTENCY_WINDOW_SECONDS": "86400",
        "QUEUE_URL": {"Ref": queue},
        "DEAD_LETTER_QUEUE_URL": {"Ref": dead_letters},
        "MAX_RECEIVE_COUNT": "5",
    }


def test_environment_with_custom_quota_window_and_receives(custom: Template) -> None:
    variables = environment(custom)
    assert variables["MAX_CALLS_PER_MINUTE"] == "10"
    assert variables["IDEMPOTENCY_WINDOW_SECONDS"] == "7200"
    assert variables["MAX_RECEIVE_COUNT"] == "3"
    assert variables["STATE_TABLE_NAME"] == {"Ref": table_id(custom)}


# IAM ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["plain", "queued", "custom", "own_layer"])
def test_state_table_grant_is_item_level_on_the_table_only(stacks: Stacks, which: str) -> None:
    template = stacks.template(getattr(stacks, which))
    statements = role_statements(template, sender_role_id(template))
    dynamodb = [
        s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
    ]
    assert dynamodb == [
        {
            "Action": STATE_TABLE_ACTIONS,
            "Effect": "Allow",
            "Resource": arn_of(table_id(template)),
        }
    ]
    actions = [a for s in statements for a in as_list(s["Action"])]
    assert "dynamodb:*" not in actions
    assert not [a for a in actions if re.search(r"dynamodb:(Scan|Query|Batch)", a)], actions


@pytest.mark.parametrize("which", ["plain", "queued", "custom", "own_layer"])
def test_star_only_for_send_and_xray(stacks: Stacks, which: str) -> None:
    template = stacks.template(getattr(stacks, which))
    statements = allows(role_statements(template, sender_role_id(template)))
    star = [s for s in statements if "*" in as_list(s["Resource"])]
    assert len(star) == 1, star
    assert sorted(as_list(star[0]["Action"])) == SEND_AND_XRAY
    actions = [a for s in statements for a in as_list(s["Action"])]
    assert not any("*" in a for a in actions), actions


def test_sender_may_send_only_to_the_dead_letter_and_failure_queues(
    stacks: Stacks, queued: Template
) -> None:
    queue, dead_letters, failures = queue_ids(stacks.queued, stacks.queued_sender)
    statements = role_statements(queued, sender_role_id(queued))
    sending = [s for s in statements if "sqs:SendMessage" in as_list(s["Action"])]
    resources = [r for s in sending for r in as_list(s["Resource"])]
    assert sorted(resources, key=str) == sorted([arn_of(dead_letters), arn_of(failures)], key=str)
    assert arn_of(queue) not in resources


def test_sender_consumes_only_its_queue(stacks: Stacks, queued: Template) -> None:
    queue, _, _ = queue_ids(stacks.queued, stacks.queued_sender)
    statements = role_statements(queued, sender_role_id(queued))
    consuming = [s for s in statements if "sqs:ReceiveMessage" in as_list(s["Action"])]
    assert consuming == [{"Action": CONSUME_ACTIONS, "Effect": "Allow", "Resource": arn_of(queue)}]
    on_queue = [s for s in statements if arn_of(queue) in as_list(s["Resource"])]
    assert on_queue == consuming


def test_grant_send_messages(stacks: Stacks, custom: Template) -> None:
    assert isinstance(stacks.grant, iam.Grant)
    assert stacks.grant.success
    queue, _, _ = queue_ids(stacks.custom, stacks.custom_sender)
    roles = custom.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [Match.object_like({"Principal": {"AWS": Match.any_value()}})]
                }
            }
        },
    )
    assert len(roles) == 1, roles
    statements = role_statements(custom, next(iter(roles)))
    assert len(statements) == 1, statements
    assert "sqs:SendMessage" in as_list(statements[0]["Action"])
    assert statements[0]["Effect"] == "Allow"
    assert statements[0]["Resource"] == arn_of(queue)


def test_fails_to_grant_send_messages_without_the_queue(stacks: Stacks) -> None:
    message = "grant_send_messages needs the queue: set enable_queue=True"
    with pytest.raises(ValueError, match=exactly(message)):
        stacks.plain_sender.grant_send_messages(iam.AccountRootPrincipal())


# Powertools layer ---------------------------------------------------------------------------


def test_tests_use_the_layers_powertools_version() -> None:
    assert importlib.metadata.version("aws-lambda-powertools") == POWERTOOLS_VERSION


@pytest.mark.parametrize(
    ("which", "cpu"), [("plain", "arm64"), ("queued", "arm64"), ("custom", "x86_64")]
)
def test_powertools_layer_comes_from_the_public_ssm_parameter(
    stacks: Stacks, which: str, cpu: str
) -> None:
    template = stacks.template(getattr(stacks, which))
    parameters = powertools_parameters(template)
    assert len(parameters) == 1, parameters
    name, parameter = next(iter(parameters.items()))
    assert parameter["Type"] == SSM_PARAMETER_TYPE
    assert parameter["Default"] == f"{POWERTOOLS_PREFIX}{cpu}/python3.14/{POWERTOOLS_VERSION}"
    _, properties = sender_function(template)
    assert properties["Layers"] == [{"Ref": name}]
    assert properties["Architectures"] == [cpu]


def test_a_given_powertools_layer_is_used_instead(stacks: Stacks) -> None:
    template = stacks.template(stacks.own_layer)
    _, properties = sender_function(template)
    assert properties["Layers"] == [OWN_LAYER_ARN]
    assert powertools_parameters(template) == {}
    assert not [
        p for p in template.to_json().get("Parameters", {}).values() if "powertools" in str(p)
    ]


# Queue --------------------------------------------------------------------------------------


def test_queue_attributes(stacks: Stacks, queued: Template) -> None:
    sender = stacks.queued_sender
    queue, dead_letters, failures = queue_ids(stacks.queued, sender)
    assert len({queue, dead_letters, failures}) == 3
    assert set(queued.find_resources("AWS::SQS::Queue")) == {queue, dead_letters, failures}


def test_queue_is_encrypted_and_redrives_to_the_dead_letter_queue(
    stacks: Stacks, queued: Template
) -> None:
    queue, dead_letters, _ = queue_ids(stacks.queued, stacks.queued_sender)
    properties = queued.find_resources("AWS::SQS::Queue")[queue]["Properties"]
    assert properties["SqsManagedSseEnabled"] is True
    assert properties["RedrivePolicy"] == {
        "deadLetterTargetArn": arn_of(dead_letters),
        "maxReceiveCount": 5 + REDRIVE_SLACK,
    }
    assert properties["VisibilityTimeout"] == 6 * 30
    # The ledger keeps a queued message's record longer than the queue, its dead-letter queue and
    # a redrive can keep copies of it.
    assert 2 * properties["MessageRetentionPeriod"] < ledger.UNSETTLED_RETENTION_SECONDS


def test_dead_letter_queue_is_encrypted_and_keeps_14_days(stacks: Stacks, queued: Template) -> None:
    _, dead_letters, _ = queue_ids(stacks.queued, stacks.queued_sender)
    properties = queued.find_resources("AWS::SQS::Queue")[dead_letters]["Properties"]
    assert properties["SqsManagedSseEnabled"] is True
    assert properties["MessageRetentionPeriod"] == 1209600
    assert 2 * properties["MessageRetentionPeriod"] < ledger.UNSETTLED_RETENTION_SECONDS
    assert "RedrivePolicy" not in properties


@pytest.mark.parametrize("which", ["queue", "dead_letters"])
def test_queues_deny_requests_without_tls(stacks: Stacks, queued: Template, which: str) -> None:
    queue, dead_letters, _ = queue_ids(stacks.queued, stacks.queued_sender)
    queue_id = {"queue": queue, "dead_letters": dead_letters}[which]
    queued.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "sqs:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                "Resource": arn_of(queue_id),
                            }
                        )
                    ]
                )
            },
        },
    )


def test_custom_max_receive_count(stacks: Stacks, custom: Template) -> None:
    queue, dead_letters, _ = queue_ids(stacks.custom, stacks.custom_sender)
    properties = custom.find_resources("AWS::SQS::Queue")[queue]["Properties"]
    assert properties["RedrivePolicy"] == {
        "deadLetterTargetArn": arn_of(dead_letters),
        "maxReceiveCount": 3 + REDRIVE_SLACK,
    }


def test_visibility_timeout_is_six_function_timeouts(slow: Template) -> None:
    slow.has_resource_properties("AWS::Lambda::Function", {"Handler": HANDLER, "Timeout": 60})
    slow.has_resource_properties(
        "AWS::SQS::Queue", {"RedrivePolicy": Match.any_value(), "VisibilityTimeout": 360}
    )


# Event source mapping -----------------------------------------------------------------------


def test_event_source_mapping_defaults(stacks: Stacks, queued: Template) -> None:
    function_id, _ = sender_function(queued)
    queue, _, _ = queue_ids(stacks.queued, stacks.queued_sender)
    queued.resource_count_is("AWS::Lambda::EventSourceMapping", 1)
    queued.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": arn_of(queue),
            "FunctionName": {"Ref": function_id},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": 2},
            "BatchSize": 2,
        },
    )


def test_mapping_is_created_after_the_consume_permissions(queued: Template) -> None:
    # Lambda checks the role can receive from the queue when the mapping is created.
    policies = [
        policy_id
        for policy_id, resource in queued.find_resources("AWS::IAM::Policy").items()
        if any(
            "sqs:ReceiveMessage" in as_list(s["Action"])
            for s in resource["Properties"]["PolicyDocument"]["Statement"]
        )
    ]
    assert len(policies) == 1, policies
    function_id, _ = sender_function(queued)
    function = queued.find_resources("AWS::Lambda::Function")[function_id]
    mapping = next(iter(queued.find_resources("AWS::Lambda::EventSourceMapping").values()))
    assert mapping["Properties"]["FunctionName"] == {"Ref": function_id}
    depends_on = set(mapping.get("DependsOn", [])) | set(function.get("DependsOn", []))
    assert policies[0] in depends_on


def test_seconds_per_queued_message_at_the_defaults() -> None:
    assert seconds_per_queued_message(20, 2) == DEFAULT_SECONDS_PER_MESSAGE


@pytest.mark.parametrize(("which", "timeout", "expected"), [("queued", 30, 2), ("slow", 60, 4)])
def test_default_batch_size_is_as_many_as_fit(
    stacks: Stacks, which: str, timeout: int, expected: int
) -> None:
    assert (timeout - 1) // DEFAULT_SECONDS_PER_MESSAGE == expected
    template = stacks.template(getattr(stacks, which))
    template.has_resource_properties(
        "AWS::Lambda::Function", {"Handler": HANDLER, "Timeout": timeout}
    )
    template.has_resource_properties("AWS::Lambda::EventSourceMapping", {"BatchSize": expected})


def test_explicit_batch_size_and_concurrency(custom: Template) -> None:
    custom.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"BatchSize": 1, "ScalingConfig": {"MaximumConcurrency": 3}},
    )


# Alarms -------------------------------------------------------------------------------------


def test_alarms_attribute(stacks: Stacks) -> None:
    sender = stacks.queued_sender
    assert len(sender.alarms) == 3
    assert sender.alarms[0] is sender.dead_letter_alarm
    assert sender.alarms[1] is sender.errors_alarm
    assert sender.alarms[2] is sender.oldest_message_alarm
    assert all(isinstance(alarm, cloudwatch.Alarm) for alarm in sender.alarms)


def test_three_alarms(stacks: Stacks, queued: Template) -> None:
    function_id, _ = sender_function(queued)
    queue, dead_letters, _ = queue_ids(stacks.queued, stacks.queued_sender)
    queued.resource_count_is("AWS::CloudWatch::Alarm", 3)
    expected = [
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dead_letters, 1),
        ("AWS/Lambda", "Errors", "FunctionName", function_id, 1),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue, 3600),
    ]
    for namespace, metric, dimension, target, threshold in expected:
        value = (
            {"Ref": target}
            if dimension == "FunctionName"
            else {"Fn::GetAtt": [target, "QueueName"]}
        )
        queued.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": dimension, "Value": value}],
                "ComparisonOperator": GTE,
                "Threshold": threshold,
                "EvaluationPeriods": 1,
                "AlarmActions": Match.absent(),
            },
        )


def test_custom_oldest_message_alarm_age(custom: Template) -> None:
    custom.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ApproximateAgeOfOldestMessage",
            "ComparisonOperator": GTE,
            "Threshold": 1800,
        },
    )


def test_users_can_attach_alarm_actions(custom: Template) -> None:
    topic = Capture()
    custom.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ApproximateNumberOfMessagesVisible", "AlarmActions": [{"Ref": topic}]},
    )
    assert topic.as_string() in custom.find_resources("AWS::SNS::Topic")
    without = custom.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"AlarmActions": Match.absent()}}
    )
    assert len(without) == 2


# Without the queue --------------------------------------------------------------------------


def test_no_queue_by_default(stacks: Stacks, plain: Template) -> None:
    sender = stacks.plain_sender
    assert sender.queue is None
    assert sender.dead_letter_queue is None
    assert sender.alarms == []
    failures = logical_id(stacks.plain, sender.failure_queue.queue_arn, "GetAtt")
    assert list(plain.find_resources("AWS::SQS::Queue")) == [failures]
    plain.resource_count_is("AWS::Lambda::EventSourceMapping", 0)
    plain.resource_count_is("AWS::CloudWatch::Alarm", 0)


# Bad props ----------------------------------------------------------------------------------


def _sender(**props: Any) -> VoiceMessageSender:
    stack = cdk.Stack(cdk.App(), "Bad")
    props.setdefault("origination_number", ORIGINATION)
    return VoiceMessageSender(stack, "Sender", **props)


def test_fails_for_a_batch_size_that_does_not_fit_the_timeout() -> None:
    message = (
        "queue_batch_size 5 does not fit in the 30 s timeout: at 20 calls a minute with 2 "
        "concurrent invocations, each message may take 13 s; lower the batch size to 2 or raise "
        "the timeout"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(enable_queue=True, queue_batch_size=5)


@pytest.mark.parametrize("bad", [0, 11])
def test_fails_for_a_batch_size_out_of_range(bad: int) -> None:
    message = f"queue_batch_size must be between 1 and 10, got {bad}"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(enable_queue=True, queue_batch_size=bad, timeout=cdk.Duration.seconds(300))


def test_fails_for_a_max_concurrency_below_two() -> None:
    with pytest.raises(
        ValueError, match=r"\Aqueue_max_concurrency must be between 2 and 1000 .*got 1\Z"
    ):
        _sender(enable_queue=True, queue_max_concurrency=1)


def test_fails_for_a_zero_max_receive_count() -> None:
    message = "max_receive_count must be between 1 and 1000, got 0"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(enable_queue=True, max_receive_count=0)


def test_fails_for_zero_calls_per_minute() -> None:
    message = "max_calls_per_minute must be a whole number from 1 to 6000, got 0"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(max_calls_per_minute=0)


@pytest.mark.parametrize(
    ("window", "seconds"),
    [(cdk.Duration.seconds(30), 30), (cdk.Duration.days(8), 8 * 24 * 3600)],
    ids=["30s", "8d"],
)
def test_fails_for_an_idempotency_window_out_of_range(window: cdk.Duration, seconds: int) -> None:
    message = f"idempotency_window must be between 1 minute and 7 days, got {seconds} seconds"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(idempotency_window=window)


def test_fails_for_a_window_shorter_than_the_queue_may_deliver_one_message() -> None:
    # 7 deliveries (5 and the 2 before SQS moves it) 180 s apart (6 times the 30 s timeout).
    message = (
        "idempotency_window of 60 seconds is shorter than the bulk queue may deliver one message: "
        "7 deliveries (max_receive_count 5 and 2 more before SQS moves it) 180 s apart (the "
        "visibility timeout, 6 times the 30 s timeout); give at least 1260 seconds"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(
            enable_queue=True,
            timeout=cdk.Duration.seconds(30),
            idempotency_window=cdk.Duration.minutes(1),
        )


def test_a_short_window_without_the_queue_is_accepted() -> None:
    sender = _sender(idempotency_window=cdk.Duration.minutes(1))

    assert sender.function.function_name


@pytest.mark.parametrize(
    "props",
    [{"queue_batch_size": 1}, {"oldest_message_alarm_age": cdk.Duration.minutes(30)}],
    ids=["batch_size", "alarm_age"],
)
def test_fails_for_queue_options_without_the_queue(props: dict[str, Any]) -> None:
    message = (
        "queue_batch_size and oldest_message_alarm_age configure the queue; "
        "set enable_queue=True to add it"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(**props)


# Review gates -------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["queued", "plain"])
def test_cdk_nag_has_no_open_findings(stacks: Stacks, which: str) -> None:
    assert cdk_nag(getattr(stacks, which)) == []


@pytest.mark.parametrize("which", ["queued", "plain"])
def test_cfn_lint_has_no_open_findings(stacks: Stacks, which: str) -> None:
    open_findings, _ = cfn_lint(dict(stacks.template(getattr(stacks, which)).to_json()))
    assert open_findings == []


def test_fails_when_the_timeout_cannot_hold_one_queued_message() -> None:
    stack = cdk.Stack(cdk.App(), "TooShort")
    with pytest.raises(ValueError, match=r"timeout of 12 s is too short for the queue.*13 s"):
        VoiceMessageSender(
            stack,
            "Sender",
            origination_number="+12065550100",
            timeout=cdk.Duration.seconds(12),
            enable_queue=True,
        )


# Teardown -------------------------------------------------------------------------------------

KEPT_TYPES = ("AWS::SQS::Queue", "AWS::DynamoDB::Table", "AWS::Logs::LogGroup")


def _policies(stack: cdk.Stack) -> dict[str, set[str]]:
    resources = Template.from_stack(stack).to_json()["Resources"]
    found: dict[str, set[str]] = {}
    for resource in resources.values():
        if resource["Type"] in KEPT_TYPES:
            found.setdefault(resource["Type"], set()).add(resource.get("DeletionPolicy", "Delete"))
    return found


@pytest.mark.parametrize(
    ("policy", "expected"),
    [(None, "Retain"), (cdk.RemovalPolicy.DESTROY, "Delete"), (cdk.RemovalPolicy.RETAIN, "Retain")],
    ids=["default", "destroy", "retain"],
)
def test_removal_policy_applies_to_every_queue_table_and_log_group(
    policy: cdk.RemovalPolicy | None, expected: str
) -> None:
    stack = cdk.Stack(cdk.App(), "Teardown")
    props = {} if policy is None else {"removal_policy": policy}
    VoiceMessageSender(stack, "Sender", origination_number=ORIGINATION, enable_queue=True, **props)

    policies = _policies(stack)

    assert set(policies) == set(KEPT_TYPES)
    assert all(kinds == {expected} for kinds in policies.values()), policies


def test_removal_policy_leaves_a_failure_queue_the_user_gave_alone() -> None:
    stack = cdk.Stack(cdk.App(), "Teardown")
    own = sqs.Queue(stack, "Own", enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED)
    VoiceMessageSender(
        stack,
        "Sender",
        origination_number=ORIGINATION,
        failure_queue=own,  # the sender keeps its own resources (the default), not this one
    )

    resources = Template.from_stack(stack).to_json()["Resources"]
    queue = own.node.default_child
    assert isinstance(queue, cdk.CfnResource)

    assert resources[stack.get_logical_id(queue)]["DeletionPolicy"] == "Delete"
