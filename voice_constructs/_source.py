"""Where the handler code is, from an installed wheel or from a source checkout (no jsii here)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# The wheel force-includes lambda_src here; a source checkout (or editable install) has it beside.
_CANDIDATES = (_PACKAGE / "_lambda_src", _PACKAGE.parent / "lambda_src")


def lambda_source_dir() -> Path:
    """Return the directory holding every handler package and their shared helpers."""
    for candidate in _CANDIDATES:
        if (candidate / "vc_common" / "__init__.py").is_file():
            return candidate
    searched = ", ".join(str(c) for c in _CANDIDATES)
    raise FileNotFoundError(f"voice-constructs handler code not found (searched {searched})")
