"""Helpers the template tests share: finding the sender, its role's statements, exact errors."""

from __future__ import annotations

import re
from typing import Any

from aws_cdk.assertions import Template

SENDER_HANDLER = "send_voice_message.index.handler"


# A fictional v2 phone number identity.
PHONE_ID = "phone-0123456789abcdef0123456789abcdef"
# Every v2 voice event, as the service names them (written out: the tests hold the contract to it).
V2_CALL_EVENTS = [
    "VOICE_INITIATED",
    "VOICE_RINGING",
    "VOICE_ANSWERED",
    "VOICE_COMPLETED",
    "VOICE_BUSY",
    "VOICE_FAILED",
    "VOICE_NO_ANSWER",
    "VOICE_TTL_EXPIRED",
]


def sender_function(template: Template) -> tuple[str, dict[str, Any]]:
    """Return (logical id, properties) of the template's only sender function."""
    found = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": SENDER_HANDLER}}
    )
    assert len(found) == 1, found
    logical_id, resource = next(iter(found.items()))
    return logical_id, resource["Properties"]


def sender_role_id(template: Template) -> str:
    """The logical id of the sender function's role."""
    _, properties = sender_function(template)
    role_arn = properties["Role"]["Fn::GetAtt"]
    assert role_arn[1] == "Arn"
    return str(role_arn[0])


def role_statements(template: Template, role_id: str) -> list[dict[str, Any]]:
    """Every statement of every IAM policy attached to ``role_id``."""
    statements: list[dict[str, Any]] = []
    for resource in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in resource["Properties"]["Roles"]:
            statements.extend(resource["Properties"]["PolicyDocument"]["Statement"])
    return statements


def is_v2_fence(statement: dict[str, Any]) -> bool:
    """Whether ``statement`` is the deny that keeps v1 grants off v2 resources (_v2_fence)."""
    resource = statement.get("Resource")
    if isinstance(resource, dict) and "Fn::Join" in resource:
        parts = resource["Fn::Join"][1]
        resource = "".join(p if isinstance(p, str) else "<partition>" for p in parts)
    return (
        statement.get("Effect") == "Deny"
        and statement.get("Action") == "sms-voice:*"
        and re.fullmatch(r"arn:(aws|<partition>):sms-voice:\*:\*:\*", str(resource)) is not None
    )


def allows(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Allow statements of ``statements``; the only deny there may be is the v2 fence."""
    denies = [s for s in statements if s["Effect"] != "Allow"]
    assert all(is_v2_fence(s) for s in denies), denies
    return [s for s in statements if s["Effect"] == "Allow"]


def as_list(value: Any) -> list[Any]:
    """A policy field as a list (CloudFormation allows one value or a list)."""
    return value if isinstance(value, list) else [value]


def exactly(message: str) -> str:
    """A ``pytest.raises`` pattern matching ``message`` and nothing else."""
    return rf"\A{re.escape(message)}\Z"


class Synthesized:
    """A test module's stacks: :meth:`template` synthesizes each once, when first asked for."""

    def template(self, stack: Any) -> Template:
        """The template of ``stack``, synthesized on first use (a synth costs seconds)."""
        cache: dict[str, Template] = self.__dict__.setdefault("_synthesized", {})
        if stack.artifact_id not in cache:
            cache[stack.artifact_id] = Template.from_stack(stack)
        return cache[stack.artifact_id]
