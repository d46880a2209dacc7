"""Which SMS and Voice API the constructs use."""

from __future__ import annotations

import enum

from voice_constructs._contract import contract

# The v2 API's voices: botocore's pinpoint-sms-voice-v2 model, VoiceId (from the contract).
V2_VOICE_IDS = contract.V2_VOICE_IDS


class SmsVoiceApi(enum.Enum):
    """The API that sends voice messages.

    ``V1`` is the Pinpoint SMS and Voice API (``pinpoint-sms-voice``), where the product started.
    ``V2`` is AWS End User Messaging SMS and Voice (``pinpoint-sms-voice-v2``): IAM scoped to
    phone number, pool and configuration set ARNs, native CloudFormation resources, ``DryRun``,
    ``TimeToLive`` and the other v2 options. See the README's migration section.
    """

    V1 = "v1"
    V2 = "v2"
