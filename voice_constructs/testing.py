"""moto extension for the voice APIs that moto lacks.

Under moto's ``mock_aws``, boto3 then gets:

- the Pinpoint voice channel, ``GET/PUT/DELETE /v1/apps/{application-id}/channels/voice``
  (``GetVoiceChannel``, ``UpdateVoiceChannel``, ``DeleteVoiceChannel``), with state per account and
  region, and ``NotFoundException`` (404) for an unknown application or channel;
- the Pinpoint SMS and Voice v1 service (``pinpoint-sms-voice``): ``SendVoiceMessage`` and the
  configuration-set operations, validated as the API reference states;
- AWS End User Messaging SMS and Voice v2 (``pinpoint-sms-voice-v2``): ``SendVoiceMessage``,
  validated as botocore's service model states (lengths, patterns, enums).

Both ``SendVoiceMessage`` fakes refuse what the services refuse (phone numbers not in E.164
form, empty or too long text), with the service's own error, so code under test meets the error
it would meet in production.

It plugs into moto's own routing (``moto.pinpoint.urls.url_paths`` and a backend registered in
``moto.backend_index``); boto3 clients are not patched. Tests read what was sent and inject faults
through :class:`VoiceMock`; the ``voice_mock`` pytest fixture (``voice_constructs.pytest_plugin``)
activates all of it, and :func:`mock_voice` does the same as a context manager. Both give their
scope a region and fake credentials when the environment has none (see :func:`mock_voice`).

moto's internals are not public API, so this module is pinned to ``moto>=5,<6`` and a canary test
fails the day moto implements these operations itself.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import threading
import time
import types
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlparse

import botocore.session
import moto.backend_index as backend_index
import moto.pinpoint.urls as pinpoint_urls
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from moto import mock_aws
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.core.responses import BaseResponse
from moto.pinpoint.models import pinpoint_backends

from voice_constructs.api import V2_VOICE_IDS

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

TYPE_RESPONSE = tuple[int, dict[str, str], str]

VOICE_CHANNEL_OPERATIONS = ("GetVoiceChannel", "UpdateVoiceChannel", "DeleteVoiceChannel")
SMS_VOICE_OPERATIONS = (
    "SendVoiceMessage",
    "CreateConfigurationSet",
    "DeleteConfigurationSet",
    "ListConfigurationSets",
    "CreateConfigurationSetEventDestination",
    "GetConfigurationSetEventDestinations",
    "UpdateConfigurationSetEventDestination",
    "DeleteConfigurationSetEventDestination",
)

# The service's own error names per HTTP status, as each API reference lists them.
_PINPOINT_ERRORS = {
    400: "BadRequestException",
    403: "ForbiddenException",
    404: "NotFoundException",
    429: "TooManyRequestsException",
    500: "InternalServerErrorException",
}
_SMS_VOICE_ERRORS = {
    400: "BadRequestException",
    404: "NotFoundException",
    409: "AlreadyExistsException",
    412: "LimitExceededException",
    429: "TooManyRequestsException",
    500: "InternalServiceErrorException",
}

SMS_VOICE_V2_OPERATIONS = ("SendVoiceMessage",)
# AWS End User Messaging SMS and Voice v2 (JSON protocol): error names per status.
_SMS_VOICE_V2_ERRORS = {
    400: "ValidationException",
    402: "ServiceQuotaExceededException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    409: "ConflictException",
    429: "ThrottlingException",
    500: "InternalServerException",
}
# Documented quota: a recipient gets at most 5 voice messages in 24 hours.
DAILY_CALLS_PER_RECIPIENT = 5
_DAY_SECONDS = 24 * 60 * 60
_CONTENT_KINDS = ("CallInstructionsMessage", "PlainTextMessage", "SSMLMessage")
_EVENT_TYPES = (
    "INITIATED_CALL",
    "RINGING",
    "ANSWERED",
    "COMPLETED_CALL",
    "BUSY",
    "FAILED",
    "NO_ANSWER",
)
_FINAL_EVENT_TYPES = frozenset({"COMPLETED_CALL", "BUSY", "FAILED", "NO_ANSWER"})
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# E.164: "+" and 2 to 15 digits, the first not 0. v2's model documents DestinationPhoneNumber "in
# E.164 format" (its pattern alone, \+?[1-9][0-9]{1,18}, also lets "12345" through); v1's reference
# only recommends E.164, and the fake holds v1 to it as the project's handler does.
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# Text limits. v2's model documents them (MessageBodyTextType: TEXT at most 3,000 characters, SSML
# at most 6,000 including the markup). v1's reference and model state none, so the v1 fake keeps
# what the handler (lambda_src/send_voice_message/validation.py) enforces: 3,000 spoken characters,
# 6,000 with SSML markup.
_MAX_TEXT_CHARACTERS = 3000
_MAX_SSML_CHARACTERS = 6000
_SSML_TAG = re.compile(r"<[^>]*>")


class ServiceError(Exception):
    """An error response of the faked service, rendered the way the real one sends it."""

    def __init__(
        self, status: int, code: str, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}


# Kinds of injected fault: an error response, a connection that never opens (the request is
# not sent), or a read timeout after the service accepted the request (it acted, the client
# never hears).
ERROR, CONNECT_TIMEOUT, TIMEOUT_AFTER_ACCEPT = "error", "connect_timeout", "timeout_after_accept"


@dataclass(frozen=True)
class Fault:
    """One injected failure: an error with this status and code, or a timeout (``kind``)."""

    status: int
    code: str
    message: str
    kind: str = ERROR


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake received, with the status it answered."""

    operation: str
    status: int
    body: dict[str, Any]
    at: float


