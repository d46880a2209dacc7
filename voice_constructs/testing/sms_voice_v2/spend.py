"""v2's monthly spend limits.

``DescribeSpendLimits``, ``SetVoiceMessageSpendLimitOverride``,
``DeleteVoiceMessageSpendLimitOverride``.

Each limit has the account's quota (``MaxLimit``, US dollars, which AWS sets: a new account's is
``DEFAULT_MAX_LIMIT``; a test changes it with :meth:`SpendLimits.set_max_limit`) and an
optional override (``EnforcedLimit``, at most the quota). Nothing is billed: sends cost
nothing, and no limit ever stops one.
"""

from __future__ import annotations

from typing import Any

from voice_constructs.testing.sms_voice_v2.common import MODEL, page
from voice_constructs.testing.sms_voice_v2.exceptions import ValidationException

VOICE = "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT"
# The limits DescribeSpendLimits reports, in the order of the service's API reference.
NAMES = ("TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", VOICE, "MEDIA_MESSAGE_MONTHLY_SPEND_LIMIT")
# A new account's monthly quota per channel, in US dollars.
DEFAULT_MAX_LIMIT = 1


class SpendLimits:
    """The spend limits of one account and region."""

    def __init__(self) -> None:
        self.max_limits = dict.fromkeys(NAMES, DEFAULT_MAX_LIMIT)
        self.overrides: dict[str, int] = {}

    def set_max_limit(self, name: str, max_limit: int) -> None:
        """Set a limit's quota (``MaxLimit``), as AWS does on a quota increase."""
        if name not in self.max_limits:
            raise ValueError(f"name must be one of {list(NAMES)}, got {name!r}")
        if isinstance(max_limit, bool) or not isinstance(max_limit, int) or max_limit < 0:
            raise ValueError(f"max_limit must be a whole number of dollars, got {max_limit!r}")
        self.max_limits[name] = max_limit

    def enforced(self, name: str) -> int:
        """The limit in force: the override, or the quota."""
        return self.overrides.get(name, self.max_limits[name])

    def describe(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DescribeSpendLimits``: every limit, one page."""
        MODEL.validate("DescribeSpendLimits", body)
        limits = [
            {
                "Name": name,
                "EnforcedLimit": self.enforced(name),
                "MaxLimit": self.max_limits[name],
                "Overridden": name in self.overrides,
            }
            for name in NAMES
        ]
        listed, token = page(limits, body)
        return {"SpendLimits": listed, **token}

    def set_voice_override(self, body: dict[str, Any]) -> dict[str, Any]:
        """``SetVoiceMessageSpendLimitOverride``: at most the voice quota."""
        MODEL.validate("SetVoiceMessageSpendLimitOverride", body)
        limit = int(body["MonthlyLimit"])
        if limit > self.max_limits[VOICE]:
            raise ValidationException(
                "MonthlyLimit",
                f"must be at most the account's voice quota, {self.max_limits[VOICE]}",
                "REQUESTED_SPEND_LIMIT_HIGHER_THAN_SERVICE_LIMIT",
            )
        self.overrides[VOICE] = limit
        return {"MonthlyLimit": limit}

    def delete_voice_override(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DeleteVoiceMessageSpendLimitOverride``: the quota is in force again."""
        MODEL.validate("DeleteVoiceMessageSpendLimitOverride", body)
        self.overrides.pop(VOICE, None)
        return {"MonthlyLimit": self.max_limits[VOICE]}
