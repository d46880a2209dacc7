"""The sender's sizing: send attempts that fit in its timeout, the queue's timeout and batch size.

The queue's concurrency follows from the quota by Little's law: calls a second times the time a
call holds an invocation once its slot comes (``SECONDS_PER_CALL``), with headroom::

    max_concurrency = max(2, ceil(calls_per_minute / 60 * SECONDS_PER_CALL * HEADROOM))

and the origination identities needed from pacing's one call a second per number, plus the
latency spread (``identities_needed``).

Pure functions of the props, without CDK objects: ``VoiceMessageSender`` validates its props with
them, and tests and benchmarks import them (through ``voice_constructs.sender``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from voice_constructs._contract import contract
from voice_constructs._props import PropsError

# The handler's client settings, from the contract the two sides share.
CONNECT_TIMEOUT_SECONDS = contract.CONNECT_TIMEOUT_SECONDS
READ_TIMEOUT_SECONDS = contract.READ_TIMEOUT_SECONDS
MAX_BACKOFF_SECONDS = contract.MAX_BACKOFF_SECONDS
# SQS redrives a message on its own only this many deliveries after the function's last one: a
# delivery that dies (crash, timeout) never leaves a message in the dead-letter queue unexplained.
REDRIVE_SLACK = 2
# The bulk queue's visibility timeout, in timeouts of the function: AWS's advice for a Lambda event
# source is six.
VISIBILITY_TIMEOUTS = 6
# Service quota for voice messages in production (the sandbox allows 5).
DEFAULT_CALLS_PER_MINUTE = 20
# The highest quota the sender paces for.
MAX_CALLS_PER_MINUTE = 6000
# Lambda's longest timeout: a queued message that may wait longer cannot work.
MAX_TIMEOUT_SECONDS = 900
DEFAULT_TIMEOUT_SECONDS = 30
MAX_BATCH_SIZE = 10
# Little's law's inputs (the contract's, which the simulation states too).
SECONDS_PER_CALL = contract.SECONDS_PER_CALL
CONCURRENCY_HEADROOM = contract.CONCURRENCY_HEADROOM
MIN_CONCURRENCY, MAX_CONCURRENCY = 2, 1000
identities_needed = contract.identities_needed
# The idempotency window's range, in seconds: 1 minute to 7 days.
MIN_WINDOW_SECONDS = 60
MAX_WINDOW_SECONDS = 7 * 24 * 3600


def max_attempts_for(timeout_seconds: int) -> int:
    """The most send attempts whose timeouts and back-off fit in ``timeout_seconds``.

    Each attempt may take connect + read timeout; botocore's standard mode waits at most
    ``min(2 ** (n - 1), 20)`` seconds before retry n. One second is kept for the handler itself.
    """
    budget = timeout_seconds - 1
    attempts, spent = 0, 0.0
    while True:
        cost = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
        if attempts:
            cost += min(2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
        if spent + cost > budget:
            return attempts
        spent += cost
        attempts += 1


def queue_timeout_seconds(calls_per_minute: int, max_concurrency: int) -> int:
    """The default timeout with the queue: 30 s, or what one queued message may need.

    At a low quota a message may wait behind every concurrent invocation for its slot (5 calls
    a minute with 2 invocations: 31 s), so the timeout grows with it, up to Lambda's 15 minutes.
    """
    if not 1 <= calls_per_minute <= MAX_CALLS_PER_MINUTE or max_concurrency < 1:
        return DEFAULT_TIMEOUT_SECONDS  # the prop checks report these
    needed = math.ceil(seconds_per_queued_message(calls_per_minute, max_concurrency) + 1)
    return min(max(DEFAULT_TIMEOUT_SECONDS, needed), MAX_TIMEOUT_SECONDS)


def seconds_per_queued_message(calls_per_minute: int, max_concurrency: int) -> float:
    """Worst time one queued message takes.

    Waiting for a free slot behind every concurrent invocation, then one attempt with its
    connect and read timeouts.
    """
    interval = 60 / calls_per_minute
    return max_concurrency * interval + CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS


def concurrency_for(calls_per_minute: int) -> int:
    """The queue's maximum concurrency for a quota (Little's law with headroom, 2 to 1000)."""
    busy = calls_per_minute / 60 * SECONDS_PER_CALL * CONCURRENCY_HEADROOM
    return min(MAX_CONCURRENCY, max(MIN_CONCURRENCY, math.ceil(busy)))


def check_identities(count: int, calls_per_minute: int, *, pooled: bool = False) -> None:
    """Refuse a quota the origination numbers cannot reach, naming how many it needs.

    ``count`` counts phone numbers: a pool's each (``pooled``: a pool was given).
    A ``PropsError``: an app that feeds both props from its own settings names those instead.
    """
    needed = identities_needed(calls_per_minute)
    if count < needed:
        raise PropsError(
            "{max_calls_per_minute} of {quota} needs at least {needed} origination numbers (one "
            "call a second each, {spread:g} s apart more for the service's latency), got "
            "{count}: give {more} more in {origination_numbers}, or lower "
            "{max_calls_per_minute} to {reachable}",
            quota=calls_per_minute,
            needed=needed,
            spread=contract.LATENCY_SPREAD_SECONDS,
            count=f"{count} (a pool's numbers each)" if pooled else count,
            more=needed - count,
            reachable=max_calls_for(count),
        )


def max_calls_for(identities: int) -> int:
    """The highest quota ``identities`` origination numbers reach."""
    low, high = 1, MAX_CALLS_PER_MINUTE
    while low < high:
        middle = (low + high + 1) // 2
        if identities_needed(middle) <= identities:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass(frozen=True)
class Sizing:
    """The sender's props as checked and derived: what the function and its queue are given."""

    timeout_seconds: float
    max_attempts: int
    window_seconds: int
    batch_size: int
    max_concurrency: int


