"""Validation of a SendVoiceMessage request before any call is placed (no AWS calls here)."""

from __future__ import annotations

import re

# DOCTYPE and ENTITY declarations are refused before parsing, so no entity is ever expanded.
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vc_common import contract
from vc_common.phone import echo, is_e164, mask

from send_voice_message.errors import BadRequestException

MAX_SPOKEN_CHARACTERS = contract.MAX_SPOKEN_CHARACTERS
MAX_SSML_CHARACTERS = contract.MAX_SSML_CHARACTERS
TOP_LEVEL_FIELDS = frozenset(
    {
        "Content",
        "DestinationPhoneNumber",
        "OriginationPhoneNumber",
        "CallerId",
        "ConfigurationSetName",
        "IdempotencyKey",
        "DryRun",
        "TimeToLive",
        "MaxPricePerMinute",
        "Context",
        "ProtectConfigurationId",
        "MessageFeedbackEnabled",
    }
)
# Printable ASCII without spaces: request ids, UUIDs, "alert-42:+1206...", and the like.
IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,256}")
CONTENT_KINDS = ("CallInstructionsMessage", "PlainTextMessage", "SSMLMessage")
_MESSAGE_FIELDS = {
    "CallInstructionsMessage": frozenset({"Text"}),
    "PlainTextMessage": frozenset({"Text", "LanguageCode", "VoiceId"}),
    "SSMLMessage": frozenset({"Text", "LanguageCode", "VoiceId"}),
}
# Amazon Polly's forms: "en-US", "cmn-CN", or a bare language such as "arb"; voices are ASCII names.
LANGUAGE_CODE = re.compile(contract.LANGUAGE_CODE)
VOICE_ID = re.compile(contract.VOICE_ID)
CONFIGURATION_SET_NAME = re.compile(contract.CONFIGURATION_SET_NAME)
_SPEAK = re.compile(r"^(\{[^}]*\})?speak$")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
_FORBIDDEN_MARKUP = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# The deepest an event may nest (the request itself nests 3 levels; Context 2).
MAX_DEPTH = 8
# What an error message lists of the unknown fields it found.
_UNKNOWN_SHOWN = 5


@dataclass(frozen=True)
class Defaults:
    """Values the construct configured, used where the event leaves them out."""

    origination_number: str | None = None
    caller_id: str | None = None
    configuration_set_name: str | None = None
    language_code: str | None = None
    voice_id: str | None = None


# Fields only the v2 API (AWS End User Messaging SMS and Voice) has.
V2_ONLY_FIELDS = frozenset(
    {
        "DryRun",
        "TimeToLive",
        "MaxPricePerMinute",
        "Context",
        "ProtectConfigurationId",
        "MessageFeedbackEnabled",
    }
)


def build_request(event: object, defaults: Defaults) -> dict[str, Any]:
    """The exact SendVoiceMessage (v1) request for ``event``, or BadRequestException."""
    return shape_v1(check_event(event, TOP_LEVEL_FIELDS), defaults)


def shape_v1(event: dict[str, Any], defaults: Defaults) -> dict[str, Any]:
    """The v1 request for an event :func:`check_event` accepted, or BadRequestException."""
    v2_only = sorted(V2_ONLY_FIELDS & set(event))
    if v2_only:
        raise BadRequestException(
            v2_only[0], "needs the v2 API: create the sender with api=SmsVoiceApi.V2"
        )
    request: dict[str, Any] = {
        "DestinationPhoneNumber": destination(event),
        "OriginationPhoneNumber": _phone(
            event, "OriginationPhoneNumber", defaults.origination_number, required=True
        ),
        "Content": _content(event.get("Content"), defaults),
    }
    caller_id = _phone(event, "CallerId", defaults.caller_id, required=False)
    if caller_id is not None:
        request["CallerId"] = caller_id
    config = configuration_set(
        event, defaults, CONFIGURATION_SET_NAME, contract.CONFIGURATION_SET_NAME_FORM
    )
    if config is not None:
        request["ConfigurationSetName"] = config
    return request


def check_event(event: object, allowed: Iterable[str]) -> dict[str, Any]:
    """The event as a JSON object with only ``allowed`` fields, or BadRequestException."""
    if not isinstance(event, dict):
        raise BadRequestException("event", f"must be a JSON object, got {_json_type(event)}")
    _reject_unknown(event, allowed, "event")
    check_text(event, "event")
    return event


def check_text(value: object, where: str) -> None:
    """Refuse what cannot be sent as JSON text: nesting past MAX_DEPTH, lone surrogates.

    Iterative, so that no input can exhaust the interpreter's stack.
    """
    pending: list[tuple[object, str, int]] = [(value, where, 0)]
    while pending:
        item, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise BadRequestException(path, f"nests deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            _check_unicode(item, path)
        elif isinstance(item, dict):
            for key, child in item.items():
                name = str(key)
                _check_unicode(name, f"{path} key")
                pending.append((child, f"{path}.{name}" if path != "event" else name, depth + 1))
        elif isinstance(item, list | tuple):
            pending.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))


