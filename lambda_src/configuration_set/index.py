"""Custom resource handler for a Pinpoint SMS and Voice v1 configuration set and its destinations.

CloudFormation has no resource for v1 configuration sets. This handler runs behind
``aws_cdk.custom_resources.Provider``:

- **Create** makes the set and each event destination.
- **Update** with the same name applies the destinations as a diff against what the service
  holds: new names are created, missing ones deleted, changed ones updated in place. A new name
  is a replacement: the new set is created, and CloudFormation deletes the old one afterwards.
- **Delete** removes the set; a set that is already gone counts as deleted.

The service allows one change to a set's destinations per second, so writes are spaced by
``DESTINATION_WRITE_INTERVAL_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from vc_common.aws import client, client_config, error_code, error_message

if TYPE_CHECKING:
    from mypy_boto3_pinpoint_sms_voice import PinpointSMSVoiceClient

LOGGER = logging.getLogger(__name__)
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

EVENT_TYPES = (
    "INITIATED_CALL",
    "RINGING",
    "ANSWERED",
    "COMPLETED_CALL",
    "BUSY",
    "FAILED",
    "NO_ANSWER",
)
DESTINATION_KINDS = ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination")
MAX_DESTINATIONS = 10
DESTINATION_WRITE_INTERVAL_SECONDS = 1.0
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
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

# Deployments wait for this handler: bounded retries, well inside the function's timeout.
_CONFIG = client_config(max_attempts=4, connect_timeout=3, read_timeout=10)
_client: PinpointSMSVoiceClient = client("pinpoint-sms-voice", _CONFIG)
_sleep: Callable[[float], None] = time.sleep


class ConfigurationSetError(Exception):
    """A failure the stack's status reason shows as it is: an actionable text."""


def set_client(
    client: PinpointSMSVoiceClient, sleep: Callable[[float], None] | None = None
) -> None:
    """Replace the client (and the pause between destination writes) in tests."""
    global _client, _sleep
    _client = client
    _sleep = sleep or time.sleep


