"""moto extension for the voice APIs that moto lacks.

Under moto's ``mock_aws``, boto3 then gets:

- the Pinpoint voice channel, ``GET/PUT/DELETE /v1/apps/{application-id}/channels/voice``
  (``GetVoiceChannel``, ``UpdateVoiceChannel``, ``DeleteVoiceChannel``), with state per account and
  region, and ``NotFoundException`` (404) for an unknown application or channel;
- the Pinpoint SMS and Voice v1 service (``pinpoint-sms-voice``): ``SendVoiceMessage`` and the
  configuration-set operations;
- AWS End User Messaging SMS and Voice v2 (``pinpoint-sms-voice-v2``), stateful: phone numbers,
  pools, configuration sets and event destinations, protect configurations and their country
  rule sets, spend limits, and ``SendVoiceMessage``, which refuses an origination identity,
  configuration set or protect configuration the account does not hold and a country its
  protect configuration blocks. Resources made elsewhere are declared with
  :meth:`VoiceMock.adopt_phone_number`, ``adopt_pool``, ``adopt_configuration_set``,
  ``adopt_protect_configuration`` and ``adopt_origination_identity``
  (:mod:`~voice_constructs.testing.adoption`).

Every operation checks its input against botocore's service model of its API (required members,
types, enums, lengths, patterns, ranges, list and map sizes), derived from the model at run time
by :mod:`~voice_constructs.testing.validation` rather than written by hand, so the fakes cannot
drift from the real API; then the rules the model cannot express (phone numbers in E.164 form, one
content kind, text limits, the per-recipient cap, the resources that exist). Both raise the
service's own error (v1 and Pinpoint ``BadRequestException``, v2 ``ValidationException``) naming
the member, so code under test meets the error it would meet in production.

The package is shaped like moto: a sub-package per faked service (``pinpoint_voice``,
``sms_voice``, ``sms_voice_v2``), each with ``models.py`` (the backend state), ``responses.py`` (a
``BaseResponse`` subclass, one method per operation), ``urls.py`` and ``exceptions.py``; fault
injection and the call log shared by the three in :mod:`~voice_constructs.testing.faults`, the
call-event emitter in :mod:`~voice_constructs.testing.events`, and the registration with moto,
:class:`VoiceMock` and :func:`mock_voice` in :mod:`~voice_constructs.testing.core`.

Call events: :meth:`VoiceMock.emit_call_events` plays a call's lifecycle for a message either
fake sent, where the service delivers it. A v1 message's events go to its configuration set's
SNS, CloudWatch Logs and Firehose destinations; a v2 message's go on moto's default EventBridge
bus (source ``aws.sms-voice``, detail-type ``Voice Message Delivery Status Updated``), so the bus's
rules deliver them to their targets. Each returned :class:`EmittedCallEvent` carries what was
delivered (for v2, the whole envelope a rule's Lambda target receives), for a test to hand to the
consumer under test.

It plugs into moto's own routing (``moto.pinpoint.urls.url_paths`` and backends registered in
``moto.backend_index``); boto3 clients are not patched. Tests read what was sent and inject faults
through :class:`VoiceMock`; the ``voice_mock`` pytest fixture (``voice_constructs.pytest_plugin``)
activates all of it, and :func:`mock_voice` does the same as a context manager. Both give their
scope a region and fake credentials when the environment has none (see :func:`mock_voice`).

moto's internals are not public API, so this package is pinned to ``moto>=5,<6`` and a canary test
fails the day moto implements these operations itself.
"""

from __future__ import annotations

from voice_constructs.testing.core import (
    VoiceMock,
    install,
    mock_voice,
    moto_implements_sms_voice,
    moto_implements_voice_channel,
)
from voice_constructs.testing.events import EmittedCallEvent
from voice_constructs.testing.exceptions import ServiceError as ServiceError
from voice_constructs.testing.faults import CONNECT_TIMEOUT as CONNECT_TIMEOUT
from voice_constructs.testing.faults import ERROR as ERROR
from voice_constructs.testing.faults import TIMEOUT_AFTER_ACCEPT as TIMEOUT_AFTER_ACCEPT
from voice_constructs.testing.faults import TYPE_RESPONSE as TYPE_RESPONSE
from voice_constructs.testing.faults import Fault as Fault
from voice_constructs.testing.faults import RecordedCall
from voice_constructs.testing.models import SentVoiceMessage
from voice_constructs.testing.pinpoint_voice.models import (
    VoiceChannelBackend as VoiceChannelBackend,
)
from voice_constructs.testing.pinpoint_voice.models import (
    voice_channel_backends as voice_channel_backends,
)
from voice_constructs.testing.pinpoint_voice.responses import VOICE_CHANNEL_OPERATIONS
from voice_constructs.testing.sms_voice.models import (
    DAILY_CALLS_PER_RECIPIENT as DAILY_CALLS_PER_RECIPIENT,
)
from voice_constructs.testing.sms_voice.models import SmsVoiceBackend as SmsVoiceBackend
from voice_constructs.testing.sms_voice.models import sms_voice_backends as sms_voice_backends
from voice_constructs.testing.sms_voice.responses import SMS_VOICE_OPERATIONS
from voice_constructs.testing.sms_voice_v2.models import SmsVoiceV2Backend as SmsVoiceV2Backend
from voice_constructs.testing.sms_voice_v2.models import (
    sms_voice_v2_backends as sms_voice_v2_backends,
)
from voice_constructs.testing.sms_voice_v2.responses import SMS_VOICE_V2_OPERATIONS

__all__ = [
    "SMS_VOICE_OPERATIONS",
    "SMS_VOICE_V2_OPERATIONS",
    "VOICE_CHANNEL_OPERATIONS",
    "EmittedCallEvent",
    "RecordedCall",
    "SentVoiceMessage",
    "VoiceMock",
    "install",
    "mock_voice",
    "moto_implements_sms_voice",
    "moto_implements_voice_channel",
]
