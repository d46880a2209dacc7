"""Custom resource handler that enables (or disables) the voice channel of a Pinpoint application.

It runs behind ``aws_cdk.custom_resources.Provider``: the provider framework sends the response to
CloudFormation, so this handler returns ``{"PhysicalResourceId", "Data"}`` or raises
``VoiceChannelError`` with a message a person can act on (it becomes the resource's status reason).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from vc_common import contract
from vc_common.aws import client, error_code, error_message
from vc_common.clock import Clock, SystemClock
from vc_common.logs import safe_logger
from vc_common.phone import echo
from vc_common.retry import OutOfTimeError, Retrying, RetryPolicy, deadline_of

if TYPE_CHECKING:
    from mypy_boto3_pinpoint import PinpointClient
    from mypy_boto3_pinpoint.type_defs import VoiceChannelResponseTypeDef

LOGGER = safe_logger(__name__, os.environ.get(contract.ENV_LOG_LEVEL, "INFO"))

# Every call is retried on _clock within the invocation's deadline (see worst_case_seconds), so
# the provider framework always gets an answer and the stack never waits for a timeout.
RETRY = RetryPolicy()
SAFETY_SECONDS = 10.0
_CONFIG = RETRY.config()
_PHYSICAL_ID = re.compile(r"^apps/(?P<app>[^/]+)/channels/voice$")

_client: PinpointClient = client("pinpoint", _CONFIG)
_clock: Clock = SystemClock()


class VoiceChannelError(Exception):
    """A failure the stack's status reason shows as it is: no stack trace, an actionable text."""


def set_client(client: PinpointClient, clock: Clock | None = None) -> None:
    """Replace the Pinpoint client, and the clock of its retries, in tests."""
    global _client, _clock
    _client = client
    _clock = clock or SystemClock()


def worst_case_seconds(request_type: str) -> float:
    """The longest a request can take, every call using all its attempts and pauses."""
    calls = 2 if request_type in ("Create", "Update") else 1  # update and read back; delete
    return calls * RETRY.worst_case_seconds()


