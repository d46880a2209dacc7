"""Small helpers around botocore that every handler needs the same way."""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

_session: botocore.session.Session | None = None


def client(service_name: str, config: Config | None = None) -> Any:
    """A client from one botocore session per container.

    boto3 is not imported: its import pulls in s3transfer and its resource layer (about 80 ms
    of a cold start here) and the handlers use neither. The client is the same botocore client
    boto3 would return, with the same credentials and region resolution.
    """
    global _session
    if _session is None:
        _session = botocore.session.get_session()
    return _session.create_client(service_name, config=config)


def client_config(*, max_attempts: int, connect_timeout: float, read_timeout: float) -> Config:
    """Return a botocore config with standard retries and timeouts that bound a whole call.

    ``max_attempts`` counts the first attempt too (botocore's ``total_max_attempts``).
    The worst case of one call is about ``max_attempts * (connect_timeout + read_timeout)`` plus
    the standard mode's backoff (at most 20 s per retry), so callers size these to fit the
    function's timeout.
    """
    return Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )


def error_code(error: ClientError) -> str:
    """Return the service's error code of a botocore ``ClientError``."""
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def error_message(error: ClientError) -> str:
    """Return the service's error message of a botocore ``ClientError``."""
    return str(error.response.get("Error", {}).get("Message", "")).strip()
