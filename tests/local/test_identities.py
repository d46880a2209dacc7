"""The stack's v2 origination identities are held by the emulator's account before any send."""

from __future__ import annotations

from pathlib import Path

import boto3

from voice_constructs._contract import contract
from voice_constructs.testing import mock_voice
from voice_constructs.testing.local_stack.calls import declare_v2_identities
from voice_constructs.testing.local_stack.functions import FunctionConfig

PHONE = "phone-0123456789abcdef0123456789abcdef"
POOL = "pool-0123456789abcdef0123456789abcdef"


def _sender(api: str, identities: list[str], counts: str | None = None) -> FunctionConfig:
    environment = {contract.ENV_API: api, contract.ENV_ORIGINATION_IDENTITIES: ",".join(identities)}
    if counts is not None:
        environment[contract.ENV_ORIGINATION_NUMBER_COUNTS] = counts
    return FunctionConfig(
        name="Sender",
        arn="arn:aws:lambda:us-east-1:123456789012:function:Sender",
        handler="index.handler",
        runtime="python3.14",
        code=Path("."),
        environment=environment,
    )


def test_a_v2_senders_phone_number_and_pool_are_held_with_the_pools_numbers() -> None:
    with mock_voice("us-east-1") as voice:
        notes = declare_v2_identities(
            voice,
            [_sender(contract.API_V2, [PHONE, POOL], "1,5"), _sender(contract.API_V1, ["+1206"])],
        )
        client = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1")
        [pool] = client.describe_pools(PoolIds=[POOL])["Pools"]
        members = client.list_pool_origination_identities(PoolId=POOL)["OriginationIdentities"]
        [number] = client.describe_phone_numbers(PhoneNumberIds=[PHONE])["PhoneNumbers"]

    assert pool["PoolId"] == POOL
    assert len(members) == 5
    assert "VOICE" in number["NumberCapabilities"]
    assert len(notes) == 2
    assert "with 5 fictional numbers" in notes[1]


def test_a_v1_stack_declares_nothing() -> None:
    with mock_voice("us-east-1") as voice:
        assert declare_v2_identities(voice, [_sender(contract.API_V1, ["+12065550100"])]) == []
