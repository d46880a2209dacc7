"""A deterministic simulation of the bulk path: SQS queue -> Lambda -> SendVoiceMessage.

What runs for real: ``send_voice_message.index.handler`` with its DynamoDB pacing, recipient guard
and Powertools idempotency (against moto's DynamoDB), and the project's SMS and Voice fake.
What is simulated: the clock, an SQS standard queue with its dead-letter queue and redrive, and
the Lambda event source mapping (batch size ``B``, at most 2 concurrent invocations, partial
batch responses).

Concurrency is deterministic. Each invocation runs in its own thread, but only one thread runs
at a time: a thread gives control back to the scheduler only when it sleeps on the simulated
clock (the quota's wait for its instant, a retry back-off), and the scheduler always resumes
whatever is due first (ties by order of arrival). So two invocations really overlap in simulated
time (one holds an in-progress idempotency record while the other runs), yet every run with the
same seed is the same run.

``run_simulation`` is importable without pytest fixtures; a benchmark can call it directly.
"""

from __future__ import annotations

# Fake credentials and a region before any boto3 client exists, so the simulation also runs
# outside pytest.
import tests.conftest  # noqa: F401

# isort: split

import contextlib
import functools
import hashlib
import heapq
import io
import itertools
import json
import logging
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from send_voice_message import index, ledger
from send_voice_message.bulk import Queues
from send_voice_message.sender import LOGGER_NAME
from send_voice_message.service import CLIENT_CONFIG
from send_voice_message.validation import Defaults
from vc_common import contract

from tests.depth import scale
from tests.handlers.conftest import create_state_table, make_sender
from voice_constructs.sender import REDRIVE_SLACK
from voice_constructs.testing import CONNECT_TIMEOUT, TIMEOUT_AFTER_ACCEPT, VoiceMock, mock_voice

START = 1_800_000_000.0
REGION = "us-east-1"
ACCOUNT = "123456789012"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:voice-bulk"
ORIGIN = "+12065550100"
OTHER_ORIGIN = "+12065550101"
CALLS_PER_MINUTE = 20
FUNCTION_TIMEOUT_SECONDS = 30
# What the construct computes for a 30 s timeout at 20 calls a minute with 2 pollers:
# (30 - 1) // (2 * 3 + 2 + 5) = 2 (voice_constructs.sender.seconds_per_queued_message).
BATCH_SIZE = 2
MAX_CONCURRENCY = 2
MAX_RECEIVE_COUNT = 5
# The construct's queue: six times the function's timeout.
VISIBILITY_TIMEOUT_SECONDS = 6 * FUNCTION_TIMEOUT_SECONDS
# Stops a run that never drains (a bug would otherwise loop for ever).
MAX_SIMULATED_SECONDS = 7 * 24 * 3600
SEED = 20_240_611


# --------------------------------------------------------------------------------------------
# Simulated time and deterministic concurrency
# --------------------------------------------------------------------------------------------


class SimulationAborted(Exception):  # noqa: N818 - a signal to the invocation threads
    """The scheduler stopped; a sleeping invocation must not go on."""


class SimulatedKill(BaseException):
    """The invocation's process dies here (a crash, an out-of-memory kill, Lambda's timeout).

    A BaseException, so that no ``except Exception`` in the handler or in Powertools can turn
    it into an orderly failure: like a real kill, it ends the invocation where it stands.
    """


class _Task:
    """One invocation running in its own thread, resumed only by the scheduler."""

    def __init__(
        self, scheduler: Scheduler, name: str, work: Callable[[], Any], kill_at: float
    ) -> None:
        self.name = name
        self.kill_at = kill_at
        self.go = threading.Semaphore(0)
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._scheduler = scheduler
        self._work = work
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        self.go.acquire()
        self._scheduler.local.task = self
        try:
            if self._scheduler.aborted:
                raise SimulationAborted
            self.result = self._work()
        except BaseException as error:  # reported to the scheduler, which decides
            self.error = error
        finally:
            self.done = True
            self._scheduler.main.release()


