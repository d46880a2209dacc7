"""The sender's origination identities as it uses them: names, IAM resources and numbers.

``origination_numbers`` holds strings (E.164 numbers for v1; phone number or pool ids or ARNs for
v2) and, with v2, ``IVoiceOriginationIdentity`` objects (``VoicePhoneNumber``, ``VoicePool`` or
imported ones). Each becomes what ``SendVoiceMessage`` names it by, what IAM names it by, and how
many phone numbers it holds, which pacing gives a call a second each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from aws_cdk import Token
from aws_cdk import aws_lambda as lambda_

from voice_constructs._contract import contract
from voice_constructs._interfaces import IVoiceOriginationIdentity, IVoicePhoneNumber
from voice_constructs.api import SmsVoiceApi

#: What ``origination_number`` and each of ``origination_numbers`` may be.
OriginationIdentity: TypeAlias = str | IVoiceOriginationIdentity


@dataclass(frozen=True)
class Origination:
    """The sender's identities: each one's name, IAM resource and phone numbers, in order."""

    names: list[str]
    resources: list[str]
    numbers: list[int]
    #: The identities' countries, when every one is a phone number or pool made in the app
    #: (ISO 3166-1 alpha-2, sorted); None when one is a string or an import (not known at synth).
    countries: tuple[str, ...] | None = None

    @property
    def phone_numbers(self) -> int:
        """The phone numbers of all the identities: each calls at most once a second."""
        return sum(self.numbers)

    @property
    def pooled(self) -> bool:
        """Whether an identity holds more than one number."""
        return any(count > 1 for count in self.numbers)

    def add_number_counts(self, function: lambda_.Function) -> None:
        """Tell the handler how many numbers each identity holds, when one holds more than one."""
        value = contract.number_counts_value(self.numbers)
        if value is not None:
            function.add_environment(contract.ENV_ORIGINATION_NUMBER_COUNTS, value)


def shown(identity: OriginationIdentity) -> str:
    """An identity as an error shows it: a string as given, a construct by its path."""
    return identity if isinstance(identity, str) else identity.node.path


def resolve(
    api: SmsVoiceApi, identities: Sequence[OriginationIdentity], props: Sequence[str]
) -> Origination:
    """Each identity's name, IAM resource and numbers; ``props`` names each one's prop.

    A construct is a v2 identity: refused with v1. A number given both alone and in a pool given
    too is refused: it would be paced twice.
    """
    names, resources, numbers = [], [], []
    for prop, identity in zip(props, identities, strict=True):
        if isinstance(identity, str):
            names.append(identity)
            resources.append(identity)
            numbers.append(1)
            continue
        if api is not SmsVoiceApi.V2:
            raise ValueError(
                f"{prop} is a v2 origination identity ({type(identity).__name__} "
                f"{identity.node.path}), which needs api=SmsVoiceApi.V2; with v1 give an E.164 "
                "number"
            )
        names.append(identity.origination_identity)
        resources.append(identity.origination_identity_arn)
        numbers.append(identity.phone_number_count)
    _refuse_twice(identities, props, names)
    return Origination(names, resources, numbers, _countries(identities))


def _countries(identities: Sequence[OriginationIdentity]) -> tuple[str, ...] | None:
    """The countries of the numbers the app makes (a ``VoicePool``'s numbers' too), or None."""
    found: set[str] = set()
    for identity in identities:
        members = getattr(identity, "phone_numbers", None)
        for number in [identity] if members is None else members:
            country = getattr(number, "iso_country_code", None)
            if not isinstance(country, str) or Token.is_unresolved(country):
                return None
            found.add(country)
    return tuple(sorted(found)) or None


def _refuse_twice(
    identities: Sequence[OriginationIdentity], props: Sequence[str], names: list[str]
) -> None:
    """Refuse an identity named twice (by two imports of it) or a number inside a pool given."""
    seen: dict[str, str] = {}
    for prop, name in zip(props, names, strict=True):
        if Token.is_unresolved(name):
            continue
        if name in seen:
            raise ValueError(
                f"{prop} names the same origination identity as {seen[name]}, got {name!r}"
            )
        seen[name] = prop
    for pool_prop, pool in zip(props, identities, strict=True):
        members: Sequence[IVoicePhoneNumber] = getattr(pool, "phone_numbers", ())
        known = {
            name
            for member in members
            for name in (member.phone_number_id, member.phone_number_arn)
            if not Token.is_unresolved(name)
        }
        for prop, identity, name in zip(props, identities, names, strict=True):
            if identity is not pool and (identity in members or name in known):
                raise ValueError(
                    f"{prop} is also one of the numbers of the pool {pool_prop}: the pool calls "
                    "from it already (it would be paced twice); give one or the other"
                )
