#!/usr/bin/env python3
"""Sample app: a Pinpoint application with its voice channel enabled, and a sender.

Context (``-c key=value``): ``CONTEXT`` below lists every key and what it accepts, and
docs/sample-app.md each one's default (a test keeps the two in step). Each value is checked
before anything is built; a bad one stops the synth with one line naming its key. By default the
sample synthesizes with no arguments: fictional origination numbers (set yours before you
deploy), a bulk queue, call status tracking, the v1 API and the production quota.

The stack's description says what the variant deploys. A construct's refusal of a value the
context gave names the ``-c`` keys, not the construct's props; a phone number in an error is
masked. When cdk-nag is installed (the ``dev`` extra), its AwsSolutions and Serverless packs
check the app.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk

from voice_constructs import CallEventSource, PinpointVoice, PropsError, SenderOptions, SmsVoiceApi

# The sample lives beside the constructs and checks numbers with their own pattern and mask.
from voice_constructs._contract import contract, phone
from voice_constructs.sender import MAX_CALLS_PER_MINUTE, identities_needed

# A fictional number (555-01xx is reserved for examples), so `make synth` needs no arguments.
DEFAULT_ORIGINATION_NUMBER = "+12065550100"
# A fictional phone number id of the same kind, for the v2 sample.
DEFAULT_V2_ORIGINATION = "phone-0123456789abcdef0123456789abcdef"
# Every context key the sample reads, and what it accepts (the README's table lists the same).
CONTEXT = {
    "applicationId": "an existing Pinpoint application id (32 hexadecimal characters)",
    "applicationName": "a name for the Pinpoint application to create",
    "originationNumbers": "the numbers to call from, comma-separated: E.164 (v1), or phone "
    "number or pool ids or ARNs (v2)",
    "originationNumber": "the earlier name of originationNumbers, which it takes alike",
    "callerId": "the number recipients see, in E.164",
    "allowedCountries": "ISO 3166-1 alpha-2 codes, comma-separated (US,CA), or * for all",
    "stackName": "a CloudFormation stack name",
    "queue": "true or false",
    "maxCallsPerMinute": f"a whole number of calls a minute from 1 to {MAX_CALLS_PER_MINUTE:,}",
    "maxCallsPerDay": "a whole number of calls a UTC day, at least 1",
    "callsPerHourAlarm": "a whole number of calls in an hour, at least 1",
    "trackCallStatus": "true or false",
    "api": "v1 or v2",
    "pinpoint": "true or false",
    "tracing": "true or false",
}
# The construct props the context keys feed, so a construct's refusal names the context key.
_PROP_KEYS = {
    "application_id": "applicationId",
    "application_name": "applicationName",
    "caller_id": "callerId",
    "allowed_countries": "allowedCountries",
    "max_calls_per_minute": "maxCallsPerMinute",
}
# The origination props, fed by whichever of these two keys the context gives.
_ORIGINATION_PROPS = ("origination_number", "origination_numbers")
# Keys whose values are phone numbers: an error shows them masked, never whole.
_PHONE_KEYS = frozenset({"originationNumbers", "originationNumber", "callerId"})
_E164_FORM = "an E.164 phone number (+ and 2 to 15 digits)"
_V2_IDENTITY = re.compile(f"(?:{contract.V2_IDENTITY_ID})|(?:{contract.V2_IDENTITY_ARN})")
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
# What the sender sends through, for the stack's description.
_API_NAMES = {
    SmsVoiceApi.V1: "the Pinpoint SMS and Voice API, v1",
    SmsVoiceApi.V2: "AWS End User Messaging SMS and Voice, v2",
}


class ContextError(Exception):
    """A context value the sample cannot use, in one line that names its ``-c`` key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def bad_value(key: str, value: object, accepted: str, problem: str | None = None) -> ContextError:
    """``-c key=value: must be <accepted>`` (or ``problem``), a phone number masked."""
    if key in _PHONE_KEYS:
        parts = value if isinstance(value, list | tuple) else str(value).split(",")
        shown = ",".join(phone.mask(str(part).strip()) for part in parts)
    else:
        shown = str(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return ContextError(key, f"-c {key}={shown}: {problem or 'must be ' + accepted}")


@dataclass(frozen=True)
class Settings:
    """The sample's settings, read from the context and checked."""

    stack_name: str
    api: SmsVoiceApi
    application: bool
    application_id: str | None
    application_name: str | None
    origination_numbers: tuple[str, ...]
    caller_id: str | None
    allowed_countries: tuple[str, ...] | None
    enable_queue: bool
    track_call_status: bool
    max_calls_per_minute: int
    tracing: bool
    spend_guard: dict[str, Any]  # the spend guard's props (PinpointVoice's keywords)


def read_settings(context: dict[str, Any]) -> Settings:
    """The sample's settings from ``context``, or ContextError for the first bad value."""
    api_text = _text(context, "api") or "v1"
    if api_text.lower() not in ("v1", "v2"):
        raise bad_value("api", api_text, CONTEXT["api"])
    api = SmsVoiceApi(api_text.lower())
    stack_name = _text(context, "stackName") or "VoiceConstructsSample"
    if not _STACK_NAME.fullmatch(stack_name):
        raise bad_value(
            "stackName", stack_name, "a letter, then up to 127 letters, digits or hyphens"
        )
    quota = _quota(context)
    application = _flag(context, "pinpoint", default=True)
    application_id, application_name = _application(context, application=application)
    numbers = _origination_numbers(context, api)
    return Settings(
        stack_name=stack_name,
        api=api,
        application=application,
        application_id=application_id,
        application_name=application_name,
        origination_numbers=numbers or _placeholders(api, identities_needed(quota)),
        caller_id=_caller_id(context, api),
        # v2's placeholders have no country known: the sample's fictional numbers are the US's.
        allowed_countries=_listed(context, "allowedCountries", CONTEXT["allowedCountries"])
        or (None if numbers or api is SmsVoiceApi.V1 else ("US",)),
        enable_queue=_flag(context, "queue", default=True),
        track_call_status=_flag(context, "trackCallStatus", default=True),
        max_calls_per_minute=quota,
        tracing=_flag(context, "tracing", default=api is SmsVoiceApi.V1),
        spend_guard=_spend_guard(context),
    )


def build(app: cdk.App) -> cdk.Stack:
    """Add the sample stack to ``app``; ContextError names a bad context value."""
    context = app.node.get_all_context()
    settings = read_settings(context)
    stack = cdk.Stack(app, "Sample", stack_name=settings.stack_name)
    try:
        voice = PinpointVoice(
            stack,
            "Voice",
            application=settings.application,
            application_id=settings.application_id,
            application_name=settings.application_name,
            origination_numbers=settings.origination_numbers,
            caller_id=settings.caller_id,
            allowed_countries=settings.allowed_countries,
            api=settings.api,
            tracing=settings.tracing,
            enable_queue=settings.enable_queue,
            track_call_status=settings.track_call_status,
            max_calls_per_minute=settings.max_calls_per_minute,
            **settings.spend_guard,
        )
    except PropsError as error:
        names = _context_keys(context)
        raise ContextError(names[error.props[0]], error.naming(_flags(names))) from None
    except ValueError as error:
        raise _from_construct(error, context) from None
    stack.template_options.description = describe(voice)
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


def describe(voice: PinpointVoice) -> str:
    """The stack's description: what ``voice`` deploys, read from what it built."""
    parts = []
    if voice.application is not None:
        parts.append("a Pinpoint application with its voice channel")
    elif voice.channel is not None:
        parts.append("the voice channel of an existing Pinpoint application")
    if voice.sender is not None:
        queue = " with a bulk queue" if voice.sender.queue is not None else ""
        parts.append(f"a voice message sender ({_API_NAMES[voice.sender.api]}){queue}")
    if voice.call_status is not None:
        source = (
            "EventBridge"
            if voice.call_status.event_source is CallEventSource.EVENTBRIDGE
            else "a configuration set's SNS destination"
        )
        parts.append(f"call status tracking through {source}")
    return "voice-constructs sample: " + "; ".join(parts)


def _quota(context: dict[str, Any]) -> int:
    quota = context.get("maxCallsPerMinute", 20)
    text = str(quota).strip()
    if isinstance(quota, bool) or not text.isdigit() or not 1 <= int(text) <= MAX_CALLS_PER_MINUTE:
        raise bad_value("maxCallsPerMinute", quota, CONTEXT["maxCallsPerMinute"])
    return int(text)


def _spend_guard(context: dict[str, Any]) -> dict[str, Any]:
    cap, alarm = (_text(context, key) for key in ("maxCallsPerDay", "callsPerHourAlarm"))
    for key, text in (("maxCallsPerDay", cap), ("callsPerHourAlarm", alarm)):
        if text is not None and not (text.strip().isdigit() and int(text) > 0):
            raise bad_value(key, text, CONTEXT[key])
    options = SenderOptions(calls_per_hour_alarm_threshold=int(alarm) if alarm else None)
    return {"max_calls_per_day": int(cap) if cap else None, "sender_options": options}


def _application(context: dict[str, Any], *, application: bool) -> tuple[str | None, str | None]:
    """``applicationId`` and ``applicationName``: at most one, and neither without Pinpoint."""
    application_id = _text(context, "applicationId")
    application_name = _text(context, "applicationName")
    if application_id is not None and application_name is not None:
        raise ContextError(
            "applicationId",
            "-c applicationId and -c applicationName: give one, applicationId to adopt an "
            "existing application or applicationName to create one, not both",
        )
    key = "applicationId" if application_id is not None else "applicationName"
    if not application and (application_id or application_name):
        raise ContextError(
            key,
            f"-c {key} names a Pinpoint application, and -c pinpoint=false leaves Pinpoint "
            "out: give one or the other",
        )
    return application_id, application_name


def _origination_key(context: dict[str, Any]) -> str:
    """The key that gives the origination numbers: ``originationNumbers`` unless the old one."""
    given = [key for key in ("originationNumbers", "originationNumber") if context.get(key)]
    if len(given) > 1:
        raise ContextError(
            "originationNumbers",
            "-c originationNumber and -c originationNumbers are one setting (originationNumber "
            "is its earlier name): give the numbers once, in -c originationNumbers",
        )
    return given[0] if given else "originationNumbers"


def _origination_numbers(context: dict[str, Any], api: SmsVoiceApi) -> tuple[str, ...] | None:
    """The numbers ``-c originationNumbers`` gives, each checked, or None when it gives none."""
    key = _origination_key(context)
    if not (numbers := _listed(context, key, CONTEXT["originationNumbers"])):
        return None
    for position, number in enumerate(numbers, 1):
        where = f"-c {key}: number {position} of {len(numbers)}"
        if not number:
            raise ContextError(key, f"{where} is empty")
        shown = phone.mask(number)
        if api is SmsVoiceApi.V1 and not phone.is_e164(number):
            raise ContextError(key, f"{where}, {shown}, must be {_E164_FORM}")
        if api is SmsVoiceApi.V2 and not _V2_IDENTITY.fullmatch(number):
            raise ContextError(
                key,
                f"{where}, {shown}, must be a phone number or pool, by id (phone-..., pool-...) "
                "or ARN, with -c api=v2",
            )
        if number in numbers[: position - 1]:
            first = numbers.index(number) + 1
            raise ContextError(key, f"{where}, {shown}, repeats number {first}")
    return numbers


def _listed(context: dict[str, Any], key: str, accepted: str) -> tuple[str, ...] | None:
    # -c key's comma-separated values (a JSON list in cdk.json), each stripped.
    value = context.get(key)
    if not value:
        return None
    parts = value.split(",") if isinstance(value, str) else value
    if isinstance(parts, list) and all(isinstance(part, str) for part in parts):
        return tuple(part.strip() for part in parts)
    raise bad_value(key, value, accepted)


def _caller_id(context: dict[str, Any], api: SmsVoiceApi) -> str | None:
    caller_id = _text(context, "callerId")
    if caller_id is None:
        return None
    if api is SmsVoiceApi.V2:
        raise bad_value(
            "callerId",
            caller_id,
            CONTEXT["callerId"],
            "has no equivalent with -c api=v2 (recipients see the origination identity)",
        )
    if not phone.is_e164(caller_id):
        raise bad_value("callerId", caller_id, CONTEXT["callerId"], f"must be {_E164_FORM}")
    return caller_id


def _placeholders(api: SmsVoiceApi, count: int) -> tuple[str, ...]:
    """Fictional identities, as many as the quota needs (one up to 40 calls a minute)."""
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
        raise bad_value(key, value, CONTEXT[key])
    return text == "true"


def _text(context: dict[str, Any], key: str) -> str | None:
    value = context.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str | int):
        raise bad_value(key, value, CONTEXT[key])
    return str(value)


def _context_keys(context: dict[str, Any]) -> dict[str, str]:
    """Each construct prop the context feeds, and the key that feeds it."""
    origination = _origination_key(context)
    return {**_PROP_KEYS, **dict.fromkeys(_ORIGINATION_PROPS, origination)}


def _flags(names: dict[str, str]) -> dict[str, str]:
    return {prop: f"-c {key}" for prop, key in names.items()}


def _from_construct(error: ValueError, context: dict[str, Any]) -> Exception:
    """A construct's error about a prop the context fed, as a ContextError naming that key."""
    message = str(error)
    for prop, key in _context_keys(context).items():
        if message.startswith(prop + " ") and key in context:
            return bad_value(key, context[key], CONTEXT[key], message[len(prop) + 1 :])
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
