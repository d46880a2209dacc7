"""The country of a destination number, read from the project's one table.

``lambda_src/vc_common/countries.py`` (``country_of(e164)``: ISO 3166-1 alpha-2, or None) is the
table the sender and the constructs use; the fake reads the same one, through
``voice_constructs._contract``, so a country the sender allows is one the fake's protect
configurations see the same way. A number the table places in no country (a +1 area code in no
list, +881 satellite, ...) is blocked by no protect configuration here; the service may know it.
"""

from __future__ import annotations

from voice_constructs._contract import countries


def country_of(phone_number: str) -> str | None:
    """The ISO 3166-1 alpha-2 country of an E.164 number, or None when the table knows none."""
    return countries.country_of(phone_number)


def known_countries() -> frozenset[str]:
    """The countries a rule set lists: every country with telephone numbers of its own."""
    return countries.DIALABLE_COUNTRIES
