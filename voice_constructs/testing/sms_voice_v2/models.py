"""AWS End User Messaging SMS and Voice v2's state per account and region, and its validation.

Requests are checked against botocore's model of the service
(:mod:`voice_constructs.testing.validation`), then against what the model states in words only.
"""

from __future__ import annotations

import uuid
from typing import Any

from voice_constructs.testing._moto import BackendDict
from voice_constructs.testing.faults import FakeBackend
from voice_constructs.testing.models import (
    E164,
    E164_PROBLEM,
    MAX_TEXT_CHARACTERS,
    REGIONS_OF,
    SentVoiceMessage,
    copy_of,
)
from voice_constructs.testing.sms_voice_v2.exceptions import ValidationException
from voice_constructs.testing.validation import ModelValidator

SERVICE = "pinpoint-sms-voice-v2"
# Every operation's input checked against botocore's v2 model (lengths, patterns, enums, ranges,
# types, required members), with v2's ValidationException naming the member.
MODEL = ModelValidator(SERVICE, ValidationException)


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


sms_voice_v2_backends = BackendDict(SmsVoiceV2Backend, REGIONS_OF)


def _validate_send(body: dict[str, Any]) -> None:
    """Refuse what v2's SendVoiceMessage refuses, with its ValidationException.

    The model's constraints first, then what the model documents in words only.
    """
    MODEL.validate("SendVoiceMessage", body)
    # The model's pattern (\+?[1-9][0-9]{1,18}) lets "12345" through; its documentation and
    # the service want E.164.
    if not E164.fullmatch(body["DestinationPhoneNumber"]):
        raise ValidationException("DestinationPhoneNumber", E164_PROBLEM)
    # MessageBody's shape allows 6,000 characters; its documentation allows plain text 3,000.
    text = body.get("MessageBody")
    if (
        body.get("MessageBodyTextType", "TEXT") == "TEXT"
        and text
        and len(text) > MAX_TEXT_CHARACTERS
    ):
        raise ValidationException(
            "MessageBody",
            f"must be at most {MAX_TEXT_CHARACTERS} characters when MessageBodyTextType is TEXT",
        )
