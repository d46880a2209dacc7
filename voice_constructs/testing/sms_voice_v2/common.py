"""What the v2 fake's resource modules share: the model's checks, ids and ARNs, pages, filters.

- :data:`MODEL`: every operation's input checked against botocore's v2 model, raising v2's
  ``ValidationException`` naming the member.
- :class:`Where`: the account and region of a backend, which make ARNs
  (``arn:aws:sms-voice:us-east-1:123456789012:pool/pool-...``) and read them back.
- :func:`page`: one page of a listing (``MaxResults``, ``NextToken``); a token the fake did
  not issue is ``ValidationException`` with reason ``INVALID_NEXT_TOKEN``.
- :func:`matches`: v2's filters (``[{"Name": ..., "Values": [...]}]``): a resource passes when,
  for every filter, one of its values is among the filter's.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from voice_constructs.testing.sms_voice_v2.exceptions import (
    RequestValidationException,
    ValidationException,
)
from voice_constructs.testing.validation import ModelValidator

SERVICE = "pinpoint-sms-voice-v2"
# Every operation's input checked against botocore's v2 model (lengths, patterns, enums, ranges,
# types, required members), with v2's ValidationException naming the member.
MODEL = ModelValidator(SERVICE, ValidationException)

# The service's ARNs: arn:<partition>:sms-voice:<region>:<account>:<resource type>/<id>.
_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):sms-voice:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"(?P<kind>[a-z-]+)/(?P<id>[A-Za-z0-9_-]+)"
)
T = TypeVar("T")


def new_id(prefix: str) -> str:
    """A resource id of the service's form: ``phone-`` and 32 hexadecimal digits."""
    return f"{prefix}-{uuid.uuid4().hex}"


def partition_of(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class Arn:
    """An sms-voice ARN, read: its account, region, resource type and id."""

    account_id: str
    region: str
    kind: str
    resource_id: str


def read_arn(value: str) -> Arn | None:
    """The parts of an sms-voice ARN, or None when ``value`` is not one."""
    found = _ARN.fullmatch(value)
    if not found:
        return None
    return Arn(found["account"], found["region"], found["kind"], found["id"])


@dataclass(frozen=True)
class Where:
    """The account and region a backend serves."""

    account_id: str
    region: str

    def arn(self, kind: str, resource_id: str) -> str:
        """The ARN of a resource of this account and region (``kind``: ``phone-number``, ...)."""
        partition = partition_of(self.region)
        return f"arn:{partition}:sms-voice:{self.region}:{self.account_id}:{kind}/{resource_id}"

    def local_id(self, value: str, kind: str) -> str | None:
        """The id ``value`` names: itself, or the id of an ARN of ``kind`` in this account.

        An ARN of another account or region (a shared resource) or of another kind of resource
        names nothing here: None.
        """
        if not value.startswith("arn:"):
            return value
        arn = read_arn(value)
        if arn is None or arn.kind != kind:
            return None
        if (arn.account_id, arn.region) != (self.account_id, self.region):
            return None
        return arn.resource_id


def page(items: Sequence[T], body: Mapping[str, Any]) -> tuple[list[T], dict[str, str]]:
    """One page of ``items`` (all the rest without ``MaxResults``) and its ``NextToken``, if any.

    A token is the position of the page's first item, encoded; one the fake did not issue (or
    past the end) is refused as the service refuses it.
    """
    start = 0
    token = body.get("NextToken")
    if token is not None:
        start = _position(str(token))
        if start > len(items):
            raise RequestValidationException("INVALID_NEXT_TOKEN", "NextToken is not valid")
    size = body.get("MaxResults")
    end = len(items) if size is None else start + int(size)
    if end >= len(items):
        return list(items[start:]), {}
    return list(items[start:end]), {"NextToken": _token(end)}


def _token(position: int) -> str:
    return base64.urlsafe_b64encode(f"vc-page:{position}".encode()).decode()


def _position(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    kind, _, number = text.partition(":")
    if kind != "vc-page" or not number.isdigit():
        raise RequestValidationException("INVALID_NEXT_TOKEN", "NextToken is not valid")
    return int(number)


def matches(
    filters: Sequence[Mapping[str, Any]] | None, values_of: Callable[[str], Sequence[str]]
) -> bool:
    """Whether a resource passes every filter: one of its values for the name is listed."""
    for entry in filters or ():
        held = values_of(str(entry["Name"]))
        if not any(value in held for value in entry["Values"]):
            return False
    return True


class Describable(Protocol):
    """A resource a ``Describe*`` operation lists: its filter values and its JSON."""

    def values_of(self, name: str) -> list[str]:
        """Its values for the filter ``name``."""
        ...

    def to_json(self) -> dict[str, Any]:
        """It, as the operation answers it."""
        ...


D = TypeVar("D", bound=Describable)


def described(
    body: Mapping[str, Any],
    ids_member: str,
    get: Callable[[str], D],
    every: Iterable[D],
    result_member: str,
    *,
    owned: bool = False,
) -> dict[str, Any]:
    """A ``Describe*`` answer: the named resources (each must exist) or every one, filtered, paged.

    ``owned``: the operation takes ``Owner`` too, which v2 refuses beside a list of ids; nothing
    is ``SHARED`` with an account of the fake.
    """
    if owned:
        refuse_owner_with_ids(body, ids_member)
    chosen: list[D]
    if owned and body.get("Owner") == "SHARED":
        chosen = []
    elif body.get(ids_member):
        chosen = [get(identity) for identity in dict.fromkeys(body[ids_member])]
    else:
        chosen = list(every)
    kept = [item for item in chosen if matches(body.get("Filters"), item.values_of)]
    listed, token = page(kept, body)
    return {result_member: [item.to_json() for item in listed], **token}


def flag(value: bool) -> str:
    """A boolean as a filter compares it (``"true"``, ``"false"``)."""
    return "true" if value else "false"


def refuse_owner_with_ids(body: Mapping[str, Any], ids_member: str) -> None:
    """``Owner`` and a list of ids together: v2 refuses the pair (``PARAMETERS_CANNOT_BE_...``)."""
    if body.get("Owner") is not None and body.get(ids_member):
        raise ValidationException(
            "Owner",
            f"Owner and {ids_member} cannot be used together",
            "PARAMETERS_CANNOT_BE_USED_TOGETHER",
        )


def tags(body: Mapping[str, Any]) -> list[dict[str, str]]:
    """The request's tags, copied."""
    return [{"Key": str(tag["Key"]), "Value": str(tag["Value"])} for tag in body.get("Tags") or ()]


class AdoptionError(ValueError):
    """A resource a test declares (``adopt_phone_number``, ``adopt_pool``) that cannot be held.

    ``parameter`` names the argument at fault, as the control path's errors do.
    """

    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(f"{parameter}: {problem}")
        self.parameter = parameter
        self.problem = problem


def is_id(value: str, prefix: str) -> bool:
    """Whether ``value`` is an id of the service's form with ``prefix`` (``pool-`` and 32)."""
    head, dash, tail = value.partition("-")
    return head == prefix and bool(dash) and len(tail) == 32 and tail.isalnum() and tail.isascii()
