"""VoicePhoneNumber and VoicePool: their resources, importers, the sender's IAM and pacing props.

One synthesis of the stacks below for the module; the refusals build stacks of their own.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from tests.conftest import ROOT, cdk_context
from tests.docs import block, page
from tests.infra.templates import allows, exactly, role_statements, sender_function, sender_role_id
from voice_constructs import (
    IVoicePhoneNumber,
    NumberCapability,
    PhoneNumberType,
    PinpointVoice,
    PropsError,
    SmsVoiceApi,
    VoiceMessageSender,
    VoicePhoneNumber,
    VoicePool,
)
from voice_constructs.origination import DEFAULT_HELP_MESSAGE, DEFAULT_STOP_MESSAGE
from voice_constructs.review import cdk_nag, cfn_lint, checkov

PHONE = "phone-0123456789abcdef0123456789abcdef"
OTHER_PHONE = "phone-abcdefabcdefabcdefabcdefabcdef01"
POOL = "pool-0123456789abcdef0123456789abcdef"
SHARED_POOL_ARN = (
    "arn:aws:sms-voice:us-east-1:210987654321:pool/pool-fedcba9876543210fedcba9876543210"
)
ENV = cdk.Environment(account="123456789012", region="us-east-1")
CHECKOV = os.environ.get("CHECKOV", str(ROOT / ".venv-checkov" / "bin" / "checkov"))


@dataclass
class Stacks:
    """The module's stacks and the constructs the tests look at."""

    origination: cdk.Stack
    number: VoicePhoneNumber
    toll_free: VoicePhoneNumber
    pool: VoicePool
    imported_pool: Any
    shared_pool: Any
    sender: VoiceMessageSender
    pinpoint: cdk.Stack
    templates: dict[str, Template]

    def template(self, stack: cdk.Stack) -> Template:
        return self.templates[stack.stack_name]


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    app = cdk.App(context=cdk_context())
    stack = cdk.Stack(app, "Origination", env=ENV)
    number = VoicePhoneNumber(
        stack, "Number", iso_country_code="US", number_type=PhoneNumberType.LONG_CODE
    )
    toll_free = VoicePhoneNumber(
        stack,
        "TollFree",
        iso_country_code="US",
        number_type=PhoneNumberType.TOLL_FREE,
        capabilities=[NumberCapability.SMS, NumberCapability.VOICE],
        opt_out_list_name="voice-opt-outs",
        self_managed_opt_outs=True,
        deletion_protection=False,
        removal_policy=cdk.RemovalPolicy.DESTROY,
        help_message="Call us at 206 555 0100.",
        stop_message="Stopped.",
    )
    members: list[IVoicePhoneNumber] = [
        VoicePhoneNumber(
            stack, f"Member{n}", iso_country_code="US", number_type=PhoneNumberType.TOLL_FREE
        )
        for n in range(3)
    ]
    members.append(VoicePhoneNumber.from_phone_number_id(stack, "Existing", OTHER_PHONE))
    members.append(
        VoicePhoneNumber.from_phone_number_arn(
            stack,
            "Shared",
            "arn:aws:sms-voice:us-east-1:210987654321:phone-number/"
            "phone-fedcba9876543210fedcba9876543210",
        )
    )
    pool = VoicePool(stack, "Pool", phone_numbers=members)
    imported_pool = VoicePool.from_pool_id(stack, "ImportedPool", POOL, phone_number_count=3)
    shared_pool = VoicePool.from_pool_arn(
        stack, "SharedPool", cdk.Fn.import_value("SharedPoolArn"), phone_number_count=2
    )
    sender = VoiceMessageSender(
        stack,
        "Sender",
        api=SmsVoiceApi.V2,
        origination_numbers=[number, pool, imported_pool, shared_pool, PHONE],
        allowed_countries=["US"],
        # 1 + 5 + 3 + 2 + 1 = 12 numbers; 8 reach 300 a minute.
        max_calls_per_minute=300,
        enable_queue=True,
        tracing=False,
    )
    pinpoint = cdk.Stack(app, "Pinpoint", env=ENV)
    PinpointVoice(
        pinpoint,
        "Voice",
        application=False,
        api=SmsVoiceApi.V2,
        tracing=False,
        max_calls_per_minute=201,
        allowed_countries=["US"],
        origination_numbers=[VoicePool.from_pool_id(pinpoint, "Pool", POOL, phone_number_count=5)],
    )
    templates = {s.stack_name: Template.from_stack(s) for s in (stack, pinpoint)}
    return Stacks(
        stack,
        number,
        toll_free,
        pool,
        imported_pool,
        shared_pool,
        sender,
        pinpoint,
        templates,
    )