class Scheduler:
    """Runs one task at a time; a task yields only by sleeping on the simulated clock."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.main = threading.Semaphore(0)
        self.local = threading.local()
        self.sleepers: list[tuple[float, int, _Task]] = []
        self.aborted = False
        self._order = itertools.count()

    def start(self, name: str, work: Callable[[], Any], kill_at: float = float("inf")) -> _Task:
        """Start ``work`` now and run it until it sleeps or ends; it dies at ``kill_at``."""
        task = _Task(self, name, work, kill_at)
        task.thread.start()
        self._resume(task)
        return task

    def next_wake(self) -> float | None:
        return self.sleepers[0][0] if self.sleepers else None

    def wake_next(self) -> _Task:
        """Resume the sleeper that is due first (the clock is already at its time)."""
        _, _, task = heapq.heappop(self.sleepers)
        self._resume(task)
        return task

    def _resume(self, task: _Task) -> None:
        task.go.release()
        self.main.acquire()

    def sleep(self, seconds: float) -> None:
        task: _Task | None = getattr(self.local, "task", None)
        if task is None:  # outside an invocation: nothing else can run meanwhile
            self.clock.advance_to(self.clock.t + max(seconds, 0.0))
            return
        wake = round(self.clock.t + max(seconds, 0.0), 6)
        killed = wake >= task.kill_at
        if killed:
            wake = max(round(task.kill_at, 6), self.clock.t)
        heapq.heappush(self.sleepers, (wake, next(self._order), task))
        self.main.release()
        task.go.acquire()
        if self.aborted:
            raise SimulationAborted
        if killed:
            raise SimulatedKill(f"{task.name} killed at {wake}")

    def abort(self) -> None:
        """Let every sleeping task end (each raises SimulationAborted)."""
        self.aborted = True
        while self.sleepers:
            _, _, task = heapq.heappop(self.sleepers)
            task.go.release()
            self.main.acquire()


class SimClock:
    """The simulated clock: ``now`` for everyone, ``sleep`` hands over to the scheduler."""

    def __init__(self, start: float = START) -> None:
        self.t = start
        self.scheduler = Scheduler(self)

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.scheduler.sleep(seconds)

    def advance_to(self, at: float) -> None:
        """Move forward to ``at`` (never back)."""
        self.t = max(self.t, round(at, 6))


# --------------------------------------------------------------------------------------------
# SQS: a standard queue with a visibility timeout, redrive and a dead-letter queue
# --------------------------------------------------------------------------------------------


@dataclass
class SimMessage:
    """One message in the simulated queue."""

    message_id: str
    body: str
    sent_at: float
    order: int
    receive_count: int = 0
    visible_at: float = 0.0
    receipt_handle: str | None = None
    first_received_at: float | None = None


@dataclass(frozen=True)
class DeadLetter:
    """A message on the dead-letter queue; ``kind`` and ``reason`` are None after a redrive."""

    body: str
    reason: str | None
    kind: str | None
    source: dict[str, str]
    at: float


class SimQueue:
    """An SQS standard queue: receive hides messages, failures come back, redrive to the DLQ."""

    def __init__(
        self,
        clock: SimClock,
        *,
        visibility_timeout: float = VISIBILITY_TIMEOUT_SECONDS,
        max_receive_count: int = MAX_RECEIVE_COUNT,
        seed: int = 0,
        duplicate_delivery_chance: float = 0.0,
    ) -> None:
        self.clock = clock
        # A standard queue may deliver a message again while it is in flight (at least once).
        self.duplicate_delivery_chance = duplicate_delivery_chance
        self.duplicate_deliveries = 0
        self._twice: set[str] = set()
        self.visibility_timeout = visibility_timeout
        self.max_receive_count = max_receive_count
        self.messages: dict[str, SimMessage] = {}
        self.by_receipt: dict[str, SimMessage] = {}
        self.dead_letters: list[DeadLetter] = []
        self.redriven_without_reason = 0
        self.stale_receipts = 0
        self._arrivals: list[tuple[float, int, str, int, bool]] = []
        self._order = itertools.count()
        self._ids = random.Random(seed)

    def _uuid(self) -> str:
        return "%08x-%04x-4%03x-8%03x-%012x" % (  # noqa: UP031 - a fixed-width UUID layout
            self._ids.getrandbits(32),
            self._ids.getrandbits(16),
            self._ids.getrandbits(12),
            self._ids.getrandbits(12),
            self._ids.getrandbits(48),
        )

    def send(
        self,
        body: str,
        at: float | None = None,
        *,
        received: int = 0,
        delivered_twice: bool = False,
    ) -> None:
        """Send ``body`` now, or at ``at`` (a producer that sends later).

        ``received`` starts its receive count (a message that failed that often before);
        ``delivered_twice`` makes its next receive a concurrent duplicate delivery.
        """
        # On the clock's own grid (it keeps microseconds): an arrival between two of its
        # instants would never be due, and the pollers would poll for it for ever.
        when = round(at, 6) if at is not None else self.clock.t
        heapq.heappush(self._arrivals, (when, 0, body, received, delivered_twice))

    def _arrive(self) -> None:
        while self._arrivals and self._arrivals[0][0] <= self.clock.t:
            at, _, body, received, twice = heapq.heappop(self._arrivals)
            message_id = self._uuid()
            self.messages[message_id] = SimMessage(
                message_id,
                body,
                sent_at=at,
                order=next(self._order),
                visible_at=at,
                receive_count=received,
            )
            if twice:
                self._twice.add(message_id)

    def empty(self) -> bool:
        self._arrive()
        return not self.messages and not self._arrivals

    def next_visible(self) -> float | None:
        """When the next message can be received (arrivals included), or None if never."""
        self._arrive()
        times = [m.visible_at for m in self.messages.values()]
        times += [arrival[0] for arrival in self._arrivals]
        return min(times, default=None)

    def receive(self, limit: int) -> list[SimMessage]:
        """Up to ``limit`` visible messages, oldest first, hidden for the visibility timeout."""
        self._arrive()
        now = self.clock.t
        batch: list[SimMessage] = []
        for message in sorted(self.messages.values(), key=lambda m: m.order):
            if len(batch) == limit:
                break
            if message.visible_at > now:
                continue
            if message.receive_count >= self.max_receive_count:
                # SQS's redrive policy: no reason, no kind. The handler should never let it come
                # to this (it dead-letters on the last delivery itself).
                self._remove(message)
                self.dead_letters.append(DeadLetter(message.body, None, None, {}, now))
                self.redriven_without_reason += 1
                continue
            message.receive_count += 1
            message.visible_at = now + self.visibility_timeout
            if message.message_id in self._twice or (
                self.duplicate_delivery_chance
                and self._ids.random() < self.duplicate_delivery_chance
            ):
                # Left visible: the next receive delivers it again while this one is in flight.
                self._twice.discard(message.message_id)
                message.visible_at = now
                self.duplicate_deliveries += 1
            if message.first_received_at is None:
                message.first_received_at = now
            if message.receipt_handle is not None:
                self.by_receipt.pop(message.receipt_handle, None)
            message.receipt_handle = f"rh-{message.message_id}-{message.receive_count}"
            self.by_receipt[message.receipt_handle] = message
            batch.append(message)
        return batch

    def delete(self, receipt_handle: str) -> None:
        """Delete a received message; an old receipt handle deletes nothing."""
        message = self.by_receipt.get(receipt_handle)
        if message is None:
            self.stale_receipts += 1
            return
        self._remove(message)

    def change_visibility(self, receipt_handle: str, seconds: float) -> None:
        """SQS ChangeMessageVisibility: visible again ``seconds`` from now."""
        message = self.by_receipt.get(receipt_handle)
        if message is None:
            self.stale_receipts += 1
            raise ClientError(
                {"Error": {"Code": "ReceiptHandleIsInvalid", "Message": "stale receipt handle"}},
                "ChangeMessageVisibility",
            )
        message.visible_at = self.clock.t + seconds

    def _remove(self, message: SimMessage) -> None:
        self.messages.pop(message.message_id, None)
        if message.receipt_handle is not None:
            self.by_receipt.pop(message.receipt_handle, None)


class SimQueues(Queues):
    """The handler's view of SQS (``send_voice_message.bulk.Queues``), on the simulated queue."""

    def __init__(self, queue: SimQueue) -> None:
        super().__init__(queue_url="sim://voice-bulk", dead_letter_queue_url="sim://voice-dlq")
        self.queue = queue

    def dead_letter(self, body: str, reason: str, kind: str, source: dict[str, str]) -> None:
        if not reason:
            raise ValueError("a dead letter needs its reason")
        self.queue.dead_letters.append(
            DeadLetter(body, reason, kind, dict(source), self.queue.clock.t)
        )

    def delay(self, receipt_handle: str, seconds: int) -> None:
        self.queue.change_visibility(receipt_handle, seconds)


# --------------------------------------------------------------------------------------------
# Lambda: the event source mapping and the context
# --------------------------------------------------------------------------------------------


@dataclass
class SimLambdaContext:
    """The Lambda context, with the remaining time read from the simulated clock."""

    clock: SimClock
    started_at: float
    aws_request_id: str
    timeout_seconds: float = FUNCTION_TIMEOUT_SECONDS
    function_name: str = "voice-sender"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:voice-sender"

    def get_remaining_time_in_millis(self) -> int:
        left = self.started_at + self.timeout_seconds - self.clock.now()
        return max(0, int(left * 1000))


