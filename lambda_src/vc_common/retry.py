"""Bounded retries on an injectable clock, for the custom resource handlers' control-plane calls.

botocore's own retries sleep on the real clock and cannot be told how much time is left, so the
custom resource handlers turn them off and retry here: every attempt has a known worst case
(connect and read timeouts), every pause a known ceiling, and no attempt starts unless it can
end before the invocation's deadline. ``RetryPolicy.worst_case_seconds`` is what a test compares
with the function's timeout.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from vc_common.aws import client_config, error_code
from vc_common.clock import Clock

T = TypeVar("T")
# Throttling and server-side failures: the same request may be sent again.
TRANSIENT_CODES = frozenset(
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "InternalServerErrorException",
        "InternalServiceErrorException",
        "InternalFailure",
        "ServiceUnavailableException",
        "ServiceUnavailable",
    }
)


class OutOfTimeError(Exception):
    """No attempt could start and still end before the deadline."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often, how long, and how far apart one control-plane call is tried."""

    attempts: int = 3
    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    max_backoff: float = 4.0

    @property
    def attempt_seconds(self) -> float:
        """The longest one attempt can take: connecting, then waiting for the answer."""
        return self.connect_timeout + self.read_timeout

    def backoff(self, attempt: int) -> float:
        """The longest pause after failed attempt ``attempt`` (1, 2, 4, ... up to the cap)."""
        return float(min(self.max_backoff, 2 ** (attempt - 1)))

    def worst_case_seconds(self) -> float:
        """The longest one call can take with every attempt timing out and every pause."""
        pauses = sum(self.backoff(attempt) for attempt in range(1, self.attempts))
        return self.attempts * self.attempt_seconds + pauses

    def config(self) -> Config:
        """The botocore config: one attempt per call (the retries are ours) and the timeouts."""
        return client_config(
            max_attempts=1, connect_timeout=self.connect_timeout, read_timeout=self.read_timeout
        )


def is_transient(error: Exception) -> bool:
    """Whether sending the same request again may succeed: throttling, 5xx, network."""
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return error_code(error) in TRANSIENT_CODES or status >= 500
    return isinstance(error, BotoCoreError)


@dataclass
class Retrying:
    """Calls with ``policy``, on ``clock``, never starting an attempt past ``deadline``."""

    policy: RetryPolicy
    clock: Clock
    deadline: float = float("inf")

    def call(self, operation: Callable[[], T]) -> T:
        """``operation()``, tried again after transient errors; the last error is raised."""
        pause = 0.0
        for attempt in range(1, self.policy.attempts + 1):
            if self.clock.now() + pause + self.policy.attempt_seconds > self.deadline:
                raise OutOfTimeError(
                    "the function would run out of time before the service could answer; "
                    "deploy again"
                )
            if pause:
                self.clock.sleep(pause)
            try:
                return operation()
            except (ClientError, BotoCoreError) as error:
                if attempt == self.policy.attempts or not is_transient(error):
                    raise
            # Full jitter below the ceiling: concurrent deployments do not retry in step.
            pause = self.policy.backoff(attempt) * random.uniform(0.5, 1.0)  # noqa: S311
        raise AssertionError("unreachable: the loop returns or raises")

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` on the same clock (a service's own pacing between writes)."""
        self.clock.sleep(seconds)


def deadline_of(context: object, clock: Clock, safety_seconds: float) -> float:
    """The instant by which the handler must have answered: its remaining time, less a margin."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return float("inf")
    return clock.now() + float(remaining()) / 1000 - safety_seconds