def _logical_id(stacks: Stacks, construct: Any) -> str:
    return stacks.origination.get_logical_id(construct.node.default_child)


# --- The resources --------------------------------------------------------------------------------


def test_a_number_is_voice_capable_protected_and_kept_by_default(stacks: Stacks) -> None:
    template = stacks.template(stacks.origination)
    found = template.find_resources("AWS::SMSVOICE::PhoneNumber")
    number = found[_logical_id(stacks, stacks.number)]

    assert number["Properties"] == {
        "IsoCountryCode": "US",
        "NumberType": "LONG_CODE",
        "NumberCapabilities": ["VOICE"],
        "DeletionProtectionEnabled": True,
        "SelfManagedOptOutsEnabled": False,
        "MandatoryKeywords": {
            "HELP": {"Message": DEFAULT_HELP_MESSAGE},
            "STOP": {"Message": DEFAULT_STOP_MESSAGE},
        },
    }
    assert number["DeletionPolicy"] == "Retain"
    assert number["UpdateReplacePolicy"] == "Retain"
    assert len(found) == 5


def test_a_number_takes_its_options(stacks: Stacks) -> None:
    template = stacks.template(stacks.origination)
    number = template.find_resources("AWS::SMSVOICE::PhoneNumber")[
        _logical_id(stacks, stacks.toll_free)
    ]

    assert number["Properties"] == {
        "IsoCountryCode": "US",
        "NumberType": "TOLL_FREE",
        "NumberCapabilities": ["SMS", "VOICE"],
        "DeletionProtectionEnabled": False,
        "SelfManagedOptOutsEnabled": True,
        "OptOutListName": "voice-opt-outs",
        "MandatoryKeywords": {
            "HELP": {"Message": "Call us at 206 555 0100."},
            "STOP": {"Message": "Stopped."},
        },
    }
    assert number["DeletionPolicy"] == "Delete"


def test_the_pool_holds_exactly_its_numbers_by_arn(stacks: Stacks) -> None:
    template = stacks.template(stacks.origination)
    [(logical_id, pool)] = template.find_resources("AWS::SMSVOICE::Pool").items()
    stack = stacks.origination

    assert logical_id == _logical_id(stacks, stacks.pool)
    assert pool["Properties"]["OriginationIdentities"] == [
        stack.resolve(number.phone_number_arn) for number in stacks.pool.phone_numbers
    ]
    identities = pool["Properties"]["OriginationIdentities"]
    assert identities[0] == {
        "Fn::GetAtt": [_logical_id(stacks, stacks.pool.phone_numbers[0]), "Arn"]
    }
    assert identities[3] == (f"arn:aws:sms-voice:us-east-1:123456789012:phone-number/{OTHER_PHONE}")
    assert identities[4].endswith("phone-number/phone-fedcba9876543210fedcba9876543210")
    assert pool["Properties"]["DeletionProtectionEnabled"] is True
    assert pool["DeletionPolicy"] == "Retain"
    assert stacks.pool.phone_number_count == 5


