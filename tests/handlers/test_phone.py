"""Phone-number masking, the only form in which numbers reach logs and error messages."""

from __future__ import annotations

import logging

import pytest
from vc_common.logs import SafeFields
from vc_common.phone import TEXT_LIMIT, echo, is_e164, mask, redact, shorten


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


def test_shorten_masks_and_cuts_including_a_number_at_the_cut() -> None:
    text = "x" * 95 + "+12065550142" + "y" * 1000

    short = shorten(text, 100)

    assert len(short) == 100
    assert short.endswith("...")
    assert "2065550" not in short
    assert shorten("call +12065550142 now") == "call +1******0142 now"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+12065550142", "'+1******0142'"),
        ("\ud800x", "'\\ud800x'"),
        ("a" * 500, repr("a" * 97 + "...")),
        (42, "42"),
        ({"a": "+12065550142"}, "{'a': '+1******0142'}"),
        (list(range(10_000)), "[0, 1, 2, 3, 4, 5, ...]"),
        (object(), "<object>"),
    ],
    ids=["number", "lone surrogate", "long", "int", "object", "long list", "other"],
)
def test_echo_quotes_input_masked_escaped_and_short(value: object, expected: str) -> None:
    assert echo(value) == expected


def test_safe_fields_mask_and_cut_every_extra_text_but_keep_aws_ids() -> None:
    logger = logging.getLogger("tests.safe_fields")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    logger.addFilter(SafeFields())
    request_id = "00000000-0000-4000-8000-000000000000"

    logger.warning(
        "rejected %s",
        "+12065550142",
        extra={"reason": "+12065550142 " * 10_000, "request_id": request_id, "n": 5},
    )

    [record] = records
    assert record.getMessage() == "rejected +1******0142"
    assert len(record.reason) == TEXT_LIMIT
    assert "+12065550142" not in record.reason
    assert record.request_id == request_id
    assert record.n == 5
