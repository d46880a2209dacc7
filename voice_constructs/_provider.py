"""The one custom resource provider a stack needs for every custom resource of the library."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from voice_constructs._contract import contract
from voice_constructs._lambda import handler_function, role_with_logs
from voice_constructs._review import ENVIRONMENT_ENCRYPTION, NO_VPC, acknowledge, skip_checkov

# Construct id of the provider in its stack (renaming it replaces the provider's resources).
_PROVIDER_ID = "VoiceConstructsProvider"
# Must match lambda_src/custom_resource/index.py.
VOICE_CHANNEL_TYPE = contract.VOICE_CHANNEL_TYPE
CONFIGURATION_SET_TYPE = contract.CONFIGURATION_SET_TYPE

# The custom resource handler's timeout; tests hold it against each request's worst case.
HANDLER_TIMEOUT = Duration.minutes(14)


class ResourceProvider(Construct):
    """The custom resource provider, one per stack, shared by every custom resource of the library.

    Its handler dispatches on ``ResourceType`` (``lambda_src/custom_resource``); each resource
    grants the handler's role what it needs, on its own ARNs.
    """

    @classmethod
    def of(cls, scope: Construct) -> ResourceProvider:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(_PROVIDER_ID)
        if isinstance(existing, ResourceProvider):
            return existing
        return cls(stack, _PROVIDER_ID)

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        # Own roles with write access to their own log group only: no managed policy, no "*".
        handler_role, handler_logs = role_with_logs(
            self,
            role_id="HandlerRole",
            logs_id="HandlerLogs",
            description="voice-constructs: custom resources (voice channels, configuration sets)",
        )
        self.handler = handler_function(
            self,
            "Handler",
            handler=contract.CUSTOM_RESOURCE_HANDLER,
            role=handler_role,
            log_group=handler_logs,
            memory_size=256,
            # Above the longest request with every retry (a configuration set update with 10
            # destinations: about 800 s), below the provider framework's own 15 minutes.
            timeout=HANDLER_TIMEOUT,
            description="voice-constructs: custom resources (voice channel, configuration set)",
        )
        framework_role, framework_logs = role_with_logs(
            self,
            role_id="FrameworkRole",
            logs_id="FrameworkLogs",
            description="voice-constructs: custom resource provider framework",
        )
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
            "the provider framework may invoke exactly one function, the custom resource handler; "
            "':*' names that function's versions and aliases, as aws-cdk-lib's Provider grants",
        )
        acknowledge(
            framework,
            "Serverless-LambdaDefaultMemorySize",
            "aws-cdk-lib's Provider owns this function and its size; it only relays the event",
        )
        deploy_only = (
            "runs only while CloudFormation creates, updates or deletes a voice channel or a "
            "configuration set; "
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
                    checkov=["CKV_AWS_116"] if rule == "Serverless-LambdaDLQ" else [],
                )
            skip_checkov(
                function,
                "CKV_AWS_115",
                f"one invocation per resource change: the function {deploy_only}",
            )
        # The framework function is aws-cdk-lib's, not built by handler_function.
        skip_checkov(framework, "CKV_AWS_117", NO_VPC)
        skip_checkov(framework, "CKV_AWS_173", ENVIRONMENT_ENCRYPTION)
