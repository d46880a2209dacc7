"""Phone-number masking, the only form in which numbers reach logs and error messages."""

from __future__ import annotations

import pytest
from vc_common.phone import is_e164, mask, redact


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+12065550142", "+1******0142"),
        ("+442071838750", "+4*******8750"),
        ("1234567", "*******"),
        (None, "<NoneType>"),
        (12065550142, "<int>"),
    ],
)
def test_mask_keeps_only_the_country_digit_and_the_last_four(value: object, masked: str) -> None:
    assert mask(value) == masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+12065550142 is blocked", "+1******0142 is blocked"),
        ("destination 12065550142 opted out", "destination *******0142 opted out"),
        ("calls to +12065550142, +12065550143", "calls to +1******0142, +1******0143"),
        ("request abc1234567890 failed in 2026", "request abc1234567890 failed in 2026"),
    ],
)
def test_redact_masks_numbers_quoted_in_free_text(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_e164_needs_a_plus_and_2_to_15_digits_without_a_trailing_newline() -> None:
    assert is_e164("+12065550142")
    assert not is_e164("+12065550142\n")
    assert not is_e164("12065550142")
    assert not is_e164("+1234567890123456")
