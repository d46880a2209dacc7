#!/usr/bin/env python3
"""Sample app: a Pinpoint application with its voice channel enabled, and a sender.

Context (``-c key=value``), each checked before anything is built (``CONTEXT`` below says what
each accepts; a bad value stops the synth with one line naming the key):
- ``applicationId``: adopt this existing Pinpoint application instead of creating one.
- ``applicationName``: name of the application to create (default: derived from the stack).
- ``originationNumber``: the long code to call from, E.164 (default: ``+12065550100``, a
  placeholder from the reserved 555-01xx range: set yours before you deploy; at a quota one
  number cannot reach, as many placeholders as the quota needs).
- ``callerId``: the number recipients see (default: the service's choice).
- ``stackName``: name of the stack (default: ``VoiceConstructsSample``).
- ``queue``: ``false`` leaves out the bulk queue (default: ``true``).
- ``maxCallsPerMinute``: the account's voice quota (default: 20, production; the sandbox has 5).
- ``trackCallStatus``: ``false`` leaves out call status tracking (default: ``true``): with v1,
  the tracker and the configuration set whose SNS destination feeds it; with v2, the tracker
  and the EventBridge rule that feeds it, and no configuration set.
- ``api``: ``v2`` sends through AWS End User Messaging SMS and Voice v2 (default: ``v1``); then
  ``originationNumber`` is a phone number or pool id or ARN (default: a fictional
  ``phone-0123...``), and tracing is off unless ``-c tracing=true`` (X-Ray needs ``*``).
- ``pinpoint``: ``false`` leaves out the Pinpoint application and its voice channel.
- ``tracing``: X-Ray tracing of the functions (default: ``true`` with v1, ``false`` with v2).

When cdk-nag is installed (the ``dev`` extra), its AwsSolutions and Serverless packs check the app.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk

from voice_constructs import PinpointVoice, SmsVoiceApi
from voice_constructs.sender import MAX_CALLS_PER_MINUTE, identities_needed

# A fictional number (555-01xx is reserved for examples), so `make synth` needs no arguments.
DEFAULT_ORIGINATION_NUMBER = "+12065550100"
# A fictional phone number id of the same kind, for the v2 sample.
DEFAULT_V2_ORIGINATION = "phone-0123456789abcdef0123456789abcdef"
# Every context key the sample reads, and what it accepts (the README's table lists the same).
CONTEXT = {
    "applicationId": "an existing Pinpoint application id (32 hexadecimal characters)",
    "applicationName": "a name for the Pinpoint application to create",
    "originationNumber": "the number to call from: E.164 (v1), or a phone number or pool id or "
    "ARN (v2)",
    "callerId": "the number recipients see, in E.164",
    "stackName": "a CloudFormation stack name",
    "queue": "true or false",
    "maxCallsPerMinute": f"a whole number of calls a minute from 1 to {MAX_CALLS_PER_MINUTE:,}",
    "trackCallStatus": "true or false",
    "api": "v1 or v2",
    "pinpoint": "true or false",
    "tracing": "true or false",
}
# The construct props the context keys feed, so a construct's error names its context key.
_PROP_KEYS = {
    "application_id": "applicationId",
    "application_name": "applicationName",
    "origination_number": "originationNumber",
    "caller_id": "callerId",
    "max_calls_per_minute": "maxCallsPerMinute",
}
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")


class ContextError(Exception):
    """A context value the sample cannot use: the key, the value, and what is accepted."""

    def __init__(self, key: str, value: object, accepted: str, problem: str | None = None) -> None:
        shown = str(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        super().__init__(f"-c {key}={shown}: {problem or 'must be ' + accepted}")
        self.key = key


@dataclass(frozen=True)
class Settings:
    """The sample's settings, read from the context and checked."""

    stack_name: str
    api: SmsVoiceApi
    application: bool
    application_id: str | None
    application_name: str | None
    origination_number: str
    placeholder_numbers: tuple[str, ...] | None
    caller_id: str | None
    enable_queue: bool
    track_call_status: bool
    max_calls_per_minute: int
    tracing: bool


