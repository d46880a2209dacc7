"""The sender's spend guard in its template: the daily cap, the calls-per-hour alarm, its action."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from tests.conftest import ROOT, cdk_context
from tests.infra.templates import Synthesized, sender_function
from voice_constructs import PinpointVoice, SenderOptions, SmsVoiceApi, VoiceMessageSender
from voice_constructs._contract import contract
from voice_constructs.review import cdk_nag, cfn_lint, checkov

ORIGINATION = "+12065550100"
V2_ORIGINATION = "phone-0123456789abcdef0123456789abcdef"
TOPIC_ARN = "arn:aws:sns:us-east-1:111122223333:operations-alarms"
CHECKOV = os.environ.get("CHECKOV", str(ROOT / ".venv-checkov" / "bin" / "checkov"))


@dataclass
class Stacks(Synthesized):
    plain: cdk.Stack
    guarded: cdk.Stack
    silent: cdk.Stack
    v2: cdk.Stack
    tokens: cdk.Stack
    plain_sender: VoiceMessageSender
    guarded_sender: VoiceMessageSender
    silent_sender: VoiceMessageSender


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    app = cdk.App(context=cdk_context())
    plain = cdk.Stack(app, "Plain")
    plain_sender = VoiceMessageSender(plain, "Sender", origination_number=ORIGINATION)
    guarded = cdk.Stack(app, "Guarded")
    # The operations team's topic, as an app usually brings it.
    topic = sns.Topic.from_topic_arn(guarded, "Alarms", TOPIC_ARN)
    guarded_sender = VoiceMessageSender(
        guarded,
        "Sender",
        origination_number=ORIGINATION,
        enable_queue=True,
        max_calls_per_day=500,
        calls_per_hour_alarm_threshold=120,
        alarm_topic=topic,
    )
    silent = cdk.Stack(app, "Silent")
    silent_sender = VoiceMessageSender(
        silent, "Sender", origination_number=ORIGINATION, calls_per_hour_alarm_threshold=40
    )
    v2 = cdk.Stack(app, "V2")
    PinpointVoice(
        v2,
        "Voice",
        application=False,
        api=SmsVoiceApi.V2,
        origination_number=V2_ORIGINATION,
        allowed_countries=["US"],
        tracing=False,
        max_calls_per_day=2000,
        sender_options=SenderOptions(calls_per_hour_alarm_threshold=300),
    )
    tokens = cdk.Stack(app, "Tokens")
    cap = cdk.CfnParameter(tokens, "Cap", type="Number")
    VoiceMessageSender(
        tokens, "Sender", origination_number=ORIGINATION, max_calls_per_day=cap.value_as_number
    )
    return Stacks(plain, guarded, silent, v2, tokens, plain_sender, guarded_sender, silent_sender)


def environment(template: Template) -> dict[str, Any]:
    _, properties = sender_function(template)
    variables: dict[str, Any] = properties["Environment"]["Variables"]
    return variables


def alarms_on_calls_placed(template: Template) -> dict[str, Any]:
    found: dict[str, Any] = template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": contract.METRIC_CALLS_PLACED}}
    )
    return found


# The daily cap -------------------------------------------------------------------------------


def test_the_daily_cap_reaches_the_handler(stacks: Stacks) -> None:
    assert environment(stacks.template(stacks.guarded))[contract.ENV_CALLS_PER_DAY] == "500"
    assert environment(stacks.template(stacks.v2))[contract.ENV_CALLS_PER_DAY] == "2000"
    assert contract.ENV_CALLS_PER_DAY not in environment(stacks.template(stacks.plain))


def test_a_daily_cap_from_a_parameter_reaches_the_handler_unresolved(stacks: Stacks) -> None:
    value = environment(stacks.template(stacks.tokens))[contract.ENV_CALLS_PER_DAY]
    assert value == {"Ref": "Cap"}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"max_calls_per_day": 0},
            "max_calls_per_day must be a whole number of calls of at least 1 (None: no daily "
            "cap), got 0",
        ),
        ({"max_calls_per_day": -5}, "max_calls_per_day must be a whole number"),
        ({"max_calls_per_day": 2.5}, "max_calls_per_day must be a whole number"),
        ({"max_calls_per_day": True}, "max_calls_per_day must be a whole number"),
        ({"max_calls_per_day": "100"}, "max_calls_per_day must be a whole number"),
        (
            {"max_calls_per_day": "+12065550100"},
            "max_calls_per_day must be a whole number of calls of at least 1 (None: no daily "
            "cap), got '+1******0100'",
        ),
        (
            {"calls_per_hour_alarm_threshold": 0},
            "calls_per_hour_alarm_threshold must be a whole number of calls of at least 1 "
            "(None: no alarm), got 0",
        ),
    ],
    ids=["zero", "negative", "fraction", "bool", "text", "a phone number", "alarm zero"],
)
def test_fails_a_cap_or_threshold_that_is_not_a_count(props: dict[str, Any], message: str) -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        VoiceMessageSender(stack, "Sender", origination_number=ORIGINATION, **props)


# The calls-per-hour alarm --------------------------------------------------------------------


def test_the_alarm_counts_calls_placed_in_one_hour_past_the_threshold(stacks: Stacks) -> None:
    template = stacks.template(stacks.guarded)
    function_id, _ = sender_function(template)
    [alarm] = alarms_on_calls_placed(template).values()

    assert alarm["Properties"] == {
        "AlarmActions": [TOPIC_ARN],
        "AlarmDescription": alarm["Properties"]["AlarmDescription"],
        "ComparisonOperator": "GreaterThanThreshold",
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function_id}}],
        "EvaluationPeriods": 1,
        "MetricName": "CallsPlaced",
        "Namespace": "VoiceConstructs",
        "Period": 3600,
        "Statistic": "Sum",
        "Threshold": 120,
        "TreatMissingData": "notBreaching",
    }
    assert "toll fraud" in alarm["Properties"]["AlarmDescription"]


def test_the_alarm_is_exposed_and_among_the_senders_alarms(stacks: Stacks) -> None:
    sender = stacks.guarded_sender
    assert sender.calls_per_hour_alarm is not None
    assert sender.calls_per_hour_alarm in sender.alarms
    assert len(sender.alarms) == 4
    assert stacks.plain_sender.calls_per_hour_alarm is None
    assert stacks.silent_sender.alarms == [stacks.silent_sender.calls_per_hour_alarm]


def test_the_topic_is_the_action_of_every_alarm_of_the_sender(stacks: Stacks) -> None:
    alarms = stacks.template(stacks.guarded).find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) == 4
    assert [alarm["Properties"].get("AlarmActions") for alarm in alarms.values()] == [
        [TOPIC_ARN]
    ] * 4


def test_an_alarm_without_a_topic_has_no_action(stacks: Stacks) -> None:
    [alarm] = alarms_on_calls_placed(stacks.template(stacks.silent)).values()
    assert alarm["Properties"]["Threshold"] == 40
    assert "AlarmActions" not in alarm["Properties"]
    assert alarms_on_calls_placed(stacks.template(stacks.plain)) == {}


def test_fails_a_topic_with_no_alarm_to_notify() -> None:
    stack = cdk.Stack(cdk.App(), "Lonely")
    with pytest.raises(ValueError, match=r"^alarm_topic is notified by the sender's alarms"):
        VoiceMessageSender(
            stack,
            "Sender",
            origination_number=ORIGINATION,
            alarm_topic=sns.Topic(stack, "Topic"),
        )


def test_metric_calls_placed_is_the_handlers_metric(stacks: Stacks) -> None:
    metric = stacks.plain_sender.metric_calls_placed()
    hourly = stacks.plain_sender.metric_calls_placed(period=cdk.Duration.hours(1))

    assert (metric.namespace, metric.metric_name, metric.statistic) == (
        contract.METRICS_NAMESPACE,
        contract.METRIC_CALLS_PLACED,
        "Sum",
    )
    assert metric.period.to_seconds() == 300
    assert hourly.period.to_seconds() == 3600
    assert set(metric.dimensions or {}) == {contract.METRICS_DIMENSION}


def test_metric_calls_placed_takes_cloudwatchs_options(stacks: Stacks) -> None:
    metric = stacks.plain_sender.metric_calls_placed(
        account="123456789012",
        label="Calls",
        statistic="Maximum",
        period=cdk.Duration.minutes(1),
        unit=cloudwatch.Unit.COUNT,
    )

    assert (metric.account, metric.label, metric.statistic) == ("123456789012", "Calls", "Maximum")
    assert (metric.period.to_seconds(), metric.unit) == (60, cloudwatch.Unit.COUNT)
    with pytest.raises(TypeError):
        stacks.plain_sender.metric_calls_placed(periodd=cdk.Duration.minutes(1))  # type: ignore[call-arg]


# The API tag the command-line tool reads -----------------------------------------------------


@pytest.mark.parametrize(("which", "api"), [("plain", "v1"), ("v2", "v2")])
def test_the_function_is_tagged_with_its_api(stacks: Stacks, which: str, api: str) -> None:
    _, properties = sender_function(stacks.template(getattr(stacks, which)))
    tags = {tag["Key"]: tag["Value"] for tag in properties["Tags"]}
    assert tags[contract.TAG_API] == api


# Review gates --------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["guarded", "silent", "v2"])
def test_review_gates_have_no_open_findings(stacks: Stacks, which: str) -> None:
    stack = getattr(stacks, which)
    template = stacks.template(stack).to_json()
    assert cdk_nag(stack) == []
    assert cfn_lint(template)[0] == []


def test_checkov_has_no_open_findings_on_the_guarded_sender(stacks: Stacks, tmp_path: Path) -> None:
    if not Path(CHECKOV).exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make checkov-venv`")
    path = tmp_path / "guarded.template.json"
    path.write_text(json.dumps(stacks.template(stacks.guarded).to_json()))

    result = checkov(path, CHECKOV)

    assert [f"{f.rule} {f.where}: {f.message}" for f in result.failed] == []