def sqs_event(batch: list[SimMessage]) -> dict[str, Any]:
    """The event Lambda's SQS poller builds for ``batch``."""
    return {
        "Records": [
            {
                "messageId": message.message_id,
                "receiptHandle": message.receipt_handle,
                "body": message.body,
                "attributes": {
                    "ApproximateReceiveCount": str(message.receive_count),
                    "SentTimestamp": str(int(message.sent_at * 1000)),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": str(
                        int((message.first_received_at or message.sent_at) * 1000)
                    ),
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(message.body.encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN,
                "awsRegion": REGION,
            }
            for message in batch
        ]
    }


# --------------------------------------------------------------------------------------------
# The workload
# --------------------------------------------------------------------------------------------


@dataclass
class LogicalMessage:
    """One message a producer meant to send (its copies on the queue share its text)."""

    number: int
    kind: str  # "normal", "keyed", "capped" or "invalid"
    body: str
    text: str
    destination: str


@dataclass
class Workload:
    """What the producers send, and when."""

    messages: list[LogicalMessage]
    sends: list[tuple[float, str]]  # (when, body), one per copy on the queue
    capped_recipients: dict[str, int]
    duplicated: int
    keyed_twice: int


def _text(number: int, rng: random.Random) -> str:
    return f"Message {number:05d}: your code is {rng.randint(100_000, 999_999)}. Goodbye."


def _event(destination: str, text: str, number: int, rng: random.Random) -> dict[str, Any]:
    kind = "CallInstructionsMessage" if number % 10 == 3 else "PlainTextMessage"
    event: dict[str, Any] = {
        "DestinationPhoneNumber": destination,
        "Content": {kind: {"Text": text}},
    }
    if rng.random() < 0.1:
        event["OriginationPhoneNumber"] = OTHER_ORIGIN
    return event


def _key_retried(messages: list[LogicalMessage], initial: list[str]) -> None:
    """Give ``messages`` an IdempotencyKey, as a producer that retries them must.

    The sender tells messages apart by identity, so two sends without a key are two messages,
    however alike.
    """
    for message in messages:
        event = json.loads(message.body)
        event["IdempotencyKey"] = f"retry-{message.number}"
        initial[initial.index(message.body)] = message.body = json.dumps(event)


def build_workload(count: int, rng: random.Random, start: float = START) -> Workload:
    """``count`` logical messages: mostly distinct recipients, plus every awkward case."""
    numbers = [f"+1206555{n:04d}" for n in rng.sample(range(200, 10_000), count)]
    invalid = max(3, round(count * 0.02))
    keyed = max(2, round(count * 0.01))
    capped_sizes = [6, 7, 6]
    capped_numbers = numbers[: len(capped_sizes)]
    messages: list[LogicalMessage] = []

    for i in range(invalid):
        number = len(messages)
        text = _text(number, rng)
        destination = numbers[len(capped_sizes) + number]
        plain: dict[str, Any] = {
            "DestinationPhoneNumber": destination,
            "Content": {"PlainTextMessage": {"Text": text}},
        }
        shape = i % 3
        if shape == 0:  # not E.164
            body = json.dumps({**plain, "DestinationPhoneNumber": destination[2:]})
        elif shape == 1:  # blank text
            body = json.dumps({**plain, "Content": {"PlainTextMessage": {"Text": "  "}}})
        else:  # not JSON at all (cut short)
            body = json.dumps(plain)[:-3]
        messages.append(LogicalMessage(number, "invalid", body, text, destination))

    for destination, size in zip(capped_numbers, capped_sizes, strict=True):
        for _ in range(size):
            number = len(messages)
            text = _text(number, rng)
            body = json.dumps(_event(destination, text, number, rng))
            messages.append(LogicalMessage(number, "capped", body, text, destination))

    first_distinct = len(capped_sizes) + invalid
    remaining = count - len(messages)
    for i in range(remaining):
        number = len(messages)
        text = _text(number, rng)
        destination = numbers[first_distinct + i]
        event = _event(destination, text, number, rng)
        kind = "normal"
        if i < keyed:
            event["IdempotencyKey"] = f"order-{number}-{rng.getrandbits(32):08x}"
            kind = "keyed"
        messages.append(LogicalMessage(number, kind, json.dumps(event), text, destination))

    # The queue's order: shuffled, everything sent at the start (a bulk send)...
    order = list(messages)
    rng.shuffle(order)
    initial = [m.body for m in order]
    late: list[tuple[float, str]] = []
    expected_seconds = count * 60 / CALLS_PER_MINUTE

    # ...plus second copies: SQS delivers at least once, and producers retry.
    normal = [m for m in order if m.kind == "normal"]
    duplicated = rng.sample(normal, max(2, round(count * 0.03)))
    _key_retried(duplicated, initial)
    keyed_messages = [m for m in order if m.kind == "keyed"]
    for n, message in enumerate([*duplicated, *keyed_messages]):
        # The second submission of a keyed message: same key and request, other JSON layout.
        body = (
            json.dumps(json.loads(message.body), indent=1, sort_keys=True)
            if message.kind == "keyed"
            else message.body
        )
        if n % 2 == 0:
            # Right behind the first copy: the other poller often gets it while the first copy
            # is still in flight (its idempotency record in progress).
            position = initial.index(message.body) + rng.randint(1, 4)
            initial.insert(position, body)
        else:
            # Later, while the first copy is pending or after it was sent.
            late.append((start + rng.uniform(0, 0.8 * expected_seconds), body))

    sends = [(start, body) for body in initial] + late
    return Workload(
        messages=messages,
        sends=sends,
        capped_recipients=dict(zip(capped_numbers, capped_sizes, strict=True)),
        duplicated=len(duplicated),
        keyed_twice=len(keyed_messages),
    )


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------

FAULTS = (  # (name, chance per invocation); about 2 messages an invocation
    ("429", 0.04),
    ("500", 0.02),
    ("timeout_after_accept", 0.02),
    ("connect_timeout", 0.006),
)


def _inject_fault(
    voice_mock: VoiceMock, rng: random.Random, faults: tuple[tuple[str, float], ...] = FAULTS
) -> str | None:
    draw, threshold = rng.random(), 0.0
    for name, chance in faults:
        threshold += chance
        if draw < threshold:
            if name == "429":
                voice_mock.fail_next("SendVoiceMessage", 1, status=429)
            elif name == "500":
                voice_mock.fail_next("SendVoiceMessage", 1, status=500)
            else:
                after_accept = name == "timeout_after_accept"
                voice_mock.time_out_next("SendVoiceMessage", 1, after_accept=after_accept)
            return name
    return None


@dataclass
class SimulationResult:
    """The figures of one run (see ``format_table``) and the evidence behind them."""

    messages: int
    enqueued: int
    invocations: int
    deliveries: int
    attempts: int
    accepted: int
    sent_once: int
    outcome_unknown: int
    dead_letter_kinds: Counter[str]
    lost: list[str]
    duplicates: list[str]
    contradictions: list[str]
    invalid_called: list[str]
    capped: dict[str, tuple[int, int, int]]  # recipient: (messages, sent, "recipient_cap")
    max_calls_in_window: int
    min_gap_per_number: float
    redriven_without_reason: int
    throughput: float
    simulated_minutes: float
    real_seconds: float
    faults_injected: Counter[str]
    faults_left_over: Counter[str]
    invocation_errors: list[str]
    longest_invocation_seconds: float
    stale_receipts: int
    duplicated: int
    keyed_twice: int
    replayed: int = 0
    acknowledged: int = 0
    requeued: Counter[str] = field(default_factory=Counter)
    invalid_messages: int = 0
    fake_cap_refusals: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list, repr=False)
    direct_invokes: int = 0
    direct_sent: int = 0
    direct_failed: int = 0
    direct_lost: list[str] = field(default_factory=list)
    direct_errors: Counter[str] = field(default_factory=Counter)
    # The sender's daily cap, when it has one: the slots its day counter holds at the end, and
    # the messages whose outcome is unknown though the fake placed no call (each holds a slot).
    max_calls_per_day: int | None = None
    day_slots_taken: int = 0
    unknown_without_call: int = 0
    # The CallsPlaced metric lines the handler wrote (embedded metric format on stdout).
    calls_placed_metric: int = 0

    def format_table(self) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.dead_letter_kinds.items()))
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults_injected.items()))
        requeued = ", ".join(f"{k} {v}" for k, v in sorted(self.requeued.items()))
        rows = [
            ("messages (logical)", f"{self.messages}"),
            ("enqueued (with second copies)", f"{self.enqueued}"),
            ("  duplicated / keyed twice", f"{self.duplicated} / {self.keyed_twice}"),
            ("invocations", f"{self.invocations}"),
            ("deliveries", f"{self.deliveries}"),
            ("attempts (requests at the service)", f"{self.attempts}"),
            ("accepted calls", f"{self.accepted}"),
            ("  CallsPlaced metric", f"{self.calls_placed_metric}"),
            *(
                [
                    ("daily cap / day slots taken", f"{cap} / {self.day_slots_taken}"),
                    ("  held by unknown outcomes, no call", f"{self.unknown_without_call}"),
                ]
                if (cap := self.max_calls_per_day) is not None
                else []
            ),
            ("sent exactly once", f"{self.sent_once}"),
            ("  of which outcome unknown", f"{self.outcome_unknown}"),
            ("DLQ by kind", kinds or "-"),
            ("faults injected", faults or "-"),
            ("requeued (transient)", requeued or "-"),
            ("replayed (no second call)", f"{self.replayed}"),
            ("acknowledged as duplicates (no call)", f"{self.acknowledged}"),
            ("direct async invokes", f"{self.direct_invokes}"),
            ("  sent / in the failure destination", f"{self.direct_sent} / {self.direct_failed}"),
            ("  errors Lambda retried", _counts(self.direct_errors)),
            ("lost", f"{len(self.lost) + len(self.direct_lost)}"),
            ("duplicates", f"{len(self.duplicates)}"),
            ("sent but dead-lettered otherwise", f"{len(self.contradictions)}"),
            ("redriven without reason", f"{self.redriven_without_reason}"),
            ("max requests in a 60 s window", f"{self.max_calls_in_window}"),
            ("min gap per origination (s)", f"{self.min_gap_per_number:.3f}"),
            ("longest invocation (s)", f"{self.longest_invocation_seconds:.1f}"),
            ("throughput (accepted / quota)", f"{self.throughput:.3f}"),
            ("simulated minutes", f"{self.simulated_minutes:.1f}"),
            ("real seconds", f"{self.real_seconds:.1f}"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


# What the handler logs when it acknowledges a queued copy of another message without a call.
DUPLICATE_EVENTS = ("duplicate of another queued message refused: no call",)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "-"


class _LogTally(logging.Handler):
    """Counts the handler's log events: replays, and why messages went back to the queue."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.events: Counter[str] = Counter()
        self.requeued: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.events[record.getMessage()] += 1
        if record.getMessage() == "voice message will be retried":
            self.requeued[str(getattr(record, "reason", "")).split(":")[0]] += 1


class _PacingSideTable:
    """The state table's DynamoDB client, with the pacing items kept in a second moto table.

    moto's TransactWriteItems deep-copies every table it touches (its rollback copy), so each
    pacing reservation would cost time in proportion to the thousands of idempotency records and
    recipient slots in the state table, and the run would grow quadratically. Moving only the
    items keyed ``pace#...`` (and the daily cap's ``day#...``, whose give-back is a transaction)
    to a table of the same schema keeps that cost constant; the handler's requests are otherwise
    passed on unchanged.
    """

    def __init__(self, client: Any, table: str, side_table: str) -> None:
        self._client = client
        self._table = table
        self._side_table = side_table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _route(self, request: dict[str, Any]) -> dict[str, Any]:
        key = request.get("Key", {}).get("id", {}).get("S", "")
        if request.get("TableName") == self._table and key.startswith(("pace#", "day#")):
            return {**request, "TableName": self._side_table}
        return request

    def get_item(self, **request: Any) -> Any:
        return self._client.get_item(**self._route(request))

    def update_item(self, **request: Any) -> Any:
        return self._client.update_item(**self._route(request))

    def transact_write_items(self, **request: Any) -> Any:
        items = [
            {operation: self._route(body) for operation, body in item.items()}
            for item in request["TransactItems"]
        ]
        return self._client.transact_write_items(**{**request, "TransactItems": items})


@dataclass(frozen=True)
class Harsh:
    """The faults of the harsh run, each a chance per event named, on top of ``FAULTS``."""

    crash_after_accept: float = 0.03  # per call the service accepted: the process dies
    kill: float = 0.03  # per invocation: killed at an instant drawn within its run
    throttle: float = 0.03  # per state-table operation (every one, the outcome write too)
    outcome_outage: float = 0.03  # per outcome write: every attempt of it is throttled
    duplicate_delivery: float = 0.02  # per receive: SQS delivers the message again at once
    last_receive_twins: int = 20  # messages on their last receive, delivered twice at once
    direct: int = 100  # direct asynchronous invokes without a key, retried as Lambda does
    dynamodb_latency: float = 0.004  # seconds per state-table operation
    service_latency: float = 0.15  # seconds before a request reaches the service


# Lambda's asynchronous retries: two more tries, 1 and 2 minutes after a failed one.
ASYNC_RETRY_DELAYS = (60.0, 120.0)
OUTCOME_WRITE = "outcome write"
DAY_COUNTER_WRITE = "day counter write"


class _HarshTable:
    """The state table's client with latency (each operation yields) and throttling."""

    def __init__(self, client: Any, clock: SimClock, rng: random.Random, harsh: Harsh) -> None:
        self._client = client
        self._clock = clock
        self._rng = rng
        self._harsh = harsh
        self._outages: dict[str, int] = {}
        self.throttled: Counter[str] = Counter()
        self.outages = 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)

        def call(**request: Any) -> Any:
            self._clock.sleep(self._harsh.dynamodb_latency)
            operation = name
            key = request.get("Key", {}).get("id", {}).get("S", "")
            if name == "update_item" and key.startswith("day#"):
                operation = DAY_COUNTER_WRITE
            if name == "update_item" and key.startswith("send#"):
                operation = OUTCOME_WRITE
                if key not in self._outages and self._rng.random() < self._harsh.outcome_outage:
                    self._outages[key] = ledger.WRITE_ATTEMPTS
                    self.outages += 1
                if self._outages.get(key, 0) > 0:
                    self._outages[key] -= 1
                    self.throttled[operation] += 1
                    raise _throttled(name)
            if self._rng.random() < self._harsh.throttle:
                self.throttled[operation] += 1
                raise _throttled(name)
            return real(**request)

        return call


def _throttled(operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "throttled"}},
        operation,
    )


