"""The Pinpoint voice channels of moto's Pinpoint applications, per account and region.

Every request is checked against botocore's model of Pinpoint
(:mod:`voice_constructs.testing.validation`) before the application is looked up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from voice_constructs.testing._moto import BackendDict, pinpoint_application_exists
from voice_constructs.testing.faults import FakeBackend
from voice_constructs.testing.models import REGIONS_OF
from voice_constructs.testing.pinpoint_voice.exceptions import (
    BadRequestException,
    NotFoundException,
)
from voice_constructs.testing.validation import ModelValidator


def _model_error(path: str, problem: str) -> BadRequestException:
    return BadRequestException(f"{path} {problem}")


SERVICE = "pinpoint"
MODEL = ModelValidator(SERVICE, _model_error)
# The operation's one URI label, as the model names it.
_APPLICATION_ID = "application-id"


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


class VoiceChannelBackend(FakeBackend):
    """Voice channels of Pinpoint applications, for one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.channels: dict[str, _Channel] = {}

    def _require_app(self, application_id: str) -> None:
        if not pinpoint_application_exists(self.account_id, self.region_name, application_id):
            raise NotFoundException("Application not found")

    def get(self, application_id: str) -> dict[str, Any]:
        """``GetVoiceChannel``: the application's channel."""
        MODEL.validate("GetVoiceChannel", {}, path={_APPLICATION_ID: application_id})
        self._require_app(application_id)
        channel = self.channels.get(application_id)
        if channel is None:
            raise NotFoundException("Resource not found")
        return channel.to_json()

    def update(self, application_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``UpdateVoiceChannel``: create the channel (version 1) or update it (a new version)."""
        MODEL.validate("UpdateVoiceChannel", body, path={_APPLICATION_ID: application_id})
        self._require_app(application_id)
        enabled = body.get("Enabled", True)
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
        """``DeleteVoiceChannel``: remove the channel and return it."""
        MODEL.validate("DeleteVoiceChannel", {}, path={_APPLICATION_ID: application_id})
        self._require_app(application_id)
        channel = self.channels.pop(application_id, None)
        if channel is None:
            raise NotFoundException("Resource not found")
        return channel.to_json()


def _iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


voice_channel_backends = BackendDict(VoiceChannelBackend, REGIONS_OF)
