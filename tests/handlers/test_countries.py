"""The destination-country table (vc_common.countries) against Google's libphonenumber.

libphonenumber (the ``phonenumbers`` package) is a development dependency only: the handlers
carry their own table, and these tests check it number by number, over every NANP area code,
every country calling code and what every region's number patterns accept.
"""

from __future__ import annotations

import ast
import functools

import phonenumbers
import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from vc_common import countries
from vc_common.countries import COUNTRY_CODES, DIALABLE_COUNTRIES, country_of, is_country_code

from tests.conftest import ROOT
from tests.depth import scale
from tests.phone_patterns import region_numbers

# libphonenumber's regions that ISO 3166-1 does not have: Ascension and Tristan da Cunha are
# parts of ISO's SH; "001" is its name for the international non-geographic codes (no country).
_ISO_OF = {"AC": "SH", "TA": "SH", "001": None}
_SHARED = sorted(code for code, regions in COUNTRY_CODE_TO_REGION_CODE.items() if len(regions) > 1)


def _expected(number: str) -> str | None:
    """libphonenumber's country for ``number``, in ISO terms (None: invalid or non-geographic)."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(number))
    return _ISO_OF.get(region, region) if region else None


@functools.cache
def _nanp_regions(area: int) -> frozenset[str | None]:
    numbers = (
        f"+1{area}{exchange}{line}" for exchange in range(200, 1000, 9) for line in ("0142", "9999")
    )
    return frozenset(_expected(number) for number in numbers)


@pytest.mark.parametrize("area", range(200, 1000))
def test_every_nanp_area_code_is_the_country_libphonenumber_gives(area: int) -> None:
    regions = _nanp_regions(area) - {None}
    ours = country_of(f"+1{area}5550142")
    # Each NANP area code belongs to one country: resolution by area code loses nothing.
    assert len(regions) <= 1
    assert ours == (next(iter(regions)) if regions else None)


@pytest.mark.parametrize(
    ("number", "country"),
    [
        ("+18765550142", "JM"),
        ("+16585550142", "JM"),
        ("+18095550142", "DO"),
        ("+18295550142", "DO"),
        ("+18495550142", "DO"),
        ("+12425550142", "BS"),
        ("+17875550142", "PR"),
        ("+19395550142", "PR"),
        ("+16715550142", "GU"),
        ("+14165550142", "CA"),
        ("+12065550142", "US"),
        ("+19005550142", "US"),
        ("+18005550142", "US"),
        ("+79161234567", "RU"),
        ("+77012345678", "KZ"),
        ("+390669812345", "VA"),
        ("+390612345678", "IT"),
        ("+447400123456", "GB"),
        ("+447700312345", "JE"),
        ("+441481256789", "GG"),
        ("+447624123456", "IM"),
        ("+61891621234", "CC"),
        ("+61891641234", "CX"),
        ("+61212345678", "AU"),
        ("+4779123456", "SJ"),
        ("+4722123456", "NO"),
        ("+35818123456", "AX"),
        ("+2476123", "SH"),
        ("+29081234", "SH"),
        ("+38344123456", "XK"),
    ],
)
def test_country_of_names_the_country_of_shared_and_nanp_codes(number: str, country: str) -> None:
    assert country_of(number) == country
    assert _expected(number) == country


@pytest.mark.parametrize(
    "number",
    [
        "+12005550142",  # an unassigned NANP area code: no guess of "US"
        "+1876555014",  # a +1 number one digit short
        "+188155501420",  # one digit long
        "+80012345678",  # international freephone
        "+881612345678",  # global satellite (Iridium)
        "+8823456789012",  # international networks
        "+97912345678",  # international premium rate
        "+4251234567",  # an unassigned calling code (425)
        "+44",  # a calling code without a subscriber number
        "18765550142",  # not E.164: no "+"
        "+1 876 555 0142",  # not E.164: spaces
        "",
    ],
)
def test_fails_to_name_a_country_for_non_geographic_unassigned_or_malformed_numbers(
    number: str,
) -> None:
    assert country_of(number) is None


def test_fails_to_name_a_country_for_what_is_not_a_string() -> None:
    assert country_of(18765550142) is None  # type: ignore[arg-type]


def test_every_calling_code_resolves_to_its_main_country_or_none() -> None:
    for code, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        if code == 1:
            continue
        example = phonenumbers.example_number_for_non_geo_entity(code) or (
            phonenumbers.example_number(regions[0])
        )
        assert example is not None, code
        number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        assert country_of(number) == _expected(number), number


@pytest.mark.deep
@pytest.mark.parametrize("region", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_every_regions_numbers_resolve_as_libphonenumber_resolves_them(region: str) -> None:
    # Every prefix of this many digits that a region's numbers start with; deeper for the
    # calling codes that several countries share, where the prefixes decide.
    code = phonenumbers.country_code_for_region(region)
    depth = scale(4, 6) if code in _SHARED else scale(1, 3)
    checked = 0
    for number in region_numbers(region, depth):
        expected = _expected(number)
        # A NANP number is 10 digits and its exchange starts with 2 to 9. libphonenumber's
        # patterns admit others too: Canada's 7-digit 310-XXXX (dialled only inside Canada),
        # toll-free numbers with 0 or 1 there in some Caribbean regions (none is routed).
        if code == 1 and (len(number) != 12 or number[5] in "01"):
            continue
        # A few regions' patterns admit national numbers longer than E.164's 15 digits.
        if len(number) > 16:
            assert country_of(number) is None, number
            continue
        if expected is not None:
            assert country_of(number) == expected, number
            checked += 1
    assert checked > 0


def test_the_country_codes_are_iso_3166_1_alpha_2_and_xk() -> None:
    # 249 codes officially assigned by ISO 3166-1, and Kosovo's user-assigned XK.
    assert len(COUNTRY_CODES) == 250
    regions = {_ISO_OF.get(region, region) for region in phonenumbers.SUPPORTED_REGIONS}
    assert regions <= COUNTRY_CODES
    assert regions == DIALABLE_COUNTRIES
    assert {"AQ", "BV", "GS", "HM", "PN", "TF", "UM"} == COUNTRY_CODES - DIALABLE_COUNTRIES


@pytest.mark.parametrize("code", ["US", "CA", "JM", "XK", "SH", "AQ"])
def test_is_country_code_accepts_iso_codes(code: str) -> None:
    assert is_country_code(code)


@pytest.mark.parametrize("code", ["us", "USA", "U", "", "UK", "EU", "AC", "TA", "ZZ", None, 1])
def test_fails_is_country_code_for_what_iso_does_not_assign(code: object) -> None:
    assert not is_country_code(code)


def test_the_handlers_never_import_phonenumbers() -> None:
    for path in sorted((ROOT / "lambda_src").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(name.split(".")[0] == "phonenumbers" for name in names), path
    assert countries.__file__.startswith(str(ROOT / "lambda_src"))
