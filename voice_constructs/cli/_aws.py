"""botocore's exceptions, for the commands that call AWS, without making the parser need boto3.

The command modules catch these; importing them must work with the plain wheel, so that
``--help`` and ``--version`` do. Without botocore no client can be made (``_runtime`` stops the
command first, naming the ``cli`` extra), so the stand-ins below are never raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.exceptions import BotoCoreError, ClientError
else:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:

        class BotoCoreError(Exception):
            """Stands in for botocore's: never raised without botocore."""

        class ClientError(Exception):
            """Stands in for botocore's: never raised without botocore."""


__all__ = ["BotoCoreError", "ClientError"]