class _HarshVoice:
    """The SMS and Voice client: latency before the service, and crashes right after it."""

    def __init__(self, client: Any, clock: SimClock, rng: random.Random, harsh: Harsh) -> None:
        self._client = client
        self._clock = clock
        self._rng = rng
        self._harsh = harsh
        self.crashes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def send_voice_message(self, **request: Any) -> Any:
        self._clock.sleep(self._harsh.service_latency)
        response = self._client.send_voice_message(**request)
        if self._rng.random() < self._harsh.crash_after_accept:
            self.crashes += 1
            raise SimulatedKill("crashed after the service accepted the call")
        return response


@contextmanager
def _handler_configured(
    voice_mock: VoiceMock,
    clock: SimClock,
    queues: SimQueues,
    tally: _LogTally,
    wrap: Callable[[Any, Any], tuple[Any, Any]] = lambda voice, table: (voice, table),
    calls_per_day: int | None = None,
) -> Iterator[None]:
    """Point the handler and the fake at the simulation; put everything back afterwards."""
    backend = voice_mock.sms_voice()
    saved_fake_clock = backend.clock
    logger = logging.getLogger(LOGGER_NAME)  # the sender's logger
    saved_logger = (logger.level, logger.propagate)
    try:
        # Counted, not printed: a run logs thousands of expected events.
        logger.setLevel(logging.INFO)
        logger.propagate = False
        logger.addHandler(tally)
        table = create_state_table()
        voice, dynamodb = wrap(
            boto3.client("pinpoint-sms-voice", config=CLIENT_CONFIG),
            _PacingSideTable(
                boto3.client("dynamodb"), table, create_state_table(f"{table}-pacing")
            ),
        )
        sender = make_sender(
            clock=clock,
            client=voice,
            defaults=Defaults(origination_number=ORIGIN, language_code="en-US"),
            table=table,
            queues=queues,
            dynamodb=dynamodb,
            calls_per_minute=CALLS_PER_MINUTE,
            calls_per_day=calls_per_day,
        )
        backend.clock = clock.now
        with index.use(sender):
            yield
    finally:
        backend.clock = saved_fake_clock
        logger.removeHandler(tally)
        logger.level, logger.propagate = saved_logger


@contextmanager
def _in_lambda() -> Iterator[None]:
    """The function's name in the environment, as Lambda sets it (the handler's metrics need it)."""
    saved = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "voice-sender"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        else:
            os.environ["AWS_LAMBDA_FUNCTION_NAME"] = saved


