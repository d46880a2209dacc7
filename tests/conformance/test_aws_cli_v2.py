"""The AWS CLI v1 against the v2 fake's resources: each operation valid and refused, and sends.

Phone numbers, pools, configuration sets and event destinations, protect configurations and
spend limits, created, read and deleted with the CLI (which parses every answer into its JSON
output, and pages the describe operations itself); each operation refused as the service
refuses it (the CLI names the error); and SendVoiceMessage refused for what the account does not
hold, with nothing sent.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore import xform_name

from tests.conformance.awscli import Cli
from tests.conformance.conftest import FROM, TO, Control
from voice_constructs.testing import SMS_VOICE_V2_OPERATIONS

pytestmark = pytest.mark.conformance

V2 = "pinpoint-sms-voice-v2"
HEX32 = "0123456789abcdef" * 2
PHONE, POOL = f"phone-{HEX32}", f"pool-{HEX32}"
TOPIC = "arn:aws:sns:us-east-1:123456789012:voice-events"
CUBA = "+5378000000"
NUMBER = (
    "--iso-country-code",
    "US",
    "--message-type",
    "TRANSACTIONAL",
    "--number-type",
    "LONG_CODE",
)


def request_number(aws: Cli, *capabilities: str) -> dict[str, Any]:
    found: dict[str, Any] = aws.ok(
        V2, "request-phone-number", *NUMBER, "--number-capabilities", *(capabilities or ("VOICE",))
    )
    return found


def send(*args: str, to: str = TO) -> tuple[str, ...]:
    return (
        V2,
        "send-voice-message",
        "--destination-phone-number",
        to,
        "--message-body",
        "x",
        *args,
    )


def test_v2_phone_numbers(aws: Cli, control: Control) -> None:
    number = request_number(aws, "SMS", "VOICE")
    number_id = number["PhoneNumberId"]
    [described] = aws.ok(V2, "describe-phone-numbers", "--phone-number-ids", number_id)[
        "PhoneNumbers"
    ]
    listed = aws.ok(V2, "describe-phone-numbers", "--page-size", "1")["PhoneNumbers"]
    updated = aws.ok(
        V2, "update-phone-number", "--phone-number-id", number_id, "--deletion-protection-enabled"
    )
    protected = aws.error(V2, "release-phone-number", "--phone-number-id", number_id)
    aws.ok(
        V2,
        "update-phone-number",
        "--phone-number-id",
        number_id,
        "--no-deletion-protection-enabled",
    )
    released = aws.ok(V2, "release-phone-number", "--phone-number-id", number["PhoneNumberArn"])

    assert (number["Status"], number["NumberCapabilities"]) == ("ACTIVE", ["SMS", "VOICE"])
    assert described["PhoneNumber"] == number["PhoneNumber"]
    # The CLI pages through every number (FROM, held by the fixture, and this one).
    assert {n["PhoneNumberId"] for n in listed} >= {number_id}
    assert len(listed) == 2
    assert updated["DeletionProtectionEnabled"] is True
    assert protected == "ConflictException"
    assert (released["PhoneNumberId"], released["Status"]) == (number_id, "DELETED")
    assert aws.error(V2, "describe-phone-numbers", "--phone-number-ids", number_id) == (
        "ResourceNotFoundException"
    )


def test_v2_pools(aws: Cli, control: Control) -> None:
    first, second = request_number(aws), request_number(aws)
    pool = aws.ok(
        V2,
        "create-pool",
        "--origination-identity",
        first["PhoneNumberId"],
        "--message-type",
        "TRANSACTIONAL",
    )
    pool_id = pool["PoolId"]
    associated = aws.ok(
        V2,
        "associate-origination-identity",
        "--pool-id",
        pool["PoolArn"],
        "--origination-identity",
        second["PhoneNumberArn"],
    )
    identities = aws.ok(V2, "list-pool-origination-identities", "--pool-id", pool_id)
    [described] = aws.ok(V2, "describe-pools", "--pool-ids", pool_id)["Pools"]
    for _ in range(2):
        aws.ok(*send("--origination-identity", pool_id))
    in_a_pool = aws.error(V2, "release-phone-number", "--phone-number-id", second["PhoneNumberId"])
    aws.ok(
        V2,
        "disassociate-origination-identity",
        "--pool-id",
        pool_id,
        "--origination-identity",
        second["PhoneNumberId"],
    )
    last = aws.error(
        V2,
        "disassociate-origination-identity",
        "--pool-id",
        pool_id,
        "--origination-identity",
        first["PhoneNumberId"],
    )
    deleted = aws.ok(V2, "delete-pool", "--pool-id", pool_id)

    assert associated["OriginationIdentity"] == second["PhoneNumberId"]
    assert [i["PhoneNumber"] for i in identities["OriginationIdentities"]] == [
        first["PhoneNumber"],
        second["PhoneNumber"],
    ]
    assert described["Status"] == "ACTIVE"
    assert [m["origination_phone_number"] for m in control.sent("v2")] == [
        first["PhoneNumber"],
        second["PhoneNumber"],
    ]
    assert (in_a_pool, last) == ("ConflictException", "ConflictException")
    assert deleted["PoolId"] == pool_id
    assert aws.error(*send("--origination-identity", pool_id)) == "ResourceNotFoundException"


def test_v2_configuration_sets_and_event_destinations(aws: Cli, control: Control) -> None:
    named = ("--configuration-set-name", "cli-set")
    created = aws.ok(V2, "create-configuration-set", *named)
    destination = aws.ok(
        V2,
        "create-event-destination",
        *named,
        "--event-destination-name",
        "sns",
        "--matching-event-types",
        "VOICE_ALL",
        "--sns-destination",
        f"TopicArn={TOPIC}",
    )["EventDestination"]
    updated = aws.ok(
        V2,
        "update-event-destination",
        "--configuration-set-name",
        created["ConfigurationSetArn"],
        "--event-destination-name",
        "sns",
        "--no-enabled",
    )["EventDestination"]
    [described] = aws.ok(V2, "describe-configuration-sets", "--configuration-set-names", "cli-set")[
        "ConfigurationSets"
    ]
    aws.ok(*send("--origination-identity", FROM, *named))
    aws.ok(V2, "delete-event-destination", *named, "--event-destination-name", "sns")
    deleted = aws.ok(V2, "delete-configuration-set", *named)

    assert destination == {
        "EventDestinationName": "sns",
        "Enabled": True,
        "MatchingEventTypes": ["VOICE_ALL"],
        "SnsDestination": {"TopicArn": TOPIC},
    }
    assert updated["Enabled"] is False
    assert described["EventDestinations"] == [updated]
    assert deleted["EventDestinations"] == []
    assert aws.error(*send("--origination-identity", FROM, *named)) == "ResourceNotFoundException"


def test_v2_protect_configurations(aws: Cli, control: Control) -> None:
    created = aws.ok(V2, "create-protect-configuration", "--tags", "Key=Name,Value=calls")
    protect = created["ProtectConfigurationId"]
    updated = aws.ok(
        V2,
        "update-protect-configuration-country-rule-set",
        "--protect-configuration-id",
        protect,
        "--number-capability",
        "VOICE",
        "--country-rule-set-updates",
        json.dumps({"CU": {"ProtectStatus": "BLOCK"}, "US": {"ProtectStatus": "ALLOW"}}),
    )
    got = aws.ok(
        V2,
        "get-protect-configuration-country-rule-set",
        "--protect-configuration-id",
        created["ProtectConfigurationArn"],
        "--number-capability",
        "VOICE",
    )
    [described] = aws.ok(
        V2, "describe-protect-configurations", "--protect-configuration-ids", protect
    )["ProtectConfigurations"]
    aws.ok(*send("--origination-identity", FROM, "--protect-configuration-id", protect))
    deleted = aws.ok(V2, "delete-protect-configuration", "--protect-configuration-id", protect)

    assert created["Tags"] == [{"Key": "Name", "Value": "calls"}]
    assert updated["CountryRuleSet"]["CU"] == {"ProtectStatus": "BLOCK"}
    assert got["CountryRuleSet"] == updated["CountryRuleSet"]
    assert described["AccountDefault"] is False
    assert deleted["ProtectConfigurationId"] == protect
    assert len(control.sent("v2")) == 1


def test_v2_spend_limits(aws: Cli, control: Control) -> None:
    before = aws.ok(V2, "describe-spend-limits")["SpendLimits"]
    override = aws.ok(V2, "set-voice-message-spend-limit-override", "--monthly-limit", "0")
    during = aws.ok(V2, "describe-spend-limits", "--page-size", "1")["SpendLimits"]
    removed = aws.ok(V2, "delete-voice-message-spend-limit-override")

    voice = "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT"
    assert [limit["Name"] for limit in before] == [
        "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT",
        voice,
        "MEDIA_MESSAGE_MONTHLY_SPEND_LIMIT",
    ]
    assert override == {"MonthlyLimit": 0}
    [during_voice] = [limit for limit in during if limit["Name"] == voice]
    assert (during_voice["EnforcedLimit"], during_voice["Overridden"]) == (0, True)
    assert removed == {"MonthlyLimit": 1}


# Each operation refused as the service refuses it (the setup holds the set "taken").
REFUSED: list[tuple[tuple[str, ...], str]] = [
    (("request-phone-number", *NUMBER[:2], "--message-type", "PROMOTIONAL", "--number-type",
      "SIMULATOR", "--number-capabilities", "VOICE"), "ValidationException"),
    (("describe-phone-numbers", "--phone-number-ids", PHONE), "ResourceNotFoundException"),
    (("update-phone-number", "--phone-number-id", PHONE), "ResourceNotFoundException"),
    (("release-phone-number", "--phone-number-id", PHONE), "ResourceNotFoundException"),
    (("create-pool", "--origination-identity", PHONE, "--message-type", "TRANSACTIONAL"),
     "ResourceNotFoundException"),
    (("describe-pools", "--pool-ids", POOL), "ResourceNotFoundException"),
    (("delete-pool", "--pool-id", POOL), "ResourceNotFoundException"),
    (("associate-origination-identity", "--pool-id", POOL, "--origination-identity", PHONE),
     "ResourceNotFoundException"),
    (("disassociate-origination-identity", "--pool-id", POOL, "--origination-identity", PHONE),
     "ResourceNotFoundException"),
    (("list-pool-origination-identities", "--pool-id", POOL), "ResourceNotFoundException"),
    (("create-configuration-set", "--configuration-set-name", "taken"), "ConflictException"),
    (("describe-configuration-sets", "--configuration-set-names", "missing"),
     "ResourceNotFoundException"),
    (("delete-configuration-set", "--configuration-set-name", "missing"),
     "ResourceNotFoundException"),
    (("create-event-destination", "--configuration-set-name", "taken", "--event-destination-name",
      "none", "--matching-event-types", "VOICE_ALL"), "ValidationException"),
    (("update-event-destination", "--configuration-set-name", "taken", "--event-destination-name",
      "missing"), "ResourceNotFoundException"),
    (("delete-event-destination", "--configuration-set-name", "taken", "--event-destination-name",
      "missing"), "ResourceNotFoundException"),
    (("create-protect-configuration", "--client-token", "not a token"), "ValidationException"),
    (("describe-protect-configurations", "--protect-configuration-ids", "missing"),
     "ResourceNotFoundException"),
    (("delete-protect-configuration", "--protect-configuration-id", "missing"),
     "ResourceNotFoundException"),
    (("get-protect-configuration-country-rule-set", "--protect-configuration-id", "missing",
      "--number-capability", "VOICE"), "ResourceNotFoundException"),
    (("update-protect-configuration-country-rule-set", "--protect-configuration-id", "missing",
      "--number-capability", "VOICE", "--country-rule-set-updates",
      '{"US": {"ProtectStatus": "BLOCK"}}'), "ResourceNotFoundException"),
    (("describe-spend-limits", "--starting-token", "not-issued"), "ValidationException"),
    (("set-voice-message-spend-limit-override", "--monthly-limit", "5"), "ValidationException"),
    (("send-voice-message", "--destination-phone-number", TO, "--message-body", "x",
      "--origination-identity", PHONE), "ResourceNotFoundException"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code"), REFUSED, ids=[args[0] for args, _ in REFUSED])
def test_fails_v2_operation_as_the_service_does(
    aws: Cli, control: Control, args: tuple[str, ...], code: str
) -> None:
    aws.ok(V2, "create-configuration-set", "--configuration-set-name", "taken")
    got, message = aws.failure(V2, *args)
    assert got == code, message
    # The operation's own refusal, not the one of an operation the fake does not serve.
    assert "not an operation the fake serves" not in message
    assert control.sent("v2") == []


def test_every_v2_operation_is_refused_here_but_one_without_input() -> None:
    refused = {args[0] for args, _ in REFUSED}
    # DeleteVoiceMessageSpendLimitOverride takes nothing, so nothing in it can be wrong.
    assert refused == {xform_name(operation, "-") for operation in SMS_VOICE_V2_OPERATIONS} - {
        "delete-voice-message-spend-limit-override"
    }


@pytest.mark.parametrize(
    ("args", "code", "hold"),
    [
        (("--origination-identity", PHONE), "ResourceNotFoundException", None),
        (("--origination-identity", "+12065550111"), "ResourceNotFoundException", None),
        (("--origination-identity", POOL), "ResourceNotFoundException", None),
        (("--origination-identity", "+12065550111"), "ValidationException", "sms-only"),
        (("--origination-identity", FROM, "--configuration-set-name", "missing"),
         "ResourceNotFoundException", None),
        (("--origination-identity", FROM, "--protect-configuration-id", "missing"),
         "ResourceNotFoundException", None),
        (("--origination-identity", FROM, "--dry-run", "--protect-configuration-id", "missing"),
         "ResourceNotFoundException", None),
        (("--origination-identity", FROM, "--protect-configuration-id", "protect-calls"),
         "ConflictException", "blocks-cuba"),
    ],
    ids=["phone-id", "e164", "pool", "sms-only", "set", "protect", "dry-run", "blocked-country"],
)  # fmt: skip
def test_fails_v2_send_from_what_the_account_does_not_hold(
    aws: Cli, control: Control, args: tuple[str, ...], code: str, hold: str | None
) -> None:
    destination = TO
    if hold == "sms-only":
        control.post("adopt-phone-number", {"identity": "+12065550111", "capabilities": ["SMS"]})
    if hold == "blocks-cuba":
        rules = {"VOICE": {"CU": "BLOCK"}}
        control.post(
            "adopt-protect-configuration", {"identity": "protect-calls", "country_rule_set": rules}
        )
        destination = CUBA
    got, message = aws.failure(*send(*args, to=destination))
    assert got == code, message
    assert control.sent("v2") == []
    assert [
        c["status"] for c in control.get("calls?operation=SendVoiceMessage&api=v2")["calls"]
    ] == [400]


@pytest.mark.parametrize(
    "operation", ["DescribePhoneNumbers", "DeleteVoiceMessageSpendLimitOverride"]
)
def test_v2_injected_fault_is_retried_then_surfaces(
    aws: Cli, control: Control, operation: str
) -> None:
    command = (V2, xform_name(operation, "-"))
    control.post("fail-next", {"operation": operation, "api": "v2", "status": 429})
    aws.ok(*command, attempts=2)
    control.post("fail-next", {"operation": operation, "api": "v2", "status": 429, "count": 2})
    run = aws.run(*command, attempts=2)

    assert run.returncode == 255
    assert (
        f"An error occurred (ThrottlingException) when calling the {operation} operation "
        "(reached max retries: 1)"
    ) in run.stderr
