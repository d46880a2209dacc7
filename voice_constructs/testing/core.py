"""The fakes' registration with moto, :class:`VoiceMock` and :func:`mock_voice`.

Custom glue, and why: moto's router (``BotocoreStubber``) finds a service by matching the request's
host against ``moto.backend_index.backend_url_patterns``, a table generated from moto's own
packages, and imports the service's backends as ``moto.<service>.<service>_backends``. The SMS and
Voice fakes are not moto packages, so :func:`install` puts their host patterns first in that table
and a module of that name in ``sys.modules`` holding their ``BackendDict``. From there moto's own
machinery runs: ``BaseBackend.urls`` reads the fake's ``urls.py`` (it derives the module from the
backend class's), and ``BaseResponse.dispatch`` calls the operation's method. The voice channel
shares Pinpoint's host, which moto routes to its own Pinpoint backend, so its path joins
``moto.pinpoint.urls.url_paths``, which that backend reads on every request.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from voice_constructs.testing._moto import (
    DEFAULT_ACCOUNT_ID,
    backend_url_patterns,
    mock_aws,
    pinpoint_url_paths,
    register_backends,
)
from voice_constructs.testing.adoption import Adoption
from voice_constructs.testing.environment import default_region, scoped_environment
from voice_constructs.testing.events import (
    ANSWERED_CALL,
    V2_ANSWERED_CALL,
    EmittedCallEvent,
    emit_call_events,
    emit_eventbridge_events,
    quoted_id,
)
from voice_constructs.testing.faults import (
    CONNECT_TIMEOUT,
    TIMEOUT_AFTER_ACCEPT,
    FakeBackend,
    Fault,
    RecordedCall,
)
from voice_constructs.testing.models import SentVoiceMessage
from voice_constructs.testing.pinpoint_voice import urls as pinpoint_voice_urls
from voice_constructs.testing.pinpoint_voice.exceptions import PINPOINT_ERRORS
from voice_constructs.testing.pinpoint_voice.models import voice_channel_backends
from voice_constructs.testing.pinpoint_voice.responses import VOICE_CHANNEL_OPERATIONS
from voice_constructs.testing.sms_voice import urls as sms_voice_urls
from voice_constructs.testing.sms_voice.exceptions import SMS_VOICE_ERRORS
from voice_constructs.testing.sms_voice.models import SmsVoiceBackend, sms_voice_backends
from voice_constructs.testing.sms_voice.responses import SMS_VOICE_OPERATIONS
from voice_constructs.testing.sms_voice_v2 import urls as sms_voice_v2_urls
from voice_constructs.testing.sms_voice_v2.exceptions import SMS_VOICE_V2_ERRORS
from voice_constructs.testing.sms_voice_v2.models import SmsVoiceV2Backend, sms_voice_v2_backends
from voice_constructs.testing.sms_voice_v2.responses import SMS_VOICE_V2_OPERATIONS

# The service names moto's router imports ("moto.<service>", with "<service>_backends" inside).
SMS_VOICE_SERVICE = "voiceconstructs_smsvoice"
SMS_VOICE_V2_SERVICE = "voiceconstructs_smsvoicev2"

_install_lock = threading.Lock()
_native: dict[str, bool] = {}


def install() -> None:
    """Register the three fakes with moto's router. Safe to call more than once."""
    with _install_lock:
        if _native:
            return
        _native["voice_channel"] = _moto_routes_voice_channel()
        _native["sms_voice"] = _moto_routes_sms_voice()
        for path, handler in pinpoint_voice_urls.url_paths.items():
            pinpoint_url_paths.setdefault(path, handler)
        register_backends(SMS_VOICE_SERVICE, sms_voice_backends)
        register_backends(SMS_VOICE_V2_SERVICE, sms_voice_v2_backends)
        # First in the list: moto's router takes the first pattern that matches the URL.
        backend_url_patterns[:0] = [
            (SMS_VOICE_SERVICE, re.compile(sms_voice_urls.url_bases[0])),
            (SMS_VOICE_V2_SERVICE, re.compile(sms_voice_v2_urls.url_bases[0])),
        ]


