"""The v2 fake keeps state: SendVoiceMessage refuses what the account does not hold, as v2 does.

Each refusal is the service's error with its ``Reason`` or ``ResourceType``, answered with a 400
before anything is recorded: no message, no dry run. Resources come from the API itself or are
declared as made elsewhere (``VoiceMock.adopt_*``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.docs import blocks
from tests.test_readme_examples import bare_env
from voice_constructs._contract import countries
from voice_constructs.testing import VoiceMock
from voice_constructs.testing.sms_voice_v2.common import AdoptionError

REGION = "us-east-1"
ACCOUNT = "123456789012"
HEX32 = "0123456789abcdef" * 2
PHONE_ID, POOL_ID = f"phone-{HEX32}", f"pool-{HEX32}"
OTHER_ID = f"phone-{'a' * 32}"
PHONE_ARN = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:phone-number/{PHONE_ID}"
POOL_ARN = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/{POOL_ID}"
NUMBER = "+12065550100"
DESTINATION = "+12065550142"
SEND = "SendVoiceMessage"


def sms_voice_v2() -> BaseClient:
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return boto3.client("pinpoint-sms-voice-v2", region_name=REGION, config=config)


def send(**extra: Any) -> dict[str, Any]:
    request = {
        "DestinationPhoneNumber": DESTINATION,
        "OriginationIdentity": NUMBER,
        "MessageBody": "Your order has shipped.",
        **extra,
    }
    answer: dict[str, Any] = sms_voice_v2().send_voice_message(**request)
    return answer


def refusal(**extra: Any) -> dict[str, Any]:
    """The error a send meets (its body as botocore parses it)."""
    with pytest.raises(ClientError) as excinfo:
        send(**extra)
    response: dict[str, Any] = excinfo.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return response


def assert_nothing_sent(voice_mock: VoiceMock) -> None:
    assert voice_mock.sent_messages(api="v2") == []
    assert voice_mock.sms_voice_v2().dry_runs == []
    assert {call.status for call in voice_mock.calls(SEND, api="v2")} == {400}


# --- Origination identities ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "resource_type"),
    [
        (NUMBER, "phone-number"),
        (PHONE_ID, "phone-number"),
        (PHONE_ARN, "phone-number"),
        (POOL_ID, "pool"),
        (POOL_ARN, "pool"),
        ("sender-id-not-modelled", "phone-number"),
    ],
)
@pytest.mark.parametrize("dry_run", [False, True], ids=["send", "dry-run"])
def test_fails_an_origination_identity_the_account_does_not_hold(
    voice_mock: VoiceMock, identity: str, resource_type: str, dry_run: bool
) -> None:
    response = refusal(OriginationIdentity=identity, DryRun=dry_run)

    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["ResourceType"] == resource_type
    assert response["ResourceId"] == (identity if identity != NUMBER else "+1******0100")
    assert NUMBER not in response["Error"]["Message"]
    assert_nothing_sent(voice_mock)


@pytest.mark.parametrize(
    "identity",
    [
        f"arn:aws:sms-voice:{REGION}:210987654321:phone-number/{PHONE_ID}",
        f"arn:aws:sms-voice:eu-west-1:{ACCOUNT}:phone-number/{PHONE_ID}",
        f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/{PHONE_ID}",
    ],
    ids=["other-account", "other-region", "other-kind"],
)
def test_fails_an_arn_that_names_no_number_of_this_account_and_region(
    voice_mock: VoiceMock, identity: str
) -> None:
    voice_mock.adopt_phone_number(PHONE_ID)

    assert refusal(OriginationIdentity=identity)["Error"]["Code"] == "ResourceNotFoundException"
    assert_nothing_sent(voice_mock)


@pytest.mark.parametrize("identity", [NUMBER, PHONE_ID, PHONE_ARN])
def test_sends_from_a_held_number_in_any_form(voice_mock: VoiceMock, identity: str) -> None:
    voice_mock.adopt_phone_number(PHONE_ID, phone_number=NUMBER)

    message_id = send(OriginationIdentity=identity)["MessageId"]

    [sent] = voice_mock.sent_messages(api="v2")
    assert (sent.message_id, sent.origination_phone_number) == (message_id, NUMBER)
    assert sent.request["OriginationIdentity"] == identity


def test_fails_a_number_that_cannot_place_calls(voice_mock: VoiceMock) -> None:
    voice_mock.adopt_phone_number(NUMBER, capabilities=["SMS"])

    response = refusal()

    assert response["Error"]["Code"] == "ValidationException"
    assert response["Reason"] == "VOICE_CAPABILITY_NOT_AVAILABLE"
    assert [field["Name"] for field in response["Fields"]] == ["OriginationIdentity"]
    assert_nothing_sent(voice_mock)


def test_fails_a_pool_of_which_no_number_can_place_calls(voice_mock: VoiceMock) -> None:
    voice_mock.adopt_phone_number(NUMBER, capabilities=["SMS", "MMS"])
    voice_mock.adopt_pool(POOL_ID, phone_numbers=[NUMBER])

    response = refusal(OriginationIdentity=POOL_ARN)

    assert response["Reason"] == "VOICE_CAPABILITY_NOT_AVAILABLE"
    assert_nothing_sent(voice_mock)


def test_a_pools_numbers_that_can_call_take_turns(voice_mock: VoiceMock) -> None:
    voice_mock.adopt_phone_number("+12065550101", capabilities=["SMS"])
    voice_mock.adopt_pool(POOL_ID, phone_numbers=[NUMBER, "+12065550101", "+12065550102"])

    for _ in range(4):
        send(OriginationIdentity=POOL_ID)
    send(OriginationIdentity=POOL_ID, DryRun=True)

    called = [m.origination_phone_number for m in voice_mock.sent_messages(api="v2")]
    assert called == [NUMBER, "+12065550102", NUMBER, "+12065550102"]
    assert voice_mock.sms_voice_v2().dry_runs[0].origination_phone_number is None


def test_a_number_released_no_longer_sends(voice_mock: VoiceMock) -> None:
    v2 = sms_voice_v2()
    number = v2.request_phone_number(
        IsoCountryCode="US",
        MessageType="TRANSACTIONAL",
        NumberCapabilities=["VOICE"],
        NumberType="LONG_CODE",
    )
    send(OriginationIdentity=number["PhoneNumber"])
    v2.release_phone_number(PhoneNumberId=number["PhoneNumberArn"])

    assert refusal(OriginationIdentity=number["PhoneNumberId"])["ResourceType"] == "phone-number"
    assert len(voice_mock.sent_messages(api="v2")) == 1


# --- Configuration sets and protect configurations ---------------------------------------------


@pytest.mark.parametrize(
    ("member", "value", "resource_type"),
    [
        ("ConfigurationSetName", "calls", "configuration-set"),
        (
            "ConfigurationSetName",
            f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:configuration-set/calls",
            "configuration-set",
        ),
        ("ProtectConfigurationId", "protect-calls", "protect-configuration"),
        (
            "ProtectConfigurationId",
            f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:protect-configuration/protect-calls",
            "protect-configuration",
        ),
    ],
    ids=["set", "set-arn", "protect", "protect-arn"],
)
def test_fails_a_resource_the_account_does_not_hold_then_sends_once_it_does(
    voice_mock: VoiceMock, member: str, value: str, resource_type: str
) -> None:
    voice_mock.adopt_phone_number(NUMBER)

    response = refusal(**{member: value})

    assert (response["Error"]["Code"], response["ResourceType"]) == (
        "ResourceNotFoundException",
        resource_type,
    )
    assert_nothing_sent(voice_mock)
    if resource_type == "configuration-set":
        voice_mock.adopt_configuration_set("calls")
    else:
        voice_mock.adopt_protect_configuration("protect-calls")
    send(**{member: value})
    assert len(voice_mock.sent_messages(api="v2")) == 1


def test_a_protect_configuration_that_blocks_nothing_lets_the_call_through(
    voice_mock: VoiceMock,
) -> None:
    voice_mock.adopt_phone_number(NUMBER)
    v2 = sms_voice_v2()
    protect = v2.create_protect_configuration()["ProtectConfigurationId"]
    v2.update_protect_configuration_country_rule_set(
        ProtectConfigurationId=protect,
        NumberCapability="SMS",
        CountryRuleSetUpdates={"US": {"ProtectStatus": "BLOCK"}},
    )

    send(ProtectConfigurationId=protect)  # SMS rules do not apply to a call

    assert len(voice_mock.sent_messages(api="v2")) == 1


CUBA = "+5378000000"
UNKNOWN_COUNTRY = "+881612345678"  # global satellite: no country


@pytest.mark.parametrize("dry_run", [False, True], ids=["send", "dry-run"])
def test_fails_a_country_the_protect_configuration_blocks(
    voice_mock: VoiceMock, dry_run: bool
) -> None:
    voice_mock.adopt_phone_number(NUMBER)
    voice_mock.adopt_protect_configuration(
        "protect-calls", country_rule_set={"VOICE": {"CU": "BLOCK", "US": "ALLOW"}}
    )

    response = refusal(
        DestinationPhoneNumber=CUBA, ProtectConfigurationId="protect-calls", DryRun=dry_run
    )

    assert response["Error"]["Code"] == "ConflictException"
    assert response["Reason"] == "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION"
    assert (response["ResourceType"], response["ResourceId"]) == (
        "protect-configuration",
        "protect-calls",
    )
    assert "CU" in response["Error"]["Message"]
    assert "78000000" not in response["Error"]["Message"]
    assert_nothing_sent(voice_mock)


@pytest.mark.parametrize(
    ("destination", "rules"),
    [
        (DESTINATION, {"CU": "BLOCK"}),
        (CUBA, {"CU": "MONITOR"}),
        (CUBA, {"CU": "FILTER"}),
        (CUBA, {"CU": "ALLOW", "US": "BLOCK"}),
        (UNKNOWN_COUNTRY, {"CU": "BLOCK", "US": "BLOCK"}),
    ],
    ids=["another-country", "monitor", "filter", "allowed", "no-country"],
)
def test_a_protect_configuration_lets_through_what_it_does_not_block(
    voice_mock: VoiceMock, destination: str, rules: dict[str, str]
) -> None:
    voice_mock.adopt_phone_number(NUMBER)
    voice_mock.adopt_protect_configuration("protect-calls", country_rule_set={"VOICE": rules})

    send(DestinationPhoneNumber=destination, ProtectConfigurationId="protect-calls")

    assert len(voice_mock.sent_messages(api="v2")) == 1


def test_without_a_protect_configuration_no_country_is_blocked(voice_mock: VoiceMock) -> None:
    voice_mock.adopt_phone_number(NUMBER)
    voice_mock.adopt_protect_configuration(
        "protect-calls", country_rule_set={"VOICE": {"CU": "BLOCK"}}
    )

    send(DestinationPhoneNumber=CUBA)

    assert len(voice_mock.sent_messages(api="v2")) == 1


def test_a_rule_set_lists_every_dialable_country_allowed_but_those_updated(
    voice_mock: VoiceMock,
) -> None:
    v2 = sms_voice_v2()
    protect = v2.create_protect_configuration()["ProtectConfigurationId"]
    v2.update_protect_configuration_country_rule_set(
        ProtectConfigurationId=protect,
        NumberCapability="VOICE",
        CountryRuleSetUpdates={"CU": {"ProtectStatus": "BLOCK"}},
    )

    voice = v2.get_protect_configuration_country_rule_set(
        ProtectConfigurationId=protect, NumberCapability="VOICE"
    )["CountryRuleSet"]
    sms = v2.get_protect_configuration_country_rule_set(
        ProtectConfigurationId=protect, NumberCapability="SMS"
    )["CountryRuleSet"]

    assert set(voice) == set(sms) == countries.DIALABLE_COUNTRIES
    assert {c for c, rule in voice.items() if rule["ProtectStatus"] != "ALLOW"} == {"CU"}
    assert {rule["ProtectStatus"] for rule in sms.values()} == {"ALLOW"}


def test_a_pool_calls_from_a_number_of_the_destinations_country(voice_mock: VoiceMock) -> None:
    canada = "+16045550100"
    voice_mock.adopt_pool(POOL_ID, phone_numbers=[NUMBER, canada])

    send(OriginationIdentity=POOL_ID, DestinationPhoneNumber="+14165550142")
    send(OriginationIdentity=POOL_ID, DestinationPhoneNumber="+14165550143")
    send(OriginationIdentity=POOL_ID, DestinationPhoneNumber=DESTINATION)
    send(OriginationIdentity=POOL_ID, DestinationPhoneNumber=CUBA)
    send(OriginationIdentity=POOL_ID, DestinationPhoneNumber=CUBA)

    called = [m.origination_phone_number for m in voice_mock.sent_messages(api="v2")]
    # Canada's number for Canada, the US one for the US, and in turn where none is local.
    assert called[:3] == [canada, canada, NUMBER]
    assert set(called[3:]) == {NUMBER, canada}
    held = voice_mock.sms_voice_v2().phone_numbers.find(canada)
    assert held is not None
    assert held.iso_country_code == "CA"


# --- Declaring resources made elsewhere --------------------------------------------------------


def test_adopting_again_with_the_same_attributes_returns_the_same(voice_mock: VoiceMock) -> None:
    first = voice_mock.adopt_phone_number(PHONE_ID, phone_number=NUMBER)

    assert voice_mock.adopt_phone_number(PHONE_ARN, phone_number=NUMBER) == first
    assert voice_mock.adopt_origination_identity(PHONE_ID)["PhoneNumber"] == NUMBER


@pytest.mark.parametrize(
    ("adopt", "parameter"),
    [
        (lambda m: m.adopt_phone_number(PHONE_ID, phone_number="+12065550199"), "phone_number"),
        (lambda m: m.adopt_phone_number("phone-1"), "identity"),
        (lambda m: m.adopt_phone_number(POOL_ID), "identity"),
        (lambda m: m.adopt_phone_number("12065550100"), "identity"),
        (lambda m: m.adopt_phone_number("+12065550101", phone_number="+1206"), "phone_number"),
        (lambda m: m.adopt_phone_number("+44123", capabilities=[]), "capabilities"),
        (lambda m: m.adopt_phone_number("+4477009001", iso_country_code="uk"), "iso_country_code"),
        (lambda m: m.adopt_phone_number(OTHER_ID, iso_country_code="GB"), "phone_number"),
        (lambda m: m.adopt_phone_number(PHONE_ID, iso_country_code="GB"), "iso_country_code"),
        (lambda m: m.adopt_pool(PHONE_ID), "identity"),
        (lambda m: m.adopt_pool(POOL_ID, phone_numbers=[f"phone-{'f' * 32}"]), "phone_numbers"),
        (lambda m: m.adopt_pool(POOL_ARN, region="eu-west-1"), "region"),
        (lambda m: m.adopt_protect_configuration("a b"), "identity"),
        (
            lambda m: m.adopt_protect_configuration("p", country_rule_set={"VOICE": {"US": "NO"}}),
            "country_rule_set",
        ),
        (lambda m: m.adopt_configuration_set("not a name"), "name"),
    ],
    ids=[
        "number-changed", "short-id", "pool-as-number", "no-plus", "bad-number", "no-capability",
        "country-case", "no-number-for-gb", "country-changed", "number-as-pool", "unknown-member",
        "arn-region", "protect-id", "protect-status", "set-name",
    ],
)  # fmt: skip
def test_fails_an_adoption_naming_the_argument(
    voice_mock: VoiceMock, adopt: Any, parameter: str
) -> None:
    voice_mock.adopt_phone_number(PHONE_ID, phone_number=NUMBER)
    with pytest.raises(AdoptionError) as excinfo:
        adopt(voice_mock)

    assert excinfo.value.parameter == parameter
    assert str(excinfo.value).startswith(f"{parameter}: ")
    assert "12065550" not in excinfo.value.problem


def test_a_pool_adopted_without_numbers_gets_one_that_calls(voice_mock: VoiceMock) -> None:
    pool = voice_mock.adopt_origination_identity(POOL_ARN)

    [member] = pool["OriginationIdentities"]
    assert member["NumberCapabilities"] == ["SMS", "VOICE"]
    send(OriginationIdentity=POOL_ARN)
    [sent] = voice_mock.sent_messages(api="v2")
    assert sent.origination_phone_number == member["PhoneNumber"]


def test_an_identity_arn_is_held_in_its_own_account_and_region(voice_mock: VoiceMock) -> None:
    arn = f"arn:aws:sms-voice:eu-west-1:210987654321:phone-number/{PHONE_ID}"
    voice_mock.adopt_phone_number(arn)

    assert voice_mock.sms_voice_v2("210987654321", "eu-west-1").phone_numbers.find(arn)
    assert voice_mock.sms_voice_v2().phone_numbers.find(PHONE_ID) is None


# --- The docs' example ---------------------------------------------------------------------------


def test_the_testing_pages_v2_example_passes_verbatim(tmp_path: Path) -> None:
    [example] = [
        code
        for _, code in blocks("python")
        if "def test_calls_from_the_apps_number(voice_mock)" in code
    ]
    (tmp_path / "test_example.py").write_text(example)

    run = subprocess.run(  # noqa: S603 - pytest on the docs' own example
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=bare_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stdout[-2000:]
    assert "1 passed" in run.stdout