def on_event(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Handle a CloudFormation Create, Update or Delete of the configuration set."""
    request_type = event.get("RequestType")
    props = event.get("ResourceProperties") or {}
    # The fields an audit needs, never ResponseURL (pre-signed) or the whole event.
    LOGGER.info(
        "configuration set %s",
        request_type,
        extra={
            "request_type": request_type,
            "logical_resource_id": event.get("LogicalResourceId"),
            "physical_resource_id": event.get("PhysicalResourceId"),
            "configuration_set_name": props.get("ConfigurationSetName"),
        },
    )
    if request_type == "Delete":
        _delete_set(str(event.get("PhysicalResourceId", "")))
        return {"PhysicalResourceId": event.get("PhysicalResourceId")}
    if request_type not in ("Create", "Update"):
        raise ConfigurationSetError(f"unsupported RequestType {request_type!r}")
    name = _name(props.get("ConfigurationSetName"))
    wanted = _destinations(props.get("EventDestinations"))
    if request_type == "Update" and event.get("PhysicalResourceId") == name:
        _apply_diff(name, wanted)
    else:
        _create_set(name, wanted)
    return {"PhysicalResourceId": name, "Data": {"ConfigurationSetName": name}}


def _name(value: object) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ConfigurationSetError(
            f"ConfigurationSetName must be 1-64 letters, digits, - or _, got {value!r}"
        )
    return value


def _destinations(value: object) -> dict[str, dict[str, Any]]:
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
                f"{where}.Name must be 1-64 letters, digits, - or _, got {name!r}"
            )
        if name in result:
            raise ConfigurationSetError(f"{where}.Name {name!r} is used twice")
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
            raise ConfigurationSetError(f"{where}.{kind}.{field} must be {form}, got {value!r}")
    events = item.get("MatchingEventTypes") or list(EVENT_TYPES)
    unknown = sorted(set(events) - set(EVENT_TYPES)) if isinstance(events, list) else events
    if unknown or not isinstance(events, list):
        raise ConfigurationSetError(
            f"{where}.MatchingEventTypes must be among {list(EVENT_TYPES)}, got {unknown!r}"
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
    raise ConfigurationSetError(f"{where} must be true or false, got {value!r}")


def _create_set(name: str, wanted: dict[str, dict[str, Any]]) -> None:
    try:
        _client.create_configuration_set(ConfigurationSetName=name)
    except ClientError as error:
        if error_code(error) == "AlreadyExistsException":
            raise ConfigurationSetError(
                f"configuration set {name!r} already exists in this account and region; "
                "give the construct another configuration_set_name, or delete the old set"
            ) from None
        raise _failure("CreateConfigurationSet", name, error) from None
    except BotoCoreError as error:
        raise ConfigurationSetError(f"could not reach the SMS and Voice API: {error}") from None
    try:
        _apply_diff(name, wanted, current={})
    except ConfigurationSetError:
        # A failed Create gets no Delete from the provider framework: remove the half-made set,
        # so that the next deployment can create it again.
        _delete_set(name)
        raise


def _apply_diff(
    name: str,
    wanted: dict[str, dict[str, Any]],
    current: dict[str, dict[str, Any]] | None = None,
) -> None:
    if current is None:
        current = _current(name)
    # Deletes first: a set holds at most 10 destinations, also while a change is under way.
    writes: list[tuple[str, str, Callable[[], object]]] = [
        ("DeleteConfigurationSetEventDestination", dest, _deleter(name, dest))
        for dest in current
        if dest not in wanted
    ]
    for dest, definition in wanted.items():
        if dest not in current:
            writes.append(
                ("CreateConfigurationSetEventDestination", dest, _creator(name, dest, definition))
            )
        elif current[dest] != definition:
            writes.append(
                ("UpdateConfigurationSetEventDestination", dest, _updater(name, dest, definition))
            )
    for index, (operation, dest, write) in enumerate(writes):
        if index:
            _sleep(DESTINATION_WRITE_INTERVAL_SECONDS)
        try:
            write()
        except ClientError as error:
            raise _failure(operation, f"{name}/{dest}", error) from None
        except BotoCoreError as error:
            raise ConfigurationSetError(f"could not reach the SMS and Voice API: {error}") from None
        LOGGER.info("event destination %s", operation, extra={"destination": dest})


def _creator(name: str, dest: str, definition: dict[str, Any]) -> Callable[[], object]:
    return lambda: _client.create_configuration_set_event_destination(
        ConfigurationSetName=name,
        EventDestinationName=dest,
        EventDestination=definition,  # type: ignore[arg-type]
    )


def _updater(name: str, dest: str, definition: dict[str, Any]) -> Callable[[], object]:
    return lambda: _client.update_configuration_set_event_destination(
        ConfigurationSetName=name,
        EventDestinationName=dest,
        EventDestination=definition,  # type: ignore[arg-type]
    )


def _deleter(name: str, dest: str) -> Callable[[], object]:
    return lambda: _client.delete_configuration_set_event_destination(
        ConfigurationSetName=name, EventDestinationName=dest
    )


def _current(name: str) -> dict[str, dict[str, Any]]:
    try:
        response = _client.get_configuration_set_event_destinations(ConfigurationSetName=name)
    except ClientError as error:
        raise _failure("GetConfigurationSetEventDestinations", name, error) from None
    result: dict[str, dict[str, Any]] = {}
    for item in response.get("EventDestinations", []):
        kind = next((k for k in DESTINATION_KINDS if item.get(k)), None)
        if kind is None:
            continue
        result[str(item["Name"])] = {
            "Enabled": bool(item.get("Enabled")),
            "MatchingEventTypes": sorted(item.get("MatchingEventTypes", [])),
            kind: dict(item[kind]),  # type: ignore[literal-required]
        }
    return result


def _delete_set(physical_id: str) -> None:
    if not _NAME.fullmatch(physical_id):
        # A create that failed before the set existed leaves the provider's own id: nothing to do.
        LOGGER.info("no configuration set to delete", extra={"physical_resource_id": physical_id})
        return
    try:
        _client.delete_configuration_set(ConfigurationSetName=physical_id)
    except ClientError as error:
        if error_code(error) == "NotFoundException":
            LOGGER.info(
                "configuration set already deleted", extra={"configuration_set_name": physical_id}
            )
            return
        raise _failure("DeleteConfigurationSet", physical_id, error) from None
    except BotoCoreError as error:
        raise ConfigurationSetError(f"could not reach the SMS and Voice API: {error}") from None


def _failure(operation: str, what: str, error: ClientError) -> ConfigurationSetError:
    code, message = error_code(error), error_message(error)
    hint = ""
    if code in ("AccessDeniedException", "AccessDenied"):
        hint = "; the handler's role lacks this permission (an SCP or permissions boundary?)"
    return ConfigurationSetError(f"{operation} failed for {what!r}: {code}: {message}{hint}")