def _moto_routes_voice_channel() -> bool:
    return any("channels/voice" in path for path in pinpoint_url_paths)


def _moto_routes_sms_voice() -> bool:
    url = "https://sms-voice.pinpoint.us-east-1.amazonaws.com/v1/sms-voice/voice/message"
    return any(
        pattern.match(url) and service != SMS_VOICE_SERVICE
        for service, pattern in backend_url_patterns
    )


def moto_implements_voice_channel() -> bool:
    """Whether moto itself (before this extension) routes the voice channel endpoints."""
    install()
    return _native["voice_channel"]


def moto_implements_sms_voice() -> bool:
    """Whether moto itself (before this extension) routes the pinpoint-sms-voice endpoint."""
    install()
    return _native["sms_voice"]


def error_name(operation: str, status: int, api: str = "v1") -> str | None:
    """The error name the faked API gives HTTP ``status`` (what ``fail_next`` uses by default)."""
    if api == "v2":
        return SMS_VOICE_V2_ERRORS.get(status)
    if operation in VOICE_CHANNEL_OPERATIONS:
        return PINPOINT_ERRORS.get(status)
    return SMS_VOICE_ERRORS.get(status)


class VoiceMock(Adoption):
    """What a test sees of the fakes: sent messages, call logs, fault injection.

    Every method takes ``account_id`` and ``region``; they default to moto's default account
    and the environment's region. The v2 identities a test sends from are declared with
    ``adopt_phone_number``, ``adopt_pool`` and ``adopt_origination_identity``
    (:class:`~voice_constructs.testing.adoption.Adoption`).
    """

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID, region: str | None = None) -> None:
        self.account_id = account_id
        self.region = region or default_region()

    def _backend(
        self, operation: str, account_id: str | None, region: str | None, api: str = "v1"
    ) -> FakeBackend:
        account, where = account_id or self.account_id, region or self.region
        if api == "v2":
            if operation not in SMS_VOICE_V2_OPERATIONS:
                raise ValueError(f"v2 operation must be one of {SMS_VOICE_V2_OPERATIONS}")
            return sms_voice_v2_backends[account][where]
        if api != "v1":
            raise ValueError(f"api must be 'v1' or 'v2', got {api!r}")
        if operation in VOICE_CHANNEL_OPERATIONS:
            return voice_channel_backends[account][where]
        if operation in SMS_VOICE_OPERATIONS:
            return sms_voice_backends[account][where]
        raise ValueError(f"operation must be one of the faked operations, got {operation!r}")

    def sms_voice(
        self, account_id: str | None = None, region: str | None = None
    ) -> SmsVoiceBackend:
        """The SMS and Voice backend of one account and region."""
        return sms_voice_backends[account_id or self.account_id][region or self.region]

    def sms_voice_v2(
        self, account_id: str | None = None, region: str | None = None
    ) -> SmsVoiceV2Backend:
        """The SMS and Voice v2 backend of one account and region."""
        return sms_voice_v2_backends[account_id or self.account_id][region or self.region]

    def sent_messages(
        self, account_id: str | None = None, region: str | None = None, *, api: str = "v1"
    ) -> list[SentVoiceMessage]:
        """Voice messages the fake accepted (dry runs of v2 excluded), oldest first."""
        if api == "v2":
            return list(self.sms_voice_v2(account_id, region).sent)
        if api != "v1":
            raise ValueError(f"api must be 'v1' or 'v2', got {api!r}")
        return list(self.sms_voice(account_id, region).sent)

    def calls(
        self,
        operation: str,
        account_id: str | None = None,
        region: str | None = None,
        *,
        api: str = "v1",
    ) -> list[RecordedCall]:
        """Every request of ``operation`` the fake received, failed ones included."""
        backend = self._backend(operation, account_id, region, api)
        return [call for call in backend.calls if call.operation == operation]

    def voice_channel(
        self, application_id: str, account_id: str | None = None, region: str | None = None
    ) -> dict[str, Any] | None:
        """The stored voice channel of an application, or None."""
        backend = voice_channel_backends[account_id or self.account_id][region or self.region]
        channel = backend.channels.get(application_id)
        return channel.to_json() if channel else None

    def fail_next(
        self,
        operation: str,
        count: int = 1,
        *,
        status: int = 429,
        code: str | None = None,
        message: str = "injected fault",
        account_id: str | None = None,
        region: str | None = None,
        api: str = "v1",
    ) -> None:
        """Make the next ``count`` calls of ``operation`` fail with ``status`` (and ``code``).

        With ``api="v2"``, the codes are v2's (429 is ``ThrottlingException``, 400
        ``ValidationException``, ...).
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        error_code = code or error_name(operation, status, api)
        if error_code is None:
            raise ValueError(f"status {status} has no error code for {operation}; pass code=")
        backend = self._backend(operation, account_id, region, api)
        backend.queue_faults(operation, Fault(status, error_code, message), count)

    def time_out_next(
        self,
        operation: str,
        count: int = 1,
        *,
        after_accept: bool = True,
        account_id: str | None = None,
        region: str | None = None,
        api: str = "v1",
    ) -> None:
        """Make the next ``count`` calls of ``operation`` time out.

        With ``after_accept`` (the default) the service acts on the request (a voice message is
        sent and recorded) and the client gets a read timeout; otherwise the connection never
        opens (a connect timeout) and the request does not reach the service.
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        kind = TIMEOUT_AFTER_ACCEPT if after_accept else CONNECT_TIMEOUT
        backend = self._backend(operation, account_id, region, api)
        backend.queue_faults(operation, Fault(0, "", "injected timeout", kind), count)

    def emit_call_events(
        self,
        message_id: str,
        events: tuple[str, ...] | None = None,
        *,
        api: str | None = None,
        start_ms: int | None = None,
        step_ms: int = 2000,
        account_id: str | None = None,
        region: str | None = None,
    ) -> list[EmittedCallEvent]:
        """Deliver a call's lifecycle for ``message_id`` where the service would deliver it.

        ``api`` is the API the message was sent with, ``"v1"`` or ``"v2"``; by default the fake
        that sent ``message_id`` is found (message ids are UUIDs, unique across both). An id
        neither fake sent (in this account and region) is refused with ``ValueError``.

        - v1 (``pinpoint-sms-voice``): each event goes, in the order given, to every enabled
          destination of the set named in the sent message whose ``MatchingEventTypes``
          include it: an SNS destination gets a published message (inside moto's SNS) whose
          body is the event JSON, a CloudWatch Logs one a log event, a Firehose one a record.
          The event has the fields of the service's event format (``eventType``,
          ``eventVersion``, ``eventTimestamp`` in milliseconds, ``isFinal``,
          ``originationPhoneNumber``, ``destinationPhoneNumber``, ``messageId``,
          ``configurationSetName``). ``events`` defaults to ``INITIATED_CALL``, ``RINGING``,
          ``ANSWERED``, ``COMPLETED_CALL``.
        - v2 (``pinpoint-sms-voice-v2``): each event is put, in order, on moto's default
          EventBridge bus (source ``aws.sms-voice``, detail-type ``Voice Message Delivery
          Status Updated``), so the bus's rules whose pattern matches deliver it to their
          targets. The ``detail`` is the record above with v2's event names, plus
          ``messageRequestTimestamp`` (when the fake accepted the send), and
          ``configurationSetName`` only when the request named one. ``events`` defaults to
          ``VOICE_INITIATED``, ``VOICE_RINGING``, ``VOICE_ANSWERED``, ``VOICE_COMPLETED``;
          ``VOICE_BUSY``, ``VOICE_FAILED``, ``VOICE_NO_ANSWER`` and ``VOICE_TTL_EXPIRED`` are
          the others. A dry run places no call: it emits nothing and returns ``[]``.

        Timestamps start at ``start_ms`` (default: the fake's clock, ``backend.clock()``) and
        step by ``step_ms``. Returns what was delivered, in order, for tests to feed a consumer:
        for v2 each :class:`EmittedCallEvent` holds the whole EventBridge envelope (what a rule's
        Lambda target receives) in ``event``, the record in ``detail``, and in ``undelivered``
        the Lambda targets of the rules it matched, which moto does not invoke.
        """
        where = account_id or self.account_id, region or self.region
        api = api or self._api_of(message_id, *where)
        if api == "v2":
            backend_v2 = sms_voice_v2_backends[where[0]][where[1]]
            return emit_eventbridge_events(
                backend_v2,
                message_id,
                V2_ANSWERED_CALL if events is None else events,
                start_ms=start_ms,
                step_ms=step_ms,
            )
        if api != "v1":
            raise ValueError(f"api must be 'v1' or 'v2', got {api!r}")
        return emit_call_events(
            sms_voice_backends[where[0]][where[1]],
            message_id,
            ANSWERED_CALL if events is None else events,
            start_ms=start_ms,
            step_ms=step_ms,
        )

    @staticmethod
    def _api_of(message_id: str, account_id: str, region: str) -> str:
        v2 = sms_voice_v2_backends[account_id][region]
        if any(m.message_id == message_id for m in (*v2.sent, *v2.dry_runs)):
            return "v2"
        if any(m.message_id == message_id for m in sms_voice_backends[account_id][region].sent):
            return "v1"
        raise ValueError(
            f"message_id {quoted_id(message_id)} was not sent through this fake (neither v1 "
            f"nor v2, account {account_id}, region {region})"
        )

    def patch_next_response(
        self,
        operation: str,
        fields: dict[str, Any],
        count: int = 1,
        *,
        account_id: str | None = None,
        region: str | None = None,
    ) -> None:
        """Overwrite fields of the next ``count`` successful responses (stale or odd reads)."""
        backend = self._backend(operation, account_id, region)
        backend.queue_patches(operation, fields, count)


