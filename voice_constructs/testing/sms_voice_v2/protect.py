"""v2's protect configurations and their country rule sets: ``CreateProtectConfiguration``,
``DescribeProtectConfigurations``, ``DeleteProtectConfiguration``,
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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voice_constructs.testing.sms_voice_v2.common import (
    MODEL,
    Where,
    flag,
    matches,
    new_id,
    page,
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
        return {country: {"ProtectStatus": self.status(capability, country)} for country in countries}

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
        ids = body.get("ProtectConfigurationIds")
        if ids:
            chosen = [self.get(identity) for identity in dict.fromkeys(ids)]
        else:
            chosen = list(self.configurations.values())
        kept = [c for c in chosen if matches(body.get("Filters"), c.values_of)]
        listed, token = page(kept, body)
        return {"ProtectConfigurations": [c.to_json() for c in listed], **token}

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
