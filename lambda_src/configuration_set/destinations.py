"""The event destinations a configuration set resource asks for, checked before any call.

What CloudFormation passes (every property a string) becomes the service's ``EventDestination``
form, or a ``ConfigurationSetError`` that names the destination and the field.
"""

from __future__ import annotations

import re
from typing import Any

from vc_common import contract
from vc_common.phone import echo

EVENT_TYPES = contract.CALL_EVENT_TYPES
DESTINATION_KINDS = ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination")
MAX_DESTINATIONS = 10
_NAME = re.compile(contract.CONFIGURATION_SET_NAME)
_PARTITION = r"arn:aws[a-z-]*"
_ARNS = {
    "LogGroupArn": (
        re.compile(
            _PARTITION + r":logs:[a-z0-9-]+:[0-9]{12}:log-group:[\w./#-]{1,512}(:\*)?", re.ASCII
        ),
        "a CloudWatch Logs log group ARN",
    ),
    "IamRoleArn": (
        re.compile(_PARTITION + r":iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}", re.ASCII),
        "an IAM role ARN",
    ),
    "DeliveryStreamArn": (
        re.compile(
            _PARTITION + r":firehose:[a-z0-9-]+:[0-9]{12}:deliverystream/[\w.-]{1,64}", re.ASCII
        ),
        "a Kinesis Data Firehose delivery stream ARN",
    ),
    "TopicArn": (
        re.compile(_PARTITION + r":sns:[a-z0-9-]+:[0-9]{12}:[\w-]{1,256}(\.fifo)?", re.ASCII),
        "an SNS topic ARN",
    ),
}
_REQUIRED = {
    "CloudWatchLogsDestination": ("IamRoleArn", "LogGroupArn"),
    "KinesisFirehoseDestination": ("DeliveryStreamArn", "IamRoleArn"),
    "SnsDestination": ("TopicArn",),
}


class ConfigurationSetError(Exception):
    """A failure the stack's status reason shows as it is: an actionable text."""


def destinations(value: object) -> dict[str, dict[str, Any]]:
    """The wanted destinations by name, in the service's EventDestination form."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise ConfigurationSetError("EventDestinations must be a list")
    if len(value) > MAX_DESTINATIONS:
        raise ConfigurationSetError(
            f"EventDestinations may hold at most {MAX_DESTINATIONS} destinations, got {len(value)}"
        )
    result: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(value):
        where = f"EventDestinations[{index}]"
        if not isinstance(item, dict):
            raise ConfigurationSetError(f"{where} must be an object")
        name = item.get("Name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ConfigurationSetError(
                f"{where}.Name must be {contract.CONFIGURATION_SET_NAME_FORM}, got {echo(name)}"
            )
        if name in result:
            raise ConfigurationSetError(f"{where}.Name {echo(name)} is used twice")
        result[name] = _destination(item, f"{where} ({name})")
    return result


def _destination(item: dict[str, Any], where: str) -> dict[str, Any]:
    kinds = [kind for kind in DESTINATION_KINDS if item.get(kind)]
    if len(kinds) != 1:
        raise ConfigurationSetError(f"{where} must have exactly one of {list(DESTINATION_KINDS)}")
    kind = kinds[0]
    target = item[kind]
    if not isinstance(target, dict):
        raise ConfigurationSetError(f"{where}.{kind} must be an object")
    for field in _REQUIRED[kind]:
        value = target.get(field)
        pattern, form = _ARNS[field]
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ConfigurationSetError(f"{where}.{kind}.{field} must be {form}, got {echo(value)}")
    events = item.get("MatchingEventTypes") or list(EVENT_TYPES)
    unknown = sorted(set(events) - set(EVENT_TYPES)) if isinstance(events, list) else events
    if unknown or not isinstance(events, list):
        raise ConfigurationSetError(
            f"{where}.MatchingEventTypes must be among {list(EVENT_TYPES)}, got {echo(unknown)}"
        )
    return {
        "Enabled": _bool(item.get("Enabled", True), f"{where}.Enabled"),
        # The service keeps its own order; sorted, so an unchanged set compares equal.
        "MatchingEventTypes": sorted(events),
        kind: {field: target[field] for field in _REQUIRED[kind]},
    }


def _bool(value: object, where: str) -> bool:
    # CloudFormation passes booleans to custom resources as the strings "true" and "false".
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ConfigurationSetError(f"{where} must be true or false, got {echo(value)}")
