"""Origination identities made elsewhere, declared to the v2 fake: :class:`Adoption`.

The v2 fake refuses a send from a phone number or pool its account does not hold, as the service
does. A test (or the local-stack runner) that sends from identities made outside it, such as a
sample app's ``phone-0123456789abcdef0123456789abcdef``, declares them first, and so the
configuration sets and protect configurations its sends name; ``VoiceMock`` inherits these
methods, and the emulator's control path serves them (``POST /_voice_constructs/adopt``).

An identity given as an ARN names its account and region: it is held there unless
``account_id`` or ``region`` says otherwise (then the two must agree). Declaring an identity
again with the same attributes returns it unchanged; with others, it is refused
(:class:`~voice_constructs.testing.sms_voice_v2.common.AdoptionError`, a ``ValueError`` naming
the argument).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from voice_constructs.testing.sms_voice_v2.common import AdoptionError, read_arn
from voice_constructs.testing.sms_voice_v2.configuration_sets import KIND as CONFIGURATION_SET_KIND
from voice_constructs.testing.sms_voice_v2.models import sms_voice_v2_backends
from voice_constructs.testing.sms_voice_v2.pools import ID_PREFIX as POOL_PREFIX
from voice_constructs.testing.sms_voice_v2.pools import KIND as POOL_KIND
from voice_constructs.testing.sms_voice_v2.protect import KIND as PROTECT_KIND


class Adoption:
    """The v2 identities a test declares; mixed into ``VoiceMock``."""

    account_id: str
    region: str

    def adopt_phone_number(
        self,
        identity: str,
        *,
        phone_number: str | None = None,
        iso_country_code: str | None = None,
        capabilities: Sequence[str] = ("SMS", "VOICE"),
        message_type: str = "TRANSACTIONAL",
        account_id: str | None = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        """Hold a v2 phone number made elsewhere, active, so a send from it is accepted.

        :param identity: the phone number id (``phone-`` and 32 letters or digits), its ARN, or
            the number itself in E.164 form (an id is then made up).
        :param phone_number: the number in E.164 form. :default: - the identity's, when it is
            one; else a fictional one of ``iso_country_code`` (US and CA only)
        :param iso_country_code: its country, ISO 3166-1 alpha-2, which must be the number's
            where the project's table knows it. :default: - the number's country, or US for a
            fictional one
        :param capabilities: among SMS, VOICE, MMS, RCS. :default: SMS and VOICE
        :param message_type: TRANSACTIONAL or PROMOTIONAL. :default: ``"TRANSACTIONAL"``
        :param account_id: :default: - the ARN's, or the mock's
        :param region: :default: - the ARN's, or the mock's
        :returns: the number as ``DescribePhoneNumbers`` describes it.
        """
        account, where = self._where(identity, "phone-number", account_id, region)
        return sms_voice_v2_backends[account][where].adopt_phone_number(
            identity,
            phone_number=phone_number,
            iso_country_code=iso_country_code,
            capabilities=tuple(capabilities),
            message_type=message_type,
        )

    def adopt_pool(
        self,
        identity: str,
        *,
        phone_numbers: Sequence[str] = (),
        iso_country_code: str | None = None,
        message_type: str = "TRANSACTIONAL",
        account_id: str | None = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        """Hold a v2 pool made elsewhere, with numbers that place its calls.

        :param identity: the pool id (``pool-`` and 32 letters or digits) or its ARN.
        :param phone_numbers: its numbers: ids or ARNs of numbers held already, or numbers in
            E.164 form (declared as by :meth:`adopt_phone_number`).
            :default: - one fictional number of ``iso_country_code``, SMS and VOICE
        :param iso_country_code: the country of the numbers it declares.
            :default: - each number's, or US for a fictional one
        :param message_type: TRANSACTIONAL or PROMOTIONAL, its numbers' too.
            :default: ``"TRANSACTIONAL"``
        :param account_id: :default: - the ARN's, or the mock's
        :param region: :default: - the ARN's, or the mock's
        :returns: the pool as ``DescribePools`` describes it, with ``OriginationIdentities`` as
            ``ListPoolOriginationIdentities`` lists them.
        """
        account, where = self._where(identity, POOL_KIND, account_id, region)
        return sms_voice_v2_backends[account][where].adopt_pool(
            identity,
            phone_numbers=tuple(phone_numbers),
            iso_country_code=iso_country_code,
            message_type=message_type,
        )

    def adopt_configuration_set(
        self, name: str, *, account_id: str | None = None, region: str | None = None
    ) -> dict[str, Any]:
        """Hold a v2 configuration set made elsewhere (no event destinations), so sends name it.

        :param name: the set's name or its ARN. Returns it as ``DescribeConfigurationSets``
            describes it; one held already is returned unchanged.
        """
        account, where = self._where(name, CONFIGURATION_SET_KIND, account_id, region)
        return sms_voice_v2_backends[account][where].adopt_configuration_set(name)

    def adopt_protect_configuration(
        self,
        identity: str,
        *,
        country_rule_set: Mapping[str, Mapping[str, str]] | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        """Hold a v2 protect configuration made elsewhere, with its country rules.

        :param identity: its id (1-64 letters, digits, ``_`` or ``-``) or its ARN.
        :param country_rule_set: per capability (SMS, VOICE, MMS, RCS), each country's
            ``ProtectStatus`` (ALLOW, BLOCK, MONITOR, FILTER): ``{"VOICE": {"US": "ALLOW",
            "CU": "BLOCK"}}``; the countries named replace those held, as
            ``UpdateProtectConfigurationCountryRuleSet`` does. :default: - every country allowed
        :returns: the configuration as ``DescribeProtectConfigurations`` describes it, with
            ``CountryRuleSets``: the rules held, per capability.
        """
        account, where = self._where(identity, PROTECT_KIND, account_id, region)
        return sms_voice_v2_backends[account][where].adopt_protect_configuration(
            identity, country_rule_set
        )

    def adopt_origination_identity(
        self, identity: str, *, account_id: str | None = None, region: str | None = None
    ) -> dict[str, Any]:
        """Hold what a v2 sender's ``OriginationIdentity`` names, whatever its form.

        A pool (id or ARN) as :meth:`adopt_pool`, a phone number (id, ARN or E.164) as
        :meth:`adopt_phone_number`, each with their defaults: what a stack's identities need
        to be accepted. One held already is returned as it is. Returns what that method
        returns.
        """
        arn = read_arn(identity)
        if identity.startswith(f"{POOL_PREFIX}-") or (arn is not None and arn.kind == POOL_KIND):
            account, where = self._where(identity, POOL_KIND, account_id, region)
            backend = sms_voice_v2_backends[account][where]
            if backend.pools.find(identity) is not None:
                return backend.describe_pool(identity)
            return self.adopt_pool(identity, account_id=account_id, region=region)
        account, where = self._where(identity, "phone-number", account_id, region)
        number = sms_voice_v2_backends[account][where].phone_numbers.find(identity)
        if number is not None:
            return number.to_json()
        return self.adopt_phone_number(identity, account_id=account_id, region=region)

    def _where(
        self, identity: str, kind: str, account_id: str | None, region: str | None
    ) -> tuple[str, str]:
        """The account and region an identity is held in: the ARN's, unless told otherwise."""
        arn = read_arn(identity) if identity.startswith("arn:") else None
        if arn is None:
            return account_id or self.account_id, region or self.region
        if arn.kind != kind:
            raise AdoptionError("identity", f"is an ARN of a {arn.kind}, not of a {kind}")
        for name, given, named in (
            ("account_id", account_id, arn.account_id),
            ("region", region, arn.region),
        ):
            if given is not None and given != named:
                raise AdoptionError(name, f"{given!r} differs from the identity ARN's, {named!r}")
        if arn.region not in sms_voice_v2_backends[arn.account_id]:
            raise AdoptionError(
                "identity", f"names region {arn.region!r}, which the fakes do not serve"
            )
        return arn.account_id, arn.region