def test_importers_name_each_identity_as_given_and_know_its_arn(stacks: Stacks) -> None:
    stack = stacks.origination
    existing = VoicePhoneNumber.from_phone_number_id(stack, "ById", PHONE)
    by_arn = VoicePool.from_pool_arn(stack, "ByArn", SHARED_POOL_ARN, phone_number_count=4)

    assert existing.origination_identity == existing.phone_number_id == PHONE
    assert existing.phone_number_count == 1
    assert stack.resolve(existing.phone_number_arn) == (
        f"arn:aws:sms-voice:us-east-1:123456789012:phone-number/{PHONE}"
    )
    # A pool of another account is named by its ARN when sending: the service requires it.
    assert by_arn.origination_identity == by_arn.origination_identity_arn == SHARED_POOL_ARN
    assert by_arn.pool_id == "pool-fedcba9876543210fedcba9876543210"
    assert by_arn.phone_number_count == 4
    assert stacks.imported_pool.origination_identity == POOL


# --- The sender -----------------------------------------------------------------------------------


def test_the_sender_names_each_identity_and_its_numbers(stacks: Stacks) -> None:
    template = stacks.template(stacks.origination)
    _, function = sender_function(template)
    variables = function["Environment"]["Variables"]
    stack = stacks.origination

    assert variables["ORIGINATION_NUMBER_COUNTS"] == "1,5,3,2,1"
    assert variables["ORIGINATION_IDENTITIES"] == stack.resolve(
        ",".join(
            [
                stacks.number.phone_number_id,
                stacks.pool.pool_id,
                POOL,
                stacks.shared_pool.origination_identity,
                PHONE,
            ]
        )
    )
    assert variables["ORIGINATION_NUMBER"] == {
        "Fn::GetAtt": [_logical_id(stacks, stacks.number), "PhoneNumberId"]
    }
    assert stacks.sender.origination_identities[2] == POOL
    assert stacks.sender.origination_identities[4] == PHONE


def test_sending_is_scoped_to_the_exact_arns_tokens_included(stacks: Stacks) -> None:
    template = stacks.template(stacks.origination)
    stack = stacks.origination
    [send] = [
        s
        for s in allows(role_statements(template, sender_role_id(template)))
        if s["Action"] == "sms-voice:SendVoiceMessage"
    ]

    expected = [
        {"Fn::GetAtt": [_logical_id(stacks, stacks.number), "Arn"]},
        {"Fn::GetAtt": [_logical_id(stacks, stacks.pool), "Arn"]},
        f"arn:aws:sms-voice:us-east-1:123456789012:pool/{POOL}",
        {"Fn::ImportValue": "SharedPoolArn"},
        f"arn:aws:sms-voice:us-east-1:123456789012:phone-number/{PHONE}",
        # The sender's own protect configuration (its allowed_countries), which every send names.
        {"Fn::GetAtt": [stack.get_logical_id(stacks.sender.protect_configuration), "Arn"]},
    ]
    # IAM's order is the CDK's (minimized policies sort their resources).
    assert sorted(map(json.dumps, send["Resource"])) == sorted(map(json.dumps, expected))
    assert stack.resolve(stacks.shared_pool.origination_identity_arn) == {
        "Fn::ImportValue": "SharedPoolArn"
    }


def test_the_pool_and_number_exist_before_the_function_that_calls_from_them(
    stacks: Stacks,
) -> None:
    template = stacks.template(stacks.origination).to_json()
    resources = template["Resources"]
    function_id, _ = sender_function(stacks.template(stacks.origination))
    policy_ids = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::IAM::Policy"
        and "SendVoiceMessage" in json.dumps(resource["Properties"]["PolicyDocument"])
    ]

    # The policy references the pool's and the number's ARNs (CloudFormation creates them
    # first), and the function waits for the policy and names their ids in its environment.
    [policy_id] = policy_ids
    policy = json.dumps(resources[policy_id])
    for construct in (stacks.number, stacks.pool):
        assert json.dumps({"Fn::GetAtt": [_logical_id(stacks, construct), "Arn"]}) in policy
    assert policy_id in resources[function_id]["DependsOn"]
    environment = json.dumps(resources[function_id]["Properties"]["Environment"])
    assert _logical_id(stacks, stacks.pool) in environment


