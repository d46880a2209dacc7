"""AWS End User Messaging SMS and Voice v2's faked operations, on moto's ``BaseResponse``.

One method per operation, each handing the request's JSON body to the backend's registry of its
kind of resource (:mod:`voice_constructs.testing.sms_voice_v2.models`).
"""

from __future__ import annotations

from voice_constructs.testing.exceptions import ServiceError
from voice_constructs.testing.faults import TYPE_RESPONSE
from voice_constructs.testing.responses import Reply, VoiceResponse
from voice_constructs.testing.sms_voice_v2.exceptions import (
    SMS_VOICE_V2_ERRORS,
    RequestValidationException,
)
from voice_constructs.testing.sms_voice_v2.models import SmsVoiceV2Backend, sms_voice_v2_backends

SMS_VOICE_V2_OPERATIONS = (
    "SendVoiceMessage",
    "RequestPhoneNumber",
    "DescribePhoneNumbers",
    "UpdatePhoneNumber",
    "ReleasePhoneNumber",
    "CreatePool",
    "DescribePools",
    "DeletePool",
    "AssociateOriginationIdentity",
    "DisassociateOriginationIdentity",
    "ListPoolOriginationIdentities",
    "CreateConfigurationSet",
    "DescribeConfigurationSets",
    "DeleteConfigurationSet",
    "CreateEventDestination",
    "UpdateEventDestination",
    "DeleteEventDestination",
    "CreateProtectConfiguration",
    "DescribeProtectConfigurations",
    "DeleteProtectConfiguration",
    "GetProtectConfigurationCountryRuleSet",
    "UpdateProtectConfigurationCountryRuleSet",
    "DescribeSpendLimits",
    "SetVoiceMessageSpendLimitOverride",
    "DeleteVoiceMessageSpendLimitOverride",
)


class SmsVoiceV2Response(VoiceResponse):
    """The JSON-protocol API; the operation is the last part of ``X-Amz-Target``."""

    OPERATIONS = SMS_VOICE_V2_OPERATIONS
    ERRORS = SMS_VOICE_V2_ERRORS
    SERVICE = "pinpoint-sms-voice-v2"

    @classmethod
    def malformed(cls, message: str) -> ServiceError:
        """v2's ValidationException, reason ``CANNOT_PARSE`` (v2 has no BadRequestException)."""
        return RequestValidationException("CANNOT_PARSE", message)

    @property
    def backend(self) -> SmsVoiceV2Backend:
        """The v2 state of the request's account and region."""
        return sms_voice_v2_backends[self.current_account][self.region]

    def send_voice_message(self) -> Reply:
        """``SendVoiceMessage`` (a dry run included)."""
        return self.respond(self.backend.send_voice_message)

    def request_phone_number(self) -> Reply:
        """``RequestPhoneNumber``."""
        return self.respond(self.backend.request_phone_number)

    def describe_phone_numbers(self) -> Reply:
        """``DescribePhoneNumbers``."""
        return self.respond(self.backend.phone_numbers.describe)

    def update_phone_number(self) -> Reply:
        """``UpdatePhoneNumber``."""
        return self.respond(self.backend.phone_numbers.update)

    def release_phone_number(self) -> Reply:
        """``ReleasePhoneNumber``."""
        return self.respond(self.backend.phone_numbers.release)

    def create_pool(self) -> Reply:
        """``CreatePool``."""
        return self.respond(self.backend.pools.create)

    def describe_pools(self) -> Reply:
        """``DescribePools``."""
        return self.respond(self.backend.pools.describe)

    def delete_pool(self) -> Reply:
        """``DeletePool``."""
        return self.respond(self.backend.pools.delete)

    def associate_origination_identity(self) -> Reply:
        """``AssociateOriginationIdentity``."""
        return self.respond(self.backend.pools.associate)

    def disassociate_origination_identity(self) -> Reply:
        """``DisassociateOriginationIdentity``."""
        return self.respond(self.backend.pools.disassociate)

    def list_pool_origination_identities(self) -> Reply:
        """``ListPoolOriginationIdentities``."""
        return self.respond(self.backend.pools.list_identities)

    def create_configuration_set(self) -> Reply:
        """``CreateConfigurationSet``."""
        return self.respond(self.backend.configuration_sets.create)

    def describe_configuration_sets(self) -> Reply:
        """``DescribeConfigurationSets``."""
        return self.respond(self.backend.configuration_sets.describe)

    def delete_configuration_set(self) -> Reply:
        """``DeleteConfigurationSet``."""
        return self.respond(self.backend.configuration_sets.delete)

    def create_event_destination(self) -> Reply:
        """``CreateEventDestination``."""
        return self.respond(self.backend.configuration_sets.create_destination)

    def update_event_destination(self) -> Reply:
        """``UpdateEventDestination``."""
        return self.respond(self.backend.configuration_sets.update_destination)

    def delete_event_destination(self) -> Reply:
        """``DeleteEventDestination``."""
        return self.respond(self.backend.configuration_sets.delete_destination)

    def create_protect_configuration(self) -> Reply:
        """``CreateProtectConfiguration``."""
        return self.respond(self.backend.protect_configurations.create)

    def describe_protect_configurations(self) -> Reply:
        """``DescribeProtectConfigurations``."""
        return self.respond(self.backend.protect_configurations.describe)

    def delete_protect_configuration(self) -> Reply:
        """``DeleteProtectConfiguration``."""
        return self.respond(self.backend.protect_configurations.delete)

    def get_protect_configuration_country_rule_set(self) -> Reply:
        """``GetProtectConfigurationCountryRuleSet``."""
        return self.respond(self.backend.protect_configurations.get_rule_set)

    def update_protect_configuration_country_rule_set(self) -> Reply:
        """``UpdateProtectConfigurationCountryRuleSet``."""
        return self.respond(self.backend.protect_configurations.update_rule_set)

    def describe_spend_limits(self) -> Reply:
        """``DescribeSpendLimits``."""
        return self.respond(self.backend.spend_limits.describe)

    def set_voice_message_spend_limit_override(self) -> Reply:
        """``SetVoiceMessageSpendLimitOverride``."""
        return self.respond(self.backend.spend_limits.set_voice_override)

    def delete_voice_message_spend_limit_override(self) -> Reply:
        """``DeleteVoiceMessageSpendLimitOverride``."""
        return self.respond(self.backend.spend_limits.delete_voice_override)

    def unknown_operation(self, operation: str) -> TYPE_RESPONSE:
        """Any other target: v2's ValidationException, reason ``UNKNOWN_OPERATION``."""
        if not operation:
            problem = f"X-Amz-Target names no operation of {self.SERVICE}"
        else:
            problem = f"{operation} is not an operation the fake serves (see its documentation)"
        return self.error_reply(RequestValidationException("UNKNOWN_OPERATION", problem))
