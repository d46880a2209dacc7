"""What the SMS and Voice fakes (v1 and v2) share: the record of a sent message and the limits.

Each service's own state lives in its sub-package's ``models.py``; fault injection and the call
log, shared by all three fakes, in :mod:`voice_constructs.testing.faults`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from voice_constructs._contract import contract

# E.164: "+" and 2 to 15 digits, the first not 0. v2's model documents DestinationPhoneNumber "in
# E.164 format" (its pattern alone, \+?[1-9][0-9]{1,18}, also lets "12345" through); v1's reference
# only recommends E.164, and the fake holds v1 to it as the project's handler does.
E164 = re.compile(contract.E164)
E164_PROBLEM = "must be in E.164 format (+ and 2 to 15 digits)"
# Text limits. v2's model documents them (MessageBodyTextType: TEXT at most 3,000 characters, SSML
# at most 6,000 including the markup). v1's reference and model state none, so the v1 fake keeps
# what the handler (lambda_src/send_voice_message/validation.py) enforces: 3,000 spoken characters,
# 6,000 with SSML markup.
MAX_TEXT_CHARACTERS = contract.MAX_SPOKEN_CHARACTERS
MAX_SSML_CHARACTERS = contract.MAX_SSML_CHARACTERS
# The service whose regions every fake serves: moto's BackendDict holds a backend for each region
# botocore's endpoint data lists for it, in every partition. The voice channel is Pinpoint's, and
# the SMS and Voice fakes keep to the same regions.
REGIONS_OF = "pinpoint"


@dataclass(frozen=True)
class SentVoiceMessage:
    """A voice message the fake accepted: the exact request body and the id it returned.

    ``origination_phone_number`` is the number that placed the call, where the fake knows it:
    v2's phone number, or the pool's number whose turn it was (None for v1 and a v2 dry run).
    """

    message_id: str
    request: dict[str, Any]
    account_id: str
    region: str
    at: float
    origination_phone_number: str | None = None


def copy_of(body: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a request body, as JSON sees it (later changes do not reach the record)."""
    copied: dict[str, Any] = json.loads(json.dumps(body))
    return copied
