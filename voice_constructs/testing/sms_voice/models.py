"""Pinpoint SMS and Voice v1's state per account and region, and its request validation.

Every request is checked against botocore's model of the service
(:mod:`voice_constructs.testing.validation`: types, enums, required members), then against the
rules the model cannot express (E.164, one content kind, text limits, set names, the cap).
"""

from __future__ import annotations

import html
import re
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from voice_constructs._contract import contract
from voice_constructs.testing._moto import BackendDict
from voice_constructs.testing.faults import FakeBackend
from voice_constructs.testing.models import (
    E164,
    E164_PROBLEM,
    MAX_SSML_CHARACTERS,
    MAX_TEXT_CHARACTERS,
    REGIONS_OF,
    SentVoiceMessage,
    copy_of,
)
from voice_constructs.testing.sms_voice.exceptions import (
    AlreadyExistsException,
    BadRequestException,
    NotFoundException,
    TooManyRequestsException,
)
from voice_constructs.testing.validation import ModelValidator

# Documented quota: a recipient gets at most 5 voice messages in 24 hours.
DAILY_CALLS_PER_RECIPIENT = contract.CALLS_PER_RECIPIENT_PER_DAY
_DAY_SECONDS = 24 * 60 * 60
_CONTENT_KINDS = ("CallInstructionsMessage", "PlainTextMessage", "SSMLMessage")
_DESTINATION_KINDS = ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination")
_NAME = re.compile(contract.CONFIGURATION_SET_NAME)
_SSML_TAG = re.compile(r"<[^>]*>")
_EVENT_TYPES = contract.CALL_EVENT_TYPES


def _model_error(path: str, problem: str) -> BadRequestException:
    return BadRequestException(f"{path} {problem}")


SERVICE = "pinpoint-sms-voice"
MODEL = ModelValidator(SERVICE, _model_error)


@dataclass
class ConfigurationSet:
    """A configuration set and its event destinations (name to definition)."""

    name: str
    destinations: dict[str, dict[str, Any]] = field(default_factory=dict)