@dataclass
class DirectInvoke:
    """A direct asynchronous invoke without a key, and what Lambda made of it."""

    event: dict[str, Any]
    text: str
    request_id: str
    tries: int = 0
    failures: list[str] = field(default_factory=list)
    succeeded: bool = False

    @property
    def in_failure_destination(self) -> bool:
        """Every try failed: Lambda sends the event to the failure queue with the last error."""
        return not self.succeeded and self.tries == 1 + len(ASYNC_RETRY_DELAYS)


def _direct_invokes(
    count: int, rng: random.Random, start: float, spread: float
) -> list[tuple[float, DirectInvoke]]:
    numbers = [f"+1425555{n:04d}" for n in rng.sample(range(0, 10_000), count)]
    invokes = []
    for n, destination in enumerate(numbers):
        text = f"Direct {n:05d}: your code is {rng.randint(100_000, 999_999)}. Goodbye."
        event = {
            "DestinationPhoneNumber": destination,
            "Content": {"PlainTextMessage": {"Text": text}},
        }
        invoke = DirectInvoke(event, text, f"{rng.getrandbits(128):032x}")
        invokes.append((start + rng.uniform(0, spread), invoke))
    return invokes


def run_simulation(
    voice_mock: VoiceMock | None = None,
    *,
    messages: int = 1000,
    seed: int = SEED,
    batch_size: int = BATCH_SIZE,
    max_concurrency: int = MAX_CONCURRENCY,
    harsh: Harsh | None = None,
    max_calls_per_day: int | None = None,
    faults: tuple[tuple[str, float], ...] = FAULTS,
) -> SimulationResult:
    """Simulate ``messages`` logical messages through the bulk path and measure the outcome.

    Pass the ``voice_mock`` of an active moto mock (the pytest fixture), or None to run under a
    mock of its own. The run is the same for the same arguments. With ``harsh``, invocations
    also crash after the service accepted, are killed mid-batch and at their timeout, the state
    table throttles, SQS delivers messages twice at once, and direct asynchronous invokes are
    retried the way Lambda retries them. ``max_calls_per_day`` gives the sender its daily cap;
    ``faults`` are the service's faults, each a chance per invocation.
    """
    if voice_mock is None:
        with mock_voice(REGION) as mock:
            return run_simulation(
                mock,
                messages=messages,
                seed=seed,
                batch_size=batch_size,
                max_concurrency=max_concurrency,
                harsh=harsh,
                max_calls_per_day=max_calls_per_day,
                faults=faults,
            )
    run = _Run(
        voice_mock,
        messages,
        seed,
        batch_size,
        max_concurrency,
        harsh,
        max_calls_per_day=max_calls_per_day,
        faults=faults,
    )
    run.run()
    return run.measure()


class _Run:
    """One simulation: the queue, the pollers, the direct invokes, and what they did."""

    def __init__(
        self,
        voice_mock: VoiceMock,
        messages: int,
        seed: int,
        batch_size: int,
        max_concurrency: int,
        harsh: Harsh | None,
        *,
        max_calls_per_day: int | None = None,
        faults: tuple[tuple[str, float], ...] = FAULTS,
    ) -> None:
        self.real_start = time.perf_counter()
        self.voice_mock, self.harsh = voice_mock, harsh
        self.batch_size, self.max_concurrency = batch_size, max_concurrency
        self.rng = random.Random(seed)
        self.clock = SimClock(START)
        self.queue = SimQueue(
            self.clock,
            seed=seed + 1,
            # The construct's redrive count leaves room for deliveries after a killed last one.
            max_receive_count=MAX_RECEIVE_COUNT + (REDRIVE_SLACK if harsh else 0),
            duplicate_delivery_chance=harsh.duplicate_delivery if harsh else 0.0,
        )
        self.workload = build_workload(messages, self.rng, START)
        twins = self._key_twins(harsh.last_receive_twins) if harsh is not None else []
        for at, body in self.workload.sends:
            self.queue.send(body, at)
        self.faults: Counter[str] = Counter()
        self.direct: list[DirectInvoke] = []
        self.pending_direct: list[tuple[float, int, DirectInvoke]] = []
        if harsh is not None:
            self._add_harsh_work(harsh, messages, twins)
        self.invocations = self.deliveries = 0
        self.errors: list[str] = []
        self.durations: list[float] = []
        self.free_at = [START] * max_concurrency
        self.running: dict[int, tuple[_Task, list[SimMessage], float]] = {}
        self.running_direct: dict[str, tuple[DirectInvoke, float]] = {}
        self.wrappers: dict[str, Any] = {}
        self.tally = _LogTally()
        self.max_calls_per_day, self.service_faults = max_calls_per_day, faults
        self.day_slots_taken = 0
        # What the handler writes on stdout: its embedded metric format lines.
        self.stdout = io.StringIO()

    def _key_twins(self, count: int) -> list[LogicalMessage]:
        """``count`` normal messages that the harsh run sends again, given a shared key first.

        The copy is the same message only by its IdempotencyKey: alike bodies are two messages.
        """
        normal = [
            m
            for m in self.workload.messages
            if m.kind == "normal" and "IdempotencyKey" not in m.body
        ]
        twins = self.rng.sample(normal, count)
        for message in twins:
            event = json.loads(message.body)
            event["IdempotencyKey"] = f"twin-{message.number}"
            keyed = json.dumps(event)
            self.workload.sends = [
                (at, keyed if body == message.body else body) for at, body in self.workload.sends
            ]
            message.body = keyed
        return twins

    def _add_harsh_work(self, harsh: Harsh, messages: int, twins: list[LogicalMessage]) -> None:
        for message in twins:
            # A message on its last delivery (it failed 4 times before), delivered twice at once.
            self.queue.send(
                message.body, START, received=MAX_RECEIVE_COUNT - 1, delivered_twice=True
            )
            self.workload.sends.append((START, message.body))
        spread = 0.8 * messages * 60 / CALLS_PER_MINUTE
        for n, (at, invoke) in enumerate(_direct_invokes(harsh.direct, self.rng, START, spread)):
            self.direct.append(invoke)
            heapq.heappush(self.pending_direct, (at, n, invoke))

    def wrap(self, voice: Any, table: Any) -> tuple[Any, Any]:
        """The handler's clients, with the harsh run's latency, throttles and crashes."""
        if self.harsh is None:
            return voice, table
        self.wrappers["voice"] = _HarshVoice(voice, self.clock, self.rng, self.harsh)
        self.wrappers["table"] = _HarshTable(table, self.clock, self.rng, self.harsh)
        return self.wrappers["voice"], self.wrappers["table"]

    def kill_time(self, started: float) -> float:
        """Lambda stops every invocation at its timeout; some die earlier, mid-batch."""
        end = started + FUNCTION_TIMEOUT_SECONDS
        if self.harsh is not None and self.rng.random() < self.harsh.kill:
            self.faults["kill mid-invocation"] += 1
            return started + self.rng.uniform(0, 12.0)
        return end

    def run(self) -> None:
        """Run until the queue drains and every invocation has ended."""
        scheduler = self.clock.scheduler
        with (
            _handler_configured(
                self.voice_mock,
                self.clock,
                SimQueues(self.queue),
                self.tally,
                self.wrap,
                self.max_calls_per_day,
            ),
            contextlib.redirect_stdout(self.stdout),
            _in_lambda(),
        ):
            try:
                while (event := self._next_event()) is not None:
                    self._handle(*event)
            finally:
                scheduler.abort()
            daily = index.current().quota.daily  # type: ignore[union-attr]
            self.day_slots_taken = daily.used(START) if daily is not None else 0

    def _next_event(self) -> tuple[float, int, int] | None:
        # Every candidate event: a sleeping invocation waking, a free poller polling, or a
        # direct invoke (or Lambda's retry of one) arriving.
        events: list[tuple[float, int, int]] = []
        wake = self.clock.scheduler.next_wake()
        if wake is not None:
            events.append((wake, 0, 0))
        if self.pending_direct:
            events.append((self.pending_direct[0][0], 2, 0))
        visible = self.queue.next_visible()
        if visible is not None:
            events += [
                (max(self.free_at[poller], visible), 1, poller)
                for poller in range(self.max_concurrency)
                if poller not in self.running
            ]
        return min(events) if events else None

    def _handle(self, at: float, what: int, poller: int) -> None:
        if at - START > MAX_SIMULATED_SECONDS:
            raise RuntimeError(f"the queue did not drain in {MAX_SIMULATED_SECONDS} s")
        self.clock.advance_to(at)
        if what == 0:
            task = self.clock.scheduler.wake_next()
            if task.done:
                self._finished(task)
        elif what == 2:
            self._start_direct(heapq.heappop(self.pending_direct)[2])
        else:
            self._poll(poller)

    def _finished(self, task: _Task) -> None:
        if task.name in self.running_direct:
            self._finish_direct(task)
        else:
            self._finish_batch(int(task.name.split("-")[1]))

    def _inject(self) -> None:
        fault = _inject_fault(self.voice_mock, self.rng, self.service_faults)
        if fault is not None:
            self.faults[fault] += 1

    def _poll(self, poller: int) -> None:
        batch = self.queue.receive(self.batch_size)
        if not batch:
            self.free_at[poller] = max(self.free_at[poller], self.clock.t)
            return
        self.invocations += 1
        self.deliveries += len(batch)
        self._inject()
        context = SimLambdaContext(
            self.clock,
            self.clock.t,
            f"{self.rng.getrandbits(128):032x}",
            FUNCTION_TIMEOUT_SECONDS,
        )
        task = self.clock.scheduler.start(
            f"poller-{poller}-{self.invocations}",
            functools.partial(index.handler, sqs_event(batch), context),
            kill_at=self.kill_time(self.clock.t),
        )
        self.running[poller] = (task, batch, context.started_at)
        if task.done:
            self._finish_batch(poller)

    def _finish_batch(self, poller: int) -> None:
        task, batch, started = self.running.pop(poller)
        self.durations.append(self.clock.t - started)
        self.free_at[poller] = self.clock.t
        if task.error is not None:
            # A failed invocation: the whole batch comes back after the visibility timeout.
            if not isinstance(task.error, SimulatedKill):
                self.errors.append(f"{task.name}: {type(task.error).__name__}: {task.error}")
            return
        failed = {item["itemIdentifier"] for item in task.result.get("batchItemFailures", [])}
        for message in batch:
            if message.message_id not in failed and message.receipt_handle is not None:
                self.queue.delete(message.receipt_handle)

    def _start_direct(self, invoke: DirectInvoke) -> None:
        invoke.tries += 1
        self._inject()
        # Lambda's retries of one asynchronous invocation carry its request id.
        context = SimLambdaContext(
            self.clock, self.clock.t, invoke.request_id, FUNCTION_TIMEOUT_SECONDS
        )
        name = f"direct-{self.direct.index(invoke)}-{invoke.tries}"
        self.running_direct[name] = (invoke, self.clock.t)
        task = self.clock.scheduler.start(
            name,
            functools.partial(index.handler, dict(invoke.event), context),
            kill_at=self.kill_time(self.clock.t),
        )
        if task.done:
            self._finish_direct(task)

    def _finish_direct(self, task: _Task) -> None:
        invoke, started = self.running_direct.pop(task.name)
        self.durations.append(self.clock.t - started)
        if task.error is None:
            invoke.succeeded = True
            return
        invoke.failures.append(type(task.error).__name__)
        if invoke.tries <= len(ASYNC_RETRY_DELAYS):
            self.faults["lambda async retry"] += 1
            retry_at = self.clock.t + ASYNC_RETRY_DELAYS[invoke.tries - 1]
            heapq.heappush(self.pending_direct, (retry_at, self.direct.index(invoke), invoke))

    def measure(self) -> SimulationResult:
        """The run's figures (see ``SimulationResult``)."""
        if self.harsh is not None:
            self.faults["crash after accept"] = self.wrappers["voice"].crashes
            self.faults["duplicate delivery"] = self.queue.duplicate_deliveries
            self.faults["outcome write outage"] = self.wrappers["table"].outages
            for operation, count in self.wrappers["table"].throttled.items():
                self.faults[f"throttled {operation}"] = count
        return _measure(
            self.voice_mock,
            self.workload,
            self.queue,
            faults=self.faults,
            invocations=self.invocations,
            deliveries=self.deliveries,
            errors=self.errors,
            durations=self.durations,
            tally=self.tally,
            real_seconds=time.perf_counter() - self.real_start,
            direct=self.direct,
            max_calls_per_day=self.max_calls_per_day,
            day_slots_taken=self.day_slots_taken,
            calls_placed_metric=sum(
                1
                for line in self.stdout.getvalue().splitlines()
                if contract.METRIC_CALLS_PLACED in json.loads(line)
            ),
        )


