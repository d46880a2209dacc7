"""v2's protect configurations and their country rule sets.

``CreateProtectConfiguration``, ``DescribeProtectConfigurations``, ``DeleteProtectConfiguration``,
``GetProtectConfigurationCountryRuleSet``, ``UpdateProtectConfigurationCountryRuleSet``.

A new configuration allows every country for every capability, as the service's does. A send
naming one is refused when its ``VOICE`` rule set blocks the destination's country
(:meth:`ProtectConfigurations.blocks`); ``MONITOR`` and ``FILTER`` let the call through (the
fake has no fraud detection). A rule set lists the countries of
:func:`~voice_constructs.testing.sms_voice_v2.countries.known_countries` and every country an
update named. Account defaults, number overrides and associations with configuration sets are
not modelled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from voice_constructs.testing.sms_voice_v2.common import (
    MODEL,
    AdoptionError,
    Where,
    described,
    flag,
    new_id,
    tags,
)
from voice_constructs.testing.sms_voice_v2.countries import known_countries
from voice_constructs.testing.sms_voice_v2.exceptions import (
    ConflictException,
    ResourceNotFoundException,
)

KIND = "protect-configuration"
ID_PREFIX = "protect"
ALLOW, BLOCK = "ALLOW", "BLOCK"
CAPABILITIES = ("SMS", "VOICE", "MMS", "RCS")
STATUSES = (ALLOW, BLOCK, "MONITOR", "FILTER")
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass
class ProtectConfiguration:
    """One protect configuration: its rules per capability (country to ``ProtectStatus``)."""

    protect_configuration_id: str
    arn: str
    created: float
    deletion_protection: bool = False
    tags: list[dict[str, str]] = field(default_factory=list)
    rules: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The configuration as ``ProtectConfigurationInformation``."""
        return {
            "ProtectConfigurationArn": self.arn,
            "ProtectConfigurationId": self.protect_configuration_id,
            "CreatedTimestamp": self.created,
            "AccountDefault": False,
            "DeletionProtectionEnabled": self.deletion_protection,
        }

    def status(self, capability: str, country: str) -> str:
        """What the rule set of ``capability`` does with ``country`` (``ALLOW`` by default)."""
        return self.rules.get(capability, {}).get(country, ALLOW)

    def rule_set(self, capability: str) -> dict[str, dict[str, str]]:
        """The rule set of ``capability``, as ``CountryRuleSet`` answers it."""
        countries = sorted({*known_countries(), *self.rules.get(capability, {})})
        return {code: {"ProtectStatus": self.status(capability, code)} for code in countries}

    def values_of(self, name: str) -> list[str]:
        """The configuration's values for a ``ProtectConfigurationFilter`` name."""
        by_name = {
            "account-default": [flag(False)],
            "deletion-protection-enabled": [flag(self.deletion_protection)],
        }
        return by_name.get(name, [])


