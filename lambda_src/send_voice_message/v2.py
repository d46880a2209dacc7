"""The same event, sent through AWS End User Messaging SMS and Voice v2 (``pinpoint-sms-voice-v2``).

The event keeps the v1 shape the sender always took; this module maps it to the v2
``SendVoiceMessage`` request and validates the v2-only options, as the v2 API reference states:

- ``PlainTextMessage`` becomes ``MessageBodyTextType=TEXT``, ``SSMLMessage`` becomes ``SSML``;
  ``CallInstructionsMessage`` has no v2 equivalent and is refused;
- ``OriginationPhoneNumber`` becomes ``OriginationIdentity``: an E.164 number, a phone number
  id or ARN, or a pool id or ARN;
- ``VoiceId`` must be one of v2's voices (``Joanna`` and ``JOANNA`` are the same); v2 has no
  ``LanguageCode`` (the voice sets the language), so it is dropped, and no ``CallerId``;
- ``DryRun``, ``TimeToLive``, ``MaxPricePerMinute``, ``Context``, ``ProtectConfigurationId`` and
  ``MessageFeedbackEnabled`` pass through once checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from vc_common.contract import V2_IDENTITY_ARN, V2_IDENTITY_ID
from vc_common.contract import V2_VOICE_IDS as VOICE_IDS
from vc_common.phone import echo, is_e164, mask

from send_voice_message.errors import BadRequestException
from send_voice_message.validation import (
    TOP_LEVEL_FIELDS,
    Defaults,
    check_event,
    configuration_set,
    content,
    destination,
)

TEXT_TYPES = {"PlainTextMessage": "TEXT", "SSMLMessage": "SSML"}
MIN_TTL_SECONDS, MAX_TTL_SECONDS = 5, 259_200
MAX_CONTEXT_ENTRIES = 5
_IDENTITY = re.compile(f"{V2_IDENTITY_ID}|{V2_IDENTITY_ARN}")
_CONFIGURATION_SET = re.compile(r"[A-Za-z0-9_:/-]{1,256}")
_PROTECT_CONFIGURATION = re.compile(r"[A-Za-z0-9_:/-]{1,256}")
_PRICE = re.compile(r"[0-9]{0,2}\.[0-9]{1,5}")
_CONTEXT_KEY = re.compile(r"\S{1,100}")


def build_v2_request(event: object, defaults: Defaults) -> dict[str, Any]:
    """The exact v2 SendVoiceMessage request for ``event``, or BadRequestException."""
    return shape_v2(check_event(event, TOP_LEVEL_FIELDS), defaults)


def shape_v2(event: dict[str, Any], defaults: Defaults) -> dict[str, Any]:
    """The v2 request for an event :func:`check_event` accepted, or BadRequestException."""
    if event.get("CallerId", defaults.caller_id) is not None:
        raise BadRequestException(
            "CallerId", "has no equivalent in the v2 API: recipients see the origination identity"
        )
    message = content(event, defaults)
    kind = next(iter(message))
    if kind not in TEXT_TYPES:
        raise BadRequestException(
            f"Content.{kind}",
            "has no equivalent in the v2 API; send PlainTextMessage or SSMLMessage",
        )
    request: dict[str, Any] = {
        "DestinationPhoneNumber": destination(event),
        "OriginationIdentity": origination_identity(
            event.get("OriginationPhoneNumber", defaults.origination_number)
        ),
        "MessageBody": message[kind]["Text"],
        "MessageBodyTextType": TEXT_TYPES[kind],
    }
    voice = message[kind].get("VoiceId")
    if voice is not None:
        if voice.upper() not in VOICE_IDS:
            raise BadRequestException(
                f"Content.{kind}.VoiceId",
                f"must be one of the v2 API's voices, got {echo(voice, 40)}",
            )
        request["VoiceId"] = voice.upper()
    config = configuration_set(
        event, defaults, _CONFIGURATION_SET, "a configuration set name or ARN (1-256 characters)"
    )
    if config is not None:
        request["ConfigurationSetName"] = config
    request.update(_v2_options(event))
    return request


def origination_identity(value: object) -> str:
    """A checked origination identity: E.164 number, phone number or pool, by id or ARN."""
    if value is None:
        raise BadRequestException("OriginationPhoneNumber", "is required")
    if not isinstance(value, str):
        raise BadRequestException("OriginationPhoneNumber", "must be a string")
    if is_e164(value) or _IDENTITY.fullmatch(value):
        return value
    raise BadRequestException(
        "OriginationPhoneNumber",
        "must be an E.164 number, a phone number id or ARN (phone-...), or a pool id or ARN "
        f"(pool-...), got {mask(value)!r}",
    )


def _v2_options(event: dict[str, Any]) -> dict[str, Any]:
    # In _OPTIONS' order, so that an event with several bad options names the same one each time.
    return {name: check(event[name]) for name, check in _OPTIONS if name in event}


def _flag(name: str) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        if not isinstance(value, bool):
            raise BadRequestException(name, "must be true or false")
        return value

    return check


def _time_to_live(ttl: object) -> int:
    if isinstance(ttl, bool) or not isinstance(ttl, int):
        raise BadRequestException("TimeToLive", "must be a whole number of seconds")
    if not MIN_TTL_SECONDS <= ttl <= MAX_TTL_SECONDS:
        raise BadRequestException(
            "TimeToLive",
            f"must be between {MIN_TTL_SECONDS} and {MAX_TTL_SECONDS} seconds (3 days), got {ttl}",
        )
    return ttl


def _price(price: object) -> str:
    if not isinstance(price, str) or not 2 <= len(price) <= 8 or not _PRICE.fullmatch(price):
        raise BadRequestException(
            "MaxPricePerMinute",
            f'must be a price such as "0.10" (a string), got {echo(price, 40)}',
        )
    return price


def _protect_configuration(value: object) -> str:
    if not isinstance(value, str) or not _PROTECT_CONFIGURATION.fullmatch(value):
        raise BadRequestException(
            "ProtectConfigurationId",
            f"must be a protect configuration id or ARN, got {echo(value, 40)}",
        )
    return value


def _context(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise BadRequestException("Context", "must be an object of string values")
    if len(value) > MAX_CONTEXT_ENTRIES:
        raise BadRequestException(
            "Context", f"must have at most {MAX_CONTEXT_ENTRIES} entries, got {len(value)}"
        )
    for key, item in value.items():
        if not _CONTEXT_KEY.fullmatch(str(key)):
            raise BadRequestException(
                "Context", f"keys must be 1-100 characters without spaces, got {echo(key, 40)}"
            )
        if not isinstance(item, str) or not 1 <= len(item) <= 800 or item != item.strip():
            raise BadRequestException(
                f"Context.{key}",
                "must be a string of 1-800 characters without leading or trailing spaces",
            )
    return dict(value)


# Each v2-only option, and the check that returns its value or raises BadRequestException.
_OPTIONS: tuple[tuple[str, Callable[[object], object]], ...] = (
    ("DryRun", _flag("DryRun")),
    ("MessageFeedbackEnabled", _flag("MessageFeedbackEnabled")),
    ("TimeToLive", _time_to_live),
    ("MaxPricePerMinute", _price),
    ("ProtectConfigurationId", _protect_configuration),
    ("Context", _context),
)
