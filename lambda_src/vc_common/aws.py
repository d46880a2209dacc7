"""Small helpers around botocore that every handler needs the same way."""

from __future__ import annotations

from botocore.config import Config
from botocore.exceptions import ClientError


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


def attempts(error: ClientError) -> int:
    """Return how many attempts botocore made before giving up (1 when it did not retry)."""
    retry = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
    return int(retry) + 1