def test_pinpoint_voice_passes_an_imported_pool_to_its_sender(stacks: Stacks) -> None:
    template = stacks.template(stacks.pinpoint)
    _, function = sender_function(template)

    assert function["Environment"]["Variables"]["ORIGINATION_IDENTITIES"] == POOL
    assert function["Environment"]["Variables"]["ORIGINATION_NUMBER_COUNTS"] == "5"


def test_a_sender_of_single_numbers_gets_no_counts() -> None:
    stack = cdk.Stack(cdk.App(context=cdk_context()), "Single")
    VoiceMessageSender(
        stack,
        "Sender",
        api=SmsVoiceApi.V2,
        origination_numbers=[
            VoicePhoneNumber(
                stack, "N", iso_country_code="US", number_type=PhoneNumberType.SIMULATOR
            ),
            VoicePool.from_pool_id(stack, "Pool", POOL),
        ],
        allowed_countries=["US"],
    )

    _, function = sender_function(Template.from_stack(stack))
    assert "ORIGINATION_NUMBER_COUNTS" not in function["Environment"]["Variables"]


# --- Review gates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["origination", "pinpoint"])
def test_cdk_nag_has_no_open_findings(stacks: Stacks, which: str) -> None:
    assert cdk_nag(getattr(stacks, which)) == []


@pytest.mark.parametrize("which", ["origination", "pinpoint"])
def test_cfn_lint_has_no_open_findings(stacks: Stacks, which: str) -> None:
    open_findings, _ = cfn_lint(dict(stacks.template(getattr(stacks, which)).to_json()))
    assert open_findings == []


