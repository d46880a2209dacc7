"""Several origination identities through the handler: each message gets one pacing hands out."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

import boto3
import pytest
from send_voice_message.ledger import Ledger
from send_voice_message.quota import Quota
from send_voice_message.sender import Sender, origination_identities
from send_voice_message.service import CLIENT_CONFIG
from send_voice_message.validation import Defaults
from vc_common import contract

from tests.conftest import LambdaContext
from tests.handlers.conftest import SimClock, create_state_table
from voice_constructs.testing import VoiceMock

OWN = ("+12065550100", "+12065550101", "+12065550102")
OUTSIDE = "+15035550100"


@pytest.fixture
def sender(voice_mock: VoiceMock, clock: SimClock) -> Sender:
    table = create_state_table()
    dynamodb = boto3.client("dynamodb")
    return Sender(
        client=boto3.client("pinpoint-sms-voice", config=CLIENT_CONFIG),
        defaults=Defaults(origination_number=OWN[0], language_code="en-US"),
        ledger=Ledger(dynamodb, table, window_seconds=3600, clock=clock),
        quota=Quota(dynamodb, table, calls_per_minute=100, identities=OWN, clock=clock),
        clock=clock,
    )


def event(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "DestinationPhoneNumber": f"+1425555{n:04d}",
        "Content": {"PlainTextMessage": {"Text": f"Message {n}."}},
        **extra,
    }


def test_messages_take_turns_over_the_own_numbers(
    sender: Sender, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    for n in range(9):
        sender.handle(event(n), lambda_context)

    calls = voice_mock.calls("SendVoiceMessage")
    used = Counter(call.body["OriginationPhoneNumber"] for call in calls)
    assert used == dict.fromkeys(OWN, 3)
    for number in OWN:
        mine = [call.at for call in calls if call.body["OriginationPhoneNumber"] == number]
        assert min(b - a for a, b in pairwise(mine)) >= 1 + contract.LATENCY_SPREAD_SECONDS


def test_an_event_naming_its_number_keeps_it(
    sender: Sender, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    sender.handle(event(1, OriginationPhoneNumber=OWN[2]), lambda_context)
    sender.handle(event(2, OriginationPhoneNumber=OUTSIDE), lambda_context)
    sender.handle(event(3), lambda_context)

    used = [call.body["OriginationPhoneNumber"] for call in voice_mock.calls("SendVoiceMessage")]
    assert used[:2] == [OWN[2], OUTSIDE]
    assert used[2] in OWN


def test_a_message_keeps_its_key_whichever_number_calls(
    sender: Sender, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    first = sender.handle(event(1, IdempotencyKey="k-1"), lambda_context)
    again = sender.handle(event(1, IdempotencyKey="k-1"), lambda_context)

    assert first == again
    assert len(voice_mock.calls("SendVoiceMessage")) == 1


def test_identities_come_from_the_list_or_the_one_number() -> None:
    listed = {
        contract.ENV_ORIGINATION_IDENTITIES: " +12065550100, +12065550101 ",
        contract.ENV_ORIGINATION_NUMBER: "+12065550100",
    }
    assert origination_identities(listed) == ("+12065550100", "+12065550101")
    assert origination_identities({contract.ENV_ORIGINATION_NUMBER: OWN[1]}) == (OWN[1],)
    assert origination_identities({}) == ()


def test_the_log_names_the_number_that_called(
    sender: Sender,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    for n in range(3):
        sender.handle(event(n), lambda_context)

    logged = [r.origination for r in caplog.records if r.getMessage() == "voice message sent"]
    called = [c.body["OriginationPhoneNumber"] for c in voice_mock.calls("SendVoiceMessage")]
    assert len(set(called)) == 3
    assert logged == [f"{n[:2]}{'*' * (len(n) - 6)}{n[-4:]}" for n in called]
