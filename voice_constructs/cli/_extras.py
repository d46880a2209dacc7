"""The installed release, and the one way the tool says how to install an extra it lacks.

The plain wheel runs ``--help``, ``--version`` and every command's ``--help``; a command that
calls AWS needs the ``cli`` extra (boto3), and ``emulate`` the ``testing`` extra (moto's server,
which brings boto3 too).
"""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "voice-constructs"


def version() -> str | None:
    """The installed release of the package; None when it runs from a checkout never installed."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def wheel(release: str) -> str:
    """The wheel's file name (PEP 427: the name's ``-`` become ``_``; pure Python)."""
    return f"{DISTRIBUTION.replace('-', '_')}-{release}-py3-none-any.whl"


def install_commands(extra: str) -> str:
    """How to install ``extra``: from the package index, and from the wheel built in a clone."""
    index = f"pip install '{DISTRIBUTION}[{extra}]'"
    release = version()
    if release is None:
        return index
    local = f"pip install 'CLONE/dist/{wheel(release)}[{extra}]'"
    return f"{index}, or from a wheel built in a clone: {local}"


def missing(command: str, extra: str, brings: str) -> str:
    """The one line a ``command`` prints when the ``extra`` that ``brings`` it is missing."""
    return f"{command} needs the {extra} extra ({brings}): {install_commands(extra)}"
