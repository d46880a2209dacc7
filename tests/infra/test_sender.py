"""Template assertions and review gates for VoiceMessageSender."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Capture, Match, Template

import app as sample
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
from voice_constructs import PinpointVoice, SenderOptions, VoiceMessageSender
from voice_constructs.review import cdk_nag, cfn_lint
from voice_constructs.sender import max_attempts_for

ORIGINATION = "+12065550100"
CALLER_ID = "+12065550111"
NEWLINE_ENDED = ORIGINATION + "\n"
HANDLER = SENDER_HANDLER
SEND_AND_XRAY = ["sms-voice:SendVoiceMessage", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]
# Must match the handler's client settings (and voice_constructs.sender).
ATTEMPT_SECONDS = 2 + 5
MAX_BACKOFF_SECONDS = 20
METRICS = {
    "metric_errors": "Errors",
    "metric_throttles": "Throttles",
    "metric_duration": "Duration",
    "metric_invocations": "Invocations",
}


@dataclass
class Stacks(Synthesized):
    app: cdk.App
    sample: cdk.Stack
    defaults: cdk.Stack
    all_options: cdk.Stack
    own_queue: cdk.Stack
    tokens: cdk.Stack
    default_sender: VoiceMessageSender
    own_queue_sender: VoiceMessageSender
    grant: iam.Grant
    metrics: dict[str, cloudwatch.Metric]


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    app = cdk.App(context=cdk_context())
    sample_stack = sample.build(app)

    defaults = cdk.Stack(app, "Defaults")
    default_sender = VoiceMessageSender(defaults, "Sender", origination_number=ORIGINATION)
    caller = iam.Role(defaults, "Caller", assumed_by=iam.AccountRootPrincipal())
    grant = default_sender.grant_invoke(caller)
    metrics = {name: getattr(default_sender, name)() for name in METRICS}
    cloudwatch.Alarm(
        defaults,
        "ErrorsAlarm",
        metric=default_sender.metric_errors(),
        threshold=1,
        evaluation_periods=1,
    )

    all_options = cdk.Stack(app, "AllOptions")
    VoiceMessageSender(
        all_options,
        "Sender",
        origination_number=ORIGINATION,
        caller_id=CALLER_ID,
        configuration_set_name="voice-events_1",
        default_language_code="es-US",
        default_voice_id="Lupe",
        memory_size=512,
        timeout=cdk.Duration.seconds(60),
        reserved_concurrent_executions=5,
        log_retention=logs.RetentionDays.ONE_MONTH,
        architecture=lambda_.Architecture.X86_64,
        async_retry_attempts=0,
    )

    own_queue = cdk.Stack(app, "OwnQueue")
    queue = sqs.Queue(
        own_queue,
        "MyFailures",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
    )
    own_queue_sender = VoiceMessageSender(
        own_queue, "Sender", origination_number=ORIGINATION, failure_queue=queue
    )

    tokens = cdk.Stack(app, "Tokens")
    origination = cdk.CfnParameter(tokens, "Origination")
    caller_id = cdk.CfnParameter(tokens, "CallerId")
    VoiceMessageSender(
        tokens,
        "Sender",
        origination_number=origination.value_as_string,
        caller_id=caller_id.value_as_string,
    )
    return Stacks(
        app,
        sample_stack,
        defaults,
        all_options,
        own_queue,
        tokens,
        default_sender,
        own_queue_sender,
        grant,
        metrics,
    )


@pytest.fixture(scope="module")
def defaults(stacks: Stacks) -> Template:
    return stacks.template(stacks.defaults)


@pytest.fixture(scope="module")
def all_options(stacks: Stacks) -> Template:
    return stacks.template(stacks.all_options)


def worst_case_seconds(attempts: int) -> int:
    """Every attempt timing out, plus botocore standard mode's longest back-off before retries."""
    backoff = sum(min(int(2 ** (k - 1)), MAX_BACKOFF_SECONDS) for k in range(1, attempts))
    return attempts * ATTEMPT_SECONDS + backoff


# Function -----------------------------------------------------------------------------------


def test_function_defaults(defaults: Template) -> None:
    defaults.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": HANDLER,
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "TracingConfig": {"Mode": "Active"},
            "MemorySize": 256,
            "Timeout": 30,
            "ReservedConcurrentExecutions": Match.absent(),
            "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": Match.any_value()}},
        },
    )


def test_function_overrides(all_options: Template) -> None:
    all_options.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": HANDLER,
            "Runtime": "python3.14",
            "Architectures": ["x86_64"],
            "TracingConfig": {"Mode": "Active"},
            "MemorySize": 512,
            "Timeout": 60,
            "ReservedConcurrentExecutions": 5,
        },
    )


