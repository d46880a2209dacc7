"""AWS End User Messaging SMS and Voice v2's state per account and region, and its send.

The backend holds one registry per kind of resource, each in its own module:
:class:`~.phone_numbers.PhoneNumbers`, :class:`~.pools.Pools`,
:class:`~.configuration_sets.ConfigurationSets`, :class:`~.protect.ProtectConfigurations` and
:class:`~.spend.SpendLimits`. ``SendVoiceMessage`` is checked against botocore's model
(:mod:`voice_constructs.testing.validation`), then against what the model states in words only,
then against that state, in this order, each refusal the service's error:

1. the origination identity (a phone number or pool by id or ARN, or a number the account holds
   in E.164 form) exists: ``ResourceNotFoundException`` (``phone-number`` or ``pool``);
2. it can place calls (a number with ``VOICE``, a pool holding one): ``ValidationException``,
   reason ``VOICE_CAPABILITY_NOT_AVAILABLE``;
3. the configuration set exists: ``ResourceNotFoundException`` (``configuration-set``);
4. the protect configuration exists: ``ResourceNotFoundException`` (``protect-configuration``);
5. its ``VOICE`` rule set does not block the destination's country: ``ConflictException``,
   reason ``DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION``.

A dry run meets the same checks and places no call. A call from a pool is placed by one of its
numbers (:meth:`~.pools.Pools.caller`), recorded as the message's ``origination_phone_number``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from voice_constructs.testing._moto import BackendDict
from voice_constructs.testing.faults import FakeBackend
from voice_constructs.testing.models import (
    E164,
    E164_PROBLEM,
    MAX_TEXT_CHARACTERS,
    REGIONS_OF,
    SentVoiceMessage,
    copy_of,
)
from voice_constructs.testing.sms_voice_v2.common import MODEL, Where, read_arn
from voice_constructs.testing.sms_voice_v2.configuration_sets import ConfigurationSets
from voice_constructs.testing.sms_voice_v2.countries import country_of
from voice_constructs.testing.sms_voice_v2.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from voice_constructs.testing.sms_voice_v2.phone_numbers import PhoneNumber, PhoneNumbers
from voice_constructs.testing.sms_voice_v2.pools import Pool, Pools
from voice_constructs.testing.sms_voice_v2.protect import KIND as PROTECT_KIND
from voice_constructs.testing.sms_voice_v2.protect import ProtectConfigurations
from voice_constructs.testing.sms_voice_v2.spend import SpendLimits

SERVICE = "pinpoint-sms-voice-v2"


class SmsVoiceV2Backend(FakeBackend):
    """End User Messaging SMS and Voice v2 (``pinpoint-sms-voice-v2``), one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.sent: list[SentVoiceMessage] = []
        self.dry_runs: list[SentVoiceMessage] = []
        where = Where(account_id, region_name)
        # Through a lambda: a simulation replaces the backend's clock after it is made.
        now = lambda: self.clock()  # noqa: E731
        self.phone_numbers = PhoneNumbers(where, now)
        self.pools = Pools(where, now, self.phone_numbers)
        self.configuration_sets = ConfigurationSets(where, now)
        self.protect_configurations = ProtectConfigurations(where, now)
        self.spend_limits = SpendLimits()

    def send_voice_message(self, body: dict[str, Any]) -> dict[str, Any]:
        """``SendVoiceMessage``: check, then record the message (a dry run in ``dry_runs``)."""
        _validate_send(body)
        destination = body["DestinationPhoneNumber"]
        country = country_of(destination)
        origin = self._origination(body["OriginationIdentity"])
        if body.get("ConfigurationSetName") is not None:
            self.configuration_sets.get(body["ConfigurationSetName"])
        if body.get("ProtectConfigurationId") is not None:
            protect = self.protect_configurations.get(body["ProtectConfigurationId"])
            if self.protect_configurations.blocks(protect, country):
                raise ConflictException(
                    "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION",
                    PROTECT_KIND,
                    protect.protect_configuration_id,
                    f"The protect configuration blocks voice messages to {country}",
                )
        dry_run = bool(body.get("DryRun"))
        caller: PhoneNumber | None = None
        if isinstance(origin, PhoneNumber):
            caller = origin
        elif not dry_run:
            caller = self.pools.caller(origin, country)
        record = SentVoiceMessage(
            str(uuid.uuid4()),
            copy_of(body),
            self.account_id,
            self.region_name,
            self.clock(),
            caller.phone_number if caller is not None else None,
        )
        # A dry run is checked and answered like a send, and places no call.
        (self.dry_runs if dry_run else self.sent).append(record)
        return {"MessageId": record.message_id}

    def _origination(self, identity: str) -> PhoneNumber | Pool:
        """The number or pool that places the call, able to: or the service's refusal."""
        pool = self.pools.find(identity)
        if pool is not None:
            if not any(number.voice for number in self.pools.members(pool)):
                raise ValidationException(
                    "OriginationIdentity",
                    f"no phone number of pool {pool.pool_id} can place voice calls",
                    "VOICE_CAPABILITY_NOT_AVAILABLE",
                )
            return pool
        number = self.phone_numbers.find(identity)
        if number is None:
            arn = read_arn(identity)
            is_pool = identity.startswith("pool-") or (arn is not None and arn.kind == "pool")
            raise ResourceNotFoundException("pool" if is_pool else "phone-number", identity)
        if not number.voice:
            raise ValidationException(
                "OriginationIdentity",
                f"phone number {number.phone_number_id} cannot place voice calls (its "
                f"capabilities: {', '.join(number.capabilities)})",
                "VOICE_CAPABILITY_NOT_AVAILABLE",
            )
        return number

    def request_phone_number(self, body: dict[str, Any]) -> dict[str, Any]:
        """``RequestPhoneNumber``, into the pool it names (which must exist, of its type)."""
        MODEL.validate("RequestPhoneNumber", body)
        pool = self.pools.get(body["PoolId"]) if body.get("PoolId") else None
        if pool is not None and pool.message_type != body["MessageType"]:
            raise ConflictException(
                "MESSAGE_TYPE_MISMATCH",
                "pool",
                pool.pool_id,
                f"The pool is {pool.message_type}, the number {body['MessageType']}",
            )
        number = self.phone_numbers.request(body)
        if pool is not None:
            pool.numbers.append(number.phone_number_id)
            number.pool_id = pool.pool_id
        return {**number.to_json(), "Tags": number.tags}

    def adopt_phone_number(
        self,
        identity: str,
        *,
        phone_number: str | None = None,
        iso_country_code: str | None = None,
        capabilities: Iterable[str] = ("SMS", "VOICE"),
        message_type: str = "TRANSACTIONAL",
    ) -> dict[str, Any]:
        """Hold a phone number made elsewhere; its ``PhoneNumberInformation``."""
        number = self.phone_numbers.adopt(
            identity,
            phone_number=phone_number,
            iso_country_code=iso_country_code,
            capabilities=tuple(capabilities),
            message_type=message_type,
        )
        return number.to_json()

    def adopt_pool(
        self,
        identity: str,
        *,
        phone_numbers: Iterable[str] = (),
        iso_country_code: str | None = None,
        message_type: str = "TRANSACTIONAL",
    ) -> dict[str, Any]:
        """Hold a pool made elsewhere; its ``PoolInformation`` and ``OriginationIdentities``."""
        pool = self.pools.adopt(
            identity,
            phone_numbers=tuple(phone_numbers),
            iso_country_code=iso_country_code,
            message_type=message_type,
        )
        return self.describe_pool(pool.pool_id)

    def describe_pool(self, identity: str) -> dict[str, Any]:
        """A held pool's ``PoolInformation`` and its ``OriginationIdentities``."""
        pool = self.pools.get(identity)
        identities = self.pools.list_identities({"PoolId": pool.pool_id})
        return {**pool.to_json(), "OriginationIdentities": identities["OriginationIdentities"]}

    def adopt_configuration_set(self, name: str) -> dict[str, Any]:
        """Hold a configuration set made elsewhere; its ``ConfigurationSetInformation``."""
        return self.configuration_sets.adopt(name).to_json()

    def adopt_protect_configuration(
        self, identity: str, country_rule_set: Mapping[str, Mapping[str, str]] | None = None
    ) -> dict[str, Any]:
        """Hold a protect configuration made elsewhere; its information and rules held."""
        held = self.protect_configurations.adopt(identity, country_rule_set)
        return {**held.to_json(), "CountryRuleSets": {c: dict(r) for c, r in held.rules.items()}}


sms_voice_v2_backends = BackendDict(SmsVoiceV2Backend, REGIONS_OF)


def _validate_send(body: dict[str, Any]) -> None:
    """Refuse what v2's SendVoiceMessage refuses before it looks at the account's resources.

    The model's constraints first, then what the model documents in words only.
    """
    MODEL.validate("SendVoiceMessage", body)
    # The model's pattern (\+?[1-9][0-9]{1,18}) lets "12345" through; its documentation and
    # the service want E.164.
    if not E164.fullmatch(body["DestinationPhoneNumber"]):
        raise ValidationException("DestinationPhoneNumber", E164_PROBLEM)
    # MessageBody's shape allows 6,000 characters; its documentation allows plain text 3,000.
    text = body.get("MessageBody")
    if (
        body.get("MessageBodyTextType", "TEXT") == "TEXT"
        and text
        and len(text) > MAX_TEXT_CHARACTERS
    ):
        raise ValidationException(
            "MessageBody",
            f"must be at most {MAX_TEXT_CHARACTERS} characters when MessageBodyTextType is TEXT",
        )
