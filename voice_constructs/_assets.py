"""Where the Lambda handler code is, from an installed wheel or from a source checkout."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

_PACKAGE = Path(__file__).resolve().parent
# The wheel force-includes lambda_src here; a source checkout (or editable install) has it beside.
_CANDIDATES = (_PACKAGE / "_lambda_src", _PACKAGE.parent / "lambda_src")
# Byte-code and caches differ between machines: keep them out so asset hashes are stable.
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/.pytest_cache"]


def lambda_source_dir() -> Path:
    """Return the directory holding every handler package and their shared helpers."""
    for candidate in _CANDIDATES:
        if (candidate / "vc_common" / "__init__.py").is_file():
            return candidate
    searched = ", ".join(str(c) for c in _CANDIDATES)
    raise FileNotFoundError(f"voice-constructs handler code not found (searched {searched})")


def handler_code() -> lambda_.Code:
    """Return the asset of all handlers: one zip, shared by every function of the library."""
    return lambda_.Code.from_asset(str(lambda_source_dir()), exclude=ASSET_EXCLUDES)