@pytest.mark.parametrize(("which", "retention"), [("defaults", 90), ("all_options", 30)])
def test_logs_go_to_its_own_log_group_with_retention(
    stacks: Stacks, which: str, retention: int
) -> None:
    template = stacks.template(getattr(stacks, which))
    group = Capture()
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": HANDLER, "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": group}}},
    )
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert group.as_string() in groups
    assert groups[group.as_string()]["Properties"]["RetentionInDays"] == retention


# Environment --------------------------------------------------------------------------------


def environment_without_table(template: Template) -> dict[str, Any]:
    """The sender's environment, after checking that STATE_TABLE_NAME names its table."""
    _, properties = sender_function(template)
    variables = dict(properties["Environment"]["Variables"])
    table = variables.pop("STATE_TABLE_NAME")
    tables = template.find_resources("AWS::DynamoDB::Table")
    assert set(table) == {"Ref"}
    assert table["Ref"] in tables
    return variables


def test_environment_defaults(defaults: Template) -> None:
    assert environment_without_table(defaults) == {
        "ORIGINATION_NUMBER": ORIGINATION,
        "ORIGINATION_IDENTITIES": ORIGINATION,
        "ALLOWED_COUNTRIES": "US",
        "DEFAULT_LANGUAGE_CODE": "en-US",
        "SEND_MAX_ATTEMPTS": "3",
        "MAX_CALLS_PER_MINUTE": "20",
        "IDEMPOTENCY_WINDOW_SECONDS": "86400",
    }


def test_environment_with_every_option(all_options: Template) -> None:
    assert environment_without_table(all_options) == {
        "ORIGINATION_NUMBER": ORIGINATION,
        "ORIGINATION_IDENTITIES": ORIGINATION,
        "ALLOWED_COUNTRIES": "US",
        "DEFAULT_LANGUAGE_CODE": "es-US",
        "SEND_MAX_ATTEMPTS": str(max_attempts_for(60)),
        "CALLER_ID": CALLER_ID,
        "CONFIGURATION_SET_NAME": "voice-events_1",
        "DEFAULT_VOICE_ID": "Lupe",
        "MAX_CALLS_PER_MINUTE": "20",
        "IDEMPOTENCY_WINDOW_SECONDS": "86400",
    }
    assert max_attempts_for(60) == 5


@pytest.mark.parametrize(
    ("timeout", "expected"), [(8, 1), (14, 1), (15, 1), (16, 2), (30, 3), (60, 5)]
)
def test_max_attempts_for_known_timeouts(timeout: int, expected: int) -> None:
    assert max_attempts_for(timeout) == expected


@pytest.mark.parametrize("timeout", [8, 9, 15, 16, 24, 25, 30, 35, 36, 60, 61, 120, 300, 900])
def test_max_attempts_fit_in_the_timeout_and_no_more_would(timeout: int) -> None:
    attempts = max_attempts_for(timeout)
    assert attempts >= 1
    assert worst_case_seconds(attempts) <= timeout - 1
    assert worst_case_seconds(attempts + 1) > timeout - 1


@pytest.mark.parametrize("timeout", [0, 1, 5, 7])
def test_max_attempts_is_zero_below_one_attempt(timeout: int) -> None:
    assert max_attempts_for(timeout) == 0


def test_tokens_are_accepted(stacks: Stacks) -> None:
    template = stacks.template(stacks.tokens)
    assert environment_without_table(template) == {
        "ORIGINATION_NUMBER": {"Ref": "Origination"},
        "ORIGINATION_IDENTITIES": {"Ref": "Origination"},
        # Its country is read by the handler, from the number, when it starts.
        "ALLOWED_COUNTRIES": "origination",
        "CALLER_ID": {"Ref": "CallerId"},
        "DEFAULT_LANGUAGE_CODE": "en-US",
        "SEND_MAX_ATTEMPTS": "3",
        "MAX_CALLS_PER_MINUTE": "20",
        "IDEMPOTENCY_WINDOW_SECONDS": "86400",
    }


# IAM ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["defaults", "all_options", "own_queue", "sample"])
def test_star_only_for_send_and_xray(stacks: Stacks, which: str) -> None:
    template = stacks.template(getattr(stacks, which))
    statements = allows(role_statements(template, sender_role_id(template)))
    star = [s for s in statements if s["Resource"] == "*"]
    assert len(star) == 1, star
    assert sorted(as_list(star[0]["Action"])) == SEND_AND_XRAY
    assert star[0]["Effect"] == "Allow"
    actions = [a for s in statements for a in as_list(s["Action"])]
    pinpoint = [a for a in actions if a.startswith(("sms-voice:", "mobiletargeting:"))]
    assert pinpoint == ["sms-voice:SendVoiceMessage"]
    assert not any("*" in a for a in actions), actions


