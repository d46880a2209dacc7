"""v2's configuration sets and their event destinations.

``CreateConfigurationSet``, ``DescribeConfigurationSets``, ``DeleteConfigurationSet``,
``CreateEventDestination``, ``UpdateEventDestination``, ``DeleteEventDestination``.

A set is named by its name or its ARN. A destination sends to exactly one of CloudWatch Logs,
Firehose or SNS, and keeps that kind; a set holds at most five. The fake keeps the destinations
and answers with them; it delivers a v2 message's events on the default EventBridge bus only
(``VoiceMock.emit_call_events``), not to these destinations. Default sender ids and message
types, and protect configurations associated with a set, are not modelled.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voice_constructs.testing.sms_voice_v2.common import (
    MODEL,
    AdoptionError,
    Where,
    described,
    tags,
)
from voice_constructs.testing.sms_voice_v2.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)

KIND = "configuration-set"
DESTINATION_KIND = "event-destination"
DESTINATION_KINDS = ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination")
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The service's quota: event destinations per configuration set.
MAX_DESTINATIONS = 5


@dataclass
class ConfigurationSet:
    """One configuration set and its event destinations (name to ``EventDestination``)."""

    name: str
    arn: str
    created: float
    destinations: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The set as ``ConfigurationSetInformation`` (``DescribeConfigurationSets``)."""
        return {
            "ConfigurationSetArn": self.arn,
            "ConfigurationSetName": self.name,
            "EventDestinations": [dict(d) for d in self.destinations.values()],
            "CreatedTimestamp": self.created,
        }

    def values_of(self, name: str) -> list[str]:
        """The set's values for a ``ConfigurationSetFilter`` name."""
        if name == "event-destination-name":
            return list(self.destinations)
        if name == "matching-event-types":
            return [t for d in self.destinations.values() for t in d["MatchingEventTypes"]]
        return []