@dataclass(frozen=True)
class EmittedCallEvent:
    """One call event the fake delivered to an event destination of a configuration set."""

    destination: str
    kind: str
    target_arn: str
    event: dict[str, Any]
    delivery_id: str | None


@dataclass(frozen=True)
class SentVoiceMessage:
    """A voice message the fake accepted: the exact request body and the id it returned."""

    message_id: str
    request: dict[str, Any]
    account_id: str
    region: str
    at: float


class _FakeBackend(BaseBackend):
    """State shared by both fakes: injected faults, response patches and the call log."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        # Replaceable, so a simulation can run time-based rules and call logs on its own clock.
        self.clock: Callable[[], float] = time.time
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.patches: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        self.calls: list[RecordedCall] = []
        self.lock = threading.Lock()

    def take_fault(self, operation: str) -> Fault | None:
        with self.lock:
            queue = self.faults.get(operation)
            return queue.popleft() if queue else None

    def take_patch(self, operation: str) -> dict[str, Any] | None:
        with self.lock:
            queue = self.patches.get(operation)
            return queue.popleft() if queue else None


@dataclass
class _Channel:
    application_id: str
    enabled: bool
    version: int
    created: str
    modified: str
    modified_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "ApplicationId": self.application_id,
            "CreationDate": self.created,
            "Enabled": self.enabled,
            "HasCredential": False,
            "Id": "voice",
            "IsArchived": False,
            "LastModifiedBy": self.modified_by,
            "LastModifiedDate": self.modified,
            "Platform": "VOICE",
            "Version": self.version,
        }


class VoiceChannelBackend(_FakeBackend):
    """Voice channels of Pinpoint applications, for one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.channels: dict[str, _Channel] = {}

    def _require_app(self, application_id: str) -> None:
        apps = pinpoint_backends[self.account_id][self.region_name].apps
        if application_id not in apps:
            raise ServiceError(404, "NotFoundException", "Application not found")

    def get(self, application_id: str) -> dict[str, Any]:
        self._require_app(application_id)
        channel = self.channels.get(application_id)
        if channel is None:
            raise ServiceError(404, "NotFoundException", "Resource not found")
        return channel.to_json()

    def update(self, application_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self._require_app(application_id)
        enabled = body.get("Enabled", True)
        if not isinstance(enabled, bool):
            raise ServiceError(400, "BadRequestException", "Enabled must be a boolean")
        now = _iso_now()
        channel = self.channels.get(application_id)
        if channel is None:
            channel = _Channel(application_id, enabled, 1, now, now, self.account_id)
            self.channels[application_id] = channel
        else:
            channel.enabled = enabled
            channel.version += 1
            channel.modified = now
        return channel.to_json()

    def delete(self, application_id: str) -> dict[str, Any]:
        self._require_app(application_id)
        channel = self.channels.pop(application_id, None)
        if channel is None:
            raise ServiceError(404, "NotFoundException", "Resource not found")
        return channel.to_json()


@dataclass
class _ConfigurationSet:
    name: str
    destinations: dict[str, dict[str, Any]] = field(default_factory=dict)


class SmsVoiceBackend(_FakeBackend):
    """Pinpoint SMS and Voice v1 (``pinpoint-sms-voice``), for one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.sent: list[SentVoiceMessage] = []
        self.configuration_sets: dict[str, _ConfigurationSet] = {}
        self._calls_to: dict[str, deque[float]] = defaultdict(deque)

    @property
    def urls(self) -> dict[str, Callable[..., TYPE_RESPONSE]]:  # type: ignore[override]
        # BaseBackend derives this from a sibling "urls" module inside moto; this fake has none.
        return {base + r"/v1/sms-voice/.*": _dispatch_sms_voice for base in _SMS_VOICE_URL_BASES}

    def send_voice_message(self, body: dict[str, Any]) -> dict[str, Any]:
        _validate_send(body, self.configuration_sets)
        destination = body["DestinationPhoneNumber"]
        now = self.clock()
        recent = self._calls_to[destination]
        while recent and now - recent[0] >= _DAY_SECONDS:
            recent.popleft()
        if len(recent) >= DAILY_CALLS_PER_RECIPIENT:
            raise ServiceError(
                429,
                "TooManyRequestsException",
                "Too many requests: the destination phone number received the maximum number "
                "of voice messages in the last 24 hours",
            )
        recent.append(now)
        message_id = str(uuid.uuid4())
        self.sent.append(
            SentVoiceMessage(
                message_id, json.loads(json.dumps(body)), self.account_id, self.region_name, now
            )
        )
        return {"MessageId": message_id}

    def create_configuration_set(self, body: dict[str, Any]) -> dict[str, Any]:
        name = _valid_name(body.get("ConfigurationSetName"), "ConfigurationSetName")
        if name in self.configuration_sets:
            raise ServiceError(409, "AlreadyExistsException", f"{name} already exists")
        self.configuration_sets[name] = _ConfigurationSet(name)
        return {}

    def delete_configuration_set(self, name: str) -> dict[str, Any]:
        self._configuration_set(name)
        del self.configuration_sets[name]
        return {}

    def list_configuration_sets(self) -> dict[str, Any]:
        return {"ConfigurationSets": sorted(self.configuration_sets)}

    def create_event_destination(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        config = self._configuration_set(name)
        dest_name = _valid_name(body.get("EventDestinationName"), "EventDestinationName")
        if dest_name in config.destinations:
            raise ServiceError(409, "AlreadyExistsException", f"{dest_name} already exists")
        config.destinations[dest_name] = _valid_destination(body.get("EventDestination"))
        return {}

    def get_event_destinations(self, name: str) -> dict[str, Any]:
        config = self._configuration_set(name)
        return {
            "EventDestinations": [
                {"Name": dest_name, **dest} for dest_name, dest in config.destinations.items()
            ]
        }

    def update_event_destination(
        self, name: str, dest_name: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        config = self._configuration_set(name)
        if dest_name not in config.destinations:
            raise ServiceError(404, "NotFoundException", f"{dest_name} not found")
        config.destinations[dest_name] = _valid_destination(body.get("EventDestination"))
        return {}

    def delete_event_destination(self, name: str, dest_name: str) -> dict[str, Any]:
        config = self._configuration_set(name)
        if config.destinations.pop(dest_name, None) is None:
            raise ServiceError(404, "NotFoundException", f"{dest_name} not found")
        return {}

    def _configuration_set(self, name: str) -> _ConfigurationSet:
        config = self.configuration_sets.get(name)
        if config is None:
            raise ServiceError(404, "NotFoundException", f"configuration set {name} not found")
        return config


class SmsVoiceV2Backend(_FakeBackend):
    """AWS End User Messaging SMS and Voice v2 (``pinpoint-sms-voice-v2``) ``SendVoiceMessage``."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.sent: list[SentVoiceMessage] = []
        self.dry_runs: list[SentVoiceMessage] = []

    @property
    def urls(self) -> dict[str, Callable[..., TYPE_RESPONSE]]:  # type: ignore[override]
        return {_SMS_VOICE_V2_URL_BASE + r"/?$": _dispatch_sms_voice_v2}

    def send_voice_message(self, body: dict[str, Any]) -> dict[str, Any]:
        _validate_send_v2(body)
        message_id = str(uuid.uuid4())
        record = SentVoiceMessage(
            message_id,
            json.loads(json.dumps(body)),
            self.account_id,
            self.region_name,
            self.clock(),
        )
        # A dry run is validated and answered like a send, and places no call.
        (self.dry_runs if body.get("DryRun") else self.sent).append(record)
        return {"MessageId": message_id}


voice_channel_backends = BackendDict(VoiceChannelBackend, "pinpoint")
# The name moto's router imports ("moto.<service>" with "<service>_backends" inside).
_SMS_VOICE_SERVICE = "voiceconstructs_smsvoice"
# botocore's endpoint data lists no regions for pinpoint-sms-voice (its endpoints come from rules),
# so the fake serves the regions of Pinpoint itself.
sms_voice_backends = BackendDict(SmsVoiceBackend, "pinpoint")
_SMS_VOICE_URL_BASES = [r"https?://sms-voice\.pinpoint\.(.+)\.amazonaws\.com"]
_CHANNEL_PATH = "{0}/v1/apps/(?P<app_id>[^/]+)/channels/voice$"
_SMS_VOICE_V2_SERVICE = "voiceconstructs_smsvoicev2"
sms_voice_v2_backends = BackendDict(SmsVoiceV2Backend, "pinpoint")
# v2 lives at sms-voice.<region>.amazonaws.com (v1 at sms-voice.pinpoint.<region>...).
_SMS_VOICE_V2_URL_BASE = r"https?://sms-voice\.([a-z0-9-]+)\.amazonaws\.com"
# The constraints botocore's v2 model gives the string members of SendVoiceMessage: pattern,
# shortest, longest (a test holds this table to the model).
_V2_PATTERNS = {
    "DestinationPhoneNumber": (re.compile(r"\+?[1-9][0-9]{1,18}"), 1, 20),
    "OriginationIdentity": (re.compile(r"[A-Za-z0-9_:/\+-]+"), 1, 256),
    "ConfigurationSetName": (re.compile(r"[A-Za-z0-9_:/-]+"), 1, 256),
    "ProtectConfigurationId": (re.compile(r"[A-Za-z0-9_:/-]+"), 1, 256),
    "MaxPricePerMinute": (re.compile(r"[0-9]{0,2}\.[0-9]{1,5}"), 2, 8),
    "MessageBody": (re.compile(r"(?!\s*$)[\s\S]+"), 1, 6000),
}


def _invalid(field_name: str, message: str) -> ServiceError:
    return ServiceError(
        400,
        "ValidationException",
        f"{field_name}: {message}",
        {
            "Reason": "FIELD_VALIDATION_FAILED",
            "Fields": [{"Name": field_name, "Message": message}],
        },
    )


def _validate_send_v2(body: dict[str, Any]) -> None:
    for required in ("DestinationPhoneNumber", "OriginationIdentity"):
        if not isinstance(body.get(required), str):
            raise _invalid(required, "is required")
    for name, (pattern, shortest, longest) in _V2_PATTERNS.items():
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not shortest <= len(value) <= longest:
            raise _invalid(name, f"must be {shortest}-{longest} characters")
        if name == "MessageBody" and not value.strip():
            raise _invalid(name, "must not be blank")
        if not pattern.fullmatch(value):
            raise _invalid(name, f"must match {pattern.pattern}")
    if not _E164.fullmatch(body["DestinationPhoneNumber"]):
        raise _invalid("DestinationPhoneNumber", "must be in E.164 format (+ and 2 to 15 digits)")
    text_type = body.get("MessageBodyTextType", "TEXT")
    if text_type not in ("TEXT", "SSML"):
        raise _invalid("MessageBodyTextType", "must be TEXT or SSML")
    text = body.get("MessageBody")
    if text_type == "TEXT" and isinstance(text, str) and len(text) > _MAX_TEXT_CHARACTERS:
        raise _invalid(
            "MessageBody",
            f"must be at most {_MAX_TEXT_CHARACTERS} characters when MessageBodyTextType is TEXT",
        )
    voice = body.get("VoiceId")
    if voice is not None and voice not in V2_VOICE_IDS:
        raise _invalid("VoiceId", "must be one of the listed voices")
    ttl = body.get("TimeToLive")
    if ttl is not None and (
        isinstance(ttl, bool) or not isinstance(ttl, int) or not 5 <= ttl <= 259200
    ):
        raise _invalid("TimeToLive", "must be between 5 and 259200 seconds")
    context = body.get("Context")
    if context is not None:
        if not isinstance(context, dict) or len(context) > 5:
            raise _invalid("Context", "must be a map of at most 5 entries")
        for key, value in context.items():
            if not 1 <= len(key) <= 100 or any(c.isspace() for c in key):
                raise _invalid("Context", "keys must be 1-100 characters without whitespace")
            if not isinstance(value, str) or not 1 <= len(value) <= 800 or value != value.strip():
                raise _invalid("Context", "values must be 1-800 characters, not padded")
    for flag in ("DryRun", "MessageFeedbackEnabled"):
        if flag in body and not isinstance(body[flag], bool):
            raise _invalid(flag, "must be a boolean")


def _dispatch_sms_voice_v2(request: Any, full_url: str, headers: Any) -> TYPE_RESPONSE:
    req = _parse(request, full_url, headers, "pinpoint-sms-voice-v2")
    backend = sms_voice_v2_backends[req.account_id][req.region]
    target = str(headers.get("X-Amz-Target", ""))
    operation = target.rsplit(".", 1)[-1]
    if operation not in SMS_VOICE_V2_OPERATIONS:
        return (
            400,
            {"x-amzn-ErrorType": "UnknownOperationException"},
            json.dumps(
                {"__type": "UnknownOperationException", "Message": f"{operation} is not faked"}
            ),
        )
    return _respond(
        backend, operation, req, _SMS_VOICE_V2_ERRORS, lambda: backend.send_voice_message(req.body)
    )


def _validate_send(body: dict[str, Any], configuration_sets: dict[str, Any]) -> None:
    for required in ("DestinationPhoneNumber", "OriginationPhoneNumber"):
        value = body.get(required)
        if not isinstance(value, str) or not value.strip():
            raise ServiceError(400, "BadRequestException", f"{required} is required")
        if not _E164.fullmatch(value):
            raise ServiceError(
                400,
                "BadRequestException",
                f"{required} must be in E.164 format (+ and 2 to 15 digits)",
            )
    content = body.get("Content")
    if not isinstance(content, dict):
        raise ServiceError(400, "BadRequestException", "Content is required")
    kinds = [kind for kind in _CONTENT_KINDS if kind in content]
    if len(kinds) != 1:
        raise ServiceError(
            400, "BadRequestException", "Content must contain exactly one message type"
        )
    message = content[kinds[0]]
    if not isinstance(message, dict) or not isinstance(message.get("Text"), str):
        raise ServiceError(400, "BadRequestException", f"Content.{kinds[0]}.Text is required")
    problem = _v1_text_problem(message["Text"], ssml=kinds[0] == "SSMLMessage")
    if problem:
        raise ServiceError(400, "BadRequestException", f"Content.{kinds[0]}.Text {problem}")
    config = body.get("ConfigurationSetName")
    if config is not None and config not in configuration_sets:
        raise ServiceError(400, "BadRequestException", f"configuration set {config} not found")


def _v1_text_problem(text: str, *, ssml: bool) -> str | None:
    """What is wrong with the text of a v1 voice message (the model calls it NonEmptyString)."""
    if not text.strip():
        return "must not be empty"
    if not ssml:
        if len(text) > _MAX_TEXT_CHARACTERS:
            return f"must be at most {_MAX_TEXT_CHARACTERS} characters, got {len(text)}"
        return None
    if len(text) > _MAX_SSML_CHARACTERS:
        return (
            f"must be at most {_MAX_SSML_CHARACTERS} characters including SSML markup, "
            f"got {len(text)}"
        )
    # The spoken characters: the text without its tags, entities counted as the one they stand
    # for (the handler parses the SSML; the fake need not, and does not check well-formedness).
    spoken = html.unescape(_SSML_TAG.sub("", text))
    if len(spoken) > _MAX_TEXT_CHARACTERS:
        return f"must have at most {_MAX_TEXT_CHARACTERS} spoken characters, got {len(spoken)}"
    return None


def _valid_name(value: object, field_name: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ServiceError(
            400, "BadRequestException", f"{field_name} must be 1-64 letters, digits, - or _"
        )
    return value


def _valid_destination(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ServiceError(400, "BadRequestException", "EventDestination is required")
    kinds = [
        k
        for k in ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination")
        if value.get(k)
    ]
    if len(kinds) != 1:
        raise ServiceError(
            400, "BadRequestException", "EventDestination must name exactly one destination"
        )
    events = value.get("MatchingEventTypes", [])
    unknown = [e for e in events if e not in _EVENT_TYPES]
    if unknown or not events:
        raise ServiceError(
            400, "BadRequestException", f"MatchingEventTypes must be among {list(_EVENT_TYPES)}"
        )
    return {
        "Enabled": bool(value.get("Enabled", False)),
        "MatchingEventTypes": list(events),
        kinds[0]: dict(value[kinds[0]]),
    }


def _deliver(
    name: str, dest: dict[str, Any], event: dict[str, Any], region: str
) -> EmittedCallEvent:
    # boto3 inside moto's mock: the event lands in moto's own SNS, Logs or Firehose state.
    import boto3

    body = json.dumps(event)
    if "SnsDestination" in dest:
        arn = dest["SnsDestination"]["TopicArn"]
        response = boto3.client("sns", region_name=region).publish(TopicArn=arn, Message=body)
        return EmittedCallEvent(name, "sns", arn, event, response["MessageId"])
    if "CloudWatchLogsDestination" in dest:
        arn = dest["CloudWatchLogsDestination"]["LogGroupArn"]
        group = arn.split(":log-group:", 1)[1].removesuffix(":*")
        logs = boto3.client("logs", region_name=region)
        streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="voice")
        if not streams["logStreams"]:
            logs.create_log_stream(logGroupName=group, logStreamName="voice-events")
        put = logs.put_log_events(
            logGroupName=group,
            logStreamName="voice-events",
            logEvents=[{"timestamp": event["eventTimestamp"], "message": body}],
        )
        if put.get("rejectedLogEventsInfo"):
            # CloudWatch Logs keeps only events from 14 days ago to 2 hours ahead.
            raise ValueError(
                f"CloudWatch Logs rejected the event at {event['eventTimestamp']} ms "
                f"({put['rejectedLogEventsInfo']}); give emit_call_events a start_ms near now"
            )
        return EmittedCallEvent(name, "logs", arn, event, None)
    arn = dest["KinesisFirehoseDestination"]["DeliveryStreamArn"]
    stream = arn.rsplit("/", 1)[1]
    response = boto3.client("firehose", region_name=region).put_record(
        DeliveryStreamName=stream, Record={"Data": body.encode()}
    )
    return EmittedCallEvent(name, "firehose", arn, event, response["RecordId"])


def _iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _Request:
    account_id: str
    region: str
    method: str
    path: str
    body: dict[str, Any]
    url: str


def _parse(request: Any, full_url: str, headers: Any, service: str) -> _Request:
    parser = BaseResponse(service_name=service)
    parser.setup_class(request, full_url, headers)
    raw = parser.body or "{}"
    try:
        body = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
    except json.JSONDecodeError:
        body = {"__invalid_json__": True}
    return _Request(
        account_id=parser.current_account,
        region=parser.region,
        method=request.method,
        path=unquote(urlparse(full_url).path),
        body=body if isinstance(body, dict) else {"__invalid_json__": True},
        url=full_url,
    )


def _respond(
    backend: _FakeBackend,
    operation: str,
    req: _Request,
    errors: dict[int, str],
    action: Callable[[], dict[str, Any]],
) -> TYPE_RESPONSE:
    body = req.body
    fault = backend.take_fault(operation)
    if fault is not None and fault.kind == CONNECT_TIMEOUT:
        # The request never reaches the service, so nothing is recorded.
        raise ConnectTimeoutError(endpoint_url=req.url)
    if fault is not None and fault.kind == TIMEOUT_AFTER_ACCEPT:
        try:
            action()
            status = 200
        except ServiceError as error:
            status = error.status
        with backend.lock:
            backend.calls.append(RecordedCall(operation, status, body, backend.clock()))
        raise ReadTimeoutError(endpoint_url=req.url)
    try:
        if fault is not None:
            raise ServiceError(fault.status, fault.code, fault.message)
        if body.get("__invalid_json__"):
            raise ServiceError(400, "BadRequestException", "The request body is not valid JSON")
        result = action()
        patch = backend.take_patch(operation)
        if patch:
            result = {**result, **patch}
        status = 200
        payload = json.dumps(result)
        response_headers = {"Content-Type": "application/json"}
    except ServiceError as error:
        status = error.status
        code = error.code if error.code else errors.get(error.status, "BadRequestException")
        payload = json.dumps(
            {
                "__type": code,
                "Message": error.message,
                "RequestID": str(uuid.uuid4()),
                **error.extra,
            }
        )
        response_headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
    with backend.lock:
        backend.calls.append(RecordedCall(operation, status, body, backend.clock()))
    return status, response_headers, payload


def _dispatch_channel(request: Any, full_url: str, headers: Any) -> TYPE_RESPONSE:
    req = _parse(request, full_url, headers, "pinpoint")
    backend = voice_channel_backends[req.account_id][req.region]
    application_id = req.path.split("/")[3]
    handlers: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
        "GET": ("GetVoiceChannel", lambda: backend.get(application_id)),
        "PUT": ("UpdateVoiceChannel", lambda: backend.update(application_id, req.body)),
        "DELETE": ("DeleteVoiceChannel", lambda: backend.delete(application_id)),
    }
    if req.method not in handlers:
        return 405, {"x-amzn-ErrorType": "MethodNotAllowedException"}, "{}"
    operation, action = handlers[req.method]
    return _respond(backend, operation, req, _PINPOINT_ERRORS, action)


_SMS_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/v1/sms-voice/voice/message$"), "SendVoiceMessage"),
    ("POST", re.compile(r"^/v1/sms-voice/configuration-sets$"), "CreateConfigurationSet"),
    ("GET", re.compile(r"^/v1/sms-voice/configuration-sets$"), "ListConfigurationSets"),
    ("DELETE", re.compile(r"^/v1/sms-voice/configuration-sets/(?P<set>[^/]+)$"),
     "DeleteConfigurationSet"),
    ("POST", re.compile(r"^/v1/sms-voice/configuration-sets/(?P<set>[^/]+)/event-destinations$"),
     "CreateConfigurationSetEventDestination"),
    ("GET", re.compile(r"^/v1/sms-voice/configuration-sets/(?P<set>[^/]+)/event-destinations$"),
     "GetConfigurationSetEventDestinations"),
    ("PUT", re.compile(
        r"^/v1/sms-voice/configuration-sets/(?P<set>[^/]+)/event-destinations/(?P<dest>[^/]+)$"),
     "UpdateConfigurationSetEventDestination"),
    ("DELETE", re.compile(
        r"^/v1/sms-voice/configuration-sets/(?P<set>[^/]+)/event-destinations/(?P<dest>[^/]+)$"),
     "DeleteConfigurationSetEventDestination"),
]  # fmt: skip


