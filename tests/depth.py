"""How deep the slow tests go: a fast pass in `make test`, the deep one in `make test-deep` (CI).

The property tests and simulations are marked ``deep`` and read their sizes from ``scale``:
``VC_TEST_DEPTH=deep`` (what `make test-deep` sets) gives the full sizes.
"""

from __future__ import annotations

import os

DEEP = os.environ.get("VC_TEST_DEPTH", "fast") == "deep"


def scale(fast: int, deep: int) -> int:
    """``deep`` under VC_TEST_DEPTH=deep, else ``fast``."""
    return deep if DEEP else fast
