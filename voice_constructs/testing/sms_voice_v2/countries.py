"""The country of a destination number, read from the project's one table.

``lambda_src/vc_common/countries.py`` (``country_of(e164)``: ISO 3166-1 alpha-2, or None) is the
table the sender and the constructs use; the fake reads the same one, through
``voice_constructs._contract``, so a country the sender allows is one the fake's protect
configurations see the same way. Where that module is absent, no country is known: a protect
configuration then blocks nothing and a pool prefers no number by country.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from types import ModuleType

from voice_constructs import _contract

_MODULE = "voice_constructs._vc_common.countries"


@functools.cache
def _table() -> ModuleType | None:
    _contract.__name__  # the contract's package is loaded first  # noqa: B018
    try:
        return importlib.import_module(_MODULE)
    except ImportError:
        return None


def country_of(phone_number: str) -> str | None:
    """The ISO 3166-1 alpha-2 country of an E.164 number, or None when it is not known."""
    table = _table()
    lookup: Callable[[str], str | None] | None = getattr(table, "country_of", None)
    return lookup(phone_number) if lookup is not None else None


def known_countries() -> frozenset[str]:
    """Every country the table knows (empty without it)."""
    table = _table()
    for name in ("COUNTRIES", "KNOWN_COUNTRIES", "ISO_CODES"):
        codes = getattr(table, name, None)
        if codes:
            return frozenset(str(code) for code in codes)
    return frozenset()
