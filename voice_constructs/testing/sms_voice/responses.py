"""Pinpoint SMS and Voice v1's operations, one method each, on moto's ``BaseResponse``."""

from __future__ import annotations

import json
from typing import Any

from voice_constructs.testing.faults import TYPE_RESPONSE
from voice_constructs.testing.responses import Reply, VoiceResponse
from voice_constructs.testing.sms_voice.exceptions import SMS_VOICE_ERRORS, BadRequestException
from voice_constructs.testing.sms_voice.models import SmsVoiceBackend, sms_voice_backends

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


class SmsVoiceResponse(VoiceResponse):
    """The REST-JSON API under ``/v1/sms-voice/``."""

    OPERATIONS = SMS_VOICE_OPERATIONS
    ERRORS = SMS_VOICE_ERRORS
    SERVICE = "pinpoint-sms-voice"

    @property
    def backend(self) -> SmsVoiceBackend:
        """The SMS and Voice state of the request's account and region."""
        return sms_voice_backends[self.current_account][self.region]

    def _set(self) -> str:
        return self.path_parameter("ConfigurationSetName")

    def _destination(self) -> str:
        return self.path_parameter("EventDestinationName")

    def send_voice_message(self) -> Reply:
        """``SendVoiceMessage``."""
        return self.respond(self.backend.send_voice_message)

    def create_configuration_set(self) -> Reply:
        """``CreateConfigurationSet``."""
        return self.respond(self.backend.create_configuration_set)

    def delete_configuration_set(self) -> Reply:
        """``DeleteConfigurationSet``."""
        return self.respond(lambda _: self.backend.delete_configuration_set(self._set()))

    def list_configuration_sets(self) -> Reply:
        """``ListConfigurationSets`` (one page: every set, so no token the fake issued)."""
        token = self.querystring.get("NextToken")

        def listing(_: dict[str, Any]) -> dict[str, Any]:
            if token:
                raise BadRequestException("NextToken is not a token this service issued")
            return self.backend.list_configuration_sets()

        return self.respond(listing)

    def create_configuration_set_event_destination(self) -> Reply:
        """``CreateConfigurationSetEventDestination``."""
        return self.respond(lambda body: self.backend.create_event_destination(self._set(), body))

    def get_configuration_set_event_destinations(self) -> Reply:
        """``GetConfigurationSetEventDestinations``."""
        return self.respond(lambda _: self.backend.get_event_destinations(self._set()))

    def update_configuration_set_event_destination(self) -> Reply:
        """``UpdateConfigurationSetEventDestination``."""
        return self.respond(
            lambda body: self.backend.update_event_destination(
                self._set(), self._destination(), body
            )
        )

    def delete_configuration_set_event_destination(self) -> Reply:
        """``DeleteConfigurationSetEventDestination``."""
        return self.respond(
            lambda _: self.backend.delete_event_destination(self._set(), self._destination())
        )

    def unknown_operation(self, operation: str) -> TYPE_RESPONSE:
        """A path or method under ``/v1/sms-voice/`` that no operation has."""
        return 404, {"x-amzn-ErrorType": "NotFoundException"}, json.dumps({"Message": "no route"})