class ConfigurationSets:
    """The configuration sets of one account and region."""

    def __init__(self, where: Where, clock: Callable[[], float]) -> None:
        self.where = where
        self.clock = clock
        self.sets: dict[str, ConfigurationSet] = {}

    def find(self, name_or_arn: str) -> ConfigurationSet | None:
        """The set ``name_or_arn`` names, or None."""
        local = self.where.local_id(name_or_arn, KIND)
        return self.sets.get(local) if local is not None else None

    def get(self, name_or_arn: str) -> ConfigurationSet:
        """The set ``name_or_arn`` names, or ``ResourceNotFoundException``."""
        found = self.find(name_or_arn)
        if found is None:
            raise ResourceNotFoundException(KIND, name_or_arn)
        return found

    def adopt(self, name_or_arn: str) -> ConfigurationSet:
        """Hold a set made elsewhere (see ``VoiceMock.adopt_configuration_set``); idempotent."""
        name = self.where.local_id(name_or_arn, KIND)
        if name is None or not _NAME.fullmatch(name):
            raise AdoptionError(
                "name",
                f"must be a configuration set name (1-64 letters, digits, _ or -) or its ARN in "
                f"account {self.where.account_id} and region {self.where.region}",
            )
        held = self.sets.get(name)
        if held is None:
            held = ConfigurationSet(name, self.where.arn(KIND, name), self.clock())
            self.sets[name] = held
        return held

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """``CreateConfigurationSet``: a new name (``ConflictException`` for one taken)."""
        MODEL.validate("CreateConfigurationSet", body)
        name = body["ConfigurationSetName"]
        if name in self.sets:
            raise ConflictException(
                "RESOURCE_ALREADY_EXISTS", KIND, name, f"Configuration set {name} already exists"
            )
        created = ConfigurationSet(name, self.where.arn(KIND, name), self.clock(), tags=tags(body))
        self.sets[name] = created
        return {
            "ConfigurationSetArn": created.arn,
            "ConfigurationSetName": name,
            "Tags": created.tags,
            "CreatedTimestamp": created.created,
        }

    def describe(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DescribeConfigurationSets``: by name or ARN (each must exist), filtered, one page."""
        MODEL.validate("DescribeConfigurationSets", body)
        return described(
            body, "ConfigurationSetNames", self.get, self.sets.values(), "ConfigurationSets"
        )

    def delete(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DeleteConfigurationSet``: the set and its destinations."""
        MODEL.validate("DeleteConfigurationSet", body)
        config = self.get(body["ConfigurationSetName"])
        del self.sets[config.name]
        return config.to_json()

    def create_destination(self, body: dict[str, Any]) -> dict[str, Any]:
        """``CreateEventDestination``: enabled, of one kind, at most five a set."""
        MODEL.validate("CreateEventDestination", body)
        config = self.get(body["ConfigurationSetName"])
        name = body["EventDestinationName"]
        if name in config.destinations:
            raise ConflictException(
                "RESOURCE_ALREADY_EXISTS",
                DESTINATION_KIND,
                name,
                f"Event destination {name} already exists in {config.name}",
            )
        kind = _one_kind(body, required=True)
        _check_event_types(body["MatchingEventTypes"])
        if len(config.destinations) >= MAX_DESTINATIONS:
            raise ServiceQuotaExceededException(
                "EVENT_DESTINATIONS_PER_CONFIGURATION_SET",
                f"A configuration set holds at most {MAX_DESTINATIONS} event destinations",
            )
        destination = {
            "EventDestinationName": name,
            "Enabled": True,
            "MatchingEventTypes": list(body["MatchingEventTypes"]),
            str(kind): dict(body[str(kind)]),
        }
        config.destinations[name] = destination
        return _answer(config, destination)

    def update_destination(self, body: dict[str, Any]) -> dict[str, Any]:
        """``UpdateEventDestination``: what the request names changes; the kind stays."""
        MODEL.validate("UpdateEventDestination", body)
        config = self.get(body["ConfigurationSetName"])
        destination = self._destination(config, body["EventDestinationName"])
        kind = _one_kind(body, required=False)
        if kind is not None and kind not in destination:
            raise ConflictException(
                "EVENT_DESTINATION_MISMATCH",
                DESTINATION_KIND,
                body["EventDestinationName"],
                "An event destination keeps its kind (CloudWatch Logs, Firehose or SNS)",
            )
        if body.get("MatchingEventTypes") is not None:
            _check_event_types(body["MatchingEventTypes"])
            destination["MatchingEventTypes"] = list(body["MatchingEventTypes"])
        if body.get("Enabled") is not None:
            destination["Enabled"] = bool(body["Enabled"])
        if kind is not None:
            destination[kind] = dict(body[kind])
        return _answer(config, destination)

    def delete_destination(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DeleteEventDestination``."""
        MODEL.validate("DeleteEventDestination", body)
        config = self.get(body["ConfigurationSetName"])
        destination = self._destination(config, body["EventDestinationName"])
        del config.destinations[destination["EventDestinationName"]]
        return _answer(config, destination)

    @staticmethod
    def _destination(config: ConfigurationSet, name: str) -> dict[str, Any]:
        destination = config.destinations.get(name)
        if destination is None:
            raise ResourceNotFoundException(
                DESTINATION_KIND, name, f"No event destination {name} in {config.name}"
            )
        return destination


def _one_kind(body: dict[str, Any], *, required: bool) -> str | None:
    kinds = [kind for kind in DESTINATION_KINDS if body.get(kind) is not None]
    if len(kinds) > 1:
        raise ValidationException(
            kinds[1],
            f"give one of {', '.join(DESTINATION_KINDS)}, not {len(kinds)}",
            "PARAMETERS_CANNOT_BE_USED_TOGETHER",
        )
    if not kinds and required:
        raise ValidationException(
            "SnsDestination",
            f"one of {', '.join(DESTINATION_KINDS)} is required",
            "MISSING_PARAMETER",
        )
    return kinds[0] if kinds else None


def _check_event_types(event_types: list[str]) -> None:
    # The model's enum lists TEXT_SENT; the service's documentation says it is not supported.
    if "TEXT_SENT" in event_types:
        raise ValidationException("MatchingEventTypes", "TEXT_SENT is not supported")


def _answer(config: ConfigurationSet, destination: dict[str, Any]) -> dict[str, Any]:
    return {
        "ConfigurationSetArn": config.arn,
        "ConfigurationSetName": config.name,
        "EventDestination": dict(destination),
    }
