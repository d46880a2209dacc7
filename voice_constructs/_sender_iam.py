"""The sender's IAM: what it may send from, and the review findings that knowingly remain."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aws_cdk import Stack, Token
from aws_cdk import aws_iam as iam

from voice_constructs._contract import contract
from voice_constructs._review import acknowledge, skip_checkov
from voice_constructs._v2_fence import deny_v2
from voice_constructs.api import V2_VOICE_IDS, SmsVoiceApi

if TYPE_CHECKING:
    from voice_constructs.configuration_set import IVoiceConfigurationSet
    from voice_constructs.sender import VoiceMessageSender

SEND_ACTION = "sms-voice:SendVoiceMessage"
# v2 origination identities IAM can name: a phone number or a pool, by id or by ARN.
_V2_IDENTITY_ID = re.compile(contract.V2_IDENTITY_ID)
_V2_IDENTITY_ARN = re.compile(contract.V2_IDENTITY_ARN)


def check_v2(
    identities: list[str], names: list[str], caller_id: str | None, voice_id: str | None
) -> None:
    """Refuse the props the v2 API cannot use, naming each (``names``: each identity's prop)."""
    for name, origination in zip(names, identities, strict=True):
        if not Token.is_unresolved(origination) and not (
            _V2_IDENTITY_ID.fullmatch(origination) or _V2_IDENTITY_ARN.fullmatch(origination)
        ):
            raise ValueError(
                f"{name} must be a phone number or pool, by id (phone-..., pool-...) "
                f"or ARN, with api=SmsVoiceApi.V2 (IAM is scoped to it), got {origination!r}"
            )
    if caller_id is not None:
        raise ValueError(
            f"caller_id has no equivalent in the v2 API (recipients see the origination "
            f"identity), got {caller_id!r}"
        )
    if voice_id is not None and voice_id.upper() not in V2_VOICE_IDS:
        raise ValueError(f"default_voice_id must be one of the v2 API's voices, got {voice_id!r}")


def allow_sending(sender: VoiceMessageSender, identities: list[str]) -> None:
    """Allow ``SendVoiceMessage``, scoped as far as the API allows.

    On ``*`` with v1, which has no resource-level permissions; with v2, from the origination
    identities and with the configuration set only.
    """
    resources = ["*"]
    if sender.api is SmsVoiceApi.V2:
        sender.function.add_environment(contract.ENV_API, contract.API_V2)
        resources = [_v2_identity(sender, origination) for origination in identities]
        if sender.configuration_set is not None:
            resources.append(_v2_set_arn(sender, sender.configuration_set))
    sender.function.add_to_role_policy(
        iam.PolicyStatement(actions=[SEND_ACTION], resources=resources)
    )
    if sender.api is SmsVoiceApi.V1:
        # The v1 grant on '*' would also reach every v2 number and pool: fenced off.
        deny_v2(sender.function, sender)


def _v2_identity(scope: VoiceMessageSender, origination: str) -> str:
    if Token.is_unresolved(origination) or origination.startswith("arn:"):
        return origination
    kind = "phone-number" if origination.startswith("phone-") else "pool"
    return Stack.of(scope).format_arn(service="sms-voice", resource=kind, resource_name=origination)


def _v2_set_arn(scope: VoiceMessageSender, configuration_set: IVoiceConfigurationSet) -> str:
    # A set of the user's own implementation of the protocol may know its name only.
    return configuration_set.configuration_set_arn or Stack.of(scope).format_arn(
        service="sms-voice",
        resource="configuration-set",
        resource_name=configuration_set.configuration_set_name,
    )


def acknowledge_findings(
    sender: VoiceMessageSender, role: iam.Role, tracing: bool, reserved: int | None
) -> None:
    """Acknowledge, with reasons, the review findings the sender knowingly produces."""
    star_reason = None
    if sender.api is SmsVoiceApi.V1:
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
            sender.function,
            "CKV_AWS_115",
            "the bulk path is capped by the queue's MaximumConcurrency and paced to the "
            "quota in the state table; reserving concurrency would take it from every other "
            "function of the account: set reserved_concurrent_executions to cap direct invokes",
        )
    if not tracing:
        acknowledge(
            sender.function,
            "Serverless-LambdaTracing",
            "tracing=False: X-Ray would need xray:PutTraceSegments on '*', and this sender "
            "was asked to hold no IAM statement on '*'",
        )
    acknowledge(
        sender.function,
        "Serverless-LambdaDLQ",
        "failed asynchronous invocations go to an on-failure destination (failure_queue), "
        "which records the request, the error and the response, unlike a dead-letter queue",
        checkov=["CKV_AWS_116"],
    )