def test_checkov_has_no_open_findings(stacks: Stacks, tmp_path: Path) -> None:
    if not Path(CHECKOV).exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make checkov-venv`")
    path = tmp_path / "origination.template.json"
    path.write_text(json.dumps(stacks.template(stacks.origination).to_json()))

    result = checkov(path, CHECKOV)

    assert [f"{f.rule} {f.where}: {f.message}" for f in result.failed] == []


# --- Refusals -------------------------------------------------------------------------------------


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(context=cdk_context()), "Refused")


def _number(stack: cdk.Stack, id: str = "Number", **props: Any) -> VoicePhoneNumber:
    return VoicePhoneNumber(
        stack,
        id,
        **{"iso_country_code": "US", "number_type": PhoneNumberType.LONG_CODE, **props},
    )


def test_fails_a_number_or_pool_given_to_a_v1_sender() -> None:
    stack = _stack()
    pool = VoicePool.from_pool_id(stack, "Pool", POOL, phone_number_count=2)

    with pytest.raises(
        ValueError,
        match=r"^origination_numbers\[1\] is a v2 origination identity \(_ImportedPool "
        r"Refused/Pool\), which needs api=SmsVoiceApi.V2; with v1 give an E.164 number$",
    ):
        VoiceMessageSender(stack, "Sender", origination_numbers=["+12065550100", pool])
    with pytest.raises(ValueError, match=r"^origination_number is a v2 origination identity"):
        VoiceMessageSender(stack, "Other", origination_number=_number(stack))


def test_fails_a_quota_a_pool_of_5_cannot_reach_counting_its_numbers() -> None:
    stack = _stack()
    pool = VoicePool(stack, "Pool", phone_numbers=[_number(stack, f"N{n}") for n in range(5)])

    with pytest.raises(PropsError) as failure:
        VoiceMessageSender(
            stack,
            "Sender",
            api=SmsVoiceApi.V2,
            origination_numbers=[pool],
            max_calls_per_minute=250,
        )

    assert str(failure.value) == (
        "max_calls_per_minute of 250 needs at least 7 origination numbers (one call a second "
        "each, 0.5 s apart more for the service's latency), got 5 (a pool's numbers each): give "
        "2 more in origination_numbers, or lower max_calls_per_minute to 201"
    )
    # 201 a minute is what its 5 numbers reach; the same pool by id string counts as one.
    VoiceMessageSender(
        stack, "Fits", api=SmsVoiceApi.V2, origination_numbers=[pool], max_calls_per_minute=201
    )
    with pytest.raises(PropsError, match=r"needs at least 5 origination numbers .*got 1:"):
        VoiceMessageSender(
            stack,
            "AsString",
            api=SmsVoiceApi.V2,
            origination_number=POOL,
            max_calls_per_minute=201,
            allowed_countries=["US"],
        )


def test_fails_a_number_given_alone_and_in_a_pool_given_too() -> None:
    stack = _stack()
    number = _number(stack)
    existing = VoicePhoneNumber.from_phone_number_id(stack, "Existing", PHONE)
    pool = VoicePool(stack, "Pool", phone_numbers=[number, existing])

    with pytest.raises(
        ValueError,
        match=r"^origination_numbers\[1\] is also one of the numbers of the pool "
        r"origination_numbers\[0\]: the pool calls from it already",
    ):
        VoiceMessageSender(stack, "A", api=SmsVoiceApi.V2, origination_numbers=[pool, number])
    with pytest.raises(ValueError, match=r"origination_numbers\[1\] is also one of the numbers"):
        VoiceMessageSender(stack, "B", api=SmsVoiceApi.V2, origination_numbers=[pool, PHONE])


def test_fails_one_identity_given_twice_by_two_imports() -> None:
    stack = _stack()
    first = VoicePool.from_pool_id(stack, "First", POOL)
    again = VoicePool.from_pool_id(stack, "Again", POOL)

    with pytest.raises(
        ValueError,
        match=rf"^origination_numbers\[1\] names the same origination identity as "
        rf"origination_numbers\[0\], got '{POOL}'$",
    ):
        VoiceMessageSender(stack, "Sender", api=SmsVoiceApi.V2, origination_numbers=[first, again])
    with pytest.raises(ValueError, match=r"must not repeat a number, got \['Refused/First'\]"):
        VoiceMessageSender(stack, "Twice", api=SmsVoiceApi.V2, origination_numbers=[first, first])


@pytest.mark.parametrize("count", [0, -1, True, 2.5, "5"])
def test_fails_an_imported_pool_size_that_is_not_a_count(count: Any) -> None:
    stack = _stack()
    message = r"^phone_number_count must be a whole number of at least 1 \(the pool's numbers"
    with pytest.raises(ValueError, match=message):
        VoicePool.from_pool_id(stack, "Pool", POOL, phone_number_count=count)
    with pytest.raises(ValueError, match=message):
        VoicePool.from_pool_arn(stack, "ByArn", SHARED_POOL_ARN, phone_number_count=count)


def test_fails_a_pool_without_numbers_of_a_pool_or_with_one_twice() -> None:
    stack = _stack()
    number = _number(stack)
    pool = VoicePool.from_pool_id(stack, "Pool", POOL)

    with pytest.raises(
        ValueError, match=exactly("phone_numbers must hold at least one phone number, got none")
    ):
        VoicePool(stack, "Empty", phone_numbers=[])
    with pytest.raises(
        ValueError, match=r"^phone_numbers\[1\] must be a phone number .*got _ImportedPool"
    ):
        VoicePool(stack, "Nested", phone_numbers=[number, pool])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"^phone_numbers\[1\] is phone_numbers\[0\] again"):
        VoicePool(stack, "Twice", phone_numbers=[number, number])
    with pytest.raises(ValueError, match=r"^phone_numbers\[1\] is phone_numbers\[0\] again"):
        VoicePool(
            stack,
            "TwiceById",
            phone_numbers=[
                VoicePhoneNumber.from_phone_number_id(stack, "A", PHONE),
                VoicePhoneNumber.from_phone_number_id(stack, "B", PHONE),
            ],
        )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"iso_country_code": "us"}, r"^iso_country_code must be an ISO 3166-1 alpha-2 .*got 'us'"),
        ({"iso_country_code": "USA"}, r"^iso_country_code must be .*got 'USA'"),
        ({"number_type": "LONG_CODE"}, r"^number_type must be a PhoneNumberType \(LONG_CODE, "),
        (
            {"capabilities": [NumberCapability.SMS]},
            r"^capabilities must include NumberCapability.VOICE .*got \['SMS'\]",
        ),
        ({"capabilities": []}, r"^capabilities must include NumberCapability.VOICE"),
        (
            {"capabilities": [NumberCapability.VOICE, NumberCapability.VOICE]},
            r"^capabilities must not repeat a capability",
        ),
        ({"capabilities": ["VOICE"]}, r"^capabilities must hold NumberCapability values"),
        ({"opt_out_list_name": "no spaces"}, r"^opt_out_list_name must be an opt-out list's name"),
        ({"help_message": "   "}, r"^help_message must be 1 to 1600 characters"),
        ({"stop_message": "x" * 1601}, r"^stop_message must be 1 to 1600 characters.*\.\.\.$"),
        (
            {"removal_policy": cdk.RemovalPolicy.DESTROY},
            r"^removal_policy RemovalPolicy.DESTROY needs deletion_protection=False",
        ),
        (
            {"removal_policy": cdk.RemovalPolicy.SNAPSHOT, "deletion_protection": False},
            r"^removal_policy must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY",
        ),
    ],
)
def test_fails_a_number_prop_naming_it(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _number(_stack(), **props)


def test_fails_the_shared_props_of_a_pool_naming_them() -> None:
    stack = _stack()
    with pytest.raises(ValueError, match=r"^removal_policy RemovalPolicy.DESTROY needs"):
        VoicePool(
            stack,
            "Pool",
            phone_numbers=[_number(stack)],
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda s: VoicePhoneNumber.from_phone_number_id(s, "X", POOL),
            r"^phone_number_id must be a phone number id \(phone- and 32 letters or digits\), "
            rf"got '{POOL}'$",
        ),
        (
            lambda s: VoicePool.from_pool_id(s, "X", PHONE),
            rf"^pool_id must be a pool id \(pool- and 32 letters or digits\), got '{PHONE}'$",
        ),
        (
            lambda s: VoicePool.from_pool_arn(
                s, "X", SHARED_POOL_ARN.replace("pool/pool", "pool/phone")
            ),
            r"^pool_arn must be the ARN of a pool \(arn:aws:sms-voice:<region>:<account>:pool/",
        ),
        (
            lambda s: VoicePhoneNumber.from_phone_number_arn(s, "X", SHARED_POOL_ARN),
            r"^phone_number_arn must be the ARN of a phone number",
        ),
    ],
)
def test_fails_an_importer_given_another_kind_of_identity(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(_stack())


# --- The docs' example ----------------------------------------------------------------------------


def test_the_constructs_page_example_synthesizes_as_printed() -> None:
    code = block("VoicePool(", "python", page("constructs.md"))
    namespace: dict[str, Any] = {}

    exec(compile(code, "constructs.md", "exec"), namespace)  # noqa: S102 - the page's own example

    template = Template.from_stack(namespace["stack"])
    template.resource_count_is("AWS::SMSVOICE::PhoneNumber", 5)
    template.has_resource_properties(
        "AWS::SMSVOICE::Pool", {"OriginationIdentities": Match.any_value()}
    )
    _, function = sender_function(template)
    assert function["Environment"]["Variables"]["ORIGINATION_NUMBER_COUNTS"] == "5"
