"""v1 grants on '*' cannot reach v2 resources: an explicit deny, checked as IAM evaluates policies.

v1 and v2 of SMS and Voice share the ``sms-voice`` prefix. :func:`allowed` evaluates a role's
statements the way the IAM policy simulator does for one action and one resource: an explicit
deny wins, then an allow, else the implicit deny; an action without resource-level permissions
(every v1 action) is evaluated against the resource ``*``.
"""

from __future__ import annotations

import fnmatch
from typing import Any

import aws_cdk as cdk
import pytest

from tests.infra.templates import PHONE_ID, Synthesized, as_list, role_statements, sender_role_id
from voice_constructs import (
    EventDestination,
    SmsVoiceApi,
    VoiceConfigurationSet,
    VoiceMessageSender,
)

ACCOUNT, REGION = "123456789012", "us-east-1"
V2 = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}"
PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::Region": REGION}


def resolve(value: Any) -> str:
    """A policy string with pseudo parameters filled in (other references left as names)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return PSEUDO.get(value["Ref"], f"<{value['Ref']}>")
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(resolve(part) for part in parts)
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    raise AssertionError(f"cannot resolve {value}")


def matches(pattern: str, value: str) -> bool:
    """IAM's wildcards: ``*`` any run of characters (``/`` and ``:`` too), ``?`` one."""
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    def applies(statement: dict[str, Any]) -> bool:
        actions = as_list(statement["Action"])
        resources = [resolve(r) for r in as_list(statement["Resource"])]
        return any(matches(a.lower(), action.lower()) for a in actions) and any(
            matches(r, resource) for r in resources
        )

    if any(s["Effect"] == "Deny" and applies(s) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and applies(s) for s in statements)


class Stacks(Synthesized):
    def __init__(self) -> None:
        app = cdk.App()
        env = cdk.Environment(account=ACCOUNT, region=REGION)
        self.v1 = cdk.Stack(app, "V1", env=env)
        topic = cdk.aws_sns.Topic(self.v1, "Events")
        events = VoiceConfigurationSet(self.v1, "Set", destinations=[EventDestination.sns(topic)])
        VoiceMessageSender(
            self.v1, "Sender", origination_number="+12065550100", configuration_set=events
        )
        self.v2 = cdk.Stack(app, "V2", env=env)
        VoiceMessageSender(
            self.v2,
            "Sender",
            origination_number=PHONE_ID,
            api=SmsVoiceApi.V2,
            allowed_countries=["US"],
        )


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    return Stacks()


def sender_statements(stacks: Stacks, stack: cdk.Stack) -> list[dict[str, Any]]:
    template = stacks.template(stack)
    return role_statements(template, sender_role_id(template))


def provider_role_statements(stacks: Stacks) -> list[dict[str, Any]]:
    template = stacks.template(stacks.v1)
    roles = [
        logical_id
        for logical_id in template.find_resources("AWS::IAM::Role")
        if "ProviderHandler" in logical_id
    ]
    assert len(roles) == 1, roles
    return role_statements(template, roles[0])


def test_v1_sender_still_sends_through_v1(stacks: Stacks) -> None:
    statements = role_statements(
        stacks.template(stacks.v1), sender_role_id(stacks.template(stacks.v1))
    )

    assert allowed(statements, "sms-voice:SendVoiceMessage", "*")


@pytest.mark.parametrize(
    "resource",
    [
        f"{V2}:phone-number/{PHONE_ID}",
        f"{V2}:pool/pool-0123456789abcdef0123456789abcdef",
        f"{V2}:sender-id/ACME/US",
        f"{V2}:configuration-set/anything",
        f"{V2}:protect-configuration/protect-0123",
        f"arn:aws:sms-voice:eu-west-1:{ACCOUNT}:phone-number/phone-other",
    ],
)
def test_v1_sender_cannot_send_through_v2(stacks: Stacks, resource: str) -> None:
    statements = role_statements(
        stacks.template(stacks.v1), sender_role_id(stacks.template(stacks.v1))
    )

    assert not allowed(statements, "sms-voice:SendVoiceMessage", resource)


def test_provider_manages_v1_sets_and_cannot_touch_v2_ones(stacks: Stacks) -> None:
    statements = provider_role_statements(stacks)

    assert allowed(statements, "sms-voice:CreateConfigurationSet", "*")
    assert allowed(statements, "sms-voice:DeleteConfigurationSet", "*")
    for action in ("DeleteConfigurationSet", "CreateConfigurationSet", "SendVoiceMessage"):
        assert not allowed(statements, f"sms-voice:{action}", f"{V2}:configuration-set/prod")


def test_v2_sender_sends_from_its_own_number_only(stacks: Stacks) -> None:
    statements = role_statements(
        stacks.template(stacks.v2), sender_role_id(stacks.template(stacks.v2))
    )

    assert allowed(statements, "sms-voice:SendVoiceMessage", f"{V2}:phone-number/{PHONE_ID}")
    assert not allowed(statements, "sms-voice:SendVoiceMessage", f"{V2}:phone-number/phone-other")
    assert not any(s["Effect"] == "Deny" for s in statements)
