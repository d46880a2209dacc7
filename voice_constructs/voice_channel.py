"""VoiceChannel: enables the voice channel of an Amazon Pinpoint application."""

from __future__ import annotations

import re

from aws_cdk import (
    CustomResource,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from voice_constructs._props import check_form
from voice_constructs._provider import VOICE_CHANNEL_TYPE, ResourceProvider

_APPLICATION_ID = re.compile(r"^[0-9a-fA-F]{32}$")
CHANNEL_ACTIONS = (
    "mobiletargeting:UpdateVoiceChannel",
    "mobiletargeting:GetVoiceChannel",
    "mobiletargeting:DeleteVoiceChannel",
)


def validate_application_id(prop: str, value: str) -> None:
    """Raise ``ValueError`` unless ``value`` looks like a Pinpoint application (project) id."""
    check_form(
        prop,
        value,
        _APPLICATION_ID,
        "a pinpoint application id (32 hexadecimal characters, the project id in the console)",
    )


class VoiceChannel(Construct):
    """Enables (or disables) the voice channel of a Pinpoint application.

    A CloudFormation custom resource on ``aws_cdk.custom_resources.Provider``: Create and Update
    call ``UpdateVoiceChannel`` and read the channel back, failing unless it reports the requested
    state; Delete calls ``DeleteVoiceChannel`` and succeeds when the channel or the application is
    already gone. A new ``application_id`` replaces the resource: the new channel is enabled and
    the old one is disabled during the stack's clean-up.

    The handler's role may call only ``mobiletargeting:UpdateVoiceChannel``,
    ``GetVoiceChannel`` and ``DeleteVoiceChannel`` on this application's voice channel ARN.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        application_id: str,
        enabled: bool = True,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        """Create the custom resource.

        :param application_id: The Pinpoint application (project) id.
        :param enabled: Whether the channel is enabled. :default: True
        :param removal_policy: What happens to the channel when the resource leaves the stack.
            :default: - RemovalPolicy.DESTROY: the channel is disabled (DeleteVoiceChannel)
        """
        super().__init__(scope, id)
        validate_application_id("application_id", application_id)
        provider = ResourceProvider.of(self)
        stack = Stack.of(self)
        self.channel_arn = stack.format_arn(
            service="mobiletargeting",
            resource="apps",
            resource_name=f"{application_id}/channels/voice",
        )
        grant = iam.Grant.add_to_principal(
            grantee=provider.handler,
            actions=list(CHANNEL_ACTIONS),
            resource_arns=[self.channel_arn],
        )
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=VOICE_CHANNEL_TYPE,
            properties={"ApplicationId": application_id, "Enabled": enabled},
            removal_policy=removal_policy,
        )
        # The handler must hold the permission before CloudFormation asks it to enable the channel.
        grant.apply_before(self._resource)
        self.handler: lambda_.IFunction = provider.handler

    @property
    def attr_application_id(self) -> str:
        """The application id the channel belongs to."""
        return self._resource.get_att_string("ApplicationId")

    @property
    def attr_enabled(self) -> str:
        """``"true"`` or ``"false"``, as the channel reported after the change."""
        return self._resource.get_att_string("Enabled")

    @property
    def attr_version(self) -> str:
        """The channel's version, which Pinpoint increments on every change."""
        return self._resource.get_att_string("Version")

    @property
    def attr_creation_date(self) -> str:
        """When the channel was first enabled (ISO 8601)."""
        return self._resource.get_att_string("CreationDate")

    @property
    def attr_last_modified_date(self) -> str:
        """When the channel was last changed (ISO 8601)."""
        return self._resource.get_att_string("LastModifiedDate")

    @property
    def attr_is_archived(self) -> str:
        """``"true"`` or ``"false"``: whether Pinpoint archived the channel."""
        return self._resource.get_att_string("IsArchived")
