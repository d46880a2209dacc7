"""The account's voice spend limit (End User Messaging SMS and Voice v2), for ``status``.

``DescribeSpendLimits`` gives, per kind of message, the monthly limit in US dollars the service
enforces, the most it can be raised to without a support case, and whether the account set its
own (``SetVoiceMessageSpendLimitOverride``). Only a v2 sender is subject to it: the tool reads
it for a stack whose sender is tagged ``voice-constructs:api=v2`` (v1 has no such API, and its
output stays as it was). A refusal (no ``sms-voice:DescribeSpendLimits``) or any other error is
reported in one line, never a traceback.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from voice_constructs._contract import contract, phone
from voice_constructs.cli._aws import BotoCoreError, ClientError
from voice_constructs.cli._runtime import Runtime
from voice_constructs.cli._stack import Stack, _matches

VOICE_LIMIT = "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT"
_SERVICE = contract.SERVICE_BY_API[contract.API_V2]
_ACTION = "sms-voice:DescribeSpendLimits"
_MESSAGE_LIMIT = 200


@dataclass(frozen=True)
class SpendLimit:
    """The voice spend limit, in US dollars a month; ``error`` says why it could not be read."""

    enforced: int | None = None
    max: int | None = None
    overridden: bool | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The fields as ``DescribeSpendLimits`` names them (or the error)."""
        if self.error is not None:
            return {"Error": self.error}
        return {
            "EnforcedLimit": self.enforced,
            "MaxLimit": self.max,
            "Overridden": self.overridden,
        }

    def line(self) -> str:
        """One line for people."""
        if self.error is not None:
            return f"not read: {self.error}"
        overridden = "yes (SetVoiceMessageSpendLimitOverride)" if self.overridden else "no"
        return (
            f"{self.enforced} USD a month enforced, at most {self.max} USD "
            f"(MaxLimit); overridden: {overridden}"
        )


def is_v2(stack: Stack, arguments: argparse.Namespace) -> bool:
    """Whether the stack's sender (the one ``--sender`` picks, if given) uses the v2 API."""
    wanted = getattr(arguments, "sender", None)
    return any(
        part.api == contract.API_V2
        for part in stack.parts()
        if part.component == contract.COMPONENT_SENDER
        and (not wanted or _matches(part.construct, wanted))
    )


def voice_spend_limit(runtime: Runtime, arguments: argparse.Namespace) -> SpendLimit:
    """The account's voice spend limit in the region, or why it could not be read."""
    try:
        client = runtime.client(arguments, _SERVICE)
        limits: list[dict[str, Any]] = []
        for page in client.get_paginator("describe_spend_limits").paginate():
            limits.extend(page.get("SpendLimits", []))
    except ClientError as error:
        detail = error.response.get("Error", {})
        code = str(detail.get("Code", "Error"))
        message = phone.shorten(str(detail.get("Message", "")), _MESSAGE_LIMIT)
        said = f"{code}: {message}" if message else code
        hint = f" (the caller needs {_ACTION})" if "AccessDenied" in code else ""
        return SpendLimit(error=said + hint)
    except BotoCoreError as error:
        return SpendLimit(error=phone.shorten(str(error), _MESSAGE_LIMIT))
    voice = [limit for limit in limits if limit.get("Name") == VOICE_LIMIT]
    if not voice:
        return SpendLimit(error=f"the answer lists no {VOICE_LIMIT}")
    return SpendLimit(
        enforced=int(voice[0]["EnforcedLimit"]),
        max=int(voice[0]["MaxLimit"]),
        overridden=bool(voice[0]["Overridden"]),
    )
