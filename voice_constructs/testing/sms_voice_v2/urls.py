"""AWS End User Messaging SMS and Voice v2's host: a JSON-protocol API at its root path.

moto routes the host to this fake through the entry
:func:`voice_constructs.testing.core.install` puts first in ``moto.backend_index``; the operation
is the request's ``X-Amz-Target``.
"""

from voice_constructs.testing.sms_voice_v2.responses import SmsVoiceV2Response

# v2 lives at sms-voice.<region>.amazonaws.com (v1 at sms-voice.pinpoint.<region>...).
url_bases = [r"https?://sms-voice\.([a-z0-9-]+)\.amazonaws\.com"]

# Both spellings: moto's server turns a path regex into a Flask rule by dropping "$" and a trailing
# "/?", which leaves "{0}/?$" an empty rule that matches nothing; "{0}/$" gives it "/".
url_paths = {"{0}/?$": SmsVoiceV2Response.dispatch, "{0}/$": SmsVoiceV2Response.dispatch}
