"""Creators of the v2 origination and guard resources, in the emulator's stateful v2 fake.

``AWS::SMSVOICE::PhoneNumber`` (``RequestPhoneNumber``: a fictional number of its country, which
the fake issues for US and CA only), ``AWS::SMSVOICE::Pool`` (``CreatePool`` with its first
number, ``AssociateOriginationIdentity`` with the others), ``AWS::SMSVOICE::ConfigurationSet``
(``CreateConfigurationSet``; its event destinations are not created: v2's events reach the stack
through EventBridge) and ``AWS::SMSVOICE::ProtectConfiguration`` (``CreateProtectConfiguration``
and its country rule sets, ``UpdateProtectConfigurationCountryRuleSet``), each through boto3 as
CloudFormation's handlers would, so the fake holds what the sender names and refuses what the
real service would.
"""

from __future__ import annotations

from typing import Any

from voice_constructs.testing.local_stack.deployment import Creator, Deployment
from voice_constructs.testing.local_stack.template import Created, is_true

SERVICE = "pinpoint-sms-voice-v2"
# CloudFormation's resources have no message type; the fake needs one, and voice is transactional.
MESSAGE_TYPE = "TRANSACTIONAL"


def phone_number(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::SMSVOICE::PhoneNumber``: Ref is its id; Arn, PhoneNumberId, PhoneNumber."""
    resolved = deployment.resolve(props)
    request: dict[str, Any] = {
        "IsoCountryCode": resolved["IsoCountryCode"],
        "MessageType": MESSAGE_TYPE,
        "NumberCapabilities": list(resolved["NumberCapabilities"]),
        "NumberType": resolved["NumberType"],
        **_common(deployment, logical_id, props, resolved),
    }
    number = deployment.client(SERVICE).request_phone_number(**request)
    attributes = {
        "Arn": number["PhoneNumberArn"],
        "PhoneNumberId": number["PhoneNumberId"],
        "PhoneNumber": number["PhoneNumber"],
    }
    return Created(number["PhoneNumberId"], attributes)


def pool(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::SMSVOICE::Pool``: its numbers (ARNs), the first at creation; Ref is its id."""
    resolved = deployment.resolve(props)
    client = deployment.client(SERVICE)
    first, *others = [str(identity) for identity in resolved["OriginationIdentities"]]
    [number] = client.describe_phone_numbers(PhoneNumberIds=[first])["PhoneNumbers"]
    country = number["IsoCountryCode"]
    request: dict[str, Any] = {
        "OriginationIdentity": first,
        "IsoCountryCode": country,
        "MessageType": MESSAGE_TYPE,
        **_common(deployment, logical_id, props, resolved),
    }
    created = client.create_pool(**request)
    for identity in others:
        client.associate_origination_identity(
            PoolId=created["PoolId"], OriginationIdentity=identity, IsoCountryCode=country
        )
    return Created(created["PoolId"], {"Arn": created["PoolArn"], "PoolId": created["PoolId"]})


def configuration_set(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::SMSVOICE::ConfigurationSet``: Ref is its name (its event destinations are noted)."""
    resolved = deployment.resolve(props)
    name = resolved.get("ConfigurationSetName") or deployment.physical_name(logical_id, 64)
    created = deployment.client(SERVICE).create_configuration_set(
        ConfigurationSetName=name, Tags=deployment.tag_list(logical_id, props)
    )
    if resolved.get("EventDestinations"):
        deployment.notes.append(
            f"{logical_id}: its event destinations are not created; v2's call events reach the "
            "stack on the default EventBridge bus"
        )
    return Created(name, {"Arn": created["ConfigurationSetArn"]})


def protect_configuration(
    deployment: Deployment, logical_id: str, props: dict[str, Any]
) -> Created:
    """``AWS::SMSVOICE::ProtectConfiguration`` and its country rule sets; Ref is its id."""
    resolved = deployment.resolve(props)
    client = deployment.client(SERVICE)
    created = client.create_protect_configuration(
        **_common(deployment, logical_id, props, resolved)
    )
    identity = created["ProtectConfigurationId"]
    for capability, rules in (resolved.get("CountryRuleSet") or {}).items():
        client.update_protect_configuration_country_rule_set(
            ProtectConfigurationId=identity,
            NumberCapability=capability,
            CountryRuleSetUpdates={
                rule["CountryCode"]: {"ProtectStatus": rule["ProtectStatus"]} for rule in rules
            },
        )
    attributes = {"Arn": created["ProtectConfigurationArn"], "ProtectConfigurationId": identity}
    return Created(identity, attributes)


def _common(
    deployment: Deployment, logical_id: str, props: dict[str, Any], resolved: dict[str, Any]
) -> dict[str, Any]:
    """The request members every one of these takes alike: its tags and deletion protection."""
    common: dict[str, Any] = {"Tags": deployment.tag_list(logical_id, props)}
    if "DeletionProtectionEnabled" in resolved:
        common["DeletionProtectionEnabled"] = is_true(resolved["DeletionProtectionEnabled"])
    return common


CREATORS: dict[str, Creator] = {
    "AWS::SMSVOICE::PhoneNumber": phone_number,
    "AWS::SMSVOICE::Pool": pool,
    "AWS::SMSVOICE::ConfigurationSet": configuration_set,
    "AWS::SMSVOICE::ProtectConfiguration": protect_configuration,
}
