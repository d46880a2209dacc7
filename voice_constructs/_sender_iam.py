"""The sender's IAM: what it may send from, and the review findings that knowingly remain."""

from __future__ import annotations

from aws_cdk import Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_smsvoice as smsvoice
from constructs import IConstruct

from voice_constructs._contract import contract
from voice_constructs._interfaces import IVoiceConfigurationSet
from voice_constructs._review import acknowledge, skip_checkov
from voice_constructs._v2_fence import deny_v2
from voice_constructs.api import SmsVoiceApi

SEND_ACTION = "sms-voice:SendVoiceMessage"


def allow_sending(
    function: lambda_.Function,
    api: SmsVoiceApi,
    identities: list[str],
    configuration_set: IVoiceConfigurationSet | None,
    protect_configuration: smsvoice.CfnProtectConfiguration | None = None,
) -> None:
    """Allow ``function`` to ``SendVoiceMessage``, scoped as far as the API allows.

    On ``*`` with v1, which has no resource-level permissions; with v2, from the origination
    identities, with the configuration set and with the protect configuration only.
    """
    resources = ["*"]
    if api is SmsVoiceApi.V2:
        function.add_environment(contract.ENV_API, contract.API_V2)
        resources = [_v2_identity(function, origination) for origination in identities]
        if configuration_set is not None:
            resources.append(_v2_set_arn(function, configuration_set))
        if protect_configuration is not None:
            resources.append(protect_configuration.attr_arn)
    function.add_to_role_policy(iam.PolicyStatement(actions=[SEND_ACTION], resources=resources))
    if api is SmsVoiceApi.V1:
        # The v1 grant on '*' would also reach every v2 number and pool: fenced off.
        deny_v2(function, function)


def _v2_identity(scope: IConstruct, origination: str) -> str:
    if Token.is_unresolved(origination) or origination.startswith("arn:"):
        return origination
    kind = "phone-number" if origination.startswith("phone-") else "pool"
    return Stack.of(scope).format_arn(service="sms-voice", resource=kind, resource_name=origination)


def _v2_set_arn(scope: IConstruct, configuration_set: IVoiceConfigurationSet) -> str:
    # A set of the user's own implementation of the protocol may know its name only.
    return configuration_set.configuration_set_arn or Stack.of(scope).format_arn(
        service="sms-voice",
        resource="configuration-set",
        resource_name=configuration_set.configuration_set_name,
    )


def acknowledge_findings(
    function: lambda_.Function,
    role: iam.Role,
    api: SmsVoiceApi,
    tracing: bool,
    reserved: int | None,
) -> None:
    """Acknowledge, with reasons, the review findings the sender's function knowingly produces."""
    star_reason = None
    if api is SmsVoiceApi.V1:
        star_reason = (
            "sms-voice:SendVoiceMessage (SMS and Voice API v1) has no resource-level "
            "permissions, so IAM accepts only '*'; X-Ray's PutTraceSegments and "
            "PutTelemetryRecords have none either"
        )
    elif tracing:
        star_reason = (
            "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level "
            "permissions; sending is scoped to the origination identity and configuration set"
        )
    if star_reason is not None:
        acknowledge(role, "AwsSolutions-IAM5[Resource::*]", star_reason)
        # checkov reports the same statement on the policy resource that holds it.
        skip_checkov(role.node.find_child("DefaultPolicy"), "CKV_AWS_111", star_reason)
    if reserved is None:
        skip_checkov(
            function,
            "CKV_AWS_115",
            "the bulk path is capped by the queue's MaximumConcurrency and paced to the "
            "quota in the state table; reserving concurrency would take it from every other "
            "function of the account: set reserved_concurrent_executions to cap direct invokes",
        )
    if not tracing:
        acknowledge(
            function,
            "Serverless-LambdaTracing",
            "tracing=False: X-Ray would need xray:PutTraceSegments on '*', and this sender "
            "was asked to hold no IAM statement on '*'",
        )
    acknowledge(
        function,
        "Serverless-LambdaDLQ",
        "failed asynchronous invocations go to an on-failure destination (failure_queue), "
        "which records the request, the error and the response, unlike a dead-letter queue",
        checkov=["CKV_AWS_116"],
    )
