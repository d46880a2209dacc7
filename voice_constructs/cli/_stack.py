"""Find a deployed stack's parts by their tags: one ``tag:GetResources`` call.

The constructs tag the sender, its queues and the call status table with the part each is and
the path of the construct that owns it (``voice_constructs._tags``); CloudFormation tags them
with the stack's name. ``--sender`` and ``--tracker`` pick one construct when a stack has more.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from voice_constructs._contract import contract, phone
from voice_constructs.cli._aws import BotoCoreError, ClientError
from voice_constructs.cli._exit import NOT_FOUND, REFUSED, USAGE, CommandError
from voice_constructs.cli._runtime import Runtime

# The resource types of the parts, for the tagging API's filter.
_RESOURCE_TYPES = ["lambda:function", "sqs", "dynamodb:table"]
# The longest AWS error message quoted (masked: AWS may quote a request's values).
_AWS_MESSAGE_LIMIT = 300
# Which option picks among several constructs owning a component.
_PICKER = {contract.COMPONENT_CALL_STATUS_TABLE: "tracker"}


@dataclass(frozen=True)
class Part:
    """One tagged resource of the stack."""

    component: str
    construct: str
    arn: str
    #: A sender's API (``v1``, ``v2``); empty for other parts and for older untagged senders.
    api: str = ""

    @property
    def name(self) -> str:
        """The resource's name: a function's, a table's or a queue's."""
        if ":table/" in self.arn:
            return self.arn.split(":table/", 1)[1]
        return self.arn.rsplit(":", 1)[1]


class Stack:
    """The tagged parts of one deployed stack, found once per run."""

    def __init__(self, runtime: Runtime, arguments: argparse.Namespace) -> None:
        self.name: str = arguments.stack
        self._arguments = arguments
        self._runtime = runtime
        self._parts: list[Part] | None = None

    def parts(self) -> list[Part]:
        """Every part of the stack the tool knows, from the tagging API."""
        if self._parts is None:
            self._parts = self._find()
        return self._parts

    def _find(self) -> list[Part]:
        tagging = self._runtime.client(self._arguments, "resourcegroupstaggingapi")
        filters = [
            {"Key": contract.TAG_STACK, "Values": [self.name]},
            {"Key": contract.TAG_COMPONENT},
        ]
        found: list[Part] = []
        try:
            for page in tagging.get_paginator("get_resources").paginate(
                TagFilters=filters, ResourceTypeFilters=_RESOURCE_TYPES
            ):
                found.extend(_part(entry) for entry in page["ResourceTagMappingList"])
        except (ClientError, BotoCoreError) as error:
            raise aws_error(f"finding the parts of stack {self.name}", error) from None
        return found

    def part(self, component: str, *, needed_for: str, owner: str | None = None) -> Part:
        """The one ``component`` of the stack, picked by ``--sender``/``--tracker`` if several.

        :param owner: Only the one of this construct (the queues of one sender).
        """
        option = _PICKER.get(component, "sender")
        wanted: str | None = getattr(self._arguments, option, None)
        candidates = [p for p in self.parts() if p.component == component]
        if owner is not None:
            candidates = [p for p in candidates if p.construct == owner]
        if wanted:
            candidates = [p for p in candidates if _matches(p.construct, wanted)]
        if not candidates:
            picked = f" under --{option} {wanted}" if wanted else ""
            raise CommandError(
                f"stack {self.name} has no {component}{picked}, which {needed_for} needs "
                f"(found: {self._inventory()})",
                NOT_FOUND,
            )
        if len({p.construct for p in candidates}) > 1:
            paths = ", ".join(sorted(p.construct for p in candidates))
            raise CommandError(
                f"stack {self.name} has several: {paths}; pick one with --{option} PATH", USAGE
            )
        return candidates[0]

    def _inventory(self) -> str:
        parts = self.parts()
        if not parts:
            return (
                "nothing tagged by voice-constructs; is the stack in this account and region "
                "(--profile, --region, --endpoint-url), and deployed with this version's "
                f"constructs, which tag its parts ({contract.TAG_STACK})?"
            )
        return ", ".join(sorted(f"{p.component} of {p.construct}" for p in parts))


def _part(entry: dict[str, Any]) -> Part:
    tags = {tag["Key"]: tag["Value"] for tag in entry.get("Tags", [])}
    return Part(
        component=tags.get(contract.TAG_COMPONENT, ""),
        construct=tags.get(contract.TAG_CONSTRUCT, ""),
        arn=entry["ResourceARN"],
        api=tags.get(contract.TAG_API, ""),
    )


def _matches(construct: str, wanted: str) -> bool:
    """``--sender Voice/Sender`` matches that path, or the last part of one (``Sender``)."""
    wanted = wanted.strip("/")
    return construct == wanted or construct.endswith("/" + wanted)


def aws_error(doing: str, error: Exception) -> CommandError:
    """An AWS error while ``doing`` something, as one line with AWS's code and message."""
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        code = detail.get("Code", "Error")
        status = NOT_FOUND if "NotFound" in code or "NonExistent" in code else REFUSED
        message = phone.shorten(str(detail.get("Message", "")), _AWS_MESSAGE_LIMIT)
        return CommandError(f"{doing}: {code}: {message}".rstrip(": "), status)
    return CommandError(f"{doing}: {phone.shorten(str(error), _AWS_MESSAGE_LIMIT)}", REFUSED)
