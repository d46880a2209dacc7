"""Several origination identities: the environment, v2 IAM, the synth-time refusal and sizing."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from tests.conftest import cdk_context
from tests.infra.templates import role_statements, sender_function, sender_role_id
from voice_constructs import PinpointVoice, PropsError, SmsVoiceApi, VoiceMessageSender
from voice_constructs.sender import SenderOptions, concurrency_for, identities_needed

NUMBERS = tuple(f"+1206555{n:04d}" for n in range(100, 125))  # 25: enough for 1,000 a minute
PHONES = [f"phone-{n:032x}" for n in range(3)]
POOL = "pool-0123456789abcdef0123456789abcdef"


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(context=cdk_context()), "Test")


@pytest.fixture(scope="module")
def templates() -> dict[str, Template]:
    app = cdk.App(context=cdk_context())
    stacks = {name: cdk.Stack(app, name) for name in ("Many", "V2", "Pinpoint", "Override")}
    VoiceMessageSender(
        stacks["Many"],
        "Sender",
        origination_numbers=NUMBERS,
        max_calls_per_minute=1000,
        enable_queue=True,
    )
    VoiceMessageSender(
        stacks["V2"],
        "Sender",
        origination_numbers=[*PHONES, POOL],
        api=SmsVoiceApi.V2,
        allowed_countries=["US"],
        max_calls_per_minute=100,
    )
    PinpointVoice(
        stacks["Pinpoint"],
        "Voice",
        origination_number=NUMBERS[1],
        max_calls_per_minute=1000,
        sender_options=SenderOptions(origination_numbers=NUMBERS),
    )
    VoiceMessageSender(
        stacks["Override"],
        "Sender",
        origination_numbers=NUMBERS,
        max_calls_per_minute=1000,
        enable_queue=True,
        queue_max_concurrency=40,
    )
    return {name: Template.from_stack(stack) for name, stack in stacks.items()}


def _variables(template: Template) -> dict[str, Any]:
    _, function = sender_function(template)
    variables: dict[str, Any] = function["Environment"]["Variables"]
    return variables


def test_every_number_reaches_the_function_first_one_as_the_default(
    templates: dict[str, Template],
) -> None:
    variables = _variables(templates["Many"])

    assert variables["ORIGINATION_IDENTITIES"] == ",".join(NUMBERS)
    assert variables["ORIGINATION_NUMBER"] == NUMBERS[0]


def test_pinpoint_voice_passes_the_numbers_with_its_own_first(
    templates: dict[str, Template],
) -> None:
    variables = _variables(templates["Pinpoint"])

    assert variables["ORIGINATION_NUMBER"] == NUMBERS[1]
    assert variables["ORIGINATION_IDENTITIES"].split(",") == [
        NUMBERS[1],
        NUMBERS[0],
        *NUMBERS[2:],
    ]


def test_v2_sending_is_scoped_to_every_identity(templates: dict[str, Template]) -> None:
    template = templates["V2"]
    [send] = [
        s
        for s in role_statements(template, sender_role_id(template))
        if s["Action"] == "sms-voice:SendVoiceMessage"
    ]

    resources = send["Resource"]
    # Every identity, and the sender's protect configuration.
    assert len(resources) == 5
    [protect] = template.find_resources("AWS::SMSVOICE::ProtectConfiguration")
    assert {"Fn::GetAtt": [protect, "Arn"]} in resources
    rendered = [str(resource) for resource in resources]
    for identity in [*PHONES, POOL]:
        assert sum(identity in text for text in rendered) == 1, identity
    assert "*" not in resources


def test_queue_concurrency_follows_the_quota_and_a_prop_overrides_it(
    templates: dict[str, Template],
) -> None:
    templates["Many"].has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"ScalingConfig": {"MaximumConcurrency": concurrency_for(1000)}},
    )
    templates["Override"].has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"ScalingConfig": {"MaximumConcurrency": 40}, "BatchSize": Match.any_value()},
    )
    assert concurrency_for(20) == 2
    assert concurrency_for(1000) == 19
    assert concurrency_for(3000) == 57


def test_fails_a_quota_its_numbers_cannot_reach_naming_the_numbers_needed() -> None:
    with pytest.raises(ValueError, match=r"max_calls_per_minute of 1000 needs at least 25 .*got 1"):
        VoiceMessageSender(
            _stack(), "Sender", origination_number=NUMBERS[0], max_calls_per_minute=1000
        )
    with pytest.raises(ValueError, match=r"give 1 more in origination_numbers"):
        VoiceMessageSender(
            _stack(), "Sender", origination_numbers=NUMBERS[:-1], max_calls_per_minute=1000
        )
    assert identities_needed(1000) == 25


def test_fails_without_a_number_or_with_a_repeated_one() -> None:
    with pytest.raises(ValueError, match="origination_number or origination_numbers is required"):
        VoiceMessageSender(_stack(), "Sender")
    with pytest.raises(ValueError, match="must not repeat a number"):
        VoiceMessageSender(_stack(), "Sender", origination_numbers=[NUMBERS[0], NUMBERS[0]])
    with pytest.raises(ValueError, match="origination_number must be one of origination_numbers"):
        VoiceMessageSender(
            _stack(),
            "Sender",
            origination_number="+12065550199",
            origination_numbers=NUMBERS[:2],
        )


def test_fails_a_number_that_is_not_e164_naming_its_position() -> None:
    with pytest.raises(ValueError, match=r"origination_numbers\[1\]"):
        VoiceMessageSender(_stack(), "Sender", origination_numbers=[NUMBERS[0], "2065550101"])


def test_fails_a_quota_with_a_refusal_an_app_can_word_in_its_own_keys() -> None:
    with pytest.raises(PropsError) as failure:
        VoiceMessageSender(
            _stack(), "Sender", origination_numbers=NUMBERS[:2], max_calls_per_minute=1000
        )

    error = failure.value
    # A library user reads the props, word for word as before.
    assert str(error) == (
        "max_calls_per_minute of 1000 needs at least 25 origination numbers (one call a second "
        "each, 0.5 s apart more for the service's latency), got 2: give 23 more in "
        "origination_numbers, or lower max_calls_per_minute to 80"
    )
    assert isinstance(error, ValueError)
    assert error.props == ("max_calls_per_minute", "origination_numbers")
    assert error.naming({"origination_numbers": "NUMBERS", "max_calls_per_minute": "QUOTA"}) == (
        "QUOTA of 1000 needs at least 25 origination numbers (one call a second each, 0.5 s apart "
        "more for the service's latency), got 2: give 23 more in NUMBERS, or lower QUOTA to 80"
    )