def read_settings(context: dict[str, Any]) -> Settings:
    """The sample's settings from ``context``, or ContextError for the first bad value."""
    api_text = _text(context, "api") or "v1"
    if api_text.lower() not in ("v1", "v2"):
        raise ContextError("api", api_text, CONTEXT["api"])
    api = SmsVoiceApi(api_text.lower())
    stack_name = _text(context, "stackName") or "VoiceConstructsSample"
    if not _STACK_NAME.fullmatch(stack_name):
        raise ContextError(
            "stackName", stack_name, "a letter, then up to 127 letters, digits or hyphens"
        )
    quota = context.get("maxCallsPerMinute", 20)
    text = str(quota).strip()
    if isinstance(quota, bool) or not text.isdigit() or not 1 <= int(text) <= MAX_CALLS_PER_MINUTE:
        raise ContextError("maxCallsPerMinute", quota, CONTEXT["maxCallsPerMinute"])
    default_origination = (
        DEFAULT_V2_ORIGINATION if api is SmsVoiceApi.V2 else (DEFAULT_ORIGINATION_NUMBER)
    )
    return Settings(
        stack_name=stack_name,
        api=api,
        application=_flag(context, "pinpoint", default=True),
        application_id=_text(context, "applicationId"),
        application_name=_text(context, "applicationName"),
        origination_number=_text(context, "originationNumber") or default_origination,
        placeholder_numbers=(
            None
            if _text(context, "originationNumber")
            else _placeholders(api, identities_needed(int(text)))
        ),
        caller_id=_text(context, "callerId"),
        enable_queue=_flag(context, "queue", default=True),
        track_call_status=_flag(context, "trackCallStatus", default=True),
        max_calls_per_minute=int(text),
        tracing=_flag(context, "tracing", default=api is SmsVoiceApi.V1),
    )


def build(app: cdk.App) -> cdk.Stack:
    """Add the sample stack to ``app``; ContextError names a bad context value."""
    settings = read_settings(app.node.get_all_context())
    stack = cdk.Stack(
        app,
        "Sample",
        stack_name=settings.stack_name,
        description="voice-constructs sample: Pinpoint voice channel and a voice message sender",
    )
    try:
        voice = PinpointVoice(
            stack,
            "Voice",
            application=settings.application,
            application_id=settings.application_id,
            application_name=settings.application_name,
            origination_number=settings.origination_number,
            caller_id=settings.caller_id,
            api=settings.api,
            tracing=settings.tracing,
            enable_queue=settings.enable_queue,
            track_call_status=settings.track_call_status,
            max_calls_per_minute=settings.max_calls_per_minute,
            origination_numbers=settings.placeholder_numbers,
        )
    except ValueError as error:
        raise _from_construct(error, app.node.get_all_context()) from None
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


def _placeholders(api: SmsVoiceApi, count: int) -> tuple[str, ...] | None:
    """Fictional identities enough for a quota one number cannot reach (None: one is enough)."""
    if count <= 1:
        return None
    if api is SmsVoiceApi.V2:
        return tuple(f"{DEFAULT_V2_ORIGINATION[:-4]}{n:04x}" for n in range(0xCDEF, 0xCDEF + count))
    # 555-0100 to 555-0199 of one area code after another: all reserved for examples.
    return tuple(
        f"+1{area}5550{100 + n % 100}" for area, n in ((206 + n // 100, n) for n in range(count))
    )


def _flag(context: dict[str, Any], key: str, *, default: bool) -> bool:
    """A context flag: ``true`` or ``false`` (a JSON boolean in cdk.json too), nothing else."""
    value = context.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ContextError(key, value, CONTEXT[key])
    return text == "true"


def _text(context: dict[str, Any], key: str) -> str | None:
    value = context.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str | int):
        raise ContextError(key, value, CONTEXT[key])
    return str(value)


def _from_construct(error: ValueError, context: dict[str, Any]) -> Exception:
    """A construct's error about a prop the context fed, as a ContextError naming that key."""
    message = str(error)
    for prop, key in _PROP_KEYS.items():
        if message.startswith(prop + " ") and key in context:
            return ContextError(key, context[key], CONTEXT[key], message[len(prop) + 1 :])
    return error


def add_review_gates(app: cdk.App) -> None:
    """Run cdk-nag's AwsSolutions and Serverless packs on synth, if cdk-nag is installed."""
    try:
        from cdk_nag import AwsSolutionsChecks, ServerlessChecks
    except ImportError:
        return
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))


def main() -> None:
    """Synthesize the sample; a bad context value is one line on stderr and exit status 2."""
    sample = cdk.App()
    try:
        build(sample)
    except (ContextError, ValueError) as error:
        print(f"app.py: {error}", file=sys.stderr)
        sys.exit(2)
    add_review_gates(sample)
    sample.synth()


if __name__ == "__main__":
    main()
