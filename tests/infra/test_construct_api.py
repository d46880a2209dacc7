"""The construct API: configuration set importers and the interface the sender takes, the
deprecated ``configuration_set_name``, typed metric options, and polymorphic event destinations."""

from __future__ import annotations

import inspect
import typing
import warnings
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template

from tests.conftest import cdk_context
from tests.infra.templates import (
    PHONE_ID,
    Synthesized,
    exactly,
    role_statements,
    sender_function,
    sender_role_id,
)
from voice_constructs import (
    CloudWatchLogsDestination,
    EventDestination,
    EventDestinationConfig,
    FirehoseDestination,
    IVoiceConfigurationSet,
    PinpointVoice,
    SenderOptions,
    SmsVoiceApi,
    SnsTopicDestination,
    VoiceConfigurationSet,
    VoiceMessageSender,
)
from voice_constructs.sender import MetricOptionsKwargs

ORIGINATION = "+12065550100"
SET_ARN = "arn:aws:sms-voice:eu-west-1:210987654321:configuration-set/their-set"
STREAM_ARN = "arn:aws:firehose:us-east-1:123456789012:deliverystream/call-events"
DEPRECATED = "configuration_set_name is deprecated and will be removed in the next release"


@dataclass
class Stacks(Synthesized):
    app: cdk.App
    v1_alias: cdk.Stack
    v1_imported: cdk.Stack
    v2_alias: cdk.Stack
    v2_imported: cdk.Stack
    v2_by_arn: cdk.Stack
    token_arn: cdk.Stack
    custom: cdk.Stack
    bound: list[VoiceConfigurationSet]


class RecordingDestination(EventDestination):
    """A destination of the user's own: what the set renders comes from ``bind`` alone."""

    kind = "SnsDestination"

    def __init__(self, topic_arn: str, bound: list[VoiceConfigurationSet]) -> None:
        super().__init__(name="Recorded", event_types=["FAILED"])
        self.target = topic_arn
        self._bound = bound

    def bind(self, configuration_set: VoiceConfigurationSet) -> EventDestinationConfig:
        self._bound.append(configuration_set)
        return EventDestinationConfig({"TopicArn": self.target})


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    # Every stack is built before the first synthesis, which locks the app.
    app = cdk.App(context=cdk_context())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        v1_alias = cdk.Stack(app, "V1Alias")
        VoiceMessageSender(
            v1_alias, "Sender", origination_number=ORIGINATION, configuration_set_name="their-set"
        )
        v2_alias = cdk.Stack(app, "V2Alias")
        VoiceMessageSender(
            v2_alias,
            "Sender",
            origination_number=PHONE_ID,
            api=SmsVoiceApi.V2,
            allowed_countries=["US"],
            configuration_set_name="their-set",
        )
    v1_imported = cdk.Stack(app, "V1Imported")
    VoiceMessageSender(
        v1_imported,
        "Sender",
        origination_number=ORIGINATION,
        configuration_set=VoiceConfigurationSet.from_configuration_set_name(
            v1_imported, "Set", "their-set"
        ),
    )
    v2_imported = cdk.Stack(app, "V2Imported")
    VoiceMessageSender(
        v2_imported,
        "Sender",
        origination_number=PHONE_ID,
        api=SmsVoiceApi.V2,
        allowed_countries=["US"],
        configuration_set=VoiceConfigurationSet.from_configuration_set_name(
            v2_imported, "Set", "their-set", api=SmsVoiceApi.V2
        ),
    )
    v2_by_arn = cdk.Stack(app, "V2ByArn")
    VoiceMessageSender(
        v2_by_arn,
        "Sender",
        origination_number=PHONE_ID,
        api=SmsVoiceApi.V2,
        allowed_countries=["US"],
        configuration_set=VoiceConfigurationSet.from_configuration_set_arn(
            v2_by_arn, "Set", SET_ARN
        ),
    )
    token_arn = cdk.Stack(app, "TokenArn")
    parameter = cdk.CfnParameter(token_arn, "SetArn")
    VoiceMessageSender(
        token_arn,
        "Sender",
        origination_number=PHONE_ID,
        api=SmsVoiceApi.V2,
        allowed_countries=["US"],
        configuration_set=VoiceConfigurationSet.from_configuration_set_arn(
            token_arn, "Set", parameter.value_as_string
        ),
    )
    custom = cdk.Stack(app, "Custom")
    bound: list[VoiceConfigurationSet] = []
    own = VoiceConfigurationSet(custom, "Set", configuration_set_name="own-set")
    own.add_destination(RecordingDestination("arn:aws:sns:us-east-1:123456789012:t", bound))
    return Stacks(
        app, v1_alias, v1_imported, v2_alias, v2_imported, v2_by_arn, token_arn, custom, bound
    )


