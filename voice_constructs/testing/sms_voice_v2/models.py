"""AWS End User Messaging SMS and Voice v2's state per account and region, and its validation."""

from __future__ import annotations

import re
import uuid
from typing import Any

from moto.core.base_backend import BackendDict

from voice_constructs.api import V2_VOICE_IDS
from voice_constructs.testing.faults import FakeBackend
from voice_constructs.testing.models import (
    E164,
    E164_PROBLEM,
    MAX_TEXT_CHARACTERS,
    SentVoiceMessage,
    copy_of,
)
from voice_constructs.testing.sms_voice_v2.exceptions import ValidationException

# The constraints botocore's v2 model gives the string members of SendVoiceMessage: pattern,
# shortest, longest (a test holds this table to the model).
V2_PATTERNS = {
    "DestinationPhoneNumber": (re.compile(r"\+?[1-9][0-9]{1,18}"), 1, 20),
    "OriginationIdentity": (re.compile(r"[A-Za-z0-9_:/\+-]+"), 1, 256),
    "ConfigurationSetName": (re.compile(r"[A-Za-z0-9_:/-]+"), 1, 256),
    "ProtectConfigurationId": (re.compile(r"[A-Za-z0-9_:/-]+"), 1, 256),
    "MaxPricePerMinute": (re.compile(r"[0-9]{0,2}\.[0-9]{1,5}"), 2, 8),
    "MessageBody": (re.compile(r"(?!\s*$)[\s\S]+"), 1, 6000),
}


class SmsVoiceV2Backend(FakeBackend):
    """AWS End User Messaging SMS and Voice v2 (``pinpoint-sms-voice-v2``) ``SendVoiceMessage``."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.sent: list[SentVoiceMessage] = []
        self.dry_runs: list[SentVoiceMessage] = []

    def send_voice_message(self, body: dict[str, Any]) -> dict[str, Any]:
        """``SendVoiceMessage``: validate and record the message (a dry run in ``dry_runs``)."""
        _validate_send(body)
        message_id = str(uuid.uuid4())
        record = SentVoiceMessage(
            message_id, copy_of(body), self.account_id, self.region_name, self.clock()
        )
        # A dry run is validated and answered like a send, and places no call.
        (self.dry_runs if body.get("DryRun") else self.sent).append(record)
        return {"MessageId": message_id}


sms_voice_v2_backends = BackendDict(SmsVoiceV2Backend, "pinpoint")


def _validate_send(body: dict[str, Any]) -> None:
    """Refuse what v2's SendVoiceMessage refuses, with its ValidationException."""
    for check in (_check_shapes, _check_text, _check_options, _check_context):
        check(body)


def _check_shapes(body: dict[str, Any]) -> None:
    for required in ("DestinationPhoneNumber", "OriginationIdentity"):
        if not isinstance(body.get(required), str):
            raise ValidationException(required, "is required")
    for name, (pattern, shortest, longest) in V2_PATTERNS.items():
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not shortest <= len(value) <= longest:
            raise ValidationException(name, f"must be {shortest}-{longest} characters")
        if name == "MessageBody" and not value.strip():
            raise ValidationException(name, "must not be blank")
        if not pattern.fullmatch(value):
            raise ValidationException(name, f"must match {pattern.pattern}")
    if not E164.fullmatch(body["DestinationPhoneNumber"]):
        raise ValidationException("DestinationPhoneNumber", E164_PROBLEM)


def _check_text(body: dict[str, Any]) -> None:
    text_type = body.get("MessageBodyTextType", "TEXT")
    if text_type not in ("TEXT", "SSML"):
        raise ValidationException("MessageBodyTextType", "must be TEXT or SSML")
    text = body.get("MessageBody")
    if text_type == "TEXT" and isinstance(text, str) and len(text) > MAX_TEXT_CHARACTERS:
        raise ValidationException(
            "MessageBody",
            f"must be at most {MAX_TEXT_CHARACTERS} characters when MessageBodyTextType is TEXT",
        )
    voice = body.get("VoiceId")
    if voice is not None and voice not in V2_VOICE_IDS:
        raise ValidationException("VoiceId", "must be one of the listed voices")


def _check_options(body: dict[str, Any]) -> None:
    ttl = body.get("TimeToLive")
    if ttl is not None and (
        isinstance(ttl, bool) or not isinstance(ttl, int) or not 5 <= ttl <= 259200
    ):
        raise ValidationException("TimeToLive", "must be between 5 and 259200 seconds")
    for flag in ("DryRun", "MessageFeedbackEnabled"):
        if flag in body and not isinstance(body[flag], bool):
            raise ValidationException(flag, "must be a boolean")


def _check_context(body: dict[str, Any]) -> None:
    context = body.get("Context")
    if context is None:
        return
    if not isinstance(context, dict) or len(context) > 5:
        raise ValidationException("Context", "must be a map of at most 5 entries")
    for key, value in context.items():
        if not 1 <= len(key) <= 100 or any(c.isspace() for c in key):
            raise ValidationException("Context", "keys must be 1-100 characters without whitespace")
        if not isinstance(value, str) or not 1 <= len(value) <= 800 or value != value.strip():
            raise ValidationException("Context", "values must be 1-800 characters, not padded")
