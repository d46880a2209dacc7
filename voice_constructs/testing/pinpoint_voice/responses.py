"""The Pinpoint voice channel operations, one method each, on moto's ``BaseResponse``."""

from __future__ import annotations

from voice_constructs.testing.exceptions import ServiceError
from voice_constructs.testing.faults import TYPE_RESPONSE
from voice_constructs.testing.pinpoint_voice.exceptions import PINPOINT_ERRORS
from voice_constructs.testing.pinpoint_voice.models import (
    VoiceChannelBackend,
    voice_channel_backends,
)
from voice_constructs.testing.responses import Reply, VoiceResponse

VOICE_CHANNEL_OPERATIONS = ("GetVoiceChannel", "UpdateVoiceChannel", "DeleteVoiceChannel")


class PinpointVoiceResponse(VoiceResponse):
    """``GET``, ``PUT`` and ``DELETE /v1/apps/{application-id}/channels/voice``."""

    OPERATIONS = VOICE_CHANNEL_OPERATIONS
    ERRORS = PINPOINT_ERRORS
    SERVICE = "pinpoint"

    @property
    def backend(self) -> VoiceChannelBackend:
        """The voice channels of the request's account and region."""
        return voice_channel_backends[self.current_account][self.region]

    def _application_id(self) -> str:
        return self.path_parameter("application-id")

    def get_voice_channel(self) -> Reply:
        """``GetVoiceChannel``."""
        return self.respond(lambda _: self.backend.get(self._application_id()))

    def update_voice_channel(self) -> Reply:
        """``UpdateVoiceChannel``: the body is the ``VoiceChannelRequest``."""
        return self.respond(lambda body: self.backend.update(self._application_id(), body))

    def delete_voice_channel(self) -> Reply:
        """``DeleteVoiceChannel``."""
        return self.respond(lambda _: self.backend.delete(self._application_id()))

    def unknown_operation(self, operation: str) -> TYPE_RESPONSE:
        """The channel's path with another method: Pinpoint's MethodNotAllowedException."""
        message = f"{self.method} is not a method of the voice channel (GET, PUT, DELETE)"
        return self.error_reply(ServiceError(405, "MethodNotAllowedException", message))
