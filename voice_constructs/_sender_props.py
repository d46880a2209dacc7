"""The sender's props, checked before anything is built.

Its origination identities, each prop's form for the API it uses, and its configuration set
(given, or named by the deprecated ``configuration_set_name``).
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Sequence

from aws_cdk import Annotations, Token
from constructs import Construct

from voice_constructs._contract import contract
from voice_constructs._interfaces import IVoiceConfigurationSet
from voice_constructs._props import check_form
from voice_constructs._sender_origination import OriginationIdentity, shown
from voice_constructs.api import V2_VOICE_IDS, SmsVoiceApi
from voice_constructs.configuration_set import VoiceConfigurationSet

_E164 = re.compile(contract.E164)
_LANGUAGE_CODE = re.compile(contract.LANGUAGE_CODE)
_VOICE_ID = re.compile(contract.VOICE_ID)
_CONFIGURATION_SET_NAME = re.compile(contract.CONFIGURATION_SET_NAME)
# v2 origination identities IAM can name: a phone number or a pool, by id or by ARN.
_V2_IDENTITY_ID = re.compile(contract.V2_IDENTITY_ID)
_V2_IDENTITY_ARN = re.compile(contract.V2_IDENTITY_ARN)
_DEPRECATED_SET_NAME = (
    "configuration_set_name is deprecated and will be removed in the next release: give "
    "configuration_set=VoiceConfigurationSet.from_configuration_set_name(scope, id, {name!r}"
    "{api}) instead"
)


def origination_identities(
    single: OriginationIdentity | None, several: Sequence[OriginationIdentity] | None
) -> list[OriginationIdentity]:
    """The origination identities the props give, ``origination_number`` first.

    With both props, ``origination_number`` must be one of ``origination_numbers`` (so that
    ``PinpointVoice``'s ``origination_number`` and ``SenderOptions(origination_numbers=...)``
    work together).
    """
    if several is None:
        if single is None:
            raise ValueError("origination_number or origination_numbers is required, got neither")
        return [single]
    found = list(several)
    if not found:
        raise ValueError("origination_numbers must name at least one number, got []")
    repeated = sorted({shown(i) for i in found if found.count(i) > 1})
    if repeated:
        raise ValueError(f"origination_numbers must not repeat a number, got {repeated!r}")
    if single is None:
        return found
    if single not in found:
        raise ValueError(
            f"origination_number must be one of origination_numbers when both are given, got "
            f"{shown(single)!r}"
        )
    return [single, *(identity for identity in found if identity != single)]


def check_props(
    api: SmsVoiceApi,
    origination: list[str],
    caller_id: str | None,
    set_name: str | None,
    language_code: str,
    voice_id: str | None,
) -> None:
    """Refuse a prop whose form ``api`` cannot use, naming it."""
    names = identity_props(origination)
    if api is SmsVoiceApi.V2:
        check_v2(origination, names, caller_id, voice_id)
    else:
        for name, identity in zip(names, origination, strict=True):
            check_form(name, identity, _E164, "an E.164 phone number")
        check_form("caller_id", caller_id, _E164, "an E.164 phone number")
    check_form(
        "configuration_set_name",
        set_name,
        _CONFIGURATION_SET_NAME,
        "1-64 letters, digits, - or _",
    )
    check_form(
        "default_language_code", language_code, _LANGUAGE_CODE, "a language code such as en-US"
    )
    check_form("default_voice_id", voice_id, _VOICE_ID, "an Amazon Polly voice name such as Joanna")


def check_v2(
    origination: list[str], names: list[str], caller_id: str | None, voice_id: str | None
) -> None:
    """Refuse the props the v2 API cannot use, naming each (``names``: each identity's prop)."""
    for name, identity in zip(names, origination, strict=True):
        if not Token.is_unresolved(identity) and not (
            _V2_IDENTITY_ID.fullmatch(identity) or _V2_IDENTITY_ARN.fullmatch(identity)
        ):
            raise ValueError(
                f"{name} must be a phone number or pool, by id (phone-..., pool-...) "
                f"or ARN, with api=SmsVoiceApi.V2 (IAM is scoped to it), got {identity!r}"
            )
    if caller_id is not None:
        raise ValueError(
            f"caller_id has no equivalent in the v2 API (recipients see the origination "
            f"identity), got {caller_id!r}"
        )
    if voice_id is not None and voice_id.upper() not in V2_VOICE_IDS:
        raise ValueError(f"default_voice_id must be one of the v2 API's voices, got {voice_id!r}")


def identity_props(origination: Sequence[object]) -> list[str]:
    """The prop each identity came from, as an error names it."""
    if len(origination) == 1:
        return ["origination_number"]
    return [f"origination_numbers[{n}]" for n in range(len(origination))]


def check_configuration_set(
    given: IVoiceConfigurationSet | None, name: str | None, api: SmsVoiceApi
) -> None:
    """Refuse a set given with the deprecated name as well, or one of the other API."""
    if given is None:
        return
    if name is not None:
        raise ValueError(
            "configuration_set and configuration_set_name are mutually exclusive, got "
            f"configuration_set_name={name!r} as well"
        )
    if given.api is not api:
        raise ValueError(
            f"configuration_set was made for api={given.api}, but the sender uses "
            f"api={api}; give both the same api"
        )


def deprecated_set(scope: Construct, name: str, api: SmsVoiceApi) -> IVoiceConfigurationSet:
    """The set the deprecated ``configuration_set_name`` names, imported, with a warning."""
    message = _DEPRECATED_SET_NAME.format(
        name=name, api="" if api is SmsVoiceApi.V1 else f", api={api}"
    )
    warnings.warn(message, DeprecationWarning, stacklevel=_caller_stacklevel())
    Annotations.of(scope).add_warning_v2("voice-constructs:configurationSetNameDeprecated", message)
    return VoiceConfigurationSet.from_configuration_set_name(
        scope, "ConfigurationSet", name, api=api
    )


def _caller_stacklevel() -> int:
    """The ``stacklevel`` of the first caller outside this library and jsii.

    jsii's metaclass calls ``__init__``; skipping it and the library, a warning names the user's
    line.
    """
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        ("voice_constructs.", "jsii.")
    ):
        frame, level = frame.f_back, level + 1
    return level
