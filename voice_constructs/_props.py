"""Synth-time validation of construct props, in the CDK style."""

from __future__ import annotations

import re

from aws_cdk import Token


def check_form(prop: str, value: str | None, pattern: re.Pattern[str], form: str) -> None:
    """Raise ``ValueError`` naming ``prop`` unless ``value`` is None, a token, or fully matches."""
    if value is None or Token.is_unresolved(value):
        return
    if not pattern.fullmatch(value):
        raise ValueError(f"{prop} must be {form}, got {value!r}")
