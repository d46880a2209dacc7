"""The region and credentials a :func:`mock_voice` scope gets when the environment has none.

Reads the shared config and credentials files only, and asks no credential provider, so no
instance metadata or container endpoint is ever contacted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.session

# The variables botocore reads for the profile, in its order.
_PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
# Keys of a shared config or credentials file profile that give botocore credentials.
_PROFILE_CREDENTIAL_KEYS = (
    "aws_access_key_id",
    "credential_process",
    "credential_source",
    "role_arn",
    "sso_session",
    "sso_start_url",
    "web_identity_token_file",
)
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def default_region() -> str:
    """The environment's region (``AWS_REGION``, then ``AWS_DEFAULT_REGION``), or us-east-1."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def environment_changes(region: str | None) -> tuple[str, dict[str, str | None]]:
    """The scope's region, and the variables to set (None: to remove) for a test scope."""
    environ = os.environ
    where = region or environ.get("AWS_DEFAULT_REGION") or environ.get("AWS_REGION") or "us-east-1"
    changes: dict[str, str | None] = {
        name: where
        for name in ("AWS_DEFAULT_REGION", "AWS_REGION")
        if environ.get(name) != where and (region or not environ.get(name))
    }
    named = [name for name in _PROFILE_VARIABLES if name in environ]
    needs_credentials = not environ.get("AWS_ACCESS_KEY_ID")
    if not named and not needs_credentials:
        return where, changes
    # Reads the shared config and credentials files only; asks no credential provider, so no
    # instance metadata or container endpoint is ever contacted.
    profiles: dict[str, dict[str, Any]] = botocore.session.Session().full_config["profiles"]
    for name in named:
        if environ[name] not in profiles:
            # botocore refuses to create any client while a named profile is missing.
            changes[name] = None
    if needs_credentials:
        active = next(
            (environ[n] for n in _PROFILE_VARIABLES if n in environ and n not in changes),
            "default",
        )
        if not any(key in profiles.get(active, {}) for key in _PROFILE_CREDENTIAL_KEYS):
            changes.update(_FAKE_CREDENTIALS)
    return where, changes


@contextmanager
def scoped_environment(region: str | None) -> Iterator[str]:
    """Apply :func:`environment_changes` for the scope, then put back what was there."""
    where, changes = environment_changes(region)
    previous = {name: os.environ.get(name) for name in changes}
    try:
        _set_environment(changes)
        yield where
    finally:
        _set_environment(previous)


def _set_environment(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
