"""The destination countries the sender may call: the guard against toll fraud.

An endpoint that calls whatever number it is given can be made to call premium and far-away
numbers whose cost the account owner pays. The construct gives the sender the countries it may
call (``allowed_countries``); :meth:`Destinations.apply` refuses any other destination, and one
whose country is unknown (a non-geographic or unassigned code), with
:class:`~send_voice_message.errors.DestinationCountryBlockedException`. It runs right after the
request is shaped, before the call ledger's claim, the recipient's daily slot, the quota's slot
and the call: a refused message costs no request to any service. On the bulk path the message
goes to the dead-letter queue with the ``FailureType`` ``country_blocked``.

With v2 the construct also creates a protect configuration whose VOICE rule set allows the same
countries, and :meth:`Destinations.apply` names it on every request (``ProtectConfigurationId``),
so that the service refuses what this table might get wrong. An event may not name another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vc_common.contract import (
    ANY_COUNTRY,
    ENV_ALLOWED_COUNTRIES,
    ENV_PROTECT_CONFIGURATION_ID,
    ORIGINATION_COUNTRIES,
)
from vc_common.countries import country_of, is_country_code
from vc_common.phone import echo, mask

from send_voice_message.errors import BadRequestException, DestinationCountryBlockedException

_UNSET = (
    f"the sender may call no country: its {ENV_ALLOWED_COUNTRIES} environment variable is not "
    "set, or names the origination numbers' countries and none of them has a known country "
    "(the construct sets it from allowed_countries)"
)


@dataclass(frozen=True)
class Destinations:
    """The countries a sender may call (None: any, explicitly) and its protect configuration."""

    allowed: frozenset[str] | None = None
    protect_configuration_id: str | None = None

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str], origination: Sequence[str] = ()
    ) -> Destinations:
        """What the construct configured; a function without the list may call no country.

        ``origination``: the sender's own numbers, whose countries ``ORIGINATION_COUNTRIES``
        stands for (the construct's default when a number was a token at synth time).
        """
        text = env.get(ENV_ALLOWED_COUNTRIES, "").strip()
        protect = env.get(ENV_PROTECT_CONFIGURATION_ID) or None
        if text == ANY_COUNTRY:
            return cls(None, protect)
        if text == ORIGINATION_COUNTRIES:
            found = (country_of(number) for number in origination)
            return cls(frozenset(country for country in found if country is not None), protect)
        codes = frozenset(part.strip() for part in text.split(",") if part.strip())
        wrong = sorted(code for code in codes if not is_country_code(code))
        if wrong:
            raise RuntimeError(
                f"{ENV_ALLOWED_COUNTRIES} must hold ISO 3166-1 alpha-2 codes (US,CA) or "
                f"{ANY_COUNTRY!r}, got {echo(wrong, 60)}"
            )
        return cls(codes, protect)

    def apply(self, request: dict[str, Any]) -> dict[str, Any]:
        """``request`` if its destination may be called (v2: naming the protect configuration).

        Raises DestinationCountryBlockedException for a country outside the list or unknown, and
        BadRequestException for an event that names another protect configuration.
        """
        destination = request["DestinationPhoneNumber"]
        if self.allowed is not None:
            self._check(destination)
        if self.protect_configuration_id is None:
            return request
        named = request.get("ProtectConfigurationId", self.protect_configuration_id)
        if named != self.protect_configuration_id:
            raise BadRequestException(
                "ProtectConfigurationId",
                "must be left out: this sender sends with its own protect configuration "
                f"(allowed_countries), got {echo(named, 80)}",
            )
        return {**request, "ProtectConfigurationId": self.protect_configuration_id}

    def _check(self, destination: str) -> None:
        allowed = self.allowed or frozenset()
        if not allowed:
            raise DestinationCountryBlockedException(f"{_UNSET}; no call was placed")
        country = country_of(destination)
        listed = ", ".join(sorted(allowed))
        if country is None:
            raise DestinationCountryBlockedException(
                f"the destination {mask(destination)} has no known country (a non-geographic, "
                f"satellite or unassigned code), so it is refused; this sender may call "
                f"{listed} (allowed_countries); no call was placed"
            )
        if country not in allowed:
            raise DestinationCountryBlockedException(
                f"the destination {mask(destination)} is in {country}, which this sender may "
                f"not call: it may call {listed} (allowed_countries); no call was placed"
            )
