"""Custom resource handler for a Pinpoint SMS and Voice v1 configuration set and its destinations.

CloudFormation has no resource for v1 configuration sets. This handler runs behind
``aws_cdk.custom_resources.Provider``:

- **Create** makes the set and each event destination. Without a ``ConfigurationSetName`` the
  set is named ``NamePrefix`` and a suffix made from the CloudFormation request id, so a
  create that follows its own unanswered attempt (the set exists, with that very name) can
  prove the set is its own and adopt it, and a later deployment never meets an orphan of an
  earlier one. A set named by the user is looked for first: if it is absent, and a create of
  this request went unanswered before one met ``AlreadyExistsException``, the set is this
  request's own and adopted; a set that was there before is never adopted (nothing proves whose
  it is), and the error names it and the command that removes it.
- **Update** with the same name applies the destinations as a diff against what the service
  holds: new names are created, missing ones deleted, changed ones updated in place. A set
  deleted out of band is made again, so an update (or a rollback) never fails on its absence.
  A new name is a replacement: the new set is created, and CloudFormation deletes the old one.
- **Delete** removes the set; a set that is already gone counts as deleted.

Every call is retried here, on an injectable clock, within the invocation's deadline
(:mod:`vc_common.retry`); ``worst_case_seconds`` bounds each request type. The service allows
one change to a set's destinations per second, so writes are spaced by
``DESTINATION_WRITE_INTERVAL_SECONDS``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from vc_common import contract
from vc_common.aws import client, error_code, error_message
from vc_common.clock import Clock, SystemClock
from vc_common.logs import safe_logger
from vc_common.phone import echo
from vc_common.retry import OutOfTimeError, Retrying, RetryPolicy, deadline_of

from configuration_set.destinations import _NAME, ConfigurationSetError, destinations
from configuration_set.destinations import DESTINATION_KINDS as DESTINATION_KINDS
from configuration_set.destinations import EVENT_TYPES as EVENT_TYPES
from configuration_set.destinations import MAX_DESTINATIONS as MAX_DESTINATIONS

if TYPE_CHECKING:
    from mypy_boto3_pinpoint_sms_voice import PinpointSMSVoiceClient

LOGGER = safe_logger(__name__, os.environ.get(contract.ENV_LOG_LEVEL, "INFO"))

DESTINATION_WRITE_INTERVAL_SECONDS = 1.0
# A generated name: the prefix, "-", and this many hexadecimal digits of the request's hash.
SUFFIX_LENGTH = contract.NAME_SUFFIX_LENGTH
NAME_PREFIX_MAX = contract.NAME_PREFIX_MAX
_NAME_PREFIX = re.compile(rf"[A-Za-z0-9_-]{{1,{NAME_PREFIX_MAX}}}")
# Deployments wait for this handler: bounded retries on every call (see worst_case_seconds).
RETRY = RetryPolicy()
# Kept back from the function's timeout for the answer to reach the provider framework.
SAFETY_SECONDS = 10.0
_client: PinpointSMSVoiceClient = client("pinpoint-sms-voice", RETRY.config())
_clock: Clock = SystemClock()


def set_client(client: PinpointSMSVoiceClient, clock: Clock | None = None) -> None:
    """Replace the client, and the clock its retries and pauses use, in tests."""
    global _client, _clock
    _client = client
    _clock = clock or SystemClock()


def worst_case_seconds(request_type: str) -> float:
    """The longest a request can take, every call using all its attempts and every pause.

    Create: the set, each destination (a create that meets its own earlier attempt turns into
    an update), and the removal of a half-made set. Update: reading the set (or making it
    again), deleting every destination held and writing every destination wanted.
    """
    call, pause = RETRY.worst_case_seconds(), DESTINATION_WRITE_INTERVAL_SECONDS
    # Each destination create may turn into an update, after a pause of its own.
    puts, put_pauses = 2 * MAX_DESTINATIONS, MAX_DESTINATIONS
    if request_type == "Create":
        # Looking for a named set, the set, reading it back when adopted, the destinations,
        # removing a half-made set.
        return (3 + puts + 1) * call + (MAX_DESTINATIONS - 1 + put_pauses) * pause
    if request_type == "Update":
        # Reading the set (and making it again), deleting all it holds, writing all wanted.
        writes = 2 * MAX_DESTINATIONS
        return (2 + MAX_DESTINATIONS + puts) * call + (writes - 1 + put_pauses) * pause
    return call


def on_event(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Handle a CloudFormation Create, Update or Delete of the configuration set."""
    retrying = Retrying(RETRY, _clock, deadline_of(context, _clock, SAFETY_SECONDS))
    try:
        return _on_event(event, retrying)
    except OutOfTimeError as error:
        raise ConfigurationSetError(str(error)) from None


