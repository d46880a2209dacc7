"""Event destinations of a configuration set: where the service delivers call events.

Each kind of destination is a class with one ``bind`` that grants the service (or the set's
delivery role) what it needs, as aws-sns-subscriptions does for topic subscriptions. Build them
with ``EventDestination.sns``, ``.cloud_watch_logs`` or ``.firehose``.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypedDict, Unpack

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import IDependable

from voice_constructs._contract import contract
from voice_constructs._interfaces import IManagedConfigurationSet
from voice_constructs._props import check_form

__all__ = [
    "CALL_EVENT_TYPES",
    "SERVICE_PRINCIPAL",
    "CloudWatchLogsDestination",
    "DestinationOptions",
    "EventDestination",
    "EventDestinationConfig",
    "FirehoseDestination",
    "IManagedConfigurationSet",
    "SnsTopicDestination",
    "service_principal",
]

# The call events of the v1 API, in the order a call goes through them.
CALL_EVENT_TYPES = contract.CALL_EVENT_TYPES
SERVICE_PRINCIPAL = contract.SERVICE_PRINCIPAL
_NAME = re.compile(contract.CONFIGURATION_SET_NAME)
_NAME_FORM = contract.CONFIGURATION_SET_NAME_FORM


def service_principal() -> iam.IPrincipal:
    """The SMS and Voice service, acting for this account only (``aws:SourceAccount``).

    For topic and key policies and the delivery role's trust, so that no other account's
    configuration set can make the service publish here (the confused deputy).
    """
    return iam.ServicePrincipal(
        SERVICE_PRINCIPAL, conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
    )


@dataclass(frozen=True)
class EventDestinationConfig:
    """What a configuration set needs of a destination bound to it (``EventDestination.bind``).

    :param properties: The target, under the destination's ``kind`` in the set's
        ``EventDestinations`` (``{"TopicArn": ...}``).
    :param dependable: What the set's resource must be created after: the service checks that it
        may deliver when the destination is created. :default: - nothing
    """

    properties: Mapping[str, str]
    dependable: IDependable | None = None


class DestinationOptions(TypedDict, total=False):
    """The options every destination takes (``EventDestination``'s keyword arguments)."""

    name: str | None
    event_types: Sequence[str] | None
    enabled: bool


class EventDestination(abc.ABC):
    """Where a configuration set sends call events.

    Make one with ``sns``, ``cloud_watch_logs`` or ``firehose``.

    Each kind of destination is a subclass that grants the service what it needs in ``bind``,
    as aws-sns-subscriptions does for topic subscriptions.
    """

    kind: ClassVar[str]
    """The key of the destination's target in the set's ``EventDestinations``
    (``SnsDestination``); the default name starts with it."""
    target: Any
    """What the destination delivers to: the topic, the log group or the stream."""

    def __init__(
        self,
        *,
        name: str | None = None,
        event_types: Sequence[str] | None = None,
        enabled: bool = True,
    ) -> None:
        """Check the options every destination takes.

        :param name: 1-64 letters, digits, ``-`` or ``_``, unique in the set.
            :default: - the kind and the destination's position (``Sns-1``)
        :param event_types: The call events to deliver (``CALL_EVENT_TYPES``).
            :default: - all of them (with v2, ``VOICE_TTL_EXPIRED`` too)
        :param enabled: False keeps the destination without delivering to it. :default: True
        """
        check_form("name", name, _NAME, _NAME_FORM)
        types = tuple(event_types) if event_types is not None else CALL_EVENT_TYPES
        unknown = sorted(set(types) - set(CALL_EVENT_TYPES))
        if unknown or not types:
            raise ValueError(
                f"event_types must be a non-empty subset of {list(CALL_EVENT_TYPES)}, "
                f"got {list(types)}"
            )
        self.name = name
        self.event_types = types
        self.enabled = enabled

    @abc.abstractmethod
    def bind(self, configuration_set: IManagedConfigurationSet) -> EventDestinationConfig:
        """Let the service deliver here for ``configuration_set``; return what the set holds.

        :param configuration_set: The set the destination is added to.
        """

    @staticmethod
    def sns(
        topic: sns.ITopic,
        *,
        name: str | None = None,
        event_types: Sequence[str] | None = None,
        enabled: bool = True,
    ) -> SnsTopicDestination:
        """Publish call events to an SNS topic (the service publishes; the topic allows it)."""
        return SnsTopicDestination(topic, name=name, event_types=event_types, enabled=enabled)

    @staticmethod
    def cloud_watch_logs(
        log_group: logs.ILogGroup,
        *,
        name: str | None = None,
        event_types: Sequence[str] | None = None,
        enabled: bool = True,
    ) -> CloudWatchLogsDestination:
        """Write call events to a log group, through a role the service assumes."""
        return CloudWatchLogsDestination(
            log_group, name=name, event_types=event_types, enabled=enabled
        )

    @staticmethod
    def firehose(
        delivery_stream: firehose.IDeliveryStream,
        *,
        name: str | None = None,
        event_types: Sequence[str] | None = None,
        enabled: bool = True,
    ) -> FirehoseDestination:
        """Put call events into a Firehose stream, through a role the service assumes."""
        return FirehoseDestination(
            delivery_stream, name=name, event_types=event_types, enabled=enabled
        )


class SnsTopicDestination(EventDestination):
    """Call events published to an SNS topic, whose policy (and key) let the service publish."""

    kind = "SnsDestination"

    def __init__(self, topic: sns.ITopic, **options: Unpack[DestinationOptions]) -> None:
        """Deliver to ``topic``.

        :param topic: The topic.
        :param options: ``EventDestination``'s ``name``, ``event_types`` and ``enabled``.
        """
        super().__init__(**options)
        self.target: sns.ITopic = topic

    def bind(self, configuration_set: IManagedConfigurationSet) -> EventDestinationConfig:
        """Allow the service to publish to the topic, and to use its key."""
        result = self.target.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[service_principal()],
                actions=["sns:Publish"],
                resources=[self.target.topic_arn],
            )
        )
        if self.target.master_key is not None:
            self.target.master_key.grant(service_principal(), "kms:GenerateDataKey*", "kms:Decrypt")
        return EventDestinationConfig({"TopicArn": self.target.topic_arn}, result.policy_dependable)


