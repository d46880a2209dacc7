"""Lambda handler that sends one voice message with the Pinpoint SMS and Voice API v1.

The event is the SendVoiceMessage request body; fields it leaves out come from the construct's
configuration (environment variables). The result is ``{"MessageId": "..."}``. Every failure
raises an exception whose type mirrors the service's error (``BadRequestException``,
``TooManyRequestsException``, ...), so a caller can tell a bad request from a busy service.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from vc_common.aws import attempts, client_config, error_code, error_message
from vc_common.phone import mask

from send_voice_message.validation import BadRequestException, Defaults, build_request

if TYPE_CHECKING:
    from mypy_boto3_pinpoint_sms_voice import PinpointSMSVoiceClient

ENV_ORIGINATION_NUMBER = "ORIGINATION_NUMBER"
ENV_CALLER_ID = "CALLER_ID"
ENV_CONFIGURATION_SET_NAME = "CONFIGURATION_SET_NAME"
ENV_DEFAULT_LANGUAGE_CODE = "DEFAULT_LANGUAGE_CODE"
ENV_DEFAULT_VOICE_ID = "DEFAULT_VOICE_ID"
ENV_MAX_ATTEMPTS = "SEND_MAX_ATTEMPTS"
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5
DAILY_CAP_HINT = (
    "a 429 is often the per-recipient cap: at most 5 voice messages to the same number in 24 hours"
)

LOGGER = logging.getLogger(__name__)
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO"))


def _defaults() -> Defaults:
    env = os.environ.get
    return Defaults(
        origination_number=env(ENV_ORIGINATION_NUMBER) or None,
        caller_id=env(ENV_CALLER_ID) or None,
        configuration_set_name=env(ENV_CONFIGURATION_SET_NAME) or None,
        language_code=env(ENV_DEFAULT_LANGUAGE_CODE) or None,
        voice_id=env(ENV_DEFAULT_VOICE_ID) or None,
    )


# Read once per container. The construct sizes the attempts so that every retry, timeout and
# back-off fits inside the function's timeout.
DEFAULTS = _defaults()
MAX_ATTEMPTS = int(os.environ.get(ENV_MAX_ATTEMPTS, "3"))
CONFIG = client_config(
    max_attempts=MAX_ATTEMPTS,
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
)
_client: PinpointSMSVoiceClient = boto3.client("pinpoint-sms-voice", config=CONFIG)


class TooManyRequestsException(Exception):  # noqa: N818 - callers see the service's error name
    """The service throttled every attempt."""


class InternalServiceErrorException(Exception):  # noqa: N818 - the service's error name
    """The service failed every attempt with an internal error, or could not be reached."""


class AccessDeniedException(Exception):  # noqa: N818 - the service's error name
    """The function's role may not send voice messages."""


class ServiceException(Exception):  # noqa: N818 - the service's error name
    """Any other error the service returned, with its code."""


def set_client(client: PinpointSMSVoiceClient) -> None:
    """Replace the SMS and Voice client (tests use this to get a client created under moto)."""
    global _client
    _client = client


def set_defaults(defaults: Defaults) -> None:
    """Replace the configured defaults (tests use this instead of re-importing the module)."""
    global DEFAULTS
    DEFAULTS = defaults


def handler(event: Any, context: Any) -> dict[str, str]:
    """Validate the event, send the voice message, and return its MessageId."""
    request_id = getattr(context, "aws_request_id", None)
    try:
        request = build_request(event, DEFAULTS)
    except BadRequestException as error:
        LOGGER.warning(
            "rejected invalid request",
            extra={"request_id": request_id, "field": error.field, "reason": str(error)},
        )
        raise
    destination = request["DestinationPhoneNumber"]
    kind = next(iter(request["Content"]))
    log = {
        "request_id": request_id,
        "destination": mask(destination),
        "origination": mask(request["OriginationPhoneNumber"]),
        "content_type": kind,
        "text_length": len(request["Content"][kind]["Text"]),
        "configuration_set": request.get("ConfigurationSetName"),
    }
    try:
        response = _client.send_voice_message(**request)
    except ClientError as error:
        failure = _explain(error, destination)
        LOGGER.error(
            "voice message not sent",
            extra={**log, "error_type": type(failure).__name__, "reason": str(failure)},
        )
        raise failure from None
    except BotoCoreError as error:
        LOGGER.error("voice message not sent", extra={**log, "reason": str(error)})
        raise InternalServiceErrorException(
            f"could not reach the SMS and Voice API: {error}"
        ) from None
    message_id = response["MessageId"]
    LOGGER.info("voice message sent", extra={**log, "message_id": message_id})
    return {"MessageId": message_id}


def _explain(error: ClientError, destination: str) -> Exception:
    code, message, tries = error_code(error), error_message(error), attempts(error)
    if code == "BadRequestException":
        return BadRequestException("request", f"was rejected by the service: {message}")
    if code == "TooManyRequestsException":
        return TooManyRequestsException(
            f"the service throttled the call to {mask(destination)} {tries} times in a row "
            f"({message}); {DAILY_CAP_HINT}, so wait before sending to this number again"
        )
    if code == "InternalServiceErrorException":
        return InternalServiceErrorException(
            f"the service failed with an internal error {tries} times in a row ({message}); "
            "it is worth trying again later"
        )
    if code in ("AccessDeniedException", "AccessDenied", "ForbiddenException"):
        return AccessDeniedException(
            f"access denied: the function's role lacks sms-voice:SendVoiceMessage ({message})"
        )
    return ServiceException(f"{code}: {message}")
