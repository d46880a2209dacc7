"""The countries the sender may call: ``allowed_countries``, its default, and v2's protect config.

A voice sender is a toll-fraud target: a form that triggers a call to any number it receives can
be made to call premium and far-away numbers, and the account owner pays. So the sender calls
only the countries it is given, and the default is the narrowest list that is not surprising:

- **v1**: the countries of the origination numbers (E.164, so known at synth time): a sender
  calling from ``+12065550100`` calls the US only, not Jamaica (+1 876) or Canada (+1 416). When
  a number is a token (a parameter), the handler reads their countries at its start instead.
- **v2**: the countries of the ``VoicePhoneNumber`` constructs the sender calls from (a
  ``VoicePool``'s numbers included). An id, an ARN or an imported number or pool has no country
  known at synth time, so then ``allowed_countries`` is required: guessing would either block
  every call or allow what nobody chose.
- ``[ANY_COUNTRY]`` lets the sender call every country, unknown and non-geographic numbers too.
  It is never a default: the name is there so that a review sees the choice.

With v2 (and a list) the sender also gets an ``AWS::SMSVOICE::ProtectConfiguration`` whose VOICE
rule set allows exactly these countries and blocks every other one: the service allows any
country a rule set leaves out, so every country with telephone numbers is listed.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Token
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_smsvoice as smsvoice
from constructs import Construct

from voice_constructs._contract import contract, countries, phone
from voice_constructs._props import PropsError
from voice_constructs.api import SmsVoiceApi

ANY_COUNTRY = contract.ANY_COUNTRY
ORIGINATION_COUNTRIES = contract.ORIGINATION_COUNTRIES
_EXAMPLE = '["US", "CA"]'
# Codes people write that ISO 3166-1 spells otherwise.
_ISO_SPELLING = {"UK": "GB", "EL": "GR"}


def check_allowed_countries(
    given: Sequence[str] | None,
    api: SmsVoiceApi,
    identities: list[str],
    known: tuple[str, ...] | None = None,
) -> tuple[str, ...]:
    """The checked ``allowed_countries``, or its default (the origination numbers' countries).

    ``known``: the countries of the v2 phone number and pool constructs, when every identity is
    one.
    """
    if given is None:
        return _default(api, identities, known)
    if isinstance(given, str) or not isinstance(given, Sequence):
        raise PropsError(
            "{allowed_countries} must be a list of ISO 3166-1 alpha-2 codes such as "
            "{example}, got {got}",
            example=_EXAMPLE,
            got=phone.echo(given, 60),
        )
    codes = list(given)
    if not codes:
        raise PropsError(
            "{allowed_countries} must name at least one country, such as {example}, got []",
            example=_EXAMPLE,
        )
    for position, code in enumerate(codes):
        _check_code(position, code, codes)
    if ANY_COUNTRY in codes and len(codes) > 1:
        raise PropsError(
            "{allowed_countries} holds ANY_COUNTRY ({any!r}), which allows every country, and "
            "more: give [ANY_COUNTRY] alone or the countries alone, got {got}",
            any=ANY_COUNTRY,
            got=phone.echo(codes, 80),
        )
    return tuple(codes)


def _check_code(position: int, code: object, codes: list[str]) -> None:
    if code == ANY_COUNTRY:
        return
    problem = None
    if not isinstance(code, str) or Token.is_unresolved(code):
        problem = "must be a country code known at synth time (a string such as 'US')"
    elif not countries.is_country_code(code):
        hint = _ISO_SPELLING.get(code.upper(), code.upper())
        problem = "must be an ISO 3166-1 alpha-2 country code in upper case"
        if countries.is_country_code(hint):
            problem += f" ({hint!r})"
    elif code not in countries.DIALABLE_COUNTRIES:
        problem = "is a country without telephone numbers of its own: no call can reach it"
    elif codes.index(code) < position:
        problem = f"repeats allowed_countries[{codes.index(code)}]"
    if problem is not None:
        raise PropsError(
            "{allowed_countries}[{position}] {problem}, got {got}",
            position=position,
            problem=problem,
            got=phone.echo(code, 20),
        )


def _default(
    api: SmsVoiceApi, identities: list[str], known: tuple[str, ...] | None
) -> tuple[str, ...]:
    """The origination numbers' countries: v1's from their numbers, v2's from their constructs.

    A v1 number that is a token is read by the handler, from its own environment, at its start
    (``ORIGINATION_COUNTRIES``). ``known``: the v2 constructs' countries, None when not known.
    """
    if api is SmsVoiceApi.V2:
        if known is not None:
            return known
        raise PropsError(
            "{allowed_countries} is required with api=SmsVoiceApi.V2 unless every origination "
            "identity is a VoicePhoneNumber or VoicePool of the app: an id, an ARN or an import "
            "has no country known at synth time; give the countries the sender may call, such "
            "as {example} (or [ANY_COUNTRY] to allow every country)",
            example=_EXAMPLE,
        )
    if any(Token.is_unresolved(identity) for identity in identities):
        return (ORIGINATION_COUNTRIES,)
    found: list[str] = []
    for identity in identities:
        country = countries.country_of(identity)
        if country is None:
            raise PropsError(
                "{allowed_countries} is required when an origination number's country is not "
                "known ({number} has none known): give the countries the sender may call, "
                "such as {example}",
                number=phone.mask(identity),
                example=_EXAMPLE,
            )
        if country not in found:
            found.append(country)
    return tuple(sorted(found))


def protect_configuration(
    scope: Construct, allowed: tuple[str, ...]
) -> smsvoice.CfnProtectConfiguration:
    """A protect configuration whose VOICE rule set allows ``allowed`` and blocks all others."""
    rules = [
        smsvoice.CfnProtectConfiguration.CountryRuleProperty(
            country_code=code, protect_status="ALLOW" if code in allowed else "BLOCK"
        )
        for code in sorted(countries.DIALABLE_COUNTRIES)
    ]
    return smsvoice.CfnProtectConfiguration(
        scope,
        "ProtectConfiguration",
        country_rule_set=smsvoice.CfnProtectConfiguration.CountryRuleSetProperty(voice=rules),
    )


def guard_destinations(
    scope: Construct, function: lambda_.Function, api: SmsVoiceApi, allowed: tuple[str, ...]
) -> smsvoice.CfnProtectConfiguration | None:
    """Give ``function`` its countries, and with v2 a protect configuration of the same ones."""
    function.add_environment(contract.ENV_ALLOWED_COUNTRIES, ",".join(allowed))
    if api is not SmsVoiceApi.V2 or allowed == (ANY_COUNTRY,):
        return None
    protect = protect_configuration(scope, allowed)
    function.add_environment(
        contract.ENV_PROTECT_CONFIGURATION_ID, protect.attr_protect_configuration_id
    )
    return protect
