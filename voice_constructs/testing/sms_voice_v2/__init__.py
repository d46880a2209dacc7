"""Fake of End User Messaging SMS and Voice v2 (``pinpoint-sms-voice-v2``), stateful.

Phone numbers (:mod:`.phone_numbers`), pools (:mod:`.pools`), configuration sets and their event
destinations (:mod:`.configuration_sets`), protect configurations and their country rule sets
(:mod:`.protect`), spend limits (:mod:`.spend`) and ``SendVoiceMessage`` (:mod:`.models`), which
refuses an origination identity, configuration set or protect configuration the account lacks,
and a country the protect configuration blocks. Every input is validated as botocore's service
model states (lengths, patterns, enums) first.
"""

from voice_constructs.testing.sms_voice_v2.models import (
    SmsVoiceV2Backend,
    sms_voice_v2_backends,
)

__all__ = ["SmsVoiceV2Backend", "sms_voice_v2_backends"]
