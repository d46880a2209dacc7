"""The options of the sender that ``PinpointVoice`` passes on, and its typed metric options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, TypedDict

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from voice_constructs._sender_origination import OriginationIdentity


class MetricOptionsKwargs(TypedDict, total=False):
    """``cloudwatch.MetricOptions``' fields, as keyword arguments of the ``metric_*`` methods."""

    account: str | None
    color: str | None
    dimensions_map: Mapping[str, str] | None
    id: str | None
    label: str | None
    period: Duration | None
    region: str | None
    stack_account: str | None
    stack_region: str | None
    statistic: str | None
    unit: cloudwatch.Unit | None
    visible: bool | None


@dataclass(frozen=True)
class SenderOptions:
    """Options of the sender that ``PinpointVoice`` creates, as ``VoiceMessageSender`` takes them.

    Every field left at None keeps ``VoiceMessageSender``'s default. ``PinpointVoice`` sets the
    sender's ``origination_number``, ``caller_id``, ``allowed_countries``, ``default_voice_id``,
    ``enable_queue``, ``max_calls_per_minute``, ``max_calls_per_day``, ``configuration_set``,
    ``api`` and ``tracing`` itself.
    ``configuration_set_name`` is deprecated: give ``PinpointVoice(configuration_set=...)``.
    ``origination_numbers``: all the numbers the sender paces over, ``PinpointVoice``'s
    ``origination_number`` among them.
    """

    configuration_set_name: str | None = None
    origination_numbers: tuple[OriginationIdentity, ...] | None = None
    default_language_code: str | None = None
    memory_size: int | None = None
    timeout: Duration | None = None
    reserved_concurrent_executions: int | None = None
    log_retention: logs.RetentionDays | None = None
    architecture: lambda_.Architecture | None = None
    async_retry_attempts: int | None = None
    failure_queue: sqs.IQueue | None = None
    idempotency_window: Duration | None = None
    queue_batch_size: int | None = None
    queue_max_concurrency: int | None = None
    max_receive_count: int | None = None
    oldest_message_alarm_age: Duration | None = None
    calls_per_hour_alarm_threshold: int | None = None
    alarm_topic: sns.ITopic | None = None
    powertools_layer: lambda_.ILayerVersion | None = None
    removal_policy: RemovalPolicy | None = None

    def given(self) -> dict[str, Any]:
        """The options that were set, as keyword arguments of ``VoiceMessageSender``."""
        return {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if getattr(self, field.name) is not None
        }