@pytest.mark.parametrize("which", ["defaults", "all_options", "sample"])
def test_sender_role_has_no_managed_policies(stacks: Stacks, which: str) -> None:
    template = stacks.template(getattr(stacks, which))
    role = template.find_resources("AWS::IAM::Role")[sender_role_id(template)]
    assert "ManagedPolicyArns" not in role["Properties"]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
        }
    ]


def test_sender_may_write_only_its_own_log_group(defaults: Template) -> None:
    _, properties = sender_function(defaults)
    group = properties["LoggingConfig"]["LogGroup"]["Ref"]
    statements = role_statements(defaults, sender_role_id(defaults))
    logs_statements = [s for s in statements if any(a.startswith("logs:") for a in s["Action"])]
    assert logs_statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [group, "Arn"]},
        }
    ]


# On-failure destination ---------------------------------------------------------------------


def test_failed_async_invocations_go_to_the_failure_queue(defaults: Template) -> None:
    function_id, _ = sender_function(defaults)
    queues = defaults.find_resources("AWS::SQS::Queue")
    assert len(queues) == 1
    queue_id = next(iter(queues))
    defaults.resource_count_is("AWS::Lambda::EventInvokeConfig", 1)
    defaults.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": function_id},
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}},
        },
    )
    statements = role_statements(defaults, sender_role_id(defaults))
    assert {"Fn::GetAtt": [queue_id, "Arn"]} in [
        s["Resource"] for s in statements if "sqs:SendMessage" in as_list(s["Action"])
    ]


def test_async_retry_attempts_override(all_options: Template) -> None:
    all_options.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig", {"MaximumRetryAttempts": 0}
    )


def test_failure_queue_is_encrypted_tls_only_and_keeps_14_days(defaults: Template) -> None:
    defaults.has_resource_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 1209600}
    )
    queue_id = next(iter(defaults.find_resources("AWS::SQS::Queue")))
    defaults.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
                            }
                        )
                    ]
                )
            },
        },
    )


def test_a_given_failure_queue_is_used_instead(stacks: Stacks) -> None:
    template = stacks.template(stacks.own_queue)
    queues = template.find_resources("AWS::SQS::Queue")
    assert len(queues) == 1
    queue_id = next(iter(queues))
    assert (
        queue_id
        == stacks.own_queue.resolve(stacks.own_queue_sender.failure_queue.queue_arn)["Fn::GetAtt"][
            0
        ]
    )
    assert "MyFailures" in queue_id
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {"DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}}},
    )


# grant_invoke and metrics -------------------------------------------------------------------


def test_grant_invoke(stacks: Stacks, defaults: Template) -> None:
    assert isinstance(stacks.grant, iam.Grant)
    assert stacks.grant.success
    function_id, _ = sender_function(defaults)
    caller = next(
        k
        for k, r in defaults.find_resources("AWS::IAM::Role").items()
        if "AWS" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    )
    statements = role_statements(defaults, caller)
    assert len(statements) == 1
    assert statements[0]["Action"] == "lambda:InvokeFunction"
    assert statements[0]["Effect"] == "Allow"
    resources = as_list(statements[0]["Resource"])
    assert {"Fn::GetAtt": [function_id, "Arn"]} in resources
    assert all(function_id in json.dumps(r) for r in resources)


def test_metrics(stacks: Stacks) -> None:
    for method, name in METRICS.items():
        metric = stacks.metrics[method]
        assert isinstance(metric, cloudwatch.Metric), method
        assert metric.metric_name == name
        assert metric.namespace == "AWS/Lambda"


def test_metric_props_are_passed_through() -> None:
    stack = cdk.Stack(cdk.App(), "Metrics")
    sender = VoiceMessageSender(stack, "Sender", origination_number=ORIGINATION)
    metric = sender.metric_duration(statistic="p99", period=cdk.Duration.minutes(1))
    assert metric.statistic == "p99"
    assert metric.period.to_seconds() == 60


def test_alarm_on_errors(defaults: Template) -> None:
    function_id, _ = sender_function(defaults)
    defaults.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "Errors",
            "Namespace": "AWS/Lambda",
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function_id}}],
        },
    )


def test_function_arn(stacks: Stacks, defaults: Template) -> None:
    function_id, _ = sender_function(defaults)
    assert stacks.defaults.resolve(stacks.default_sender.function_arn) == {
        "Fn::GetAtt": [function_id, "Arn"]
    }


# Bad props ----------------------------------------------------------------------------------


