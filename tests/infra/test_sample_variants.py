"""The sample's variants: each template's Description says what it deploys, and the numbers
``-c originationNumbers`` lists reach the sender (issue 23, sample app)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as sample
from tests.infra.templates import sender_function
from tests.readme_tables import synthesize_variants

# 25 numbers from the reserved 555-01xx range (not the placeholders): enough for 1,000 a minute.
NUMBERS = [f"+1212555{n:04d}" for n in range(100, 125)]
VARIANTS = {
    "v1-pinpoint": {},
    "v2-pinpoint": {"api": "v2", "allowedCountries": "US"},
    "v2-without-pinpoint": {"api": "v2", "pinpoint": "false", "allowedCountries": "US"},
    "no-queue-no-tracking": {"queue": "false", "trackCallStatus": "false"},
    "numbers": {"originationNumbers": ",".join(NUMBERS), "maxCallsPerMinute": "1000"},
}
V1 = "a voice message sender (the Pinpoint SMS and Voice API, v1)"
V2 = "a voice message sender (AWS End User Messaging SMS and Voice, v2)"
DESCRIPTIONS = {
    "v1-pinpoint": (
        f"voice-constructs sample: a Pinpoint application with its voice channel; {V1} with a "
        "bulk queue; call status tracking through a configuration set's SNS destination"
    ),
    "v2-pinpoint": (
        f"voice-constructs sample: a Pinpoint application with its voice channel; {V2} with a "
        "bulk queue; call status tracking through EventBridge"
    ),
    "v2-without-pinpoint": (
        f"voice-constructs sample: {V2} with a bulk queue; call status tracking through EventBridge"
    ),
    "no-queue-no-tracking": (
        f"voice-constructs sample: a Pinpoint application with its voice channel; {V1}"
    ),
}


@pytest.fixture(scope="module")
def templates() -> dict[str, Template]:
    synthesized = synthesize_variants(VARIANTS)
    return {name: Template.from_json(template) for name, template in synthesized.items()}


@pytest.mark.parametrize("variant", DESCRIPTIONS)
def test_description_says_what_the_variant_deploys(
    templates: dict[str, Template], variant: str
) -> None:
    assert templates[variant].to_json()["Description"] == DESCRIPTIONS[variant]


def test_description_of_an_adopted_application_names_no_new_one() -> None:
    stack = sample.build(cdk.App(context={"applicationId": "0123456789abcdef0123456789abcdef"}))

    assert stack.template_options.description == (
        "voice-constructs sample: the voice channel of an existing Pinpoint application; "
        f"{V1} with a bulk queue; call status tracking through a configuration set's SNS "
        "destination"
    )


def test_every_listed_number_reaches_the_sender_in_order(templates: dict[str, Template]) -> None:
    _, function = sender_function(templates["numbers"])

    variables = function["Environment"]["Variables"]
    assert variables["ORIGINATION_IDENTITIES"] == ",".join(NUMBERS)
    assert variables["MAX_CALLS_PER_MINUTE"] == "1000"