def _dispatch_sms_voice(request: Any, full_url: str, headers: Any) -> TYPE_RESPONSE:
    req = _parse(request, full_url, headers, "pinpoint-sms-voice")
    backend = sms_voice_backends[req.account_id][req.region]
    for method, pattern, operation in _SMS_ROUTES:
        match = pattern.match(req.path)
        if method == req.method and match:
            params = match.groupdict()
            return _respond(
                backend,
                operation,
                req,
                _SMS_VOICE_ERRORS,
                lambda op=operation, p=params: _sms_action(backend, op, p, req.body),  # type: ignore[misc]
            )
    return 404, {"x-amzn-ErrorType": "NotFoundException"}, json.dumps({"Message": "no route"})


def _sms_action(
    backend: SmsVoiceBackend, operation: str, params: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    name, dest = params.get("set", ""), params.get("dest", "")
    if operation == "SendVoiceMessage":
        return backend.send_voice_message(body)
    if operation == "CreateConfigurationSet":
        return backend.create_configuration_set(body)
    if operation == "ListConfigurationSets":
        return backend.list_configuration_sets()
    if operation == "DeleteConfigurationSet":
        return backend.delete_configuration_set(name)
    if operation == "CreateConfigurationSetEventDestination":
        return backend.create_event_destination(name, body)
    if operation == "GetConfigurationSetEventDestinations":
        return backend.get_event_destinations(name)
    if operation == "UpdateConfigurationSetEventDestination":
        return backend.update_event_destination(name, dest, body)
    return backend.delete_event_destination(name, dest)


_install_lock = threading.Lock()
_native: dict[str, bool] = {}


def install() -> None:
    """Register both fakes with moto's router. Safe to call more than once."""
    with _install_lock:
        if _native:
            return
        _native["voice_channel"] = _moto_routes_voice_channel()
        _native["sms_voice"] = _moto_routes_sms_voice()
        pinpoint_urls.url_paths.setdefault(_CHANNEL_PATH, _dispatch_channel)
        module = types.ModuleType(f"moto.{_SMS_VOICE_SERVICE}")
        setattr(module, f"{_SMS_VOICE_SERVICE}_backends", sms_voice_backends)
        sys.modules[module.__name__] = module
        v2 = types.ModuleType(f"moto.{_SMS_VOICE_V2_SERVICE}")
        setattr(v2, f"{_SMS_VOICE_V2_SERVICE}_backends", sms_voice_v2_backends)
        sys.modules[v2.__name__] = v2
        # First in the list: moto's router takes the first pattern that matches the URL.
        backend_index.backend_url_patterns[:0] = [
            (_SMS_VOICE_SERVICE, re.compile(_SMS_VOICE_URL_BASES[0])),
            (_SMS_VOICE_V2_SERVICE, re.compile(_SMS_VOICE_V2_URL_BASE)),
        ]


def _moto_routes_voice_channel() -> bool:
    return any("channels/voice" in path for path in pinpoint_urls.url_paths)


def _moto_routes_sms_voice() -> bool:
    url = "https://sms-voice.pinpoint.us-east-1.amazonaws.com/v1/sms-voice/voice/message"
    return any(
        pattern.match(url) and service != _SMS_VOICE_SERVICE
        for service, pattern in backend_index.backend_url_patterns
    )


def moto_implements_voice_channel() -> bool:
    """Whether moto itself (before this extension) routes the voice channel endpoints."""
    install()
    return _native["voice_channel"]


def moto_implements_sms_voice() -> bool:
    """Whether moto itself (before this extension) routes the pinpoint-sms-voice endpoint."""
    install()
    return _native["sms_voice"]


def _default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class VoiceMock:
    """What a test sees of the fakes: sent messages, call logs, fault injection.

    Every method takes ``account_id`` and ``region``; they default to moto's default account
    and the environment's region.
    """

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID, region: str | None = None) -> None:
        self.account_id = account_id
        self.region = region or _default_region()

    def _backend(
        self, operation: str, account_id: str | None, region: str | None, api: str = "v1"
    ) -> _FakeBackend:
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
        if api == "v2":
            errors = _SMS_VOICE_V2_ERRORS
        elif operation in VOICE_CHANNEL_OPERATIONS:
            errors = _PINPOINT_ERRORS
        else:
            errors = _SMS_VOICE_ERRORS
        error_code = code or errors.get(status)
        if error_code is None:
            raise ValueError(f"status {status} has no error code for {operation}; pass code=")
        backend = self._backend(operation, account_id, region, api)
        with backend.lock:
            backend.faults[operation].extend(
                Fault(status, error_code, message) for _ in range(count)
            )

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
        with backend.lock:
            backend.faults[operation].extend(
                Fault(0, "", "injected timeout", kind) for _ in range(count)
            )

    def emit_call_events(
        self,
        message_id: str,
        events: tuple[str, ...] = ("INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"),
        *,
        start_ms: int | None = None,
        step_ms: int = 2000,
        account_id: str | None = None,
        region: str | None = None,
    ) -> list[EmittedCallEvent]:
        """Deliver a call's lifecycle for ``message_id`` to its configuration set's destinations.

        Each event goes, in the order given, to every enabled destination of the set named in
        the sent message whose ``MatchingEventTypes`` include it: an SNS destination gets a
        published message (inside moto's SNS) whose body is the event JSON, a CloudWatch Logs one
        a log event, a Firehose one a record. The event has the fields of the service's event
        format (``eventType``, ``eventVersion``, ``eventTimestamp`` in milliseconds,
        ``isFinal``, ``originationPhoneNumber``, ``destinationPhoneNumber``, ``messageId``,
        ``configurationSetName``). Returns what was delivered, for tests to feed a consumer.
        """
        backend = self.sms_voice(account_id, region)
        sent = next((m for m in backend.sent if m.message_id == message_id), None)
        if sent is None:
            raise ValueError(f"message_id {message_id!r} was not sent through this fake")
        name = sent.request.get("ConfigurationSetName")
        config = backend.configuration_sets.get(str(name)) if name else None
        if config is None:
            raise ValueError(
                f"message {message_id!r} was sent without an existing configuration set"
            )
        unknown = [event for event in events if event not in _EVENT_TYPES]
        if unknown:
            raise ValueError(f"events must be among {list(_EVENT_TYPES)}, got {unknown}")
        start = int(backend.clock() * 1000) if start_ms is None else start_ms
        delivered: list[EmittedCallEvent] = []
        for index, event_type in enumerate(events):
            event = {
                "eventType": event_type,
                "eventVersion": "1.0",
                "eventTimestamp": start + index * step_ms,
                "isFinal": event_type in _FINAL_EVENT_TYPES,
                "originationPhoneNumber": sent.request["OriginationPhoneNumber"],
                "destinationPhoneNumber": sent.request["DestinationPhoneNumber"],
                "messageId": message_id,
                "configurationSetName": config.name,
            }
            for dest_name, dest in config.destinations.items():
                if dest["Enabled"] and event_type in dest["MatchingEventTypes"]:
                    delivered.append(_deliver(dest_name, dest, event, sent.region))
        return delivered

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
        with backend.lock:
            backend.patches[operation].extend(dict(fields) for _ in range(count))