@contextmanager
def mock_voice(region: str | None = None) -> Iterator[VoiceMock]:
    """Start moto's ``mock_aws`` with the three fakes registered, and yield a :class:`VoiceMock`.

    The scope works on a machine with no AWS configuration at all; for its duration:

    - the region: ``region`` when given, which both ``AWS_DEFAULT_REGION`` (what boto3 reads)
      and ``AWS_REGION`` are set to; otherwise ``AWS_DEFAULT_REGION``, ``AWS_REGION`` or
      ``us-east-1``, whichever comes first, set in the variables that are unset, so clients
      created without ``region_name`` and the :class:`VoiceMock` agree;
    - the credentials: moto 5's ``mock_aws`` itself sets ``AWS_ACCESS_KEY_ID`` and
      ``AWS_SECRET_ACCESS_KEY`` to fakes for its scope (unless moto's ``mock_credentials``
      option is off), and this leaves them alone; only when none are then configured (no
      ``AWS_ACCESS_KEY_ID``, and no credentials in the active profile of the shared files) are
      ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and ``AWS_SESSION_TOKEN`` set to
      ``"testing"``, so botocore never asks an instance metadata or container endpoint;
    - ``AWS_PROFILE`` or ``AWS_DEFAULT_PROFILE`` naming a profile the shared files lack is
      removed (botocore would refuse to create a client).

    On exit every variable it changed is put back as it was, unset ones unset again. Clients
    created inside the scope keep the region and credentials they were created with.
    """
    install()
    # moto first: its fake credentials are in place when the scope looks for credentials.
    with mock_aws(), scoped_environment(region) as where:
        yield VoiceMock(region=where)
