"""The voice channel's path, which joins moto's own Pinpoint routes (``moto.pinpoint.urls``)."""

from voice_constructs.testing.pinpoint_voice.responses import PinpointVoiceResponse

# Pinpoint's host, served by moto's Pinpoint backend; the voice channel adds a path to it.
url_bases = [r"https?://pinpoint\.(.+)\.amazonaws\.com"]

url_paths = {
    "{0}/v1/apps/(?P<app_id>[^/]+)/channels/voice$": PinpointVoiceResponse.dispatch,
}
