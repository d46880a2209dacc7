"""Fake of the Pinpoint voice channel (Get, Update and DeleteVoiceChannel).

moto's Pinpoint has applications but no voice channel; its path joins moto's own Pinpoint routes.
"""

from voice_constructs.testing.pinpoint_voice.models import (
    VoiceChannelBackend,
    voice_channel_backends,
)

__all__ = ["VoiceChannelBackend", "voice_channel_backends"]
