"""Fake of Pinpoint SMS and Voice v1 (``pinpoint-sms-voice``).

``SendVoiceMessage`` and the configuration-set operations, validated as the API reference states.
"""

from voice_constructs.testing.sms_voice.models import (
    DAILY_CALLS_PER_RECIPIENT,
    SmsVoiceBackend,
    sms_voice_backends,
)

__all__ = ["DAILY_CALLS_PER_RECIPIENT", "SmsVoiceBackend", "sms_voice_backends"]