def send_resources(template: Template) -> list[Any]:
    [statement] = [
        s
        for s in role_statements(template, sender_role_id(template))
        if s["Action"] == "sms-voice:SendVoiceMessage"
    ]
    return list(statement["Resource"])


# Importers ----------------------------------------------------------------------------------


def test_imported_by_name_is_a_set_of_no_resources() -> None:
    stack = cdk.Stack(cdk.App(), "Imported")
    imported = VoiceConfigurationSet.from_configuration_set_name(stack, "Set", "their-set")
    assert (imported.configuration_set_name, imported.configuration_set_arn) == ("their-set", None)
    assert imported.api is SmsVoiceApi.V1
    assert imported.node.path == "Imported/Set"
    assert Template.from_stack(stack).to_json().get("Resources", {}) == {}


def test_a_set_of_this_app_is_one() -> None:
    created: IVoiceConfigurationSet = VoiceConfigurationSet(cdk.Stack(cdk.App(), "S"), "Set")
    assert created.configuration_set_arn is None
    assert created.api is SmsVoiceApi.V1


@pytest.mark.parametrize(("alias", "imported"), [("v1_alias", "v1_imported")])
def test_the_deprecated_name_synthesizes_as_the_imported_set(
    stacks: Stacks, alias: str, imported: str
) -> None:
    before = stacks.template(getattr(stacks, alias)).to_json()
    after = stacks.template(getattr(stacks, imported)).to_json()
    assert before == after
    _, function = sender_function(stacks.template(stacks.v1_imported))
    assert function["Environment"]["Variables"]["CONFIGURATION_SET_NAME"] == "their-set"


def test_v2_imported_by_name_scopes_sending_to_the_set_in_this_account(stacks: Stacks) -> None:
    alias, imported = stacks.template(stacks.v2_alias), stacks.template(stacks.v2_imported)
    assert alias.to_json() == imported.to_json()
    set_arn = stacks.v2_imported.resolve(
        stacks.v2_imported.format_arn(
            service="sms-voice", resource="configuration-set", resource_name="their-set"
        )
    )
    assert set_arn in send_resources(imported)


def test_v2_imported_by_arn_scopes_sending_to_that_arn(stacks: Stacks) -> None:
    template = stacks.template(stacks.v2_by_arn)
    assert SET_ARN in send_resources(template)
    _, function = sender_function(template)
    assert function["Environment"]["Variables"]["CONFIGURATION_SET_NAME"] == "their-set"


def test_v2_imported_by_a_token_arn_takes_the_name_from_it(stacks: Stacks) -> None:
    template = stacks.template(stacks.token_arn)
    assert {"Ref": "SetArn"} in send_resources(template)
    _, function = sender_function(template)
    name = function["Environment"]["Variables"]["CONFIGURATION_SET_NAME"]
    assert name["Fn::Select"][0] == 1  # the part after "configuration-set/"


def test_fails_for_a_malformed_imported_name() -> None:
    message = "configuration_set_name must be 1-64 letters, digits, - or _, got 'bad name!'"
    with pytest.raises(ValueError, match=exactly(message)):
        VoiceConfigurationSet.from_configuration_set_name(
            cdk.Stack(cdk.App(), "S"), "Set", "bad name!"
        )