class SmsVoiceBackend(FakeBackend):
    """Pinpoint SMS and Voice v1 (``pinpoint-sms-voice``), for one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.sent: list[SentVoiceMessage] = []
        self.configuration_sets: dict[str, ConfigurationSet] = {}
        self._calls_to: dict[str, deque[float]] = defaultdict(deque)

    def send_voice_message(self, body: dict[str, Any]) -> dict[str, Any]:
        """``SendVoiceMessage``: validate, apply the daily cap per recipient, record the message."""
        MODEL.validate("SendVoiceMessage", body)
        _validate_send(body, self.configuration_sets)
        destination = body["DestinationPhoneNumber"]
        now = self.clock()
        recent = self._calls_to[destination]
        while recent and now - recent[0] >= _DAY_SECONDS:
            recent.popleft()
        if len(recent) >= DAILY_CALLS_PER_RECIPIENT:
            raise TooManyRequestsException(
                "Too many requests: the destination phone number received the maximum number "
                "of voice messages in the last 24 hours"
            )
        recent.append(now)
        message_id = str(uuid.uuid4())
        self.sent.append(
            SentVoiceMessage(message_id, copy_of(body), self.account_id, self.region_name, now)
        )
        return {"MessageId": message_id}

    def create_configuration_set(self, body: dict[str, Any]) -> dict[str, Any]:
        """``CreateConfigurationSet``."""
        MODEL.validate("CreateConfigurationSet", body)
        name = _valid_name(body.get("ConfigurationSetName"), "ConfigurationSetName")
        if name in self.configuration_sets:
            raise AlreadyExistsException(f"{name} already exists")
        self.configuration_sets[name] = ConfigurationSet(name)
        return {}

    def delete_configuration_set(self, name: str) -> dict[str, Any]:
        """``DeleteConfigurationSet``."""
        MODEL.validate("DeleteConfigurationSet", {}, path={"ConfigurationSetName": name})
        self._configuration_set(name)
        del self.configuration_sets[name]
        return {}

    def list_configuration_sets(self) -> dict[str, Any]:
        """``ListConfigurationSets``: every set's name, sorted (one page)."""
        MODEL.validate("ListConfigurationSets", {})
        return {"ConfigurationSets": sorted(self.configuration_sets)}

    def create_event_destination(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """``CreateConfigurationSetEventDestination``."""
        MODEL.validate(
            "CreateConfigurationSetEventDestination", body, path={"ConfigurationSetName": name}
        )
        config = self._configuration_set(name)
        dest_name = _valid_name(body.get("EventDestinationName"), "EventDestinationName")
        if dest_name in config.destinations:
            raise AlreadyExistsException(f"{dest_name} already exists")
        config.destinations[dest_name] = _valid_destination(body.get("EventDestination"))
        return {}

    def get_event_destinations(self, name: str) -> dict[str, Any]:
        """``GetConfigurationSetEventDestinations``."""
        MODEL.validate(
            "GetConfigurationSetEventDestinations", {}, path={"ConfigurationSetName": name}
        )
        config = self._configuration_set(name)
        return {
            "EventDestinations": [
                {"Name": dest_name, **dest} for dest_name, dest in config.destinations.items()
            ]
        }

    def update_event_destination(
        self, name: str, dest_name: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``UpdateConfigurationSetEventDestination``: replace the destination's definition."""
        MODEL.validate(
            "UpdateConfigurationSetEventDestination",
            body,
            path={"ConfigurationSetName": name, "EventDestinationName": dest_name},
        )
        config = self._configuration_set(name)
        if dest_name not in config.destinations:
            raise NotFoundException(f"{dest_name} not found")
        config.destinations[dest_name] = _valid_destination(body.get("EventDestination"))
        return {}

    def delete_event_destination(self, name: str, dest_name: str) -> dict[str, Any]:
        """``DeleteConfigurationSetEventDestination``."""
        MODEL.validate(
            "DeleteConfigurationSetEventDestination",
            {},
            path={"ConfigurationSetName": name, "EventDestinationName": dest_name},
        )
        config = self._configuration_set(name)
        if config.destinations.pop(dest_name, None) is None:
            raise NotFoundException(f"{dest_name} not found")
        return {}

    def _configuration_set(self, name: str) -> ConfigurationSet:
        config = self.configuration_sets.get(name)
        if config is None:
            raise NotFoundException(f"configuration set {name} not found")
        return config


# botocore's endpoint data lists no regions for pinpoint-sms-voice (its endpoints come from rules),
# so the fake serves the regions of Pinpoint itself.
sms_voice_backends = BackendDict(SmsVoiceBackend, REGIONS_OF)


def _validate_send(body: dict[str, Any], configuration_sets: dict[str, Any]) -> None:
    for required in ("DestinationPhoneNumber", "OriginationPhoneNumber"):
        value = body.get(required)
        if not isinstance(value, str) or not value.strip():
            raise BadRequestException(f"{required} is required")
        if not E164.fullmatch(value):
            raise BadRequestException(f"{required} {E164_PROBLEM}")
    content = body.get("Content")
    if not isinstance(content, dict):
        raise BadRequestException("Content is required")
    kinds = [kind for kind in _CONTENT_KINDS if kind in content]
    if len(kinds) != 1:
        raise BadRequestException("Content must contain exactly one message type")
    message = content[kinds[0]]
    if not isinstance(message, dict) or not isinstance(message.get("Text"), str):
        raise BadRequestException(f"Content.{kinds[0]}.Text is required")
    problem = _text_problem(message["Text"], ssml=kinds[0] == "SSMLMessage")
    if problem:
        raise BadRequestException(f"Content.{kinds[0]}.Text {problem}")
    config = body.get("ConfigurationSetName")
    if config is not None and config not in configuration_sets:
        raise BadRequestException(f"configuration set {config} not found")


def _text_problem(text: str, *, ssml: bool) -> str | None:
    """What is wrong with the text of a v1 voice message (the model calls it NonEmptyString)."""
    if not text.strip():
        return "must not be empty"
    if not ssml:
        if len(text) > MAX_TEXT_CHARACTERS:
            return f"must be at most {MAX_TEXT_CHARACTERS} characters, got {len(text)}"
        return None
    if len(text) > MAX_SSML_CHARACTERS:
        return (
            f"must be at most {MAX_SSML_CHARACTERS} characters including SSML markup, "
            f"got {len(text)}"
        )
    # The spoken characters: the text without its tags, entities counted as the one they stand
    # for (the handler parses the SSML; the fake need not, and does not check well-formedness).
    spoken = html.unescape(_SSML_TAG.sub("", text))
    if len(spoken) > MAX_TEXT_CHARACTERS:
        return f"must have at most {MAX_TEXT_CHARACTERS} spoken characters, got {len(spoken)}"
    return None


def _valid_name(value: object, field_name: str) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise BadRequestException(f"{field_name} must be 1-64 letters, digits, - or _")
    return value


def _valid_destination(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequestException("EventDestination is required")
    kinds = [kind for kind in _DESTINATION_KINDS if value.get(kind)]
    if len(kinds) != 1:
        raise BadRequestException("EventDestination must name exactly one destination")
    # The model's enum has refused unknown event types already; an empty list it allows.
    events = value.get("MatchingEventTypes") or []
    if not events:
        raise BadRequestException(f"MatchingEventTypes must be among {list(_EVENT_TYPES)}")
    return {
        "Enabled": bool(value.get("Enabled", False)),
        "MatchingEventTypes": list(events),
        kinds[0]: dict(value[kinds[0]]),
    }
