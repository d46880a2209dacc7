"""Pinpoint SMS and Voice v1's host and paths.

moto routes the host to this fake through the entry
:func:`voice_constructs.testing.core.install` puts first in ``moto.backend_index``; the fake's
backend (``BaseBackend.urls``) maps the paths below to :class:`SmsVoiceResponse`. Which operation a
path and method name is left to moto's router over botocore's service model, so the paths are
those of the model; the last one catches the rest, which the fake answers with its own 404.
"""

from voice_constructs.testing.sms_voice.responses import SmsVoiceResponse

url_bases = [r"https?://sms-voice\.pinpoint\.(.+)\.amazonaws\.com"]

_SET = "{0}/v1/sms-voice/configuration-sets/(?P<ConfigurationSetName>[^/]+)"

url_paths = {
    "{0}/v1/sms-voice/voice/message$": SmsVoiceResponse.dispatch,
    "{0}/v1/sms-voice/configuration-sets$": SmsVoiceResponse.dispatch,
    _SET + "$": SmsVoiceResponse.dispatch,
    _SET + "/event-destinations$": SmsVoiceResponse.dispatch,
    _SET + "/event-destinations/(?P<EventDestinationName>[^/]+)$": SmsVoiceResponse.dispatch,
    # A named group, which moto's server turns into a Flask rule ("/.*" would stay a literal).
    "{0}/v1/sms-voice/(?P<rest>.*)": SmsVoiceResponse.dispatch,
}
