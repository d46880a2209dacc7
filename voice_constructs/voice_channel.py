"""VoiceChannel: enables the voice channel of an Amazon Pinpoint application."""

from __future__ import annotations

import re

from aws_cdk import (
    CustomResource,
    Duration,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from voice_constructs._assets import handler_code
from voice_constructs._lambda import HANDLER_RUNTIME
from voice_constructs._props import check_form
from voice_constructs._review import acknowledge

_PROVIDER_ID = "VoiceConstructsVoiceChannelProvider"
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


class _VoiceChannelProvider(Construct):
    """The custom resource provider, one per stack, shared by every VoiceChannel in it."""

    @classmethod
    def of(cls, scope: Construct) -> _VoiceChannelProvider:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(_PROVIDER_ID)
        if isinstance(existing, _VoiceChannelProvider):
            return existing
        return cls(stack, _PROVIDER_ID)

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        handler_logs = logs.LogGroup(self, "HandlerLogs", retention=logs.RetentionDays.THREE_MONTHS)
        # Own roles with write access to their own log group only: no managed policy, no "*".
        handler_role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="voice-constructs: enables Pinpoint voice channels during deployments",
        )
        handler_logs.grant_write(handler_role)
        self.handler = lambda_.Function(
            self,
            "Handler",
            runtime=HANDLER_RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="voice_channel.index.on_event",
            code=handler_code(),
            role=handler_role,
            memory_size=256,
            # Bounds the botocore retries of index.py (4 attempts, 13 s each, plus backoff).
            timeout=Duration.minutes(2),
            log_group=handler_logs,
            logging_format=lambda_.LoggingFormat.JSON,
            description="voice-constructs: Pinpoint voice channel custom resource handler",
        )
        framework_logs = logs.LogGroup(
            self, "FrameworkLogs", retention=logs.RetentionDays.THREE_MONTHS
        )
        framework_role = iam.Role(
            self,
            "FrameworkRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="voice-constructs: custom resource provider framework",
        )
        framework_logs.grant_write(framework_role)
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handler,
            framework_on_event_role=framework_role,
            log_group=framework_logs,
        )
        self._acknowledge(framework_role)

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def _acknowledge(self, framework_role: iam.Role) -> None:
        framework = self.provider.node.find_child("framework-onEvent")
        handler_id = Stack.of(self).get_logical_id(
            self.handler.node.default_child  # type: ignore[arg-type]
        )
        acknowledge(
            framework_role,
            f"AwsSolutions-IAM5[Resource::<{handler_id}.Arn>:*]",
            "the provider framework may invoke exactly one function, the voice channel handler; "
            "':*' names that function's versions and aliases, as aws-cdk-lib's Provider grants",
        )
        acknowledge(
            framework,
            "Serverless-LambdaDefaultMemorySize",
            "aws-cdk-lib's Provider owns this function and its size; it only relays the event",
        )
        deploy_only = (
            "runs only while CloudFormation creates, updates or deletes a voice channel; "
            "it is invoked synchronously by the provider framework, which reports failures "
            "to CloudFormation"
        )
        for function in (self.handler, framework):
            acknowledge(
                function,
                "Serverless-LambdaTracing",
                f"X-Ray would add an xray grant on '*' for little gain: the function {deploy_only}",
            )
            for rule in ("Serverless-LambdaDLQ", "Serverless-LambdaAsyncFailureDestination"):
                acknowledge(
                    function,
                    rule,
                    f"no asynchronous invocations to catch: the function {deploy_only}",
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
        provider = _VoiceChannelProvider.of(self)
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
            resource_type="Custom::PinpointVoiceChannel",
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
