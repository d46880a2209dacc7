"""AWS End User Messaging SMS and Voice v2's faked operation, on moto's ``BaseResponse``."""

from __future__ import annotations

import json

from voice_constructs.testing.faults import TYPE_RESPONSE
from voice_constructs.testing.responses import Reply, VoiceResponse
from voice_constructs.testing.sms_voice_v2.exceptions import SMS_VOICE_V2_ERRORS
from voice_constructs.testing.sms_voice_v2.models import SmsVoiceV2Backend, sms_voice_v2_backends

SMS_VOICE_V2_OPERATIONS = ("SendVoiceMessage",)


class SmsVoiceV2Response(VoiceResponse):
    """The JSON-protocol API; the operation is the last part of ``X-Amz-Target``."""

    OPERATIONS = SMS_VOICE_V2_OPERATIONS
    ERRORS = SMS_VOICE_V2_ERRORS

    def __init__(self) -> None:
        super().__init__(service_name="pinpoint-sms-voice-v2")

    @property
    def backend(self) -> SmsVoiceV2Backend:
        """The v2 state of the request's account and region."""
        return sms_voice_v2_backends[self.current_account][self.region]

    def send_voice_message(self) -> Reply:
        """``SendVoiceMessage`` (a dry run included)."""
        return self.respond(self.backend.send_voice_message)

    def unknown_operation(self, operation: str) -> TYPE_RESPONSE:
        """Any other v2 operation: the fake does not serve it."""
        return (
            400,
            {"x-amzn-ErrorType": "UnknownOperationException"},
            json.dumps(
                {"__type": "UnknownOperationException", "Message": f"{operation} is not faked"}
            ),
        )
