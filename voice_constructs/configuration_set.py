"""VoiceConfigurationSet: a Pinpoint SMS and Voice v1 configuration set with event destinations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import (
    Arn,
    ArnFormat,
    CfnResource,
    CustomResource,
    IAnyProducer,
    IResolveContext,
    Lazy,
    Names,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_smsvoice as smsvoice
from constructs import Construct

from voice_constructs._contract import contract
from voice_constructs._interfaces import IVoiceConfigurationSet
from voice_constructs._props import check_form
from voice_constructs._provider import CONFIGURATION_SET_TYPE, ResourceProvider
from voice_constructs._review import acknowledge, skip_checkov
from voice_constructs._v2_fence import deny_v2
from voice_constructs.api import SmsVoiceApi
from voice_constructs.event_destinations import (
    _NAME,
    _NAME_FORM,
    CALL_EVENT_TYPES,
    SERVICE_PRINCIPAL,
    CloudWatchLogsDestination,
    DestinationOptions,
    EventDestination,
    EventDestinationConfig,
    FirehoseDestination,
    SnsTopicDestination,
    service_principal,
)

# Re-exported: these lived here before voice_constructs.event_destinations and _interfaces.
__all__ = [
    "CALL_EVENT_TYPES",
    "SERVICE_PRINCIPAL",
    "CloudWatchLogsDestination",
    "DestinationOptions",
    "EventDestination",
    "EventDestinationConfig",
    "FirehoseDestination",
    "IVoiceConfigurationSet",
    "SnsTopicDestination",
    "VoiceConfigurationSet",
    "service_principal",
]

V2_EVENT_TYPES = contract.V2_EVENT_TYPES


CONFIGURATION_SET_ACTIONS = (
    "sms-voice:CreateConfigurationSet",
    "sms-voice:DeleteConfigurationSet",
    "sms-voice:GetConfigurationSetEventDestinations",
    "sms-voice:CreateConfigurationSetEventDestination",
    "sms-voice:UpdateConfigurationSetEventDestination",
    "sms-voice:DeleteConfigurationSetEventDestination",
)
MAX_DESTINATIONS = 10
_V2_ARN = re.compile(
    r"^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:[0-9]{12}:configuration-set/[A-Za-z0-9_-]{1,64}$"
)
# The longest generated prefix: the handler adds "-" and 8 hexadecimal digits.
NAME_PREFIX_MAX = contract.NAME_PREFIX_MAX


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
        check_form("configuration_set_name", configuration_set_name, _NAME, _NAME_FORM)
        self._name = configuration_set_name or Names.unique_resource_name(
            self, max_length=64 if api is SmsVoiceApi.V2 else NAME_PREFIX_MAX, separator="-"
        )
        self._destinations: list[tuple[str, EventDestination, EventDestinationConfig]] = []
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
        # The v1 grant on '*' would also reach every v2 configuration set: fenced off.
        deny_v2(provider.handler, self)
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

    @staticmethod
    def from_configuration_set_name(
        scope: Construct,
        id: str,
        configuration_set_name: str,
        *,
        api: SmsVoiceApi = SmsVoiceApi.V1,
    ) -> IVoiceConfigurationSet:
        """An existing configuration set, by name (one of another stack, or made by hand).

        :param configuration_set_name: 1-64 letters, digits, ``-`` or ``_``.
        :param api: The set's API. A v2 set's ARN is formed from the name in ``scope``'s stack's
            account and region, for the sender's IAM. :default: SmsVoiceApi.V1
        """
        check_form("configuration_set_name", configuration_set_name, _NAME, _NAME_FORM)
        arn = None
        if api is SmsVoiceApi.V2:
            arn = Stack.of(scope).format_arn(
                service="sms-voice",
                resource="configuration-set",
                resource_name=configuration_set_name,
            )
        return _ImportedConfigurationSet(scope, id, configuration_set_name, arn, api)

    @staticmethod
    def from_configuration_set_arn(
        scope: Construct, id: str, configuration_set_arn: str
    ) -> IVoiceConfigurationSet:
        """An existing v2 configuration set, by ARN (for one of another account or region).

        :param configuration_set_arn:
            ``arn:aws:sms-voice:<region>:<account>:configuration-set/<name>``.
        """
        check_form(
            "configuration_set_arn",
            configuration_set_arn,
            _V2_ARN,
            "the ARN of a v2 configuration set (arn:aws:sms-voice:<region>:<account>:"
            "configuration-set/<name>)",
        )
        name = Arn.split(configuration_set_arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name
        assert name is not None
        return _ImportedConfigurationSet(scope, id, name, configuration_set_arn, SmsVoiceApi.V2)

    @property
    def configuration_set_name(self) -> str:
        """The set's name, as the resource reports it (so users wait for the set)."""
        return self._name_attribute

    @property
    def delivery_role(self) -> iam.IRole:
        """The role the service assumes to deliver to log groups and Firehose streams.

        Created by the first destination that needs it (or the first read of this attribute).
        """
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

    def add_destination(self, destination: EventDestination) -> None:
        """Add an event destination (at most 10 per set), with the IAM it needs.

        :param destination: Made with ``EventDestination.sns``, ``.cloud_watch_logs`` or
            ``.firehose``.
        """
        if len(self._destinations) >= MAX_DESTINATIONS:
            raise ValueError(
                f"destinations may hold at most {MAX_DESTINATIONS}, got one more on "
                f"{self.node.path}"
            )
        kind = destination.kind.removesuffix("Destination")
        name = destination.name or f"{kind}-{len(self._destinations) + 1}"
        if any(existing == name for existing, _, _ in self._destinations):
            raise ValueError(f"name {name!r} is used by another destination of {self.node.path}")
        config = destination.bind(self)
        if config.dependable is not None:
            # The service checks that it may deliver when the destination is created.
            self._resource.node.add_dependency(config.dependable)
        self._destinations.append((name, destination, config))

    def _destination_properties(self) -> list[dict[str, Any]]:
        result = []
        for name, destination, config in self._destinations:
            enabled, types = destination.enabled, list(destination.event_types)
            if self.api is SmsVoiceApi.V2:
                v2_types = [V2_EVENT_TYPES[t] for t in types]
                if len(types) == len(CALL_EVENT_TYPES):
                    v2_types.append("VOICE_TTL_EXPIRED")
                head = {
                    "EventDestinationName": name,
                    "Enabled": enabled,
                    "MatchingEventTypes": v2_types,
                }
            else:
                head = {"Name": name, "Enabled": enabled, "MatchingEventTypes": types}
            result.append({**head, destination.kind: dict(config.properties)})
        return result


class _ImportedConfigurationSet(Construct):
    """A configuration set this app does not manage: its name, ARN and API only."""

    def __init__(
        self, scope: Construct, id: str, name: str, arn: str | None, api: SmsVoiceApi
    ) -> None:
        super().__init__(scope, id)
        self.configuration_set_name = name
        self.configuration_set_arn = arn
        self.api = api