def on_event(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Handle a CloudFormation Create, Update or Delete of the voice channel."""
    retrying = Retrying(RETRY, _clock, deadline_of(context, _clock, SAFETY_SECONDS))
    try:
        return _on_event(event, retrying)
    except OutOfTimeError as error:
        raise VoiceChannelError(str(error)) from None


def _on_event(event: dict[str, Any], retrying: Retrying) -> dict[str, Any]:
    request_type = event.get("RequestType")
    props = event.get("ResourceProperties") or {}
    # Only the fields needed for the audit trail: never ResponseURL (pre-signed) or the whole event.
    LOGGER.info(
        "voice channel %s",
        request_type,
        extra={
            "request_type": request_type,
            "logical_resource_id": event.get("LogicalResourceId"),
            "physical_resource_id": event.get("PhysicalResourceId"),
            "application_id": props.get("ApplicationId"),
        },
    )
    if request_type in ("Create", "Update"):
        application_id = _required_application_id(props)
        enabled = _parse_enabled(props.get("Enabled", "true"))
        return _apply(application_id, enabled, retrying)
    if request_type == "Delete":
        _delete(_application_id_of(event), retrying)
        return {"PhysicalResourceId": event.get("PhysicalResourceId")}
    raise VoiceChannelError(f"unsupported RequestType {echo(request_type)}")


def physical_id(application_id: str) -> str:
    """Return the physical id of the channel: a new application id means a new resource."""
    return f"apps/{application_id}/channels/voice"


def _apply(application_id: str, enabled: bool, retrying: Retrying) -> dict[str, Any]:
    _call("UpdateVoiceChannel", application_id, retrying, enabled=enabled)
    channel = _call("GetVoiceChannel", application_id, retrying)
    if channel.get("Enabled") is not enabled:
        raise VoiceChannelError(
            f"voice channel of pinpoint application '{application_id}' reports "
            f"Enabled={_bool_text(channel.get('Enabled'))} after UpdateVoiceChannel set "
            f"Enabled={_bool_text(enabled)}; another process may be changing it"
        )
    LOGGER.info(
        "voice channel state confirmed",
        extra={"application_id": application_id, "enabled": enabled},
    )
    return {"PhysicalResourceId": physical_id(application_id), "Data": _data(channel)}


def _delete(application_id: str, retrying: Retrying) -> None:
    try:
        _call("DeleteVoiceChannel", application_id, retrying)
    except _NotFoundError:
        # The channel, or the whole application, is already gone: that is the goal of a delete.
        LOGGER.info("voice channel already gone", extra={"application_id": application_id})


class _NotFoundError(VoiceChannelError):
    pass


def _call(
    operation: str, application_id: str, retrying: Retrying, **kwargs: bool
) -> VoiceChannelResponseTypeDef:
    region = _client.meta.region_name

    def send() -> Any:
        if operation == "UpdateVoiceChannel":
            return _client.update_voice_channel(
                ApplicationId=application_id,
                VoiceChannelRequest={"Enabled": kwargs["enabled"]},
            )
        if operation == "GetVoiceChannel":
            return _client.get_voice_channel(ApplicationId=application_id)
        return _client.delete_voice_channel(ApplicationId=application_id)

    try:
        response = retrying.call(send)
    except ClientError as error:
        raise _explain(error, operation, application_id, region) from None
    except BotoCoreError as error:
        raise VoiceChannelError(
            f"could not reach pinpoint in {region} for {operation}: {error}"
        ) from None
    channel: VoiceChannelResponseTypeDef = response["VoiceChannelResponse"]
    return channel


def _explain(error: ClientError, operation: str, application_id: str, region: str) -> Exception:
    code = error_code(error)
    message = error_message(error)
    if code == "NotFoundException":
        return _NotFoundError(f"pinpoint application '{application_id}' not found in {region}")
    if code in ("AccessDeniedException", "ForbiddenException"):
        return VoiceChannelError(
            f"access denied: the provider role lacks mobiletargeting:{operation} on "
            f"pinpoint application '{application_id}' in {region} ({message})"
        )
    if code == "TooManyRequestsException":
        return VoiceChannelError(
            f"pinpoint throttled {operation} for application '{application_id}' "
            f"{RETRY.attempts} times in a row; deploy again in a few minutes"
        )
    if code in ("InternalServerErrorException", "ServiceUnavailableException"):
        return VoiceChannelError(
            f"pinpoint failed {operation} for application '{application_id}' with an internal "
            f"error {RETRY.attempts} times in a row; deploy again later ({message})"
        )
    return VoiceChannelError(
        f"pinpoint rejected {operation} for application '{application_id}': {code}: {message}"
    )


def _required_application_id(props: dict[str, Any]) -> str:
    application_id = props.get("ApplicationId")
    if not isinstance(application_id, str) or not application_id.strip():
        raise VoiceChannelError(
            f"ApplicationId must be a pinpoint application id, got {echo(application_id)}"
        )
    return application_id.strip()


def _application_id_of(event: dict[str, Any]) -> str:
    # The physical id names the channel this resource created; during a replacement's clean-up the
    # properties may already describe the new application, so the physical id wins.
    match = _PHYSICAL_ID.match(str(event.get("PhysicalResourceId", "")))
    if match:
        return match.group("app")
    return _required_application_id(event.get("ResourceProperties") or {})


def _parse_enabled(value: object) -> bool:
    # CloudFormation passes every custom resource property as a string.
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise VoiceChannelError(f"Enabled must be true or false, got {echo(value)}")


def _bool_text(value: object) -> str:
    return str(value).lower()


def _data(channel: VoiceChannelResponseTypeDef) -> dict[str, str]:
    # Custom resource attributes are strings in CloudFormation; keep them predictable.
    return {
        "ApplicationId": str(channel.get("ApplicationId", "")),
        "Enabled": _bool_text(channel.get("Enabled", False)),
        "Version": str(channel.get("Version", "")),
        "CreationDate": str(channel.get("CreationDate", "")),
        "LastModifiedDate": str(channel.get("LastModifiedDate", "")),
        "IsArchived": _bool_text(channel.get("IsArchived", False)),
    }