# The variables botocore reads for the profile, in its order.
_PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
# Keys of a shared config or credentials file profile that give botocore credentials.
_PROFILE_CREDENTIAL_KEYS = (
    "aws_access_key_id",
    "credential_process",
    "credential_source",
    "role_arn",
    "sso_session",
    "sso_start_url",
    "web_identity_token_file",
)
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def _test_environment_changes(region: str | None) -> tuple[str, dict[str, str | None]]:
    """The scope's region, and the variables to set (None: to remove) for a test scope."""
    environ = os.environ
    where = region or environ.get("AWS_DEFAULT_REGION") or environ.get("AWS_REGION") or "us-east-1"
    changes: dict[str, str | None] = {
        name: where
        for name in ("AWS_DEFAULT_REGION", "AWS_REGION")
        if environ.get(name) != where and (region or not environ.get(name))
    }
    named = [name for name in _PROFILE_VARIABLES if name in environ]
    needs_credentials = not environ.get("AWS_ACCESS_KEY_ID")
    if not named and not needs_credentials:
        return where, changes
    # Reads the shared config and credentials files only; asks no credential provider, so no
    # instance metadata or container endpoint is ever contacted.
    profiles: dict[str, dict[str, Any]] = botocore.session.Session().full_config["profiles"]
    for name in named:
        if environ[name] not in profiles:
            # botocore refuses to create any client while a named profile is missing.
            changes[name] = None
    if needs_credentials:
        active = next(
            (environ[n] for n in _PROFILE_VARIABLES if n in environ and n not in changes),
            "default",
        )
        if not any(key in profiles.get(active, {}) for key in _PROFILE_CREDENTIAL_KEYS):
            changes.update(_FAKE_CREDENTIALS)
    return where, changes


@contextmanager
def _test_environment(region: str | None) -> Iterator[str]:
    """Apply :func:`_test_environment_changes` for the scope, then put back what was there."""
    where, changes = _test_environment_changes(region)
    previous = {name: os.environ.get(name) for name in changes}
    try:
        _set_environment(changes)
        yield where
    finally:
        _set_environment(previous)


def _set_environment(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextmanager
def mock_voice(region: str | None = None) -> Iterator[VoiceMock]:
    """Start moto's ``mock_aws`` with both fakes registered, and yield a :class:`VoiceMock`.

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
    with mock_aws(), _test_environment(region) as where:
        yield VoiceMock(region=where)
