"""VoiceConfigurationSet: a Pinpoint SMS and Voice v1 configuration set with event destinations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import (
    Aws,
    CfnResource,
    CustomResource,
    IAnyProducer,
    IResolveContext,
    Lazy,
    Names,
    RemovalPolicy,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_logs as logs
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk import aws_sns as sns
from constructs import Construct

from voice_constructs._props import check_form
from voice_constructs._provider import CONFIGURATION_SET_TYPE, ResourceProvider
from voice_constructs._review import acknowledge, skip_checkov
from voice_constructs.api import SmsVoiceApi

# The call events of the v1 API, in the order a call goes through them.
CALL_EVENT_TYPES = (
    "INITIATED_CALL",
    "RINGING",
    "ANSWERED",
    "COMPLETED_CALL",
    "BUSY",
    "FAILED",
    "NO_ANSWER",
)
# The same call events under their v2 names; v2 adds VOICE_TTL_EXPIRED.
V2_EVENT_TYPES = {
    "INITIATED_CALL": "VOICE_INITIATED",
    "RINGING": "VOICE_RINGING",
    "ANSWERED": "VOICE_ANSWERED",
    "COMPLETED_CALL": "VOICE_COMPLETED",
    "BUSY": "VOICE_BUSY",
    "FAILED": "VOICE_FAILED",
    "NO_ANSWER": "VOICE_NO_ANSWER",
}
SERVICE_PRINCIPAL = "sms-voice.amazonaws.com"


def service_principal() -> iam.IPrincipal:
    """The SMS and Voice service, acting for this account only (``aws:SourceAccount``): for
    topic and key policies and the delivery role's trust, so that no other account's
    configuration set can make the service publish here (the confused deputy)."""
    return iam.ServicePrincipal(
        SERVICE_PRINCIPAL, conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
    )


CONFIGURATION_SET_ACTIONS = (
    "sms-voice:CreateConfigurationSet",
    "sms-voice:DeleteConfigurationSet",
    "sms-voice:GetConfigurationSetEventDestinations",
    "sms-voice:CreateConfigurationSetEventDestination",
    "sms-voice:UpdateConfigurationSetEventDestination",
    "sms-voice:DeleteConfigurationSetEventDestination",
)
MAX_DESTINATIONS = 10
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The longest generated prefix: the handler adds "-" and 8 hexadecimal digits (a test holds this
# equal to configuration_set.index.NAME_PREFIX_MAX).
NAME_PREFIX_MAX = 55


@dataclass(frozen=True)
class EventDestination:
    """Where a configuration set sends call events; make one with ``sns``, ``cloud_watch_logs``
    or ``firehose``."""

    kind: str
    target: Any
    name: str | None
    event_types: tuple[str, ...]
    enabled: bool

    @staticmethod
    def sns(
        topic: sns.ITopic,
        *,
        name: str | None = None,
        event_types: Sequence[str] | None = None,
        enabled: bool = True,
    ) -> EventDestination:
        """Publish call events to an SNS topic (the service publishes; the topic allows it)."""
        return EventDestination._make("SnsDestination", topic, name, event_types, enabled)

    @staticmethod
    def cloud_watch_logs(
        log_group: logs.ILogGroup,
        *,
        name: str | None = None,
        event_types: Sequence[str] | None = None,
        enabled: bool = True,
    ) -> EventDestination:
        """Write call events to a log group, through a role the service assumes."""
        return EventDestination._make(
            "CloudWatchLogsDestination", log_group, name, event_types, enabled
        )

    @staticmethod
    def firehose(
        delivery_stream: firehose.IDeliveryStream,
        *,
        name: str | None = None,
        event_types: Sequence[str] | None = None,
        enabled: bool = True,
    ) -> EventDestination:
        """Put call events into a Firehose stream, through a role the service assumes."""
        return EventDestination._make(
            "KinesisFirehoseDestination", delivery_stream, name, event_types, enabled
        )

    @staticmethod
    def _make(
        kind: str, target: Any, name: str | None, event_types: Sequence[str] | None, enabled: bool
    ) -> EventDestination:
        check_form("name", name, _NAME, "1-64 letters, digits, - or _")
        types = tuple(event_types) if event_types is not None else CALL_EVENT_TYPES
        unknown = sorted(set(types) - set(CALL_EVENT_TYPES))
        if unknown or not types:
            raise ValueError(
                f"event_types must be a non-empty subset of {list(CALL_EVENT_TYPES)}, "
                f"got {list(types)}"
            )
        return EventDestination(kind, target, name, types, enabled)


@jsii.implements(IAnyProducer)
class _Producer:
    def __init__(self, owner: VoiceConfigurationSet) -> None:
        self._owner = owner

    def produce(self, context: IResolveContext) -> Any:
        return self._owner._destination_properties()


class VoiceConfigurationSet(Construct):
    """A v1 configuration set (``pinpoint-sms-voice``) and its event destinations.

    CloudFormation has no resource for v1 configuration sets, so this is a custom resource on the
    library's provider. Changing event types or enabling a destination updates it in place;
    adding or removing a destination is applied as a diff; a new ``configuration_set_name``
    replaces the set. Deleting a set that is already gone succeeds.

    IAM: the handler may manage configuration sets (``sms-voice:*ConfigurationSet*`` actions,
    which v1 allows only on ``*``) and pass the delivery role to ``sms-voice.amazonaws.com``
    only. The delivery role, assumed by the service for this account only, may write to the
    given log groups and Firehose streams and nothing else; SNS topics get a policy statement
    letting the service publish for this account.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        configuration_set_name: str | None = None,
        destinations: Sequence[EventDestination] = (),
        removal_policy: RemovalPolicy | None = None,
        api: SmsVoiceApi = SmsVoiceApi.V1,
    ) -> None:
        """Create the set.

        :param api: ``V2`` makes a native ``AWS::SMSVOICE::ConfigurationSet`` (AWS End User
            Messaging SMS and Voice) with the same destinations and the v2 event names, and no
            custom resource. :default: SmsVoiceApi.V1

        :param configuration_set_name: 1-64 letters, digits, ``-`` or ``_``. A set of this name
            that already exists is never adopted.
            :default: - a name unique to this construct's path and to the deployment that
            creates it (a prefix of up to 55 characters, ``-`` and 8 hexadecimal digits)
        :param destinations: Where call events go; more with ``add_destination``. :default: none
        :param removal_policy: :default: - RemovalPolicy.DESTROY: the set is deleted
        """
        super().__init__(scope, id)
        check_form(
            "configuration_set_name",
            configuration_set_name,
            _NAME,
            "1-64 letters, digits, - or _",
        )
        self._name = configuration_set_name or Names.unique_resource_name(
            self, max_length=64 if api is SmsVoiceApi.V2 else NAME_PREFIX_MAX, separator="-"
        )
        self._destinations: list[tuple[str, EventDestination]] = []
        self._delivery_role: iam.Role | None = None
        self.api = api
        self.configuration_set_arn: str | None = None
        self._provider: ResourceProvider | None = None
        self._resource: CfnResource
        if api is SmsVoiceApi.V2:
            native = smsvoice.CfnConfigurationSet(
                self, "Resource", configuration_set_name=self._name
            )
            native.add_property_override("EventDestinations", Lazy.uncached_any(_Producer(self)))
            if removal_policy is not None:
                native.apply_removal_policy(removal_policy)
            self._resource = native
            self._name_attribute = native.ref
            self.configuration_set_arn = native.attr_arn
            for destination in destinations:
                self.add_destination(destination)
            return
        provider = ResourceProvider.of(self)
        self._provider = provider
        custom = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=CONFIGURATION_SET_TYPE,
            properties={
                # Without a name of the user's, the handler adds a suffix made from the request,
                # which proves the set it finds after an unanswered create is its own.
                ("ConfigurationSetName" if configuration_set_name else "NamePrefix"): self._name,
                "EventDestinations": Lazy.uncached_any(_Producer(self)),
            },
            removal_policy=removal_policy,
        )
        self._resource = custom.node.default_child  # type: ignore[assignment]
        self._name_attribute = custom.get_att_string("ConfigurationSetName")
        grant = iam.Grant.add_to_principal(
            grantee=provider.handler, actions=list(CONFIGURATION_SET_ACTIONS), resource_arns=["*"]
        )
        grant.apply_before(custom)
        star_reason = (
            "the SMS and Voice v1 configuration-set actions have no resource-level permissions, "
            "so IAM accepts only '*' for them"
        )
        handler_role = provider.handler.role
        assert handler_role is not None
        acknowledge(handler_role, "AwsSolutions-IAM5[Resource::*]", star_reason)
        # checkov reports the same statement on the policy resource that holds it.
        skip_checkov(handler_role.node.find_child("DefaultPolicy"), "CKV_AWS_111", star_reason)
        for destination in destinations:
            self.add_destination(destination)

    @property
    def configuration_set_name(self) -> str:
        """The set's name, as the resource reports it (so users wait for the set)."""
        return self._name_attribute

    def add_destination(self, destination: EventDestination) -> None:
        """Add an event destination (at most 10 per set), with the IAM it needs."""
        if len(self._destinations) >= MAX_DESTINATIONS:
            raise ValueError(
                f"destinations may hold at most {MAX_DESTINATIONS}, got one more on "
                f"{self.node.path}"
            )
        kind = destination.kind.removesuffix("Destination")
        name = destination.name or f"{kind}-{len(self._destinations) + 1}"
        if any(existing == name for existing, _ in self._destinations):
            raise ValueError(f"name {name!r} is used by another destination of {self.node.path}")
        self._destinations.append((name, destination))
        if destination.kind == "SnsDestination":
            self._allow_publish(destination.target)
        else:
            if destination.kind == "CloudWatchLogsDestination":
                grant = destination.target.grant_write(self._role())
            else:
                grant = destination.target.grant_put_records(self._role())
            # The service checks the role's permissions when the destination is created.
            grant.apply_before(self._resource)

    def _allow_publish(self, topic: sns.ITopic) -> None:
        result = topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[service_principal()],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
            )
        )
        if result.policy_dependable is not None:
            self._resource.node.add_dependency(result.policy_dependable)
        if topic.master_key is not None:
            topic.master_key.grant(service_principal(), "kms:GenerateDataKey*", "kms:Decrypt")

    def _role(self) -> iam.Role:
        if self._delivery_role is None:
            role = iam.Role(
                self,
                "DeliveryRole",
                assumed_by=service_principal(),
                description="voice-constructs: delivers call events of a configuration set",
            )
            if self._provider is not None:
                # The custom resource handler hands the role to the service; CloudFormation
                # does that itself for the native v2 resource.
                pass_role = iam.Grant.add_to_principal(
                    grantee=self._provider.handler,
                    actions=["iam:PassRole"],
                    resource_arns=[role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": SERVICE_PRINCIPAL}},
                )
                pass_role.apply_before(self._resource)
            self._delivery_role = role
        return self._delivery_role

    def _destination_properties(self) -> list[dict[str, Any]]:
        result = []
        for name, destination in self._destinations:
            target: dict[str, str]
            if destination.kind == "SnsDestination":
                target = {"TopicArn": destination.target.topic_arn}
            elif destination.kind == "CloudWatchLogsDestination":
                target = {
                    "IamRoleArn": self._role().role_arn,
                    "LogGroupArn": destination.target.log_group_arn,
                }
            else:
                target = {
                    "DeliveryStreamArn": destination.target.delivery_stream_arn,
                    "IamRoleArn": self._role().role_arn,
                }
            if self.api is SmsVoiceApi.V2:
                types = [V2_EVENT_TYPES[t] for t in destination.event_types]
                if len(destination.event_types) == len(CALL_EVENT_TYPES):
                    types.append("VOICE_TTL_EXPIRED")
                result.append(
                    {
                        "EventDestinationName": name,
                        "Enabled": destination.enabled,
                        "MatchingEventTypes": types,
                        destination.kind: target,
                    }
                )
                continue
            result.append(
                {
                    "Name": name,
                    "Enabled": destination.enabled,
                    "MatchingEventTypes": list(destination.event_types),
                    destination.kind: target,
                }
            )
        return result
