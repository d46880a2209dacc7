"""The checks of the origination identities' props, and the enums of a number's props.

Each refusal is a ``ValueError`` naming the prop (``voice_constructs.origination`` builds on
them).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence

from aws_cdk import RemovalPolicy, Token

from voice_constructs._contract import contract
from voice_constructs._interfaces import IVoicePhoneNumber
from voice_constructs._props import check_form

MAX_KEYWORD_MESSAGE = 1600
_IDENTITY_ID = re.compile(contract.V2_IDENTITY_ID)
_IDENTITY_ARN = re.compile(contract.V2_IDENTITY_ARN)
COUNTRY = re.compile(r"[A-Z]{2}")
_OPT_OUT_LIST = re.compile(r"[A-Za-z0-9_:/-]{1,256}")
KINDS = {"phone": ("phone-number", "phone number"), "pool": ("pool", "pool")}


class PhoneNumberType(enum.Enum):
    """The type of number to request (``NumberType``; the service's ``RequestableNumberType``)."""

    LONG_CODE = "LONG_CODE"
    TOLL_FREE = "TOLL_FREE"
    TEN_DLC = "TEN_DLC"
    #: A number of the service's simulator: calls go nowhere, for tests.
    SIMULATOR = "SIMULATOR"


class NumberCapability(enum.Enum):
    """What a number is used for (``NumberCapabilities``)."""

    VOICE = "VOICE"
    SMS = "SMS"
    MMS = "MMS"


def check_shared(
    opt_out_list_name: str | None,
    removal_policy: RemovalPolicy,
    deletion_protection: bool,
    help_message: str,
    stop_message: str,
) -> None:
    """Check the props a number and a pool share: each refusal names its prop."""
    check_form(
        "opt_out_list_name",
        opt_out_list_name,
        _OPT_OUT_LIST,
        "an opt-out list's name or ARN (1-256 letters, digits, _, :, / or -)",
    )
    _check_keyword_message("help_message", help_message)
    _check_keyword_message("stop_message", stop_message)
    _check_removal(removal_policy, deletion_protection)


def check_id(prop: str, value: str, kind: str) -> None:
    if Token.is_unresolved(value):
        return
    if not (_IDENTITY_ID.fullmatch(value) and value.startswith(f"{kind}-")):
        raise ValueError(
            f"{prop} must be a {KINDS[kind][1]} id ({kind}- and 32 letters or digits), "
            f"got {value[:80]!r}"
        )


def check_arn(prop: str, value: str, kind: str) -> None:
    if Token.is_unresolved(value):
        return
    if not (_IDENTITY_ARN.fullmatch(value) and f":{KINDS[kind][0]}/{kind}-" in value):
        raise ValueError(
            f"{prop} must be the ARN of a {KINDS[kind][1]} (arn:aws:sms-voice:<region>:"
            f"<account>:{KINDS[kind][0]}/{kind}-...), got {value[:120]!r}"
        )


def check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(
            f"phone_number_count must be a whole number of at least 1 (the pool's numbers, "
            f"each a call a second), got {count!r}"
        )


def _check_keyword_message(prop: str, message: str) -> None:
    if Token.is_unresolved(message):
        return
    if not isinstance(message, str) or not message.strip() or len(message) > MAX_KEYWORD_MESSAGE:
        raise ValueError(
            f"{prop} must be 1 to {MAX_KEYWORD_MESSAGE} characters, not only spaces, got "
            f"{str(message)[:40]!r}{'...' if len(str(message)) > 40 else ''}"
        )


def _check_removal(removal_policy: RemovalPolicy, deletion_protection: bool) -> None:
    if removal_policy is RemovalPolicy.SNAPSHOT:
        raise ValueError(
            "removal_policy must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY: there is no "
            "snapshot of a phone number or pool, got RemovalPolicy.SNAPSHOT"
        )
    if removal_policy is RemovalPolicy.DESTROY and deletion_protection:
        raise ValueError(
            "removal_policy RemovalPolicy.DESTROY needs deletion_protection=False: the service "
            "refuses to delete a protected number or pool, so the stack's delete would fail"
        )


def checked_capabilities(capabilities: Sequence[NumberCapability]) -> tuple[NumberCapability, ...]:
    found = tuple(capabilities)
    wrong = [c for c in found if not isinstance(c, NumberCapability)]
    if wrong:
        raise ValueError(
            f"capabilities must hold NumberCapability values (VOICE, SMS, MMS), got {wrong[0]!r}"
        )
    if len(set(found)) != len(found):
        raise ValueError(
            f"capabilities must not repeat a capability, got {[c.value for c in found]!r}"
        )
    if NumberCapability.VOICE not in found:
        raise ValueError(
            f"capabilities must include NumberCapability.VOICE (a sender calls from the "
            f"number), got {[c.value for c in found]!r}"
        )
    return found


def checked_numbers(numbers: Sequence[IVoicePhoneNumber]) -> tuple[IVoicePhoneNumber, ...]:
    found = tuple(numbers)
    if not found:
        raise ValueError("phone_numbers must hold at least one phone number, got none")
    for n, number in enumerate(found):
        if not isinstance(getattr(number, "phone_number_arn", None), str):
            raise ValueError(
                f"phone_numbers[{n}] must be a phone number (a VoicePhoneNumber or one of its "
                f"from_… importers), got {type(number).__name__}"
            )
    seen: dict[object, int] = {}
    for n, number in enumerate(found):
        key = _same_number_key(number)
        if key in seen:
            raise ValueError(
                f"phone_numbers[{n}] is phone_numbers[{seen[key]}] again: a pool holds a number "
                "once"
            )
        seen[key] = n
    return found


def _same_number_key(number: IVoicePhoneNumber) -> object:
    """The same object, or the same id known at synth time, is the same number."""
    if Token.is_unresolved(number.phone_number_id):
        return number
    return number.phone_number_id
