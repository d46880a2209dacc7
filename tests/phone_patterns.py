"""Numbers that libphonenumber's patterns accept, for checking ``vc_common.countries``.

``phonenumbers`` (a dev dependency only) describes each region's numbers by regular expressions
per number type. :func:`matches` writes out strings such a pattern accepts: every choice (a digit
class, a branch, a repeat count) is taken in turn for the first ``depth`` characters, the first
choice after that. So every prefix of ``depth`` digits that some accepted number starts with is
covered, and a table keyed by prefixes can be checked against libphonenumber exhaustively.
"""

from __future__ import annotations

from collections.abc import Iterator

try:  # Python 3.11 has both; sre_parse warns (3.11) and re._parser is the new name.
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

import phonenumbers

_DIGITS = "0123456789"
_TYPES = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)


def _chars(items: list[tuple[object, object]]) -> str:
    """The digits a character class ``[...]`` (or ``\\d``) admits."""
    found = ""
    for op, value in items:
        name = str(op)
        if name == "LITERAL":
            found += chr(value)  # type: ignore[arg-type]
        elif name == "RANGE":
            low, high = value  # type: ignore[misc]
            found += "".join(chr(code) for code in range(low, high + 1))
        elif name == "CATEGORY":
            found += _DIGITS
        else:  # pragma: no cover - libphonenumber's patterns use no other
            raise ValueError(f"unexpected class item {name}")
    return found


def _sequence(items: list[tuple[object, object]], prefix: str, depth: int) -> Iterator[str]:
    """Strings that ``prefix`` followed by the pattern ``items`` make (see the module doc)."""
    if not items:
        yield prefix
        return
    (op, value), rest = items[0], items[1:]
    name = str(op)
    options: list[list[tuple[object, object]]]
    if name == "LITERAL":
        options = [[]]
        prefix += chr(value)  # type: ignore[arg-type]
    elif name in {"IN", "CATEGORY"}:
        digits = _chars(value if name == "IN" else [(op, value)])  # type: ignore[arg-type]
        chosen = digits if len(prefix) < depth else digits[:1]
        for digit in chosen:
            yield from _sequence(rest, prefix + digit, depth)
        return
    elif name == "SUBPATTERN":
        options = [list(value[-1])]  # type: ignore[index]
    elif name == "BRANCH":
        options = [list(branch) for branch in value[1]]  # type: ignore[index]
    elif name in {"MAX_REPEAT", "MIN_REPEAT"}:
        low, high, body = value  # type: ignore[misc]
        options = [list(body) * count for count in range(low, high + 1)]
    else:  # pragma: no cover
        raise ValueError(f"unexpected pattern item {name}")
    if len(prefix) >= depth:
        options = options[:1]
    for option in options:
        yield from _sequence([*option, *rest], prefix, depth)


def matches(pattern: str, depth: int) -> Iterator[str]:
    """Strings ``pattern`` accepts, every choice taken within the first ``depth`` characters."""
    return _sequence(list(sre_parse.parse(pattern)), "", depth)


def region_numbers(region: str, depth: int) -> Iterator[str]:
    """E.164 numbers of ``region``: its example numbers, then what its type patterns accept."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    code = f"+{metadata.country_code}"
    for kind in _TYPES:
        desc = getattr(metadata, kind)
        if desc is None or not desc.national_number_pattern:
            continue
        if desc.example_number:
            yield code + desc.example_number
        for national in matches(desc.national_number_pattern, depth):
            yield code + national
