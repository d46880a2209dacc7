"""The clock every handler reads and waits on; tests give them one simulated clock instead."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Where a handler reads the time and waits."""

    def now(self) -> float:
        """Seconds since the epoch."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        if seconds > 0:
            time.sleep(seconds)
