"""Phone numbers: the E.164 check and the mask used in every log line and error message."""

from __future__ import annotations

import re
import reprlib

from . import contract

E164 = re.compile(contract.E164)
# A phone number inside free text (a service's error message): 7 to 15 digits, with or without
# the "+". Other long digit runs get masked too, which costs nothing in an error message.
# An ARN's account id (":123456789012:") is left alone: it is no phone number.
_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?!(?<=:)[0-9]{12}:)\+?[0-9]{7,15}(?![0-9])")


def is_e164(value: str) -> bool:
    """Whether ``value`` is a phone number in E.164 form (``+`` and 2 to 15 digits)."""
    return bool(E164.fullmatch(value))


def mask(value: object) -> str:
    """Mask a phone number (``+12065550100`` -> ``+1*******0100``); never returns it whole.

    Anything that is not a string, or too short to keep a prefix and suffix, is masked entirely
    but for its length, so a malformed number in an error message leaks nothing either.
    """
    if not isinstance(value, str):
        return f"<{type(value).__name__}>"
    if len(value) < 8:
        return "*" * len(value)
    # Keep "+" and the first digit (the country, roughly) and the last four digits only.
    head = value[:2] if value.startswith("+") else ""
    return head + "*" * (len(value) - len(head) - 4) + value[-4:]


def redact(text: str) -> str:
    """Mask every phone number in free text, such as an error message from the service."""
    return _NUMBER_IN_TEXT.sub(lambda match: mask(match.group()), text)


# How much of a value from input an error message or a log line quotes.
ECHO_LIMIT = 100
_REPR = reprlib.Repr()  # keyword arguments only from Python 3.12
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict = 3, 6, 6, 6
_REPR.maxstring = _REPR.maxother = 60
# The longest text a log field or an error message may hold, whatever it quotes.
TEXT_LIMIT = 1000


def shorten(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` with every phone number masked, cut to ``limit`` characters (with a marker).

    The masking runs over a little more than is kept, so a number at the cut is masked too.
    """
    if len(text) <= limit:
        return redact(text)
    kept = redact(text[: limit + 16])[: max(limit - 3, 0)]
    return f"{kept}..."


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value from input, safe to quote: ``repr`` of a string, masked and cut to ``limit``.

    Lone surrogates and control characters come out escaped, never raw.
    """
    if isinstance(value, str):
        return repr(shorten(value, limit))
    if value is None or isinstance(value, bool | int | float | list | tuple | dict):
        # reprlib stops early, so a huge container costs no more than a small one.
        return shorten(_REPR.repr(value), limit)
    return f"<{type(value).__name__}>"
