"""The emulator's control path's parameters: one check per parameter, the same on every route.

A query string's value is text, a JSON body's has its JSON type. A value its check refuses is a
:class:`ParameterError` naming the parameter (``"region: 'mars-1' is not ..."``); echoed values
are cut short, and a phone number is masked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from voice_constructs._contract import phone
from voice_constructs.testing.models import E164, REGIONS_OF
from voice_constructs.testing.pinpoint_voice.responses import VOICE_CHANNEL_OPERATIONS
from voice_constructs.testing.sms_voice.responses import SMS_VOICE_OPERATIONS
from voice_constructs.testing.sms_voice_v2.phone_numbers import CAPABILITIES, MESSAGE_TYPES
from voice_constructs.testing.sms_voice_v2.protect import STATUSES
from voice_constructs.testing.sms_voice_v2.responses import SMS_VOICE_V2_OPERATIONS
from voice_constructs.testing.validation import did_you_mean

# The most calls one fault request queues: each is held in memory until a call takes it.
MAX_COUNT = 1000
# The service names a client knows the fakes by (botocore's, the AWS CLI's), and their operations.
OPERATIONS = {
    "pinpoint": VOICE_CHANNEL_OPERATIONS,
    "pinpoint-sms-voice": SMS_VOICE_OPERATIONS,
    "pinpoint-sms-voice-v2": SMS_VOICE_V2_OPERATIONS,
}
# What ``api`` names: v1 is SMS and Voice v1 and the voice channel, v2 is SMS and Voice v2.
API_OPERATIONS = {
    "v1": VOICE_CHANNEL_OPERATIONS + SMS_VOICE_OPERATIONS,
    "v2": SMS_VOICE_V2_OPERATIONS,
}
_ACCOUNT = re.compile(r"[0-9]{12}")
# An error name goes into a header (x-amzn-ErrorType): letters, digits and a few separators.
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.:#-]{0,127}")
_COUNTRY = re.compile(r"[A-Z]{2}")


class ControlError(Exception):
    """A refused control request: the HTTP status, what was wrong, and the parameter at fault."""

    def __init__(self, message: str, status: int = 400, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.parameter = parameter


class ParameterError(ControlError, ValueError):
    """A parameter's value refused by its check: ``"{name}: {problem}"``."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}", 400, name)
        self.problem = problem


class _ProblemError(Exception):
    """What a check finds wrong with a value (the caller names the parameter)."""


@functools.cache
def regions() -> frozenset[str]:
    """The regions the fakes serve: botocore's regions of :data:`REGIONS_OF`, every partition.

    The same list moto's ``BackendDict`` builds its backends from, so a region that passes here
    is one the fakes have state in; a pattern alone would pass ``us-east-9``, which they do not.
    """
    import botocore.session

    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(REGIONS_OF, partition_name=partition)
    )


def check_region(value: object) -> str:
    """``value`` if it is a region the fakes serve; else :class:`ParameterError` for ``region``."""
    region: str = check_value("region", _region, value)
    return region


def check_value(name: str, check: Callable[[object], Any], value: object) -> Any:
    try:
        return check(value)
    except _ProblemError as problem:
        raise ParameterError(name, str(problem)) from None


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise _ProblemError(f"must be a non-empty string, got {shown(value)}")
    return value


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise _ProblemError(f"must be a string, got {shown(value)}")
    return value


def _api(value: object) -> str:
    if value not in API_OPERATIONS:
        raise _ProblemError(f"must be 'v1' or 'v2', got {shown(value)}")
    return str(value)


def _region(value: object) -> str:
    known = regions()
    if not isinstance(value, str) or value not in known:
        hint = did_you_mean(value, known) if isinstance(value, str) else ""
        raise _ProblemError(
            f"{shown(value)} is not a region the fakes serve (botocore's regions of "
            f"{REGIONS_OF}: {', '.join(sorted(known))}){hint}"
        )
    return value


def _account(value: object) -> str:
    if not isinstance(value, str) or not _ACCOUNT.fullmatch(value):
        raise _ProblemError(f"must be an AWS account id (12 digits), got {shown(value)}")
    return value


def _whole(low: int, high: int | None = None) -> Callable[[object], int]:
    described = f"from {low} to {high}" if high is not None else f"of at least {low}"

    def check(value: object) -> int:
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if number is None or number < low or (high is not None and number > high):
            raise _ProblemError(f"must be a whole number {described}, got {shown(value)}")
        return number

    return check


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise _ProblemError(f"must be true or false, got {shown(value)}")
    return value


def _code(value: object) -> str:
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise _ProblemError(f"must be an error name (letters and digits), got {shown(value)}")
    return value


def _events(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _ProblemError(f"must be a list of event types (strings), got {shown(value)}")
    return tuple(value)


def _e164(value: object) -> str:
    if not isinstance(value, str) or not E164.fullmatch(value):
        masked = phone.mask(value) if isinstance(value, str) else shown(value)
        raise _ProblemError(
            f"must be a phone number in E.164 form (+ and 2 to 15 digits), got {masked}"
        )
    return value


def _country(value: object) -> str:
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
        raise _ProblemError(
            f"must be an ISO 3166-1 alpha-2 code (two capitals), got {shown(value)}"
        )
    return value


def _one_of(choices: tuple[str, ...]) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str) or value not in choices:
            hint = did_you_mean(value, choices) if isinstance(value, str) else ""
            raise _ProblemError(f"must be one of {', '.join(choices)}, got {shown(value)}{hint}")
        return value

    return check


def _capabilities(value: object) -> list[str]:
    if not isinstance(value, list) or not value or any(v not in CAPABILITIES for v in value):
        raise _ProblemError(f"must be a list of {', '.join(CAPABILITIES)}, got {shown(value)}")
    return [str(item) for item in value]


def _identities(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _ProblemError(
            f"must be a list of phone number ids, ARNs or E.164 numbers, got {shown(value)}"
        )
    return list(value)


def _rule_set(value: object) -> dict[str, dict[str, str]]:
    problem = (
        "must map a capability (SMS, VOICE, MMS, RCS) to countries' statuses "
        f'({{"VOICE": {{"US": "ALLOW"}}}}; {", ".join(STATUSES)}), got {shown(value)}'
    )
    if not isinstance(value, dict):
        raise _ProblemError(problem)
    for capability, rules in value.items():
        if capability not in CAPABILITIES or not isinstance(rules, dict):
            raise _ProblemError(problem)
        for country, status in rules.items():
            if not _COUNTRY.fullmatch(country) or status not in STATUSES:
                raise _ProblemError(problem)
    return value


def shown(value: object) -> str:  # a value in an error message
    """A value in an error message: its JSON-ish repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Every parameter of every route, and its one check.
PARAMETERS: dict[str, Callable[[object], Any]] = {
    "api": _api,
    "region": _region,
    "account_id": _account,
    "operation": _text,
    "application_id": _text,
    "message_id": _text,
    "count": _whole(1, MAX_COUNT),
    "status": _whole(400, 599),
    "code": _code,
    "message": _string,
    "after_accept": _boolean,
    "events": _events,
    "start_ms": _whole(0),
    "step_ms": _whole(0),
    "identity": _text,
    "name": _text,
    "phone_number": _e164,
    "phone_numbers": _identities,
    "iso_country_code": _country,
    "capabilities": _capabilities,
    "message_type": _one_of(MESSAGE_TYPES),
    "country_rule_set": _rule_set,
}