def _on_event(event: dict[str, Any], retrying: Retrying) -> dict[str, Any]:
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
            "name_prefix": props.get("NamePrefix"),
        },
    )
    if request_type == "Delete":
        _delete_set(str(event.get("PhysicalResourceId", "")), retrying)
        return {"PhysicalResourceId": event.get("PhysicalResourceId")}
    if request_type not in ("Create", "Update"):
        raise ConfigurationSetError(f"unsupported RequestType {echo(request_type)}")
    wanted = destinations(props.get("EventDestinations"))
    physical_id = str(event.get("PhysicalResourceId", ""))
    if "ConfigurationSetName" in props or "NamePrefix" not in props:
        name = _name(props.get("ConfigurationSetName"))
        generated = False
    elif request_type == "Update" and _NAME.fullmatch(physical_id):
        name, generated = physical_id, True  # a generated name stays the set's name
    else:
        name, generated = _generated_name(props.get("NamePrefix"), event), True
    if request_type == "Update" and physical_id == name:
        _apply_diff(name, wanted, retrying, recreate=True)
    else:
        _create_set(name, wanted, retrying, own_name=generated)
    return {"PhysicalResourceId": name, "Data": {"ConfigurationSetName": name}}


def _name(value: object) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ConfigurationSetError(
            f"ConfigurationSetName must be {contract.CONFIGURATION_SET_NAME_FORM}, "
            f"got {echo(value)}"
        )
    return value


def _generated_name(prefix: object, event: dict[str, Any]) -> str:
    """``prefix``-``suffix``: the suffix comes from this request alone, so the name is proof.

    A set with this name exists only if this very request (CloudFormation's ``RequestId``, with
    the stack and the resource) made it: nobody else can know the name before it is made.
    """
    if not isinstance(prefix, str) or not _NAME_PREFIX.fullmatch(prefix):
        raise ConfigurationSetError(
            f"NamePrefix must be 1-{NAME_PREFIX_MAX} letters, digits, - or _, got {echo(prefix)}"
        )
    request = "/".join(
        str(event.get(field, "")) for field in ("StackId", "LogicalResourceId", "RequestId")
    )
    suffix = hashlib.sha256(request.encode()).hexdigest()[:SUFFIX_LENGTH]
    return f"{prefix}-{suffix}"


def _create_set(
    name: str, wanted: dict[str, dict[str, Any]], retrying: Retrying, *, own_name: bool
) -> None:
    current: dict[str, dict[str, Any]] | None = {}
    # A name of the user's: whether the set is there before this request makes it. That, and an
    # attempt of this request's left unanswered, prove that a set found later is its own.
    absent_before = own_name or not _exists(name, retrying)
    if not absent_before:
        raise _not_ours(name, "it was there before this request")
    attempts = 0

    def create() -> object:
        nonlocal attempts
        attempts += 1
        return _client.create_configuration_set(ConfigurationSetName=name)

    try:
        retrying.call(create)
    except ClientError as error:
        if error_code(error) != "AlreadyExistsException":
            raise _failure("CreateConfigurationSet", name, error) from None
        if not own_name and attempts < 2:
            raise _not_ours(name, "another caller made it while this request looked") from None
        # The name holds this request's suffix, or the set was absent and an earlier attempt
        # of this create went unanswered: this request made the set.
        LOGGER.info("adopting the set this request made", extra={"configuration_set_name": name})
        current = None
    except BotoCoreError as error:
        raise _unreachable(error) from None
    try:
        _apply_diff(name, wanted, retrying, current=current)
    except (ConfigurationSetError, OutOfTimeError):
        # A failed Create gets no Delete from the provider framework: remove the half-made set,
        # so that nothing of it is left behind.
        _delete_set(name, retrying)
        raise


def _exists(name: str, retrying: Retrying) -> bool:
    """Whether a configuration set of that name exists (in this account and region)."""
    try:
        retrying.call(
            lambda: _client.get_configuration_set_event_destinations(ConfigurationSetName=name)
        )
    except ClientError as error:
        if error_code(error) == "NotFoundException":
            return False
        raise _failure("GetConfigurationSetEventDestinations", name, error) from None
    except BotoCoreError as error:
        raise _unreachable(error) from None
    return True


