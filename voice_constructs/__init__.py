"""voice-constructs: AWS CDK constructs that place phone calls speaking a message.

The constructs load lazily, so importing ``voice_constructs.testing`` or the pytest plugin does
not start jsii (and Node) in a test run that never synthesizes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from voice_constructs._props import PropsError
    from voice_constructs._sender_countries import ANY_COUNTRY
    from voice_constructs.api import SmsVoiceApi
    from voice_constructs.call_status import CallEventSource, CallStatusTracker
    from voice_constructs.configuration_set import IVoiceConfigurationSet, VoiceConfigurationSet
    from voice_constructs.event_destinations import (
        CloudWatchLogsDestination,
        EventDestination,
        EventDestinationConfig,
        FirehoseDestination,
        SnsTopicDestination,
    )
    from voice_constructs.origination import (
        IVoiceOriginationIdentity,
        IVoicePhoneNumber,
        IVoicePool,
        NumberCapability,
        PhoneNumberType,
        VoicePhoneNumber,
        VoicePool,
    )
    from voice_constructs.pinpoint_voice import PinpointVoice
    from voice_constructs.sender import SenderOptions, VoiceMessageSender
    from voice_constructs.voice_channel import VoiceChannel

__all__ = [
    "ANY_COUNTRY",
    "CallEventSource",
    "CallStatusTracker",
    "CloudWatchLogsDestination",
    "EventDestination",
    "EventDestinationConfig",
    "FirehoseDestination",
    "IVoiceConfigurationSet",
    "IVoiceOriginationIdentity",
    "IVoicePhoneNumber",
    "IVoicePool",
    "NumberCapability",
    "PhoneNumberType",
    "PinpointVoice",
    "PropsError",
    "SenderOptions",
    "SmsVoiceApi",
    "SnsTopicDestination",
    "VoiceChannel",
    "VoiceConfigurationSet",
    "VoiceMessageSender",
    "VoicePhoneNumber",
    "VoicePool",
]

_MODULES = {
    "ANY_COUNTRY": "voice_constructs._sender_countries",
    "CallEventSource": "voice_constructs.call_status",
    "CallStatusTracker": "voice_constructs.call_status",
    "SmsVoiceApi": "voice_constructs.api",
    "CloudWatchLogsDestination": "voice_constructs.event_destinations",
    "EventDestination": "voice_constructs.event_destinations",
    "EventDestinationConfig": "voice_constructs.event_destinations",
    "FirehoseDestination": "voice_constructs.event_destinations",
    "IVoiceConfigurationSet": "voice_constructs.configuration_set",
    "SnsTopicDestination": "voice_constructs.event_destinations",
    "VoiceConfigurationSet": "voice_constructs.configuration_set",
    "IVoiceOriginationIdentity": "voice_constructs.origination",
    "IVoicePhoneNumber": "voice_constructs.origination",
    "IVoicePool": "voice_constructs.origination",
    "NumberCapability": "voice_constructs.origination",
    "PhoneNumberType": "voice_constructs.origination",
    "VoicePhoneNumber": "voice_constructs.origination",
    "VoicePool": "voice_constructs.origination",
    "PinpointVoice": "voice_constructs.pinpoint_voice",
    "PropsError": "voice_constructs._props",
    "SenderOptions": "voice_constructs.sender",
    "VoiceChannel": "voice_constructs.voice_channel",
    "VoiceMessageSender": "voice_constructs.sender",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'voice_constructs' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
