"""Where the Lambda handler code is, from an installed wheel or from a source checkout."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

from voice_constructs._source import lambda_source_dir

__all__ = ["ASSET_EXCLUDES", "handler_code", "lambda_source_dir"]

# Byte-code and caches differ between machines: keep them out so asset hashes are stable.
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/.pytest_cache"]


def handler_code() -> lambda_.Code:
    """Return the asset of all handlers: one zip, shared by every function of the library."""
    return lambda_.Code.from_asset(str(lambda_source_dir()), exclude=ASSET_EXCLUDES)
