"""AWS End User Messaging SMS and Voice v2's faked operation, on moto's ``BaseResponse``."""

from __future__ import annotations

from voice_constructs.testing.exceptions import ServiceError
from voice_constructs.testing.faults import TYPE_RESPONSE
from voice_constructs.testing.responses import Reply, VoiceResponse
from voice_constructs.testing.sms_voice_v2.exceptions import (
    SMS_VOICE_V2_ERRORS,
    RequestValidationException,
)
from voice_constructs.testing.sms_voice_v2.models import SmsVoiceV2Backend, sms_voice_v2_backends

SMS_VOICE_V2_OPERATIONS = ("SendVoiceMessage",)


class SmsVoiceV2Response(VoiceResponse):
    """The JSON-protocol API; the operation is the last part of ``X-Amz-Target``."""

    OPERATIONS = SMS_VOICE_V2_OPERATIONS
    ERRORS = SMS_VOICE_V2_ERRORS
    SERVICE = "pinpoint-sms-voice-v2"

    @classmethod
    def malformed(cls, message: str) -> ServiceError:
        """v2's ValidationException, reason ``CANNOT_PARSE`` (v2 has no BadRequestException)."""
        return RequestValidationException("CANNOT_PARSE", message)

    @property
    def backend(self) -> SmsVoiceV2Backend:
        """The v2 state of the request's account and region."""
        return sms_voice_v2_backends[self.current_account][self.region]

    def send_voice_message(self) -> Reply:
        """``SendVoiceMessage`` (a dry run included)."""
        return self.respond(self.backend.send_voice_message)

    def unknown_operation(self, operation: str) -> TYPE_RESPONSE:
        """Any other target: v2's ValidationException, reason ``UNKNOWN_OPERATION``."""
        if not operation:
            problem = f"X-Amz-Target names no operation of {self.SERVICE}"
        else:
            faked = ", ".join(self.OPERATIONS)
            problem = f"{operation} is not an operation the fake serves ({faked})"
        return self.error_reply(RequestValidationException("UNKNOWN_OPERATION", problem))
