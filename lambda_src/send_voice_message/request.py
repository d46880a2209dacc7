"""From an event to the request one API takes: the first two steps of every send.

1. :meth:`Message.from_event`: the event as the caller wrote it, checked to be a request at all
   (a JSON object of known fields, valid text) with its ``IdempotencyKey``. No API is involved
   yet: the event keeps the v1 field names the sender always took.
2. :meth:`Api.shape`: the exact ``SendVoiceMessage`` request of the configured API (v1 in
   :mod:`send_voice_message.validation`, v2 in :mod:`send_voice_message.v2`), with the
   construct's defaults applied. Its hash (:func:`request_key`) is the key of a message that
   brings none.

Both raise BadRequestException naming the field, before anything is claimed or called.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vc_common.contract import API_V1, API_V2, SERVICE_BY_API

from send_voice_message.v2 import shape_v2
from send_voice_message.validation import (
    TOP_LEVEL_FIELDS,
    Defaults,
    check_event,
    idempotency_key,
    shape_v1,
)


@dataclass(frozen=True)
class Message:
    """One message as its event asks for it, before any API's shape."""

    fields: dict[str, Any]
    idempotency_key: str | None

    @classmethod
    def from_event(cls, event: object) -> Message:
        """The checked event and its key, or BadRequestException (the key is checked first)."""
        key = idempotency_key(event)
        return cls(check_event(event, TOP_LEVEL_FIELDS), key)

    @property
    def names_no_origination(self) -> bool:
        """Whether the sender may call from any of its own identities (the event named none)."""
        return self.fields.get("OriginationPhoneNumber") is None


@dataclass(frozen=True)
class Api:
    """One SMS and Voice API: its name, its botocore service, and its request's shape."""

    name: str
    shaper: Callable[[dict[str, Any], Defaults], dict[str, Any]]

    @property
    def service_name(self) -> str:
        """The botocore service name of this API's client."""
        return SERVICE_BY_API[self.name]

    def shape(self, message: Message, defaults: Defaults) -> dict[str, Any]:
        """The exact request this API takes for ``message``, or BadRequestException."""
        return self.shaper(message.fields, defaults)


V1 = Api(API_V1, shape_v1)
V2 = Api(API_V2, shape_v2)
APIS = {api.name: api for api in (V1, V2)}


def api_named(name: str) -> Api:
    """The API called ``name`` ("v1" or "v2"), or ValueError."""
    if name not in APIS:
        raise ValueError(f"the API must be {API_V1!r} or {API_V2!r}, got {name!r}")
    return APIS[name]


def request_key(request: dict[str, Any]) -> str:
    """The idempotency key of a request that brings none: a hash of its normalised form."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