class CloudWatchLogsDestination(EventDestination):
    """Call events written to a log group by the set's delivery role."""

    kind = "CloudWatchLogsDestination"

    def __init__(self, log_group: logs.ILogGroup, **options: Unpack[DestinationOptions]) -> None:
        """Deliver to ``log_group``.

        :param log_group: The log group.
        :param options: ``EventDestination``'s ``name``, ``event_types`` and ``enabled``.
        """
        super().__init__(**options)
        self.target: logs.ILogGroup = log_group

    def bind(self, configuration_set: IManagedConfigurationSet) -> EventDestinationConfig:
        """Allow the set's delivery role to write to the log group."""
        role = configuration_set.delivery_role
        grant = self.target.grant_write(role)
        return EventDestinationConfig(
            {"IamRoleArn": role.role_arn, "LogGroupArn": self.target.log_group_arn}, grant
        )


class FirehoseDestination(EventDestination):
    """Call events put into a Firehose stream by the set's delivery role."""

    kind = "KinesisFirehoseDestination"

    def __init__(
        self, delivery_stream: firehose.IDeliveryStream, **options: Unpack[DestinationOptions]
    ) -> None:
        """Deliver to ``delivery_stream``.

        :param delivery_stream: The stream.
        :param options: ``EventDestination``'s ``name``, ``event_types`` and ``enabled``.
        """
        super().__init__(**options)
        self.target: firehose.IDeliveryStream = delivery_stream

    def bind(self, configuration_set: IManagedConfigurationSet) -> EventDestinationConfig:
        """Allow the set's delivery role to put records into the stream."""
        role = configuration_set.delivery_role
        grant = self.target.grant_put_records(role)
        return EventDestinationConfig(
            {
                "DeliveryStreamArn": self.target.delivery_stream_arn,
                "IamRoleArn": role.role_arn,
            },
            grant,
        )
