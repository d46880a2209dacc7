#!/usr/bin/env python3
"""Sample app: a Pinpoint application with its voice channel enabled.

Context (``-c key=value``):
- ``applicationId``: adopt this existing Pinpoint application instead of creating one.
- ``applicationName``: name of the application to create (default: derived from the stack).
- ``originationNumber``: the long code to call from, E.164 (default: ``+12065550100``, a
  placeholder from the reserved 555-01xx range: set yours before you deploy).
- ``callerId``: the number recipients see (default: the service's choice).
- ``stackName``: name of the stack (default: ``VoiceConstructsSample``).
- ``queue``: ``false`` leaves out the bulk queue (default: ``true``).
- ``maxCallsPerMinute``: the account's voice quota (default: 20, production; the sandbox has 5).
- ``trackCallStatus``: ``false`` leaves out the configuration set and call status tracking
  (default: ``true``).
- ``api``: ``v2`` sends through AWS End User Messaging SMS and Voice v2 (default: ``v1``); then
  ``originationNumber`` is a phone number or pool id or ARN (default: a fictional
  ``phone-0123...``), and tracing is off unless ``-c tracing=true`` (X-Ray needs ``*``).
- ``pinpoint``: ``false`` leaves out the Pinpoint application and its voice channel.

When cdk-nag is installed (the ``dev`` extra), its AwsSolutions and Serverless packs check the app.
"""

from __future__ import annotations

import aws_cdk as cdk

from voice_constructs import PinpointVoice, SmsVoiceApi

# A fictional number (555-01xx is reserved for examples), so `make synth` needs no arguments.
DEFAULT_ORIGINATION_NUMBER = "+12065550100"
# A fictional phone number id of the same kind, for the v2 sample.
DEFAULT_V2_ORIGINATION = "phone-0123456789abcdef0123456789abcdef"


def build(app: cdk.App) -> cdk.Stack:
    """Add the sample stack to ``app``."""
    ctx = app.node.try_get_context
    stack = cdk.Stack(
        app,
        "Sample",
        stack_name=ctx("stackName") or "VoiceConstructsSample",
        description="voice-constructs sample: Pinpoint voice channel and a voice message sender",
    )
    api = SmsVoiceApi(str(ctx("api") or "v1").lower())
    default_origination = (
        DEFAULT_V2_ORIGINATION if api is SmsVoiceApi.V2 else (DEFAULT_ORIGINATION_NUMBER)
    )
    tracing = _flag(ctx("tracing")) if ctx("tracing") is not None else api is SmsVoiceApi.V1
    voice = PinpointVoice(
        stack,
        "Voice",
        application=_flag(ctx("pinpoint")),
        application_id=ctx("applicationId"),
        application_name=ctx("applicationName"),
        origination_number=ctx("originationNumber") or default_origination,
        caller_id=ctx("callerId"),
        api=api,
        tracing=tracing,
        enable_queue=_flag(ctx("queue")),
        track_call_status=_flag(ctx("trackCallStatus")),
        max_calls_per_minute=int(ctx("maxCallsPerMinute") or 20),
    )
    if voice.application is not None:
        cdk.Validations.of(voice.application).acknowledge(
            cdk.Acknowledgment(
                id="CloudFormation-Validate::W3696",
                reason=(
                    "Pinpoint's engagement features reached end of support on 2026-10-30; its "
                    "voice channel and SMS and Voice API continue under AWS End User Messaging. "
                    "See the README's section on Pinpoint's end of support."
                ),
            )
        )
    if voice.sender is not None:
        cdk.CfnOutput(stack, "SenderFunctionName", value=voice.sender.function.function_name)
        cdk.CfnOutput(stack, "FailureQueueUrl", value=voice.sender.failure_queue.queue_url)
        if voice.call_status is not None:
            cdk.CfnOutput(stack, "CallStatusTableName", value=voice.call_status.table.table_name)
        if voice.configuration_set is not None:
            cdk.CfnOutput(
                stack,
                "ConfigurationSetName",
                value=voice.configuration_set.configuration_set_name,
            )
        if voice.sender.queue is not None and voice.sender.dead_letter_queue is not None:
            cdk.CfnOutput(stack, "QueueUrl", value=voice.sender.queue.queue_url)
            cdk.CfnOutput(
                stack, "DeadLetterQueueUrl", value=voice.sender.dead_letter_queue.queue_url
            )
    return stack


def _flag(value: object) -> bool:
    """A context flag that is on unless set to false (``-c queue=false``)."""
    return str(value).lower() != "false" if value is not None else True


def add_review_gates(app: cdk.App) -> None:
    """Run cdk-nag's AwsSolutions and Serverless packs on synth, if cdk-nag is installed."""
    try:
        from cdk_nag import AwsSolutionsChecks, ServerlessChecks
    except ImportError:
        return
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))


if __name__ == "__main__":
    sample = cdk.App()
    build(sample)
    add_review_gates(sample)
    sample.synth()