def size_sender(
    *,
    timeout_seconds: float | None,
    async_retry_attempts: int,
    max_calls_per_minute: int,
    idempotency_window_seconds: float,
    enable_queue: bool,
    queue_batch_size: int | None,
    queue_max_concurrency: int | None,
    max_receive_count: int,
    alarm_age_given: bool,
    identities: int = 1,
    pooled: bool = False,
) -> Sizing:
    """Check the sizing props together and derive what they imply.

    Raises ``ValueError`` naming the prop that cannot work, with the value that would.
    ``identities`` counts the origination phone numbers, a pool's each (``pooled``).
    """
    _check_calls_per_minute(max_calls_per_minute)
    check_identities(identities, max_calls_per_minute, pooled=pooled)
    if queue_max_concurrency is None:
        queue_max_concurrency = concurrency_for(max_calls_per_minute)
    if timeout_seconds is None:
        timeout_seconds = (
            queue_timeout_seconds(max_calls_per_minute, queue_max_concurrency)
            if enable_queue
            else DEFAULT_TIMEOUT_SECONDS
        )
    attempts = max_attempts_for(int(timeout_seconds))
    if attempts < 1:
        raise ValueError(
            f"timeout must leave room for one send attempt (at least 8 seconds), got "
            f"{timeout_seconds:g} seconds"
        )
    if not 0 <= async_retry_attempts <= 2:
        raise ValueError(f"async_retry_attempts must be 0, 1 or 2, got {async_retry_attempts}")
    window_seconds = int(idempotency_window_seconds)
    if not MIN_WINDOW_SECONDS <= window_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError(
            f"idempotency_window must be between 1 minute and 7 days, got {window_seconds} seconds"
        )
    batch_size = batch_size_for(
        queue_batch_size,
        int(timeout_seconds),
        max_calls_per_minute,
        queue_max_concurrency,
        enable_queue=enable_queue,
    )
    if not 1 <= max_receive_count <= 1000:
        raise ValueError(f"max_receive_count must be between 1 and 1000, got {max_receive_count}")
    if enable_queue:
        _check_window_outlasts_deliveries(window_seconds, int(timeout_seconds), max_receive_count)
    if not enable_queue and (queue_batch_size is not None or alarm_age_given):
        raise ValueError(
            "queue_batch_size and oldest_message_alarm_age configure the queue; "
            "set enable_queue=True to add it"
        )
    return Sizing(timeout_seconds, attempts, window_seconds, batch_size, queue_max_concurrency)


