"""Templates and review gates of the v2 API (End User Messaging SMS and Voice), without Pinpoint."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as sample
from tests.conftest import cdk_context
from tests.infra.templates import (
    PHONE_ID,
    V2_CALL_EVENTS,
    Synthesized,
    exactly,
    role_statements,
    sender_function,
    sender_role_id,
)
from voice_constructs import (
    CallEventSource,
    PinpointVoice,
    SmsVoiceApi,
    VoiceConfigurationSet,
    VoiceMessageSender,
)
from voice_constructs.review import cdk_nag, cfn_lint

POOL_ARN = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef"


@dataclass
class Stacks(Synthesized):
    app: cdk.App
    variant: cdk.Stack
    pool: cdk.Stack
    configured: cdk.Stack


@pytest.fixture(scope="module")
def stacks() -> Stacks:
    # Every stack is built before the first synthesis, which locks the app.
    app = cdk.App(
        context={**cdk_context(), "api": "v2", "pinpoint": "false", "allowedCountries": "US"}
    )
    variant = sample.build(app)
    pool = cdk.Stack(app, "Pool")
    config = VoiceConfigurationSet(pool, "Set", api=SmsVoiceApi.V2)
    VoiceMessageSender(
        pool,
        "Sender",
        origination_number=POOL_ARN,
        api=SmsVoiceApi.V2,
        allowed_countries=["US"],
        configuration_set=config,
        tracing=False,
    )
    # The v2 sample's setup, tracking calls through a configuration set instead of EventBridge.
    configured = cdk.Stack(app, "Configured")
    PinpointVoice(
        configured,
        "Voice",
        application=False,
        api=SmsVoiceApi.V2,
        allowed_countries=["US"],
        origination_number=PHONE_ID,
        track_call_status=True,
        call_event_source=CallEventSource.CONFIGURATION_SET,
        tracing=False,
    )
    return Stacks(app, variant, pool, configured)


@pytest.fixture(scope="module")
def configured(stacks: Stacks) -> Template:
    return stacks.template(stacks.configured)


@pytest.fixture(scope="module")
def variant(stacks: Stacks) -> Template:
    return stacks.template(stacks.variant)


def test_sample_variant_has_nothing_of_pinpoint(variant: Template) -> None:
    types = {r["Type"] for r in variant.to_json()["Resources"].values()}
    assert not [t for t in types if t.startswith("AWS::Pinpoint::")]
    assert not [t for t in types if t.startswith("Custom::")]


@pytest.mark.parametrize("which", ["variant", "pool", "configured"])
def test_no_iam_statement_on_star(stacks: Stacks, which: str) -> None:
    template = stacks.template(getattr(stacks, which)).to_json()
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy":
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                assert "*" not in json.dumps(statement["Resource"]), statement


def test_sender_sends_only_from_its_identity_with_its_configuration_set(
    configured: Template,
) -> None:
    statements = role_statements(configured, sender_role_id(configured))
    send = [s for s in statements if s["Action"] == "sms-voice:SendVoiceMessage"]
    assert len(send) == 1
    resources = json.dumps(send[0]["Resource"])
    assert f":phone-number/{PHONE_ID}" in resources
    config = configured.find_resources("AWS::SMSVOICE::ConfigurationSet")
    assert {"Fn::GetAtt": [next(iter(config)), "Arn"]} in send[0]["Resource"]
    protect = configured.find_resources("AWS::SMSVOICE::ProtectConfiguration")
    assert {"Fn::GetAtt": [next(iter(protect)), "Arn"]} in send[0]["Resource"]
    assert len(send[0]["Resource"]) == 3


def test_sender_speaks_v2_and_uses_the_configuration_set(configured: Template) -> None:
    _, properties = sender_function(configured)
    variables = properties["Environment"]["Variables"]
    assert variables["SMS_VOICE_API"] == "v2"
    assert variables["ORIGINATION_NUMBER"] == PHONE_ID
    config = next(iter(configured.find_resources("AWS::SMSVOICE::ConfigurationSet")))
    assert variables["CONFIGURATION_SET_NAME"] == {"Ref": config}
    assert "TracingConfig" not in properties


def test_configuration_set_sends_v2_call_events_to_the_tracker(configured: Template) -> None:
    (config,) = configured.find_resources("AWS::SMSVOICE::ConfigurationSet").values()
    (destination,) = config["Properties"]["EventDestinations"]
    assert destination["EventDestinationName"] == "CallStatus"
    assert destination["Enabled"] is True
    assert destination["MatchingEventTypes"] == V2_CALL_EVENTS
    topics = configured.find_resources("AWS::SNS::Topic")
    assert destination["SnsDestination"] == {"TopicArn": {"Ref": next(iter(topics))}}


def test_pool_arn_is_the_iam_resource_as_given(stacks: Stacks) -> None:
    template = stacks.template(stacks.pool)
    statements = role_statements(template, sender_role_id(template))
    (send,) = [s for s in statements if s["Action"] == "sms-voice:SendVoiceMessage"]
    assert POOL_ARN in send["Resource"]


@pytest.mark.parametrize("which", ["variant", "pool", "configured"])
def test_review_gates_have_no_open_findings(stacks: Stacks, which: str) -> None:
    stack = getattr(stacks, which)
    assert cdk_nag(stack) == []
    open_findings, _ = cfn_lint(stacks.template(stack).to_json())
    assert open_findings == []


def _sender(**props: Any) -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    VoiceMessageSender(stack, "Sender", api=SmsVoiceApi.V2, allowed_countries=["US"], **props)


def test_fails_for_an_e164_origination_with_v2() -> None:
    message = (
        "origination_number must be a phone number or pool, by id (phone-..., pool-...) or ARN, "
        "with api=SmsVoiceApi.V2 (IAM is scoped to it), got '+12065550100'"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        _sender(origination_number="+12065550100")


def test_fails_for_a_caller_id_with_v2() -> None:
    with pytest.raises(ValueError, match=r"^caller_id has no equivalent in the v2 API"):
        _sender(origination_number=PHONE_ID, caller_id="+12065550111")


def test_fails_for_a_voice_v2_does_not_have() -> None:
    with pytest.raises(ValueError, match=r"default_voice_id must be one of the v2 API's voices"):
        _sender(origination_number=PHONE_ID, default_voice_id="Zorro")


def test_fails_for_a_configuration_set_of_the_other_api() -> None:
    stack = cdk.Stack(cdk.App(), "Mixed")
    config = VoiceConfigurationSet(stack, "Set")
    with pytest.raises(ValueError, match=r"^configuration_set was made for api=SmsVoiceApi.V1"):
        VoiceMessageSender(
            stack,
            "Sender",
            origination_number=PHONE_ID,
            api=SmsVoiceApi.V2,
            allowed_countries=["US"],
            configuration_set=config,
        )


def test_fails_for_an_application_without_pinpoint() -> None:
    stack = cdk.Stack(cdk.App(), "NoPinpoint")
    with pytest.raises(ValueError, match=r"application=False leaves Pinpoint out"):
        PinpointVoice(stack, "Voice", application=False, application_name="alerts")
