"""The sender's spend guard: its daily cap, the calls-per-hour alarm and where alarms notify.

Internal to ``VoiceMessageSender``, which calls :func:`guard_spend` once its function and alarms
exist. The cap itself is the handler's (``send_voice_message.daycap``); the construct checks the
prop and hands it over in the function's environment. The alarm watches the ``CallsPlaced``
metric, which the handler writes in embedded metric format beside each call the service accepted:
CloudWatch Logs makes it a metric from the function's own log group, so it needs no permission
(no ``cloudwatch:PutMetricData``, which IAM allows only on ``*``) and no metric filter.
"""

from __future__ import annotations

from typing import Protocol, Unpack, cast

from aws_cdk import Duration, Tags, Token, Tokenization
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct, Node

from voice_constructs._contract import contract, phone
from voice_constructs._props import PropsError
from voice_constructs._sender_options import MetricOptionsKwargs
from voice_constructs.api import SmsVoiceApi


def check_spend_props(max_calls_per_day: int | None, calls_per_hour: int | None) -> None:
    """Refuse a daily cap or an alarm threshold that is not a whole number of at least 1.

    A ``PropsError``: an app that feeds these props from its own settings names those instead.
    """
    for prop, value in (
        ("max_calls_per_day", max_calls_per_day),
        ("calls_per_hour_alarm_threshold", calls_per_hour),
    ):
        if value is None or Token.is_unresolved(value):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PropsError(
                "{" + prop + "} must be a whole number of calls of at least 1 (None: "
                "{meaning}), got {value}",
                meaning="no daily cap" if prop == "max_calls_per_day" else "no alarm",
                value=phone.shorten(repr(value), 40),
            )


class Guarded(Protocol):
    """What the guard needs of the sender (``VoiceMessageSender``, which imports this module)."""

    @property
    def node(self) -> Node:
        """The construct tree node."""

    @property
    def function(self) -> lambda_.Function:
        """The sender's function."""

    @property
    def alarms(self) -> list[cloudwatch.Alarm]:
        """The sender's alarms."""


def guard_spend(
    sender: Guarded,
    api: SmsVoiceApi,
    max_calls_per_day: int | None,
    calls_per_hour_alarm_threshold: int | None,
    alarm_topic: sns.ITopic | None,
) -> cloudwatch.Alarm | None:
    """Give ``sender``'s function its daily cap, and the calls-per-hour alarm (returned).

    The alarm joins ``sender.alarms``, and ``alarm_topic`` becomes the action of each of them.
    """
    check_spend_props(max_calls_per_day, calls_per_hour_alarm_threshold)
    function, alarms = sender.function, sender.alarms
    # The command-line tool reads a v2 sender's spend limits (``voice-constructs status``).
    Tags.of(function).add(contract.TAG_API, api.value)
    if max_calls_per_day is not None:
        function.add_environment(
            contract.ENV_CALLS_PER_DAY, Tokenization.stringify_number(max_calls_per_day)
        )
    alarm = None
    if calls_per_hour_alarm_threshold is not None:
        alarm = calls_placed(function, period=Duration.hours(1)).create_alarm(
            cast(Construct, sender),  # a VoiceMessageSender
            "CallsPerHourAlarm",
            threshold=calls_per_hour_alarm_threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            # An hour without a call is no spend.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=(
                "the voice message sender placed more calls in one hour than expected: "
                "runaway sending or toll fraud? (the CallsPlaced metric)"
            ),
        )
        alarms.append(alarm)
    if alarm_topic is not None:
        if not alarms:
            raise ValueError(
                "alarm_topic is notified by the sender's alarms, and this sender has none: set "
                "calls_per_hour_alarm_threshold, or enable_queue=True (its three alarms), or "
                "leave alarm_topic out"
            )
        for each in alarms:
            each.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
    return alarm


def calls_placed(
    function: lambda_.IFunction, **options: Unpack[MetricOptionsKwargs]
) -> cloudwatch.Metric:
    """The calls the service accepted from ``function`` (``CallsPlaced``), summed.

    A dry run is not one; a call whose answer never came (its outcome unknown) is not counted
    either: the dead-letter queue and the function's errors report those.
    """
    return cloudwatch.Metric(
        namespace=contract.METRICS_NAMESPACE,
        metric_name=contract.METRIC_CALLS_PLACED,
        dimensions_map={contract.METRICS_DIMENSION: function.function_name},
        statistic="Sum",
        period=Duration.minutes(5),
    ).with_(**options)
