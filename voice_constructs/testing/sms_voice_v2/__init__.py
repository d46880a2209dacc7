"""Fake of End User Messaging SMS and Voice v2 (``pinpoint-sms-voice-v2``): ``SendVoiceMessage``.

Validated as botocore's service model states (lengths, patterns, enums).
"""

from voice_constructs.testing.sms_voice_v2.models import (
    SmsVoiceV2Backend,
    sms_voice_v2_backends,
)

__all__ = ["SmsVoiceV2Backend", "sms_voice_v2_backends"]