def _sender(**props: Any) -> VoiceMessageSender:
    stack = cdk.Stack(cdk.App(), "Bad")
    props.setdefault("origination_number", ORIGINATION)
    return VoiceMessageSender(stack, "Sender", **props)


@pytest.mark.parametrize("bad", ["2065550100", "+0123"])
def test_fails_for_a_malformed_origination_number(bad: str) -> None:
    message = f"origination_number must be an E.164 phone number, got {bad!r}"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(origination_number=bad)


def test_fails_for_a_malformed_caller_id() -> None:
    message = "caller_id must be an E.164 phone number, got 'abc'"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(caller_id="abc")


def test_fails_for_a_malformed_language_code() -> None:
    message = "default_language_code must be a language code such as en-US, got 'english'"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(default_language_code="english")


def test_fails_for_a_malformed_voice_id() -> None:
    message = "default_voice_id must be an Amazon Polly voice name such as Joanna, got 'joanna'"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(default_voice_id="joanna")


def test_fails_for_a_malformed_configuration_set_name() -> None:
    message = "configuration_set_name must be 1-64 letters, digits, - or _, got 'bad name!'"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(configuration_set_name="bad name!")


@pytest.mark.parametrize("seconds", [5, 7])
def test_fails_for_a_timeout_too_short_for_one_attempt(seconds: int) -> None:
    message = (
        f"timeout must leave room for one send attempt (at least 8 seconds), got {seconds} seconds"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(timeout=cdk.Duration.seconds(seconds))


def test_accepts_the_shortest_timeout() -> None:
    sender = _sender(timeout=cdk.Duration.seconds(8))
    assert sender.function.timeout is not None
    assert sender.function.timeout.to_seconds() == 8


@pytest.mark.parametrize("bad", [-1, 3])
def test_fails_for_async_retry_attempts_out_of_range(bad: int) -> None:
    message = f"async_retry_attempts must be 0, 1 or 2, got {bad}"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(async_retry_attempts=bad)


def test_fails_for_an_origination_number_with_a_trailing_newline() -> None:
    message = f"origination_number must be an E.164 phone number, got {NEWLINE_ENDED!r}"
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(origination_number=NEWLINE_ENDED)


# PinpointVoice ------------------------------------------------------------------------------


def test_pinpoint_voice_with_origination_number_has_a_sender() -> None:
    stack = cdk.Stack(cdk.App(), "WithSender")
    voice = PinpointVoice(stack, "Voice", origination_number=ORIGINATION, caller_id=CALLER_ID)
    assert isinstance(voice.sender, VoiceMessageSender)


def test_sample_app_has_a_sender(stacks: Stacks) -> None:
    voice = stacks.sample.node.find_child("Voice")
    assert isinstance(voice, PinpointVoice)
    assert voice.sender is not None
    template = stacks.template(stacks.sample)
    _, properties = sender_function(template)
    assert properties["Environment"]["Variables"]["ORIGINATION_NUMBER"] == (
        sample.DEFAULT_ORIGINATION_NUMBER
    )
    template.has_output("SenderFunctionName", {})
    template.has_output("FailureQueueUrl", {})


def test_pinpoint_voice_without_origination_number_has_no_sender() -> None:
    stack = cdk.Stack(cdk.App(), "NoSender")
    voice = PinpointVoice(stack, "Voice")
    assert voice.sender is None


@pytest.mark.parametrize(
    "props",
    [
        {"caller_id": CALLER_ID},
        {"default_voice_id": "Joanna"},
        {"enable_queue": True},
        {"max_calls_per_minute": 5},
        {"max_calls_per_day": 100},
        {"sender_options": SenderOptions(memory_size=512)},
        {"allowed_countries": ["US"]},
    ],
    ids=["caller", "voice", "queue", "pace", "daily cap", "options", "countries"],
)
def test_pinpoint_voice_fails_for_sender_options_without_origination_number(
    props: dict[str, Any],
) -> None:
    stack = cdk.Stack(cdk.App(), "NoOrigination")
    message = (
        "caller_id, allowed_countries, default_voice_id, enable_queue, max_calls_per_minute, "
        "max_calls_per_day and sender_options configure the sender, which needs "
        "origination_number or "
        "origination_numbers; got neither"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        PinpointVoice(stack, "Voice", **props)


# Review gates -------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["all_options", "sample"])
def test_cdk_nag_has_no_open_findings(stacks: Stacks, which: str) -> None:
    assert cdk_nag(getattr(stacks, which)) == []


@pytest.mark.parametrize("which", ["all_options", "sample"])
def test_cfn_lint_has_no_open_findings(stacks: Stacks, which: str) -> None:
    open_findings, _ = cfn_lint(dict(stacks.template(getattr(stacks, which)).to_json()))
    assert open_findings == []
