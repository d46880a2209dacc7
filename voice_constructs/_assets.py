"""Where the Lambda handler code is, from an installed wheel or from a source checkout."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

from voice_constructs._contract import contract
from voice_constructs._source import lambda_source_dir

__all__ = ["ASSET_EXCLUDES", "handler_code", "lambda_source_dir"]

# Byte-code and caches differ between machines: keep them out so asset hashes are stable.
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/.pytest_cache"]


def handler_code(handler: str) -> lambda_.Code:
    """The code asset of the function whose entry point is ``handler``: its packages only.

    Each function gets the packages its handler imports (``contract.PACKAGES_BY_HANDLER``),
    so a sender's cold start never loads, nor downloads, the custom resources' code.
    """
    packages = contract.PACKAGES_BY_HANDLER[handler]
    source = lambda_source_dir()
    others = sorted(path.name for path in source.iterdir() if path.name not in packages)
    return lambda_.Code.from_asset(str(source), exclude=[*ASSET_EXCLUDES, *others])