@pytest.mark.parametrize(
    "arn",
    [
        "their-set",
        "arn:aws:sms-voice:eu-west-1:210987654321:pool/pool-0123",
        "arn:aws:sns:eu-west-1:210987654321:configuration-set/their-set",
    ],
)
def test_fails_for_an_arn_of_something_else(arn: str) -> None:
    message = (
        "configuration_set_arn must be the ARN of a v2 configuration set (arn:aws:sms-voice:"
        f"<region>:<account>:configuration-set/<name>), got {arn!r}"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        VoiceConfigurationSet.from_configuration_set_arn(cdk.Stack(cdk.App(), "S"), "Set", arn)


def test_fails_for_an_imported_set_of_the_other_api() -> None:
    stack = cdk.Stack(cdk.App(), "Mismatch")
    imported = VoiceConfigurationSet.from_configuration_set_arn(stack, "Set", SET_ARN)
    message = (
        "configuration_set was made for api=SmsVoiceApi.V2, but the sender uses "
        "api=SmsVoiceApi.V1; give both the same api"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        VoiceMessageSender(
            stack, "Sender", origination_number=ORIGINATION, configuration_set=imported
        )


def test_pinpoint_voice_sends_with_an_imported_set() -> None:
    stack = cdk.Stack(cdk.App(), "Pinpoint")
    imported = VoiceConfigurationSet.from_configuration_set_name(stack, "Set", "their-set")
    voice = PinpointVoice(
        stack, "Voice", origination_number=ORIGINATION, configuration_set=imported
    )
    assert voice.configuration_set is imported
    assert voice.sender is not None
    assert voice.sender.configuration_set is imported


def test_fails_to_track_call_status_on_an_imported_set() -> None:
    stack = cdk.Stack(cdk.App(), "Pinpoint")
    imported = VoiceConfigurationSet.from_configuration_set_name(stack, "Set", "their-set")
    message = (
        "track_call_status adds an event destination to configuration_set, which an imported "
        "set (Pinpoint/Set) cannot take: add a CallStatusTracker's destination where that set "
        "is defined, or give a VoiceConfigurationSet"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        PinpointVoice(stack, "Voice", configuration_set=imported, track_call_status=True)


# The deprecated configuration_set_name ------------------------------------------------------


def test_configuration_set_name_warns_at_the_callers_line() -> None:
    stack = cdk.Stack(cdk.App(), "Deprecated")
    line = inspect.currentframe().f_lineno + 2  # type: ignore[union-attr]
    with pytest.warns(DeprecationWarning, match=DEPRECATED) as caught:
        VoiceMessageSender(
            stack, "Sender", origination_number=ORIGINATION, configuration_set_name="s"
        )
    [warning] = caught
    assert str(warning.message) == (
        f"{DEPRECATED}: give configuration_set=VoiceConfigurationSet.from_configuration_set_name"
        "(scope, id, 's') instead"
    )
    assert (warning.filename, warning.lineno) == (__file__, line)
    Annotations.from_stack(stack).has_warning(
        "/Deprecated/Sender", Match.string_like_regexp(DEPRECATED)
    )


def test_configuration_set_name_in_sender_options_warns_at_the_callers_line() -> None:
    stack = cdk.Stack(cdk.App(), "Deprecated")
    options = SenderOptions(configuration_set_name="s")
    line = inspect.currentframe().f_lineno + 2  # type: ignore[union-attr]
    with pytest.warns(DeprecationWarning, match=DEPRECATED) as caught:
        PinpointVoice(stack, "Voice", origination_number=ORIGINATION, sender_options=options)
    assert [(w.filename, w.lineno) for w in caught] == [(__file__, line)]


def test_v2_configuration_set_name_names_the_api_in_its_advice() -> None:
    stack = cdk.Stack(cdk.App(), "Deprecated")
    with pytest.warns(DeprecationWarning, match=DEPRECATED) as caught:
        VoiceMessageSender(
            stack,
            "Sender",
            origination_number=PHONE_ID,
            api=SmsVoiceApi.V2,
            allowed_countries=["US"],
            configuration_set_name="s",
        )
    assert "from_configuration_set_name(scope, id, 's', api=SmsVoiceApi.V2)" in str(
        caught[0].message
    )


def test_a_set_given_as_an_object_does_not_warn() -> None:
    stack = cdk.Stack(cdk.App(), "NoWarning")
    imported = VoiceConfigurationSet.from_configuration_set_name(stack, "Set", "s")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        VoiceMessageSender(
            stack, "Sender", origination_number=ORIGINATION, configuration_set=imported
        )
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())


def test_fails_for_both_an_imported_set_and_the_deprecated_name() -> None:
    stack = cdk.Stack(cdk.App(), "Both")
    imported = VoiceConfigurationSet.from_configuration_set_name(stack, "Set", "s")
    message = (
        "configuration_set and configuration_set_name are mutually exclusive, got "
        "configuration_set_name='s' as well"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        VoiceMessageSender(
            stack,
            "Sender",
            origination_number=ORIGINATION,
            configuration_set=imported,
            configuration_set_name="s",
        )


# Typed metric options -----------------------------------------------------------------------


def test_metric_options_are_cloudwatchs() -> None:
    ours = set(typing.get_type_hints(MetricOptionsKwargs))
    theirs = set(inspect.signature(cloudwatch.MetricOptions.__init__).parameters) - {"self"}
    assert ours == theirs


@pytest.mark.parametrize(
    "name", ["metric_errors", "metric_throttles", "metric_duration", "metric_invocations"]
)
def test_metric_options_are_passed_on(name: str) -> None:
    stack = cdk.Stack(cdk.App(), "Metrics")
    sender = VoiceMessageSender(stack, "Sender", origination_number=ORIGINATION)
    options: MetricOptionsKwargs = {
        "account": "123456789012",
        "color": "#ff0000",
        "dimensions_map": {"FunctionName": "other"},
        "label": "Calls",
        "period": cdk.Duration.minutes(1),
        "region": "eu-west-1",
        "statistic": "Maximum",
        "unit": cloudwatch.Unit.COUNT,
    }
    metric = getattr(sender, name)(**options)
    assert metric.to_metric_config() is not None
    expected = getattr(sender.function, name)(**options)
    assert stack.resolve(metric.to_metric_config()) == stack.resolve(expected.to_metric_config())
    assert (metric.account, metric.region, metric.label, metric.color) == (
        "123456789012",
        "eu-west-1",
        "Calls",
        "#ff0000",
    )
    assert (metric.statistic, metric.period.to_seconds(), metric.unit) == (
        "Maximum",
        60,
        cloudwatch.Unit.COUNT,
    )
    assert metric.dimensions == {"FunctionName": "other"}


def test_fails_for_an_unknown_metric_option() -> None:
    sender = VoiceMessageSender(
        cdk.Stack(cdk.App(), "Metrics"), "S", origination_number=ORIGINATION
    )
    with pytest.raises(TypeError):
        sender.metric_errors(periodd=cdk.Duration.minutes(1))  # type: ignore[call-arg]


# Polymorphic event destinations -------------------------------------------------------------


def test_factories_build_one_class_per_kind() -> None:
    stack = cdk.Stack(cdk.App(), "Kinds")
    topic = sns.Topic(stack, "Topic")
    log_group = logs.LogGroup(stack, "Logs")
    stream = firehose.DeliveryStream.from_delivery_stream_arn(stack, "Stream", STREAM_ARN)
    made = [
        EventDestination.sns(topic),
        EventDestination.cloud_watch_logs(log_group),
        EventDestination.firehose(stream, name="F", event_types=["FAILED"], enabled=False),
    ]
    assert [type(d) for d in made] == [
        SnsTopicDestination,
        CloudWatchLogsDestination,
        FirehoseDestination,
    ]
    assert [d.kind for d in made] == [
        "SnsDestination",
        "CloudWatchLogsDestination",
        "KinesisFirehoseDestination",
    ]
    assert [d.target for d in made] == [topic, log_group, stream]
    assert (made[2].name, made[2].event_types, made[2].enabled) == ("F", ("FAILED",), False)


def test_event_destination_is_abstract() -> None:
    with pytest.raises(TypeError):
        EventDestination()  # type: ignore[abstract]


def test_a_destination_of_the_users_own_is_bound_and_rendered(stacks: Stacks) -> None:
    template = stacks.template(stacks.custom)
    [own] = stacks.bound
    assert own.node.path == "Custom/Set"
    template.has_resource_properties(
        "Custom::VoiceConfigurationSet",
        {
            "EventDestinations": [
                {
                    "Name": "Recorded",
                    "Enabled": True,
                    "MatchingEventTypes": ["FAILED"],
                    "SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"},
                }
            ]
        },
    )