def _not_ours(name: str, why: str) -> ConfigurationSetError:
    return ConfigurationSetError(
        f"configuration set {name!r} already exists in this account and region, and nothing "
        f"proves this resource made it ({why}): if it is an orphan, remove it with `aws "
        f"pinpoint-sms-voice delete-configuration-set --configuration-set-name {name}`, or give "
        "the construct another configuration_set_name"
    )


def _apply_diff(
    name: str,
    wanted: dict[str, dict[str, Any]],
    retrying: Retrying,
    current: dict[str, dict[str, Any]] | None = None,
    *,
    recreate: bool = False,
) -> None:
    if current is None:
        current = _current(name, retrying, recreate=recreate)
    for index, (operation, dest, write) in enumerate(_writes(name, wanted, current)):
        if index:
            retrying.pause(DESTINATION_WRITE_INTERVAL_SECONDS)
        update = _updater(name, dest, wanted.get(dest) or {})
        operation = _write(operation, write, retrying, update, what=f"{name}/{dest}")
        LOGGER.info("event destination %s", operation, extra={"destination": dest})


def _writes(
    name: str, wanted: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]
) -> list[tuple[str, str, Callable[[], object]]]:
    """The destination writes that turn ``current`` into ``wanted``, deletes first.

    A set holds at most 10 destinations, also while a change is under way.
    """
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
    return writes


def _write(
    operation: str,
    write: Callable[[], object],
    retrying: Retrying,
    update: Callable[[], object],
    *,
    what: str,
) -> str:
    """Make one write; a create that meets its own unanswered attempt becomes ``update``.

    Returns the operation that completed the write; raises ConfigurationSetError naming it.
    """
    try:
        retrying.call(write)
        return operation
    except ClientError as error:
        if operation != "CreateConfigurationSetEventDestination" or (
            error_code(error) != "AlreadyExistsException"
        ):
            raise _failure(operation, what, error) from None
    except BotoCoreError as error:
        raise _unreachable(error) from None
    # An earlier attempt of this create went through unanswered: make sure the destination is
    # as wanted.
    operation = "UpdateConfigurationSetEventDestination"
    retrying.pause(DESTINATION_WRITE_INTERVAL_SECONDS)
    try:
        retrying.call(update)
    except ClientError as error:
        raise _failure(operation, what, error) from None
    except BotoCoreError as error:
        raise _unreachable(error) from None
    return operation


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


def _current(name: str, retrying: Retrying, *, recreate: bool) -> dict[str, dict[str, Any]]:
    try:
        response = retrying.call(
            lambda: _client.get_configuration_set_event_destinations(ConfigurationSetName=name)
        )
    except ClientError as error:
        if recreate and error_code(error) == "NotFoundException":
            # Deleted out of band: made again, so that neither this update nor a rollback to
            # the previous properties fails on its absence.
            LOGGER.warning(
                "configuration set was gone: made again", extra={"configuration_set_name": name}
            )
            try:
                retrying.call(lambda: _client.create_configuration_set(ConfigurationSetName=name))
            except ClientError as again:
                raise _failure("CreateConfigurationSet", name, again) from None
            except BotoCoreError as again:
                raise _unreachable(again) from None
            return {}
        raise _failure("GetConfigurationSetEventDestinations", name, error) from None
    except BotoCoreError as error:
        raise _unreachable(error) from None
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


def _delete_set(physical_id: str, retrying: Retrying) -> None:
    if not _NAME.fullmatch(physical_id):
        # A create that failed before the set existed leaves the provider's own id: nothing to do.
        LOGGER.info("no configuration set to delete", extra={"physical_resource_id": physical_id})
        return
    try:
        retrying.call(lambda: _client.delete_configuration_set(ConfigurationSetName=physical_id))
    except ClientError as error:
        if error_code(error) == "NotFoundException":
            LOGGER.info(
                "configuration set already deleted", extra={"configuration_set_name": physical_id}
            )
            return
        raise _failure("DeleteConfigurationSet", physical_id, error) from None
    except BotoCoreError as error:
        raise _unreachable(error) from None


def _unreachable(error: BotoCoreError) -> ConfigurationSetError:
    return ConfigurationSetError(f"could not reach the SMS and Voice API: {error}")


def _failure(operation: str, what: str, error: ClientError) -> ConfigurationSetError:
    code, message = error_code(error), error_message(error)
    hint = ""
    if code in ("AccessDeniedException", "AccessDenied"):
        hint = "; the handler's role lacks this permission (an SCP or permissions boundary?)"
    return ConfigurationSetError(f"{operation} failed for {what!r}: {code}: {message}{hint}")
