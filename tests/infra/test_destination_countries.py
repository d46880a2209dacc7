"""allowed_countries in the templates: the handler's list, v2's protect configuration and IAM.

One synthesis per stack (module-scoped). The protect configuration's VOICE rule set is read back
from the template and compared with ``allowed_countries``: ALLOW for exactly those, BLOCK for
every other country with telephone numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from vc_common.countries import DIALABLE_COUNTRIES

from tests.infra.templates import PHONE_ID, exactly, role_statements, sender_function
from voice_constructs import (
    ANY_COUNTRY,
    PhoneNumberType,
    PinpointVoice,
    PropsError,
    SmsVoiceApi,
    VoiceMessageSender,
    VoicePhoneNumber,
    VoicePool,
)
from voice_constructs.review import cdk_nag, cfn_lint

US_NUMBER = "+12065550100"
CA_NUMBER = "+14165550100"
JM_NUMBER = "+18765550100"
PROTECT = "AWS::SMSVOICE::ProtectConfiguration"


@dataclass
class Stacks:
    app: cdk.App
    v1_default: cdk.Stack
    v1_numbers: cdk.Stack
    v1_token: cdk.Stack
    v1_listed: cdk.Stack
    v2: cdk.Stack
    v2_any: cdk.Stack
    pinpoint: cdk.Stack
    v2_sender: VoiceMessageSender
    templates: dict[str, Template]

    def template(self, stack: cdk.Stack) -> Template:
        if stack.stack_name not in self.templates:
            self.templates[stack.stack_name] = Template.from_stack(stack)
        return self.templates[stack.stack_name]


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    app = cdk.App()
    v1_default = cdk.Stack(app, "V1Default")
    VoiceMessageSender(v1_default, "Sender", origination_number=US_NUMBER)
    v1_numbers = cdk.Stack(app, "V1Numbers")
    VoiceMessageSender(v1_numbers, "Sender", origination_numbers=[US_NUMBER, JM_NUMBER, CA_NUMBER])
    v1_token = cdk.Stack(app, "V1Token")
    parameter = cdk.CfnParameter(v1_token, "Origination")
    VoiceMessageSender(v1_token, "Sender", origination_number=parameter.value_as_string)
    v1_listed = cdk.Stack(app, "V1Listed")
    VoiceMessageSender(
        v1_listed, "Sender", origination_number=US_NUMBER, allowed_countries=["US", "CA"]
    )
    v2 = cdk.Stack(app, "V2")
    v2_sender = VoiceMessageSender(
        v2,
        "Sender",
        origination_number=PHONE_ID,
        api=SmsVoiceApi.V2,
        allowed_countries=["US", "CA"],
        tracing=False,
    )
    v2_any = cdk.Stack(app, "V2Any")
    VoiceMessageSender(
        v2_any,
        "Sender",
        origination_number=PHONE_ID,
        api=SmsVoiceApi.V2,
        allowed_countries=[ANY_COUNTRY],
        tracing=False,
    )
    pinpoint = cdk.Stack(app, "Pinpoint")
    PinpointVoice(pinpoint, "Voice", origination_number=US_NUMBER, allowed_countries=["CA", "US"])
    return Stacks(
        app, v1_default, v1_numbers, v1_token, v1_listed, v2, v2_any, pinpoint, v2_sender, {}
    )


def variables(template: Template) -> dict[str, Any]:
    _, properties = sender_function(template)
    found: dict[str, Any] = properties["Environment"]["Variables"]
    return found


@pytest.mark.parametrize(
    ("which", "allowed"),
    [
        ("v1_default", "US"),
        ("v1_numbers", "CA,JM,US"),
        ("v1_token", "origination"),
        ("v1_listed", "US,CA"),
        ("v2", "US,CA"),
        ("v2_any", "*"),
        ("pinpoint", "CA,US"),
    ],
)
def test_the_handler_gets_the_countries(stacks: Stacks, which: str, allowed: str) -> None:
    assert variables(stacks.template(getattr(stacks, which)))["ALLOWED_COUNTRIES"] == allowed


@pytest.mark.parametrize("which", ["v1_default", "v1_listed", "pinpoint", "v2_any"])
def test_no_protect_configuration_without_v2_and_a_list(stacks: Stacks, which: str) -> None:
    template = stacks.template(getattr(stacks, which))
    template.resource_count_is(PROTECT, 0)
    assert "PROTECT_CONFIGURATION_ID" not in variables(template)


def test_v2_protect_configuration_allows_exactly_the_allowed_countries(stacks: Stacks) -> None:
    [resource] = stacks.template(stacks.v2).find_resources(PROTECT).values()
    rules = resource["Properties"]["CountryRuleSet"]["VOICE"]
    statuses = {rule["CountryCode"]: rule["ProtectStatus"] for rule in rules}

    assert len(rules) == len(statuses) == len(DIALABLE_COUNTRIES)
    assert set(statuses) == DIALABLE_COUNTRIES
    assert {code for code, status in statuses.items() if status == "ALLOW"} == {"US", "CA"}
    assert set(statuses.values()) == {"ALLOW", "BLOCK"}
    # The jurisdictions that share +1 are blocked one by one.
    assert statuses["JM"] == statuses["DO"] == statuses["PR"] == "BLOCK"
    # Only the VOICE capability is restricted: the configuration is named on voice sends only.
    assert set(resource["Properties"]["CountryRuleSet"]) == {"VOICE"}


def test_v2_sender_names_its_protect_configuration_and_exposes_it(stacks: Stacks) -> None:
    template = stacks.template(stacks.v2)
    [logical_id] = template.find_resources(PROTECT)
    assert variables(template)["PROTECT_CONFIGURATION_ID"] == {
        "Fn::GetAtt": [logical_id, "ProtectConfigurationId"]
    }
    protect = stacks.v2_sender.protect_configuration
    assert protect is not None
    assert stacks.v2.resolve(protect.attr_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    assert stacks.v2_sender.allowed_countries == ("US", "CA")


def test_v2_iam_allows_sending_with_that_protect_configuration_only(stacks: Stacks) -> None:
    template = stacks.template(stacks.v2)
    [logical_id] = template.find_resources(PROTECT)
    _, properties = sender_function(template)
    role = properties["Role"]["Fn::GetAtt"][0]
    [send] = [
        s
        for s in role_statements(template, role)
        if s["Action"] == "sms-voice:SendVoiceMessage" and s["Effect"] == "Allow"
    ]
    resources = send["Resource"] if isinstance(send["Resource"], list) else [send["Resource"]]
    protect = [r for r in resources if "protect" in str(r).lower() or logical_id in str(r)]
    assert protect == [{"Fn::GetAtt": [logical_id, "Arn"]}]
    assert "*" not in resources


@pytest.mark.parametrize("which", ["v2", "v1_numbers"])
def test_review_gates_have_no_open_findings(stacks: Stacks, which: str) -> None:
    stack = getattr(stacks, which)
    assert cdk_nag(stack) == []
    open_findings, _ = cfn_lint(stacks.template(stack).to_json())
    assert open_findings == []


# --- Refusals ----------------------------------------------------------------------------------


def _sender(api: SmsVoiceApi = SmsVoiceApi.V1, **props: Any) -> VoiceMessageSender:
    stack = cdk.Stack(cdk.App(), "Bad")
    origination = PHONE_ID if api is SmsVoiceApi.V2 else US_NUMBER
    return VoiceMessageSender(
        stack, "Sender", origination_number=props.pop("origination", origination), api=api, **props
    )


def test_fails_v2_without_allowed_countries() -> None:
    with pytest.raises(PropsError) as failure:
        _sender(SmsVoiceApi.V2)

    assert str(failure.value) == (
        "allowed_countries is required with api=SmsVoiceApi.V2 unless every origination "
        "identity is a VoicePhoneNumber or VoicePool of the app: an id, an ARN or an import has "
        "no country known at synth time; give the countries the sender may call, such as "
        '["US", "CA"] (or [ANY_COUNTRY] to allow every country)'
    )
    assert failure.value.props == ("allowed_countries",)


def test_v2_defaults_to_the_countries_of_the_numbers_the_app_makes() -> None:
    stack = cdk.Stack(cdk.App(), "Made")
    us, ca = (
        VoicePhoneNumber(stack, code, iso_country_code=code, number_type=PhoneNumberType.LONG_CODE)
        for code in ("US", "CA")
    )
    sender = VoiceMessageSender(
        stack,
        "Sender",
        api=SmsVoiceApi.V2,
        origination_numbers=[VoicePool(stack, "Pool", phone_numbers=[us, ca])],
        tracing=False,
    )
    [protect] = Template.from_stack(stack).find_resources(PROTECT).values()
    voice = protect["Properties"]["CountryRuleSet"]["VOICE"]

    assert sender.allowed_countries == ("CA", "US")
    assert sorted(r["CountryCode"] for r in voice if r["ProtectStatus"] == "ALLOW") == ["CA", "US"]
    # One import among them, and the countries are no longer known: required again.
    with pytest.raises(
        PropsError, match=r"^allowed_countries is required with api=SmsVoiceApi\.V2"
    ):
        VoiceMessageSender(
            stack,
            "Mixed",
            api=SmsVoiceApi.V2,
            origination_numbers=[us, VoicePhoneNumber.from_phone_number_id(stack, "Old", PHONE_ID)],
        )


def test_fails_v1_default_for_a_number_of_no_known_country() -> None:
    message = (
        "allowed_countries is required when an origination number's country is not known "
        '(+1******0100 has none known): give the countries the sender may call, such as ["US", '
        '"CA"]'
    )
    with pytest.raises(PropsError, match=exactly(message)):
        _sender(origination="+12005550100")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("US", "allowed_countries must be a list of ISO 3166-1 alpha-2 codes such as "),
        ([], "allowed_countries must name at least one country, such as "),
        (
            ["US", "us"],
            "allowed_countries[1] must be an ISO 3166-1 alpha-2 country code in upper "
            "case ('US'), got 'us'",
        ),
        (
            ["UK"],
            "allowed_countries[0] must be an ISO 3166-1 alpha-2 country code in upper case "
            "('GB'), got 'UK'",
        ),
        (
            ["ZZ"],
            "allowed_countries[0] must be an ISO 3166-1 alpha-2 country code in upper case, "
            "got 'ZZ'",
        ),
        (["AQ"], "allowed_countries[0] is a country without telephone numbers of its own"),
        (["US", "CA", "US"], "allowed_countries[2] repeats allowed_countries[0], got 'US'"),
        ([ANY_COUNTRY, "US"], "allowed_countries holds ANY_COUNTRY ('*'), which allows every"),
        ([1], "allowed_countries[0] must be a country code known at synth time"),
        (["+12065550100"], "allowed_countries[0] must be an ISO 3166-1 alpha-2"),
    ],
    ids=[
        "string",
        "empty",
        "lower",
        "UK",
        "ZZ",
        "no-numbers",
        "repeat",
        "any-and-more",
        "number",
        "phone",
    ],
)
def test_fails_allowed_countries_naming_the_position_and_problem(given: Any, message: str) -> None:
    with pytest.raises(PropsError) as failure:
        _sender(allowed_countries=given)

    assert str(failure.value).startswith(message)
    assert "2065550100" not in str(failure.value)


def test_fails_a_token_country() -> None:
    stack = cdk.Stack(cdk.App(), "Token")
    country = cdk.CfnParameter(stack, "Country").value_as_string
    with pytest.raises(PropsError, match=r"^allowed_countries\[0\] must be a country code known"):
        VoiceMessageSender(
            stack, "Sender", origination_number=US_NUMBER, allowed_countries=[country]
        )


def test_pinpoint_voice_passes_the_refusal_on() -> None:
    stack = cdk.Stack(cdk.App(), "Pinpoint")
    with pytest.raises(PropsError, match=r"^allowed_countries is required with api"):
        PinpointVoice(
            stack, "Voice", application=False, origination_number=PHONE_ID, api=SmsVoiceApi.V2
        )
