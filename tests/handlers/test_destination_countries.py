"""The sender calls only its allowed countries: refused before any claim, slot or call.

Both APIs, direct invoke and the bulk queue, against moto with the voice fakes on one simulated
clock. Every refusal is checked to have cost nothing: no SendVoiceMessage request reached the
fake and the state table holds no item (no ledger claim, recipient slot or pacing slot).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from send_voice_message import index
from send_voice_message.bulk import Queues
from send_voice_message.destinations import Destinations
from send_voice_message.errors import BadRequestException, DestinationCountryBlockedException
from send_voice_message.request import V1, V2, Api
from send_voice_message.sender import Sender
from send_voice_message.validation import Defaults
from vc_common import contract

from tests.conftest import LambdaContext
from tests.handlers.conftest import SimClock, create_state_table, make_sender
from tests.handlers.test_bulk_sender import Bulk, SqsTime
from voice_constructs.testing import VoiceMock
from voice_constructs.testing._moto import sqs_models

ORIGIN = "+12065550100"
US = "+12065550142"
JAMAICA = "+18765550142"
DOMINICAN = "+18095550142"
CANADA = "+14165550142"
UNKNOWN = ["+80012345678", "+881612345678", "+12005550142"]
PROTECT_ID = "protect-0123456789abcdef0123456789abcdef"
SEND = "SendVoiceMessage"
APIS = {"v1": V1, "v2": V2}
TABLE = "voice-constructs-state"


def event(destination: str, **extra: Any) -> dict[str, Any]:
    return {
        "DestinationPhoneNumber": destination,
        "Content": {"PlainTextMessage": {"Text": "Your code is 1234."}},
        **extra,
    }


def destinations(api: Api, *allowed: str) -> Destinations:
    """What the construct configures: the list, and with v2 the protect configuration."""
    return Destinations(frozenset(allowed), PROTECT_ID if api is V2 else None)


def state_items() -> list[dict[str, Any]]:
    """Every item of the state table: ledger claims, recipient and pacing slots."""
    items: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    return items


@pytest.fixture(params=["v1", "v2"])
def api(request: pytest.FixtureRequest) -> Api:
    return APIS[request.param]


@pytest.fixture
def sender(voice_mock: VoiceMock, clock: SimClock, api: Api) -> Iterator[Sender]:
    """A sender of ``api`` with its state table, allowed to call the US only."""
    if api is V2:
        # The account holds the number and the protect configuration (every country allowed:
        # the sender's own check is what these tests show).
        voice_mock.adopt_phone_number(ORIGIN, iso_country_code="US")
        voice_mock.adopt_protect_configuration(PROTECT_ID)
    built = make_sender(
        clock=clock,
        api=api,
        defaults=Defaults(origination_number=ORIGIN, language_code="en-US"),
        table=create_state_table(TABLE),
    )
    with index.use(replace(built, destinations=destinations(api, "US"))) as used:
        yield used


def calls(mock: VoiceMock, api: Api) -> list[Any]:
    return mock.calls(SEND, api=api.name)


# --- Direct invoke ---------------------------------------------------------------------------


@pytest.mark.parametrize(("destination", "country"), [(JAMAICA, "JM"), (DOMINICAN, "DO")])
def test_fails_a_blocked_country_before_any_claim_slot_or_call(
    sender: Sender,
    api: Api,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
    destination: str,
    country: str,
) -> None:
    with pytest.raises(DestinationCountryBlockedException) as failure:
        index.handler(event(destination, IdempotencyKey="otp-1"), lambda_context)

    message = str(failure.value)
    assert f"is in {country}, which this sender may not call" in message
    assert "it may call US (allowed_countries)" in message
    assert destination not in message
    assert calls(voice_mock, api) == []
    assert state_items() == []


@pytest.mark.parametrize("destination", UNKNOWN)
def test_fails_a_number_of_no_known_country(
    sender: Sender, api: Api, voice_mock: VoiceMock, lambda_context: LambdaContext, destination: str
) -> None:
    with pytest.raises(DestinationCountryBlockedException, match="has no known country"):
        index.handler(event(destination), lambda_context)

    assert calls(voice_mock, api) == []
    assert state_items() == []


def test_an_allowed_country_is_called_with_the_protect_configuration_on_v2(
    sender: Sender, api: Api, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    result = index.handler(event(US), lambda_context)

    [call] = calls(voice_mock, api)
    assert call.status == 200
    assert result["MessageId"]
    if api is V2:
        assert call.body["ProtectConfigurationId"] == PROTECT_ID
    else:
        assert "ProtectConfigurationId" not in call.body


def test_several_countries_each_pass(
    sender: Sender, api: Api, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    with index.use(replace(sender, destinations=destinations(api, "US", "CA", "JM"))):
        for destination in (US, CANADA, JAMAICA):
            index.handler(event(destination), lambda_context)

    sent = [call.body["DestinationPhoneNumber"] for call in calls(voice_mock, api)]
    assert sent == [US, CANADA, JAMAICA]


def test_any_country_is_the_explicit_none(
    sender: Sender, api: Api, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    with index.use(replace(sender, destinations=Destinations(None))):
        index.handler(event(JAMAICA), lambda_context)
        index.handler(event(UNKNOWN[0]), lambda_context)

    assert len(calls(voice_mock, api)) == 2


def test_the_refusal_is_logged_with_the_country_and_a_masked_number(
    sender: Sender, lambda_context: LambdaContext, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises(DestinationCountryBlockedException),
    ):
        index.handler(event(JAMAICA), lambda_context)

    [record] = [r for r in caplog.records if r.getMessage() == "refused a destination country"]
    assert getattr(record, "field", None) == "DestinationPhoneNumber"
    assert "JM" in str(getattr(record, "reason", ""))
    assert JAMAICA not in caplog.text


@pytest.mark.parametrize("api", [V2], ids=["v2"])
def test_fails_v2_event_naming_another_protect_configuration(
    voice_mock: VoiceMock, sender: Sender, lambda_context: LambdaContext
) -> None:
    other = "protect-ffffffffffffffffffffffffffffffff"

    with pytest.raises(BadRequestException) as failure:
        index.handler(event(US, ProtectConfigurationId=other), lambda_context)

    assert failure.value.field == "ProtectConfigurationId"
    assert calls(voice_mock, V2) == []
    # Naming the sender's own is no conflict.
    index.handler(event(US, ProtectConfigurationId=PROTECT_ID), lambda_context)
    assert len(calls(voice_mock, V2)) == 1


@pytest.mark.parametrize("api", [V2], ids=["v2"])
def test_fails_when_the_service_blocks_the_country_with_its_own_exception(
    sender: Sender, lambda_context: LambdaContext
) -> None:
    class Blocking:
        """A v2 client whose protect configuration blocks what the table let through."""

        def send_voice_message(self, **request: Any) -> dict[str, Any]:
            raise ClientError(
                {
                    "Error": {"Code": "ConflictException", "Message": "blocked"},
                    "Reason": "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION",
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                },
                SEND,
            )

    with (
        index.use(replace(sender, client=Blocking())),
        pytest.raises(DestinationCountryBlockedException, match="refused the destination"),
    ):
        index.handler(event(US), lambda_context)


# --- The bulk queue --------------------------------------------------------------------------


@pytest.fixture
def bulk(sender: Sender, api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bulk]:
    """The bulk queue and its dead-letter queue, the sender allowed the US only."""
    sqs_time = SqsTime()
    monkeypatch.setattr(sqs_models, "unix_time", sqs_time.unix_time)
    monkeypatch.setattr(sqs_models, "unix_time_millis", sqs_time.unix_time_millis)
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName="voice-bulk")["QueueUrl"]
    dlq_url = sqs.create_queue(QueueName="voice-bulk-dlq")["QueueUrl"]
    with index.use(replace(sender, queues=Queues(queue_url, dlq_url))):
        yield Bulk(sqs, queue_url, dlq_url)


def test_bulk_dead_letters_a_blocked_country_with_its_reason_and_no_call(
    bulk: Bulk, api: Api, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    blocked = json.dumps(event(JAMAICA))
    bulk.send(blocked)
    bulk.send(json.dumps(event(UNKNOWN[0])))

    response = index.handler(bulk.deliver(), lambda_context)

    # Both are settled (not retried): each on the dead-letter queue with its reason.
    assert response == {"batchItemFailures": []}
    letters = sorted(bulk.dead_letters(), key=lambda letter: letter[0] != blocked)
    assert [attributes["FailureType"] for _, attributes in letters] == ["country_blocked"] * 2
    assert letters[0][0] == blocked
    assert "is in JM, which this sender may not call" in letters[0][1]["FailureReason"]
    assert "has no known country" in letters[1][1]["FailureReason"]
    assert all(JAMAICA not in attributes["FailureReason"] for _, attributes in letters)
    assert calls(voice_mock, api) == []
    assert state_items() == []


def test_bulk_sends_the_allowed_and_dead_letters_the_blocked(
    bulk: Bulk, api: Api, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    bulk.send(json.dumps(event(US)))
    bulk.send(json.dumps(event(JAMAICA)))

    index.handler(bulk.deliver(), lambda_context)

    [call] = calls(voice_mock, api)
    assert call.body["DestinationPhoneNumber"] == US
    [(body, attributes)] = bulk.dead_letters()
    assert json.loads(body)["DestinationPhoneNumber"] == JAMAICA
    assert attributes["FailureType"] == "country_blocked"


def test_country_blocked_is_a_dead_letter_type_of_the_contract() -> None:
    assert DestinationCountryBlockedException.failure_type in contract.DEAD_LETTER_FAILURE_TYPES


# --- From the environment ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "allowed"),
    [("US,CA", frozenset({"US", "CA"})), (" US , JM ", frozenset({"US", "JM"})), ("*", None)],
)
def test_the_environment_gives_the_countries(value: str, allowed: frozenset[str] | None) -> None:
    env = {contract.ENV_ALLOWED_COUNTRIES: value, contract.ENV_PROTECT_CONFIGURATION_ID: "p-1"}
    assert Destinations.from_environment(env) == Destinations(allowed, "p-1")


def test_fails_every_call_of_a_function_without_the_countries(
    sender: Sender, api: Api, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    with (
        index.use(replace(sender, destinations=Destinations.from_environment({}))),
        pytest.raises(DestinationCountryBlockedException, match="may call no country"),
    ):
        index.handler(event(US), lambda_context)

    assert calls(voice_mock, api) == []


@pytest.mark.parametrize("value", ["us", "USA", "US,ZZ", "*,US"])
def test_fails_to_start_on_countries_that_are_not_iso_codes(value: str) -> None:
    with pytest.raises(RuntimeError, match=contract.ENV_ALLOWED_COUNTRIES):
        Destinations.from_environment({contract.ENV_ALLOWED_COUNTRIES: value})


def test_origination_countries_are_those_of_the_senders_own_numbers(voice_mock: VoiceMock) -> None:
    # The construct's default when an origination number was a token at synth time.
    env = {
        contract.ENV_ORIGINATION_IDENTITIES: f"{ORIGIN},+14165550100,+12005550100",
        contract.ENV_ALLOWED_COUNTRIES: contract.ORIGINATION_COUNTRIES,
    }

    built = Sender.from_environment(env)

    # An origination number of no known country adds none.
    assert built.destinations == Destinations(frozenset({"US", "CA"}))


def test_fails_every_call_when_no_origination_number_has_a_known_country(
    sender: Sender, api: Api, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    env = {contract.ENV_ALLOWED_COUNTRIES: contract.ORIGINATION_COUNTRIES}
    none_known = Destinations.from_environment(env, ["+12005550100"])
    with (
        index.use(replace(sender, destinations=none_known)),
        pytest.raises(DestinationCountryBlockedException, match="may call no country"),
    ):
        index.handler(event(US), lambda_context)

    assert calls(voice_mock, api) == []