def _text_of(body: str | dict[str, Any]) -> str | None:
    try:
        event = json.loads(body) if isinstance(body, str) else body
        [message] = event["Content"].values()
        return str(message["Text"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


class _Accounting:
    """Where each logical message ended: sent once, dead-lettered with a reason, or lost."""

    def __init__(self, capped_recipients: dict[str, int]) -> None:
        self.lost: list[str] = []
        self.contradictions: list[str] = []
        self.called: list[str] = []
        self.sent_once = self.outcome_unknown = self.unknown_without_call = 0
        self.capped: dict[str, list[int]] = {r: [n, 0, 0] for r, n in capped_recipients.items()}

    def invalid(
        self, message: LogicalMessage, letters: list[DeadLetter], called: Counter[str | None]
    ) -> None:
        if called[message.text]:
            self.called.append(message.text)
        if not any(letter.kind == "invalid" and letter.reason for letter in letters):
            self.lost.append(f"invalid message {message.number} not dead-lettered as invalid")

    def valid(self, message: LogicalMessage, letters: list[DeadLetter], times_sent: int) -> None:
        kinds = {letter.kind for letter in letters}
        if message.kind == "capped":
            self.capped[message.destination][1] += times_sent
            self.capped[message.destination][2] += "recipient_cap" in kinds
        if times_sent == 1:
            self.sent_once += 1
            self.outcome_unknown += "outcome_unknown" in kinds
            # A `duplicate` letter is a copy of the message refused without a call (kept in
            # sight because the first message was no longer in flight), not a failure of it.
            if kinds - {"outcome_unknown", "duplicate"}:
                self.contradictions.append(
                    f"message {message.number}: sent, and dead-lettered {kinds}"
                )
        elif times_sent == 0 and "outcome_unknown" in kinds:
            self.unknown_without_call += 1
        elif times_sent == 0 and not any(letter.reason for letter in letters):
            self.lost.append(
                f"message {message.number} ({message.kind}): not sent, not dead-lettered"
            )


def _measure(
    voice_mock: VoiceMock,
    workload: Workload,
    queue: SimQueue,
    *,
    faults: Counter[str],
    invocations: int,
    deliveries: int,
    errors: list[str],
    durations: list[float],
    tally: _LogTally,
    real_seconds: float,
    direct: list[DirectInvoke],
    max_calls_per_day: int | None = None,
    day_slots_taken: int = 0,
    calls_placed_metric: int = 0,
) -> SimulationResult:
    calls = voice_mock.calls("SendVoiceMessage")
    sent = voice_mock.sent_messages()
    sent_texts = Counter(_text_of(message.request) for message in sent)
    called_texts = Counter(_text_of(call.body) for call in calls)
    letters_by_text: dict[str | None, list[DeadLetter]] = {}
    letters_by_body: dict[str, list[DeadLetter]] = {}
    for letter in queue.dead_letters:
        letters_by_text.setdefault(_text_of(letter.body), []).append(letter)
        letters_by_body.setdefault(letter.body, []).append(letter)

    accounting = _Accounting(workload.capped_recipients)
    for message in workload.messages:
        if message.kind == "invalid":
            accounting.invalid(message, letters_by_body.get(message.body, []), called_texts)
        else:
            accounting.valid(
                message, letters_by_text.get(message.text, []), sent_texts[message.text]
            )
    lost, contradictions, invalid_called = (
        accounting.lost,
        accounting.contradictions,
        accounting.called,
    )
    sent_once, outcome_unknown, capped = (
        accounting.sent_once,
        accounting.outcome_unknown,
        accounting.capped,
    )

    times = sorted(call.at for call in calls)
    max_in_window = 0
    end = 0
    # Every closed window [t, t + 60 s] from each call: a call exactly 60 s after another counts
    # in both, as the service may count it.
    for start_index, start in enumerate(times):
        while end < len(times) and times[end] <= start + 60:
            end += 1
        max_in_window = max(max_in_window, end - start_index)
    by_number: dict[str, list[float]] = {}
    for call in calls:
        by_number.setdefault(str(call.body.get("OriginationPhoneNumber")), []).append(call.at)
    gaps = [b - a for stamps in by_number.values() for a, b in itertools.pairwise(sorted(stamps))]
    minutes = (times[-1] - times[0]) / 60 if len(times) > 1 else 0.0
    throughput = len(sent) / (CALLS_PER_MINUTE * minutes) if minutes else 0.0
    backend = voice_mock.sms_voice()
    left_over = Counter(
        {TIMEOUT_AFTER_ACCEPT: "timeout_after_accept", CONNECT_TIMEOUT: "connect_timeout"}.get(
            fault.kind, str(fault.status)
        )
        for fault in backend.faults.get("SendVoiceMessage", [])
    )
    return SimulationResult(
        messages=len(workload.messages),
        enqueued=len(workload.sends),
        invocations=invocations,
        deliveries=deliveries,
        attempts=len(calls),
        accepted=len(sent),
        sent_once=sent_once,
        outcome_unknown=outcome_unknown,
        dead_letter_kinds=Counter(str(letter.kind) for letter in queue.dead_letters),
        lost=lost,
        duplicates=sorted(str(text) for text, n in sent_texts.items() if n > 1),
        contradictions=contradictions,
        invalid_called=invalid_called,
        capped={r: (n, s, c) for r, (n, s, c) in capped.items()},
        max_calls_in_window=max_in_window,
        min_gap_per_number=min(gaps, default=float("inf")),
        redriven_without_reason=queue.redriven_without_reason,
        throughput=throughput,
        simulated_minutes=(max(times[-1], queue.clock.t) - START) / 60 if times else 0.0,
        real_seconds=real_seconds,
        faults_injected=faults,
        faults_left_over=left_over,
        invocation_errors=errors,
        longest_invocation_seconds=max(durations, default=0.0),
        stale_receipts=queue.stale_receipts,
        duplicated=workload.duplicated,
        keyed_twice=workload.keyed_twice,
        replayed=tally.events["voice message already handled: no second call"],
        acknowledged=sum(tally.events[event] for event in DUPLICATE_EVENTS),
        requeued=tally.requeued,
        invalid_messages=sum(1 for m in workload.messages if m.kind == "invalid"),
        fake_cap_refusals=sum(
            1 for call in calls if call.status == 429 and call.body and _is_cap_refusal(call, sent)
        ),
        dead_letters=list(queue.dead_letters),
        direct_invokes=len(direct),
        direct_sent=sum(1 for invoke in direct if sent_texts[invoke.text] == 1),
        direct_failed=sum(1 for invoke in direct if invoke.in_failure_destination),
        direct_lost=[
            f"direct {invoke.request_id}: not sent, not in the failure destination"
            for invoke in direct
            if not sent_texts[invoke.text] and not invoke.in_failure_destination
        ],
        direct_errors=Counter(error for invoke in direct for error in invoke.failures),
        max_calls_per_day=max_calls_per_day,
        day_slots_taken=day_slots_taken,
        unknown_without_call=accounting.unknown_without_call,
        calls_placed_metric=calls_placed_metric,
    )


def _is_cap_refusal(call: Any, sent: list[Any]) -> bool:
    """A 429 from the fake's own daily cap (not an injected one): 5 sent to it already."""
    destination = call.body.get("DestinationPhoneNumber")
    before = [m for m in sent if m.request["DestinationPhoneNumber"] == destination]
    return len([m for m in before if m.at <= call.at]) >= 5


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_sim_queue_hides_delays_deletes_and_redrives() -> None:
    clock = SimClock()
    queue = SimQueue(clock, visibility_timeout=180, max_receive_count=2)
    queue.send("a")
    queue.send("b", at=START + 10)

    [first] = queue.receive(10)
    assert (first.body, first.receive_count, queue.receive(10)) == ("a", 1, [])
    assert queue.next_visible() == START + 10
    assert first.receipt_handle is not None
    queue.change_visibility(first.receipt_handle, 30)
    clock.advance_to(START + 30)
    again = queue.receive(10)
    assert [(m.body, m.receive_count) for m in again] == [("a", 2), ("b", 1)]
    stale = first.receipt_handle
    queue.delete(again[1].receipt_handle or "")
    clock.advance_to(START + 30 + 180)
    assert queue.receive(10) == []  # "a" had its 2 receives: redriven, without a reason
    assert queue.redriven_without_reason == 1
    assert queue.dead_letters[0].reason is None
    assert queue.empty()
    queue.delete(stale)
    assert queue.stale_receipts == 1


# Everyday `make test` runs a smaller workload; `make test-deep` (CI) the full 1,000 messages.
MESSAGES = scale(300, 1000)


@pytest.mark.deep
def test_bulk_simulation_loses_nothing_duplicates_nothing_and_keeps_the_quota(
    voice_mock: VoiceMock, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_simulation(voice_mock, messages=MESSAGES, seed=SEED)
    with capsys.disabled():  # the figures belong in every run's output, `make test` included
        print("\nbulk simulation")
        print(result.format_table())

    assert result.invocation_errors == []
    assert result.lost == []
    assert result.duplicates == []
    assert result.contradictions == []
    assert result.invalid_called == []
    assert result.redriven_without_reason == 0
    assert result.max_calls_in_window <= CALLS_PER_MINUTE
    assert result.min_gap_per_number >= 1.0
    assert result.longest_invocation_seconds <= FUNCTION_TIMEOUT_SECONDS
    assert result.fake_cap_refusals == 0
    # Every message is accounted for: sent once (maybe with an unknown outcome), or dead-lettered.
    assert result.dead_letter_kinds["invalid"] == result.invalid_messages >= MESSAGES // 50
    for recipient, (count, sent, refused) in result.capped.items():
        assert (sent, refused) == (5, count - 5), recipient
    # Each timeout after accept is one call placed, with its outcome recorded as unknown.
    timeouts = result.faults_injected["timeout_after_accept"]
    timeouts -= result.faults_left_over["timeout_after_accept"]
    assert timeouts > 0
    assert result.outcome_unknown == timeouts
    assert result.accepted == result.sent_once
    # The CallsPlaced metric counts every call the service answered (a timeout got no answer).
    assert result.calls_placed_metric == result.accepted - timeouts
    # Every second copy (duplicate delivery, repeated IdempotencyKey) was answered from the
    # call ledger, or acknowledged as a duplicate of its twin, never with a second call.
    assert result.replayed + result.acknowledged == result.enqueued - result.messages
    assert result.throughput >= 0.95


@pytest.mark.deep
def test_harsh_simulation_never_calls_twice_and_loses_nothing(
    voice_mock: VoiceMock, capsys: pytest.CaptureFixture[str]
) -> None:
    harsh = Harsh(direct=scale(30, 100), last_receive_twins=scale(6, 20))
    result = run_simulation(voice_mock, messages=MESSAGES, seed=SEED, harsh=harsh)
    with capsys.disabled():
        print("\nharsh simulation")
        print(result.format_table())

    # Every fault the run is about happened, more than a handful of times.
    for fault in (
        "crash after accept",
        "kill mid-invocation",
        "duplicate delivery",
        "outcome write outage",
        "throttled outcome write",
        "throttled put_item",
        "throttled get_item",
        "throttled transact_write_items",
        "throttled delete_item",
        "timeout_after_accept",
        "lambda async retry",
    ):
        assert result.faults_injected[fault] >= scale(1, 5), fault
    assert result.invocation_errors == []
    assert result.duplicates == []  # no second call, bulk or direct
    assert result.lost == []
    assert result.direct_lost == []
    assert result.contradictions == []  # nothing both called and dead-lettered as a failure
    assert result.invalid_called == []
    assert result.redriven_without_reason == 0
    assert result.max_calls_in_window <= CALLS_PER_MINUTE
    assert result.min_gap_per_number >= 1.0
    assert result.longest_invocation_seconds <= FUNCTION_TIMEOUT_SECONDS
    # Every invalid message is dead-lettered as invalid; one SQS delivered twice at once may be
    # there twice (each delivery refuses it before any claim, and neither calls).
    invalid = {letter.body for letter in result.dead_letters if letter.kind == "invalid"}
    assert len(invalid) == result.invalid_messages
    extra = result.dead_letter_kinds["invalid"] - result.invalid_messages
    assert extra <= result.faults_injected["duplicate delivery"]
    # Never more than the daily cap (a throttled give-back may cost a slot, never add one).
    for recipient, (_, sent, _) in result.capped.items():
        assert sent <= 5, recipient
    assert result.direct_sent + result.direct_failed >= result.direct_invokes
    assert all(letter.reason for letter in result.dead_letters)


# The daily cap's runs: a third of the messages fit in the day, from twice the construct's
# concurrency, so that invocations race for the counter's last slots and pacing times some out
# after their day's slot was taken (each gives it back).
DAILY_CAP = MESSAGES // 3
CAP_CONCURRENCY = 2 * MAX_CONCURRENCY
# The service's faults but the 500: an unknown outcome without a call holds a slot of the day,
# which the harsh run shows; without it, the day's calls are exactly the cap.
FAULTS_THAT_PLACE_OR_FREE = tuple(fault for fault in FAULTS if fault[0] != "500")


@pytest.mark.deep
def test_daily_cap_holds_under_concurrency_in_the_bulk_simulation(
    voice_mock: VoiceMock, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_simulation(
        voice_mock,
        messages=MESSAGES,
        seed=SEED,
        max_concurrency=CAP_CONCURRENCY,
        max_calls_per_day=DAILY_CAP,
        faults=FAULTS_THAT_PLACE_OR_FREE,
    )
    with capsys.disabled():
        print("\nbulk simulation with a daily cap")
        print(result.format_table())

    assert result.invocation_errors == []
    # Exactly the cap's calls in the day, every slot a call; each second copy refused.
    assert result.accepted == DAILY_CAP == result.day_slots_taken
    assert result.duplicates == []
    assert result.contradictions == []
    assert result.lost == []
    assert result.invalid_called == []
    assert result.redriven_without_reason == 0
    # Every valid message not sent is in the dead-letter queue with the cap as its reason, or
    # the recipient's cap, or a second copy of a message (refused without a call).
    valid = result.messages - result.invalid_messages
    refused = result.dead_letter_kinds["daily_cap"] + result.dead_letter_kinds["recipient_cap"]
    assert result.sent_once + refused == valid
    assert result.dead_letter_kinds["daily_cap"] >= valid - DAILY_CAP - 10
    # A call placed whose answer was lost (a timeout after accept) is reported as unknown.
    assert result.dead_letter_kinds["outcome_unknown"] == result.outcome_unknown
    kinds = {"daily_cap", "recipient_cap", "invalid", "duplicate", "outcome_unknown"}
    assert set(result.dead_letter_kinds) <= kinds
    daily = [letter for letter in result.dead_letters if letter.kind == "daily_cap"]
    assert all("max_calls_per_day" in str(letter.reason) for letter in daily)
    # Every second copy was answered from the ledger or refused as a duplicate, never called.
    assert result.replayed + result.acknowledged == result.enqueued - result.messages
    # Pacing timed some out after their slot of the day was taken: given back, sent later.
    assert result.requeued["TooManyRequestsException"] > 0
    # No refused message reached the service: each request it saw was a call or an injected 429
    # (a connect timeout never reaches it).
    assert result.attempts - result.accepted == (
        result.faults_injected["429"] - result.faults_left_over["429"]
    )
    assert result.max_calls_in_window <= CALLS_PER_MINUTE
    assert result.calls_placed_metric == result.accepted - (
        result.faults_injected["timeout_after_accept"]
        - result.faults_left_over["timeout_after_accept"]
    )


@pytest.mark.deep
def test_harsh_simulation_with_a_daily_cap_never_calls_past_it(
    voice_mock: VoiceMock, capsys: pytest.CaptureFixture[str]
) -> None:
    harsh = Harsh(direct=scale(30, 100), last_receive_twins=scale(6, 20))
    result = run_simulation(
        voice_mock,
        messages=MESSAGES,
        seed=SEED,
        harsh=harsh,
        max_concurrency=CAP_CONCURRENCY,
        max_calls_per_day=DAILY_CAP,
    )
    with capsys.disabled():
        print("\nharsh simulation with a daily cap")
        print(result.format_table())

    for fault in (
        "throttled day counter write",
        "500",
        "crash after accept",
        "kill mid-invocation",
    ):
        assert result.faults_injected[fault] >= 1, fault
    assert result.invocation_errors == []
    # Never past the cap: a slot lost to a crash, a kill or a throttled give-back costs a call.
    assert result.accepted <= DAILY_CAP
    assert result.day_slots_taken == DAILY_CAP
    assert result.accepted + result.unknown_without_call <= DAILY_CAP
    assert result.duplicates == []
    assert result.lost == []
    assert result.direct_lost == []
    assert result.contradictions == []
    assert result.redriven_without_reason == 0
    assert result.dead_letter_kinds["daily_cap"] > 0
    assert all(letter.reason for letter in result.dead_letters)
    assert result.direct_errors["DailyLimitExceededException"] > 0
    assert result.direct_sent + result.direct_failed >= result.direct_invokes


def test_daily_cap_holds_when_every_invocation_races_for_the_last_slots(
    voice_mock: VoiceMock,
) -> None:
    # Ten invocations start at once, and every state-table operation yields to the others (its
    # latency): each step of one invocation's claim interleaves with the others'. Only a cap
    # taken in one conditional write holds; a read, then a write, would let all ten through.
    cap, racers = 5, 10
    quiet = Harsh(
        crash_after_accept=0.0,
        kill=0.0,
        throttle=0.0,
        outcome_outage=0.0,
        duplicate_delivery=0.0,
        last_receive_twins=0,
        direct=0,
    )
    result = run_simulation(
        voice_mock,
        messages=60,
        seed=SEED,
        harsh=quiet,
        max_concurrency=racers,
        max_calls_per_day=cap,
        faults=(),
    )

    assert result.invocation_errors == []
    assert result.accepted == cap == result.day_slots_taken
    assert result.duplicates == []
    assert result.lost == []
    assert result.dead_letter_kinds["daily_cap"] >= 60 - cap - 10
