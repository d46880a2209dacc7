"""The v2 resources of a template are made in the stateful v2 fake, and its sends meet them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.local.conftest import run, stack_of
from voice_constructs.testing.server import Emulator

NUMBER_PROPERTIES = {
    "IsoCountryCode": "US",
    "NumberCapabilities": ["VOICE"],
    "NumberType": "LONG_CODE",
    "MandatoryKeywords": {"HELP": {"Message": "Help."}, "STOP": {"Message": "Stopped."}},
    "DeletionProtectionEnabled": True,
}
RESOURCES = {
    "First": {"Type": "AWS::SMSVOICE::PhoneNumber", "Properties": NUMBER_PROPERTIES},
    "Second": {"Type": "AWS::SMSVOICE::PhoneNumber", "Properties": NUMBER_PROPERTIES},
    "Pool": {
        "Type": "AWS::SMSVOICE::Pool",
        "Properties": {
            "OriginationIdentities": [
                {"Fn::GetAtt": ["First", "Arn"]},
                {"Fn::GetAtt": ["Second", "Arn"]},
            ],
            "MandatoryKeywords": {"HELP": {"Message": "Help."}, "STOP": {"Message": "Stopped."}},
        },
    },
    "Set": {"Type": "AWS::SMSVOICE::ConfigurationSet", "Properties": {}},
    "Protect": {
        "Type": "AWS::SMSVOICE::ProtectConfiguration",
        "Properties": {
            "CountryRuleSet": {
                "VOICE": [
                    {"CountryCode": "US", "ProtectStatus": "ALLOW"},
                    {"CountryCode": "JM", "ProtectStatus": "BLOCK"},
                ]
            }
        },
    },
}


def test_the_pool_protect_configuration_and_set_are_made_and_sends_meet_them(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    with run(emulator, stack_of(tmp_path, RESOURCES, name="Voice")) as (local, _):
        refs = {e.logical_id: e for e in local.deployments[0].entries}
        v2 = client("pinpoint-sms-voice-v2")
        [pool] = v2.describe_pools()["Pools"]
        members = v2.list_pool_origination_identities(PoolId=pool["PoolId"])
        [protect] = v2.describe_protect_configurations()["ProtectConfigurations"]
        rules = v2.get_protect_configuration_country_rule_set(
            ProtectConfigurationId=protect["ProtectConfigurationId"], NumberCapability="VOICE"
        )["CountryRuleSet"]
        [configuration_set] = v2.describe_configuration_sets()["ConfigurationSets"]
        send = {
            "OriginationIdentity": pool["PoolId"],
            "ConfigurationSetName": configuration_set["ConfigurationSetName"],
            "ProtectConfigurationId": protect["ProtectConfigurationId"],
            "MessageBody": "Hello.",
        }
        allowed = v2.send_voice_message(DestinationPhoneNumber="+12065550142", **send)
        with pytest.raises(ClientError) as blocked:
            v2.send_voice_message(DestinationPhoneNumber="+18765550142", **send)

    assert {e.status for e in refs.values() if e.logical_id in RESOURCES} == {"created"}
    assert len(members["OriginationIdentities"]) == 2
    assert rules["US"]["ProtectStatus"] == "ALLOW"
    assert rules["JM"]["ProtectStatus"] == "BLOCK"
    assert configuration_set["ConfigurationSetName"].startswith("Voice-Set-")
    assert allowed["MessageId"]
    assert blocked.value.response["Error"]["Code"] == "ConflictException"
    assert (
        blocked.value.response["Reason"] == "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION"
    )