def _check_unicode(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadRequestException(
            path, f"must be valid Unicode text: it holds a lone surrogate at {error.start}"
        ) from None


def destination(event: dict[str, Any]) -> str:
    """The checked ``DestinationPhoneNumber`` (E.164)."""
    value = _phone(event, "DestinationPhoneNumber", None, required=True)
    assert value is not None
    return value


def content(event: dict[str, Any], defaults: Defaults) -> dict[str, Any]:
    """The checked ``Content``: one message kind, with defaults applied."""
    return _content(event.get("Content"), defaults)


def configuration_set(
    event: dict[str, Any], defaults: Defaults, pattern: re.Pattern[str], form: str
) -> str | None:
    """The checked ``ConfigurationSetName`` (the event's or the default), or None."""
    config = _optional_string(event, "ConfigurationSetName", defaults.configuration_set_name)
    if config is not None and not pattern.fullmatch(config):
        raise BadRequestException("ConfigurationSetName", f"must be {form}, got {echo(config)}")
    return config


def idempotency_key(event: object) -> str | None:
    """The event's ``IdempotencyKey``, checked; None when it brings none."""
    if not isinstance(event, dict) or event.get("IdempotencyKey") is None:
        return None
    key = event["IdempotencyKey"]
    if not isinstance(key, str):
        raise BadRequestException("IdempotencyKey", f"must be a string, got {_json_type(key)}")
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise BadRequestException(
            "IdempotencyKey",
            f"must be 1-256 printable ASCII characters without spaces, got {echo(key, 40)}",
        )
    return key


def _phone(event: dict[str, Any], field: str, default: str | None, *, required: bool) -> str | None:
    value = event.get(field, default)
    if value is None:
        if required:
            raise BadRequestException(field, "is required")
        return None
    if not isinstance(value, str):
        raise BadRequestException(field, f"must be a string, got {_json_type(value)}")
    if not is_e164(value):
        raise BadRequestException(
            field, f"must be in E.164 form (+ and 2 to 15 digits), got '{mask(value)}'"
        )
    return value


def _optional_string(event: dict[str, Any], field: str, default: str | None) -> str | None:
    value = event.get(field, default)
    if value is not None and not isinstance(value, str):
        raise BadRequestException(field, f"must be a string, got {_json_type(value)}")
    return value


def _content(content: object, defaults: Defaults) -> dict[str, Any]:
    if content is None:
        raise BadRequestException("Content", "is required")
    if not isinstance(content, dict):
        raise BadRequestException("Content", f"must be an object, got {_json_type(content)}")
    _reject_unknown(content, CONTENT_KINDS, "Content")
    kinds = [kind for kind in CONTENT_KINDS if kind in content]
    if len(kinds) != 1:
        raise BadRequestException(
            "Content", f"must hold exactly one of {list(CONTENT_KINDS)}, got {kinds}"
        )
    kind = kinds[0]
    return {kind: _message(kind, content[kind], defaults)}


def _message(kind: str, message: object, defaults: Defaults) -> dict[str, Any]:
    where = f"Content.{kind}"
    if not isinstance(message, dict):
        raise BadRequestException(where, f"must be an object, got {_json_type(message)}")
    _reject_unknown(message, _MESSAGE_FIELDS[kind], where)
    text = message.get("Text")
    if text is None:
        raise BadRequestException(f"{where}.Text", "is required")
    if not isinstance(text, str):
        raise BadRequestException(f"{where}.Text", f"must be a string, got {_json_type(text)}")
    if not text.strip():
        raise BadRequestException(f"{where}.Text", "must not be empty or blank")
    result: dict[str, Any] = {"Text": _text(kind, text, f"{where}.Text")}
    if kind == "CallInstructionsMessage":
        return result
    voice_settings = (
        ("LanguageCode", defaults.language_code, LANGUAGE_CODE, "a language code such as en-US"),
        ("VoiceId", defaults.voice_id, VOICE_ID, "an Amazon Polly voice name such as Joanna"),
    )
    for name, default, pattern, form in voice_settings:
        value = message.get(name, default)
        if value is None:
            continue
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise BadRequestException(f"{where}.{name}", f"must be {form}, got {_short(value)}")
        result[name] = value
    return result


def _text(kind: str, text: str, field: str) -> str:
    if kind != "SSMLMessage":
        if len(text) > MAX_SPOKEN_CHARACTERS:
            raise BadRequestException(
                field, f"must be at most {MAX_SPOKEN_CHARACTERS} characters, got {len(text)}"
            )
        return text
    # The service rejects line breaks inside SSML; they carry no meaning there.
    ssml = _LINE_BREAKS.sub(" ", text)
    if len(ssml) > MAX_SSML_CHARACTERS:
        raise BadRequestException(
            field,
            f"must be at most {MAX_SSML_CHARACTERS} characters including SSML markup, "
            f"got {len(ssml)}",
        )
    if _FORBIDDEN_MARKUP.search(ssml):
        raise BadRequestException(field, "must not contain DOCTYPE or ENTITY declarations")
    try:
        root = ET.fromstring(ssml)  # noqa: S314 - no DOCTYPE, so no entity expansion is possible
    except ET.ParseError as error:
        raise BadRequestException(field, f"must be well-formed SSML: {error}") from None
    if not _SPEAK.match(root.tag):
        raise BadRequestException(field, f"must have a <speak> root element, got <{root.tag}>")
    spoken = "".join(root.itertext())
    if not spoken.strip():
        raise BadRequestException(field, "must contain words to speak")
    if len(spoken) > MAX_SPOKEN_CHARACTERS:
        raise BadRequestException(
            field,
            f"must have at most {MAX_SPOKEN_CHARACTERS} spoken characters, got {len(spoken)}",
        )
    return ssml


def _reject_unknown(value: dict[Any, Any], allowed: Iterable[str], field: str) -> None:
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        shown = ", ".join(echo(name, 40) for name in unknown[:_UNKNOWN_SHOWN])
        more = f" and {len(unknown) - _UNKNOWN_SHOWN} more" if len(unknown) > _UNKNOWN_SHOWN else ""
        raise BadRequestException(
            field, f"has unknown fields [{shown}]{more}; allowed: {sorted(allowed)}"
        )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _short(value: object) -> str:
    return echo(value, 40) if isinstance(value, str) else _json_type(value)