class ProtectConfigurations:
    """The protect configurations of one account and region."""

    def __init__(self, where: Where, clock: Callable[[], float]) -> None:
        self.where = where
        self.clock = clock
        self.configurations: dict[str, ProtectConfiguration] = {}

    def find(self, identity: str) -> ProtectConfiguration | None:
        """The configuration ``identity`` (its id or ARN) names, or None."""
        local = self.where.local_id(identity, KIND)
        return self.configurations.get(local) if local is not None else None

    def get(self, identity: str) -> ProtectConfiguration:
        """The configuration ``identity`` names, or ``ResourceNotFoundException``."""
        found = self.find(identity)
        if found is None:
            raise ResourceNotFoundException(KIND, identity)
        return found

    def blocks(self, configuration: ProtectConfiguration, country: str | None) -> bool:
        """Whether a call to ``country`` is refused by the configuration's ``VOICE`` rules."""
        return country is not None and configuration.status("VOICE", country) == BLOCK

    def adopt(
        self, identity: str, rules: Mapping[str, Mapping[str, str]] | None = None
    ) -> ProtectConfiguration:
        """Hold a configuration made elsewhere (see ``VoiceMock.adopt_protect_configuration``).

        ``rules`` maps a capability to its countries' statuses (``{"VOICE": {"US": "ALLOW"}}``);
        the countries it names replace those held, as an update does.
        """
        local = self.where.local_id(identity, KIND)
        if local is None or not _ID.fullmatch(local):
            raise AdoptionError(
                "identity",
                f"must be a protect configuration id (1-64 letters, digits, _ or -) or its ARN "
                f"in account {self.where.account_id} and region {self.where.region}",
            )
        checked: dict[str, dict[str, str]] = {}
        for capability, countries in (rules or {}).items():
            if capability not in CAPABILITIES:
                raise AdoptionError(
                    "country_rule_set", f"{capability!r} is not one of {CAPABILITIES}"
                )
            for country, status in countries.items():
                if not _COUNTRY.fullmatch(country) or status not in STATUSES:
                    raise AdoptionError(
                        "country_rule_set",
                        f"maps ISO 3166-1 alpha-2 codes to one of {STATUSES}, got "
                        f"{country[:10]!r}: {str(status)[:10]!r}",
                    )
            checked[capability] = dict(countries)
        held = self.configurations.get(local)
        if held is None:
            held = ProtectConfiguration(local, self.where.arn(KIND, local), self.clock())
            self.configurations[local] = held
        for capability, countries in checked.items():
            held.rules.setdefault(capability, {}).update(countries)
        return held

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """``CreateProtectConfiguration``: every country allowed for every capability."""
        MODEL.validate("CreateProtectConfiguration", body)
        identity = new_id(ID_PREFIX)
        created = ProtectConfiguration(
            identity,
            self.where.arn(KIND, identity),
            self.clock(),
            deletion_protection=bool(body.get("DeletionProtectionEnabled", False)),
            tags=tags(body),
        )
        self.configurations[identity] = created
        return {**created.to_json(), "Tags": created.tags}

    def describe(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DescribeProtectConfigurations``: by id (each must exist), filtered, one page."""
        MODEL.validate("DescribeProtectConfigurations", body)
        return described(
            body,
            "ProtectConfigurationIds",
            self.get,
            self.configurations.values(),
            "ProtectConfigurations",
        )

    def delete(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DeleteProtectConfiguration``: not while protected from deletion."""
        MODEL.validate("DeleteProtectConfiguration", body)
        configuration = self.get(body["ProtectConfigurationId"])
        if configuration.deletion_protection:
            raise ConflictException(
                "DELETION_PROTECTION_ENABLED",
                KIND,
                configuration.protect_configuration_id,
                "The protect configuration has deletion protection enabled",
            )
        del self.configurations[configuration.protect_configuration_id]
        return configuration.to_json()

    def get_rule_set(self, body: dict[str, Any]) -> dict[str, Any]:
        """``GetProtectConfigurationCountryRuleSet``: one capability's rules."""
        MODEL.validate("GetProtectConfigurationCountryRuleSet", body)
        configuration = self.get(body["ProtectConfigurationId"])
        return _rule_set_answer(configuration, body["NumberCapability"])

    def update_rule_set(self, body: dict[str, Any]) -> dict[str, Any]:
        """``UpdateProtectConfigurationCountryRuleSet``: the countries named change."""
        MODEL.validate("UpdateProtectConfigurationCountryRuleSet", body)
        configuration = self.get(body["ProtectConfigurationId"])
        capability = body["NumberCapability"]
        rules = configuration.rules.setdefault(capability, {})
        for country, rule in body["CountryRuleSetUpdates"].items():
            rules[country] = rule["ProtectStatus"]
        return _rule_set_answer(configuration, capability)


def _rule_set_answer(configuration: ProtectConfiguration, capability: str) -> dict[str, Any]:
    return {
        "ProtectConfigurationArn": configuration.arn,
        "ProtectConfigurationId": configuration.protect_configuration_id,
        "NumberCapability": capability,
        "CountryRuleSet": configuration.rule_set(capability),
    }