def _check_window_outlasts_deliveries(
    window_seconds: int, timeout_seconds: int, max_receive_count: int
) -> None:
    """Refuse a window that ends before SQS may deliver a queued message for the last time."""
    deliveries = max_receive_count + REDRIVE_SLACK
    visibility = VISIBILITY_TIMEOUTS * timeout_seconds
    needed = deliveries * visibility
    if window_seconds < needed:
        raise ValueError(
            f"idempotency_window of {window_seconds} seconds is shorter than the bulk queue may "
            f"deliver one message: {deliveries} deliveries (max_receive_count "
            f"{max_receive_count} and {REDRIVE_SLACK} more before SQS moves it) "
            f"{visibility} s apart (the visibility timeout, {VISIBILITY_TIMEOUTS} times the "
            f"{timeout_seconds} s timeout); give at least {needed} seconds"
        )


def _check_calls_per_minute(calls_per_minute: int) -> None:
    if isinstance(calls_per_minute, bool) or not 1 <= calls_per_minute <= MAX_CALLS_PER_MINUTE:
        raise ValueError(
            f"max_calls_per_minute must be a whole number from 1 to {MAX_CALLS_PER_MINUTE}, "
            f"got {calls_per_minute!r}"
        )


def batch_size_for(
    requested: int | None,
    timeout_seconds: int,
    calls_per_minute: int,
    concurrency: int,
    *,
    enable_queue: bool,
) -> int:
    """Messages per invocation from the queue.

    ``requested``, or as many as fit in the timeout at the quota's pace (at most 10); raises
    ``ValueError`` when none, or not ``requested``, fit.
    """
    if not 2 <= concurrency <= 1000:
        raise ValueError(
            f"queue_max_concurrency must be between 2 and 1000 (Lambda's range for SQS), "
            f"got {concurrency}"
        )
    per_message = seconds_per_queued_message(calls_per_minute, concurrency)
    fits = int((timeout_seconds - 1) // per_message)
    if enable_queue and fits < 1:
        _refuse_one_message(timeout_seconds, calls_per_minute, concurrency, per_message)
    if requested is None:
        return max(1, min(MAX_BATCH_SIZE, fits))
    if not 1 <= requested <= MAX_BATCH_SIZE:
        raise ValueError(
            f"queue_batch_size must be between 1 and {MAX_BATCH_SIZE}, got {requested}"
        )
    if requested > max(fits, 1):
        raise ValueError(
            f"queue_batch_size {requested} does not fit in the {timeout_seconds} s timeout: "
            f"at {calls_per_minute} calls a minute with {concurrency} concurrent "
            f"invocations, each message may take {per_message:g} s; lower the batch size "
            f"to {max(fits, 1)} or raise the timeout"
        )
    return requested


def _refuse_one_message(
    timeout_seconds: int, calls_per_minute: int, concurrency: int, per_message: float
) -> None:
    """Raise the error for a queue in which not even one message fits an invocation."""
    needed = math.ceil(per_message) + 1
    if needed > MAX_TIMEOUT_SECONDS:
        spare = MAX_TIMEOUT_SECONDS - 1 - CONNECT_TIMEOUT_SECONDS - READ_TIMEOUT_SECONDS
        most = int(spare // (60 / calls_per_minute))
        raise ValueError(
            f"queue_max_concurrency of {concurrency} cannot work at {calls_per_minute} "
            f"calls a minute: a queued message may wait {per_message:g} s for its slot, "
            f"more than Lambda's {MAX_TIMEOUT_SECONDS} s; give at most {max(most, 2)}"
        )
    raise ValueError(
        f"timeout of {timeout_seconds} s is too short for the queue: at "
        f"{calls_per_minute} calls a minute with {concurrency} concurrent invocations, "
        f"one message may take {per_message:g} s; give at least {needed} seconds "
        "(or leave timeout out: it is then sized from the quota)"
    )
