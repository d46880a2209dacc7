"""The bulk path at scale: 20 to 3,000 calls a minute, sized by the synthesized construct.

What runs for real: each container's :class:`~send_voice_message.sender.Sender` (the call
ledger, the recipient cap and pacing in moto's DynamoDB) and the project's SMS and Voice fake.
What is simulated, on one clock (``test_bulk_simulation``'s scheduler: one invocation runs at a
time, each yields when it waits on the clock):

- **The construct's sizing.** Batch size, maximum concurrency and timeout are read from the
  template of a ``VoiceMessageSender`` synthesized with the run's quota and numbers; a quota its
  numbers cannot reach is refused there, as a user would see it. The identities pacing hands
  out, and how many numbers each holds, are the function's environment, read with the
  contract's parser: a run with a ``pool`` sends through v2 from a ``VoicePool`` of that many
  numbers, which the service may call from up to that many times a second.
- **Latency.** Every state-table request takes ``DYNAMODB_LATENCY`` (uniform), and yields:
  requests of concurrent invocations really interleave, so pacing's conditional writes conflict.
  A call reaches the service ``SERVICE_LATENCY`` (uniform, 150-600 ms) after it leaves; a
  connect timeout costs the connect timeout, a read timeout the read timeout.
- **Containers.** Each of the mapping's concurrent pollers is one Lambda container with its own
  sender (its own pacing state), polling again ``POLL_GAP_SECONDS`` after each batch.

The limits are measured at the service: every request the fake received (its clock is the
simulation's), in every closed 60-second window and per origination identity (a pool of N
numbers: N + 1 of its calls never within a second, so each of its numbers, taken in turn,
calls at most once a second). Operations are
counted per sent message: state-table requests (and their failed conditions), SQS requests,
and Lambda time. ``run_scale`` is importable without pytest fixtures (``make bench``).
"""

from __future__ import annotations

# Fake credentials and a region before any boto3 client exists.
import tests.conftest  # noqa: F401

# isort: split

import functools
import json
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk.assertions import Template
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError
from send_voice_message.ledger import Ledger
from send_voice_message.quota import Quota
from send_voice_message.request import V1, V2
from send_voice_message.sender import LOGGER_NAME, Sender
from send_voice_message.service import CLIENT_CONFIG
from send_voice_message.validation import Defaults
from vc_common import contract

from tests.conftest import cdk_context
from tests.depth import scale
from tests.handlers.conftest import create_state_table
from tests.handlers.test_bulk_simulation import (
    REGION,
    START,
    SimClock,
    SimLambdaContext,
    SimQueue,
    SimQueues,
    SimulatedKill,
    _Task,
    sqs_event,
)
from tests.infra.templates import sender_function
from voice_constructs import SmsVoiceApi, VoicePool
from voice_constructs.sender import REDRIVE_SLACK, VoiceMessageSender
from voice_constructs.testing import VoiceMock, mock_voice

# The stated distributions (uniform, seconds). The service's spread (0.45 s) is within the
# spread pacing allows for (contract.LATENCY_SPREAD_SECONDS, 0.5 s).
SERVICE_LATENCY = (0.15, 0.60)
DYNAMODB_LATENCY = (0.003, 0.008)
POLL_GAP_SECONDS = 0.02
MEMORY_GB = 0.25
# Faults a run injects, each a chance per request at the service.
FAULTS = (("429", 0.01), ("connect_timeout", 0.003), ("timeout_after_accept", 0.003))
SEED = 16_016
# Prices (us-east-1, list prices, 2026) the README compares with.
PRICE_DYNAMODB_WRITE = 0.625 / 1e6  # on-demand, per write request unit
PRICE_DYNAMODB_READ = 0.125 / 1e6  # on-demand, per read request unit
PRICE_SQS_REQUEST = 0.40 / 1e6  # standard queue, per request
PRICE_LAMBDA_GB_SECOND = 0.0000133334  # arm64
PRICE_LAMBDA_REQUEST = 0.20 / 1e6


# The pool a run with ``pool`` sends from (fictional).
POOL_ID = "pool-0123456789abcdef0123456789abcdef"


def numbers(count: int) -> tuple[str, ...]:
    """``count`` origination numbers of the sender's own."""
    return tuple(f"+1206{n:07d}" for n in range(5_550_100, 5_550_100 + count))


@dataclass(frozen=True)
class Sized:
    """What the synthesized construct gives the bulk path."""

    batch_size: int
    max_concurrency: int
    timeout_seconds: int
    max_receive_count: int
    visibility_timeout_seconds: int
    # The API, the identities pacing hands out and each one's numbers (the environment's).
    api: str = contract.API_V1
    identities: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()


def synthesized(
    calls_per_minute: int, identities: tuple[str, ...], *, pool: int | None = None
) -> Sized:
    """The sizing of a ``VoiceMessageSender`` with this quota and these numbers, from its template.

    With ``pool``, the sender's one identity is a v2 pool of that many numbers instead.
    Raises the construct's ValueError when the numbers cannot reach the quota.
    """
    stack = cdk.Stack(cdk.App(context=cdk_context()), "Scale")
    given: list[Any] = list(identities)
    if pool is not None:
        given = [VoicePool.from_pool_id(stack, "Pool", POOL_ID, phone_number_count=pool)]
    VoiceMessageSender(
        stack,
        "Sender",
        origination_numbers=given,
        max_calls_per_minute=calls_per_minute,
        enable_queue=True,
        api=SmsVoiceApi.V1 if pool is None else SmsVoiceApi.V2,
        allowed_countries=["US"],
    )
    template = Template.from_stack(stack)
    [mapping] = template.find_resources("AWS::Lambda::EventSourceMapping").values()
    [queue] = [
        q
        for q in template.find_resources("AWS::SQS::Queue").values()
        if "RedrivePolicy" in q["Properties"]
    ]
    _, function = sender_function(template)
    properties = mapping["Properties"]
    redrive = queue["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    variables = function["Environment"]["Variables"]
    assert int(variables["MAX_RECEIVE_COUNT"]) + REDRIVE_SLACK == redrive
    own = tuple(variables[contract.ENV_ORIGINATION_IDENTITIES].split(","))
    return Sized(
        batch_size=properties["BatchSize"],
        max_concurrency=properties["ScalingConfig"]["MaximumConcurrency"],
        timeout_seconds=function["Timeout"],
        max_receive_count=int(variables["MAX_RECEIVE_COUNT"]),
        visibility_timeout_seconds=queue["Properties"]["VisibilityTimeout"],
        api=variables.get(contract.ENV_API, contract.API_V1),
        identities=own,
        numbers=contract.parse_number_counts(
            variables.get(contract.ENV_ORIGINATION_NUMBER_COUNTS), len(own)
        ),
    )


# --------------------------------------------------------------------------------------------
# The clients each container sees
# --------------------------------------------------------------------------------------------


class _Table:
    """The state table's client: each request takes time (and yields), and is counted.

    Pacing's items live in a second moto table of the same schema: moto's TransactWriteItems
    copies every table it touches, so the thousands of ledger records would make each outside
    number's reservation slower in real time (never in simulated time).
    """

    def __init__(
        self, client: Any, clock: SimClock, rng: random.Random, counts: Counter[str], side: str
    ) -> None:
        self._client = client
        self._clock = clock
        self._rng = rng
        self._counts = counts
        self._side = side

    def _route(self, request: dict[str, Any]) -> dict[str, Any]:
        key = request.get("Key", request.get("Item", {})).get("id", {}).get("S", "")
        return {**request, "TableName": self._side} if key.startswith("pace#") else request

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)

        def call(**request: Any) -> Any:
            self._clock.sleep(self._rng.uniform(*DYNAMODB_LATENCY))
            if name == "transact_write_items":
                request = {
                    **request,
                    "TransactItems": [
                        {op: self._route(body) for op, body in item.items()}
                        for item in request["TransactItems"]
                    ],
                }
            else:
                request = self._route(request)
            try:
                result = real(**request)
            except ClientError:
                self._counts[f"{name} (condition failed)"] += 1
                raise
            self._counts[name] += 1
            return result

        return call


class _Voice:
    """The SMS and Voice client: the call reaches the service after its latency; timeouts cost."""

    def __init__(self, client: Any, clock: SimClock, rng: random.Random) -> None:
        self._client = client
        self._clock = clock
        self._rng = rng

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def send_voice_message(self, **request: Any) -> Any:
        self._clock.sleep(self._rng.uniform(*SERVICE_LATENCY))
        try:
            return self._client.send_voice_message(**request)
        except ConnectTimeoutError:
            self._clock.sleep(contract.CONNECT_TIMEOUT_SECONDS)
            raise
        except ReadTimeoutError:
            self._clock.sleep(contract.READ_TIMEOUT_SECONDS)
            raise


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


@dataclass
class ScaleResult:
    """The figures of one run at one quota."""

    calls_per_minute: int
    identities: int  # the phone numbers of the sender's identities, a pool's each
    sized: Sized
    messages: int
    accepted: int
    lost: list[str]
    second_calls: list[str]
    max_calls_in_window: int
    min_gap_per_number: float
    throughput: float
    drain_minutes: float
    simulated_minutes: float
    real_seconds: float
    invocations: int
    dead_letter_kinds: Counter[str]
    errors: list[str]
    dynamodb: Counter[str]
    sqs: Counter[str]
    lambda_seconds: float
    faults: Counter[str] = field(default_factory=Counter)

    def per_sent(self, count: float) -> float:
        """``count`` per accepted call."""
        return count / self.accepted if self.accepted else 0.0

    @property
    def dynamodb_requests(self) -> int:
        """Every state-table request, failed conditions included."""
        return sum(self.dynamodb.values())

    @property
    def write_units(self) -> float:
        """On-demand write request units (a transaction's items cost two each)."""
        transact = self.dynamodb["transact_write_items"]
        transact += self.dynamodb["transact_write_items (condition failed)"]
        writes = sum(
            count
            for name, count in self.dynamodb.items()
            if name.split(" ")[0] in ("put_item", "update_item", "delete_item")
        )
        return writes + 2 * 2 * transact

    @property
    def read_units(self) -> float:
        """On-demand read request units (strongly consistent reads: one each)."""
        return float(sum(c for n, c in self.dynamodb.items() if n.startswith("get_item")))

    def cost_per_call(self) -> dict[str, float]:
        """What each sent message costs in DynamoDB, SQS and Lambda, in US dollars."""
        return {
            "dynamodb": self.per_sent(
                self.write_units * PRICE_DYNAMODB_WRITE + self.read_units * PRICE_DYNAMODB_READ
            ),
            "sqs": self.per_sent(sum(self.sqs.values()) * PRICE_SQS_REQUEST),
            "lambda": self.per_sent(
                self.lambda_seconds * MEMORY_GB * PRICE_LAMBDA_GB_SECOND
                + self.invocations * PRICE_LAMBDA_REQUEST
            ),
        }

    def format_table(self) -> str:
        """The figures, one per line."""
        pooled = gap_note = ""
        if self.sized.api == contract.API_V2:
            pooled = f" (a v2 pool of {self.identities})"
            gap_note = f" (the pool's: {self.identities + 1} calls)"
        rows = [
            ("quota / numbers", f"{self.calls_per_minute} a minute / {self.identities}{pooled}"),
            (
                "batch / concurrency / timeout",
                f"{self.sized.batch_size} / {self.sized.max_concurrency} / "
                f"{self.sized.timeout_seconds} s",
            ),
            ("messages / accepted", f"{self.messages} / {self.accepted}"),
            ("throughput (accepted / quota)", f"{self.throughput:.3f} while a backlog waits"),
            ("last call after (min)", f"{self.drain_minutes:.1f}"),
            ("lost / second calls", f"{len(self.lost)} / {len(self.second_calls)}"),
            ("max requests in a 60 s window", f"{self.max_calls_in_window}"),
            ("min gap per number (s)", f"{self.min_gap_per_number:.3f}{gap_note}"),
            ("dead letters", _counts(self.dead_letter_kinds)),
            ("faults injected", _counts(self.faults)),
            ("DynamoDB requests per sent", f"{self.per_sent(self.dynamodb_requests):.2f}"),
            ("  by operation", _counts(self.dynamodb)),
            (
                "  write / read units per sent",
                f"{self.per_sent(self.write_units):.2f} / {self.per_sent(self.read_units):.2f}",
            ),
            ("SQS requests per sent", f"{self.per_sent(sum(self.sqs.values())):.2f}"),
            ("Lambda seconds per sent", f"{self.per_sent(self.lambda_seconds):.2f}"),
            ("invocations / errors", f"{self.invocations} / {len(self.errors)}"),
            (
                "simulated minutes / real seconds",
                f"{self.simulated_minutes:.1f} / {self.real_seconds:.0f}",
            ),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "-"


def workload(count: int, own: tuple[str, ...], rng: random.Random) -> list[str]:
    """``count`` bodies to distinct recipients; 1 in 50 names one of the sender's numbers, 1 in
    100 a number of its own outside them, and 1 in 100 is queued twice (a producer's retry,
    with the IdempotencyKey that makes the two copies one message)."""
    destinations = [f"+1425{n:07d}" for n in rng.sample(range(2_000_000, 9_999_999), count)]
    bodies = []
    for n, destination in enumerate(destinations):
        event: dict[str, Any] = {
            "DestinationPhoneNumber": destination,
            "Content": {"PlainTextMessage": {"Text": f"Message {n:06d}. Goodbye."}},
        }
        if n % 50 == 7:
            event["OriginationPhoneNumber"] = rng.choice(own)
        elif n % 100 == 13:
            event["OriginationPhoneNumber"] = f"+1503555{n % 1000:04d}"
        if n % 100 == 0:
            event["IdempotencyKey"] = f"retry-{n}"
        bodies.append(json.dumps(event))
    twice = [bodies[n] for n in range(0, count, 100)]
    return bodies + twice


class _ScaleRun:
    """One run: C pollers, each a container with its own sender, draining one queue."""

    def __init__(
        self,
        voice_mock: VoiceMock,
        calls_per_minute: int,
        own: tuple[str, ...],
        sized: Sized,
        messages: int,
        seed: int,
    ) -> None:
        self.real_start = time.perf_counter()
        self.voice_mock = voice_mock
        self.calls_per_minute, self.own, self.sized = calls_per_minute, own, sized
        self.rng = random.Random(seed)
        self.clock = SimClock(START)
        self.queue = SimQueue(
            self.clock,
            visibility_timeout=sized.visibility_timeout_seconds,
            max_receive_count=sized.max_receive_count + REDRIVE_SLACK,
            seed=seed + 1,
        )
        self.bodies = workload(messages, own, self.rng)
        self.messages = messages
        for body in self.bodies:
            self.queue.send(body, START)
        self.dynamodb: Counter[str] = Counter()
        self.sqs: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.errors: list[str] = []
        self.lambda_seconds = 0.0
        self.invocations = 0
        self.free_at = [START] * sized.max_concurrency
        self.backlog_until = START  # the last first delivery of a message
        self.running: dict[int, tuple[_Task, list[Any], float]] = {}
        self.senders: list[Sender] = []

    def containers(self, table: str, side: str) -> None:
        queues = _CountingQueues(self.queue, self.sqs)
        dynamodb = boto3.client("dynamodb")
        api = V2 if self.sized.api == contract.API_V2 else V1
        voice = boto3.client(api.service_name, config=CLIENT_CONFIG)
        logger = logging.getLogger(LOGGER_NAME)
        for n in range(self.sized.max_concurrency):
            rng = random.Random(self.rng.getrandbits(64))
            table_client = _Table(dynamodb, self.clock, rng, self.dynamodb, side)
            quota = Quota(
                table_client,  # type: ignore[arg-type]
                table,
                calls_per_minute=self.calls_per_minute,
                identities=self.own,
                numbers=self.sized.numbers,
                clock=self.clock,
                rng=rng,
            )
            self.senders.append(
                Sender(
                    client=_Voice(voice, self.clock, rng),
                    api=api,
                    defaults=Defaults(origination_number=self.own[0], language_code="en-US"),
                    ledger=Ledger(
                        table_client,  # type: ignore[arg-type]
                        table,
                        window_seconds=24 * 3600,
                        clock=self.clock,
                    ),
                    quota=quota,
                    queues=queues,
                    clock=self.clock,
                    max_receives=self.sized.max_receive_count,
                    logger=logger,
                )
            )
            del n

    def run(self) -> None:
        with _quiet(self.voice_mock, self.clock, self.sized.api):
            table = create_state_table()
            side = create_state_table(f"{table}-pacing")
            self.containers(table, side)
            scheduler = self.clock.scheduler
            try:
                while (event := self._next_event()) is not None:
                    at, what, poller = event
                    self.clock.advance_to(at)
                    if what == 0:
                        task = scheduler.wake_next()
                        if task.done:
                            self._finish(int(task.name.split("-")[1]))
                    else:
                        self._poll(poller)
            finally:
                scheduler.abort()

    def _next_event(self) -> tuple[float, int, int] | None:
        events: list[tuple[float, int, int]] = []
        wake = self.clock.scheduler.next_wake()
        if wake is not None:
            events.append((wake, 0, 0))
        visible = self.queue.next_visible()
        if visible is not None:
            events += [
                (max(self.free_at[p], visible), 1, p)
                for p in range(self.sized.max_concurrency)
                if p not in self.running
            ]
        if not events:
            return None
        event = min(events)
        if event[0] - START > 24 * 3600:
            raise RuntimeError("the queue did not drain in a simulated day")
        return event

    def _poll(self, poller: int) -> None:
        self.sqs["ReceiveMessage"] += 1
        batch = self.queue.receive(self.sized.batch_size)
        if not batch:
            self.free_at[poller] = self.clock.t + 1.0  # an empty receive waits (long polling)
            return
        self.invocations += 1
        if any(message.receive_count == 1 for message in batch):
            self.backlog_until = self.clock.t
        self._inject()
        context = SimLambdaContext(
            self.clock,
            self.clock.t,
            f"{self.rng.getrandbits(128):032x}",
            self.sized.timeout_seconds,
        )
        task = self.clock.scheduler.start(
            f"poller-{poller}-{self.invocations}",
            functools.partial(self.senders[poller].handle, sqs_event(batch), context),
            kill_at=self.clock.t + self.sized.timeout_seconds,
        )
        self.running[poller] = (task, batch, self.clock.t)
        if task.done:
            self._finish(poller)

    def _inject(self) -> None:
        draw, threshold = self.rng.random(), 0.0
        for name, chance in FAULTS:
            threshold += chance
            if draw < threshold:
                api = self.sized.api
                if name == "429":
                    self.voice_mock.fail_next("SendVoiceMessage", 1, status=429, api=api)
                else:
                    after = name == "timeout_after_accept"
                    self.voice_mock.time_out_next(
                        "SendVoiceMessage", 1, after_accept=after, api=api
                    )
                self.faults[name] += 1
                return

    def _finish(self, poller: int) -> None:
        task, batch, started = self.running.pop(poller)
        self.lambda_seconds += self.clock.t - started
        self.free_at[poller] = self.clock.t + POLL_GAP_SECONDS
        if task.error is not None:
            if not isinstance(task.error, SimulatedKill):
                self.errors.append(f"{task.name}: {type(task.error).__name__}: {task.error}")
            return
        failed = {item["itemIdentifier"] for item in task.result.get("batchItemFailures", [])}
        done = [m for m in batch if m.message_id not in failed and m.receipt_handle]
        if done:
            self.sqs["DeleteMessageBatch"] += 1
        for message in done:
            self.queue.delete(message.receipt_handle or "")

    def measure(self) -> ScaleResult:
        api = self.sized.api
        calls = [
            c
            for c in self.voice_mock.calls("SendVoiceMessage", api=api)
            if c.body.get("Content") or c.body.get("MessageBody")
        ]
        sent = self.voice_mock.sent_messages(api=api)
        texts = Counter(_sent_text(m.request) for m in sent)
        letters = Counter(_text(json.loads(d.body)) for d in self.queue.dead_letters if d.reason)
        unique = {_text(json.loads(body)) for body in self.bodies}
        lost = sorted(str(t) for t in unique if not texts[t] and not letters[t])
        times = sorted(c.at for c in calls)
        window = end = 0
        # Every closed window [t, t + 60 s] from each request: one exactly 60 s after another
        # counts in both, as the service may count it.
        for first, start in enumerate(times):
            while end < len(times) and times[end] <= start + 60:
                end += 1
            window = max(window, end - first)
        by_number: dict[str, list[float]] = {}
        origination = "OriginationIdentity" if api == contract.API_V2 else "OriginationPhoneNumber"
        for call in calls:
            by_number.setdefault(str(call.body.get(origination)), []).append(call.at)
        held = dict(zip(self.sized.identities, self.sized.numbers, strict=True))
        # An identity of N numbers: the time its N + 1 consecutive calls took (N = 1: the gap).
        gaps = [
            b - a
            for identity, stamps in by_number.items()
            for a, b in _spans(sorted(stamps), held.get(identity, 1))
        ]
        accepted = sorted(m.at for m in sent)
        # While messages wait on their first delivery the sender should keep the quota; the
        # retries of the few that failed (30 s later and more) are the drain, not the rate.
        during = [at for at in accepted if at <= self.backlog_until]
        minutes = (during[-1] - during[0]) / 60 if len(during) > 1 else 0.0
        return ScaleResult(
            calls_per_minute=self.calls_per_minute,
            identities=sum(self.sized.numbers),
            sized=self.sized,
            messages=self.messages,
            accepted=len(sent),
            lost=lost,
            second_calls=sorted(str(t) for t, n in texts.items() if n > 1),
            max_calls_in_window=window,
            min_gap_per_number=min(gaps, default=math.inf),
            throughput=(len(during) - 1) / (self.calls_per_minute * minutes) if minutes else 0.0,
            drain_minutes=(accepted[-1] - START) / 60 if accepted else 0.0,
            simulated_minutes=(self.clock.t - START) / 60,
            real_seconds=time.perf_counter() - self.real_start,
            invocations=self.invocations,
            dead_letter_kinds=Counter(str(d.kind) for d in self.queue.dead_letters),
            errors=self.errors,
            dynamodb=self.dynamodb,
            sqs=self.sqs,
            lambda_seconds=self.lambda_seconds,
            faults=self.faults,
        )


def _spans(stamps: list[float], numbers: int) -> Iterator[tuple[float, float]]:
    """Each call's time and that of the call ``numbers`` after it."""
    return zip(stamps, stamps[numbers:], strict=False)


def _sent_text(request: dict[str, Any]) -> str | None:
    """The words of a request the fake recorded, of either API."""
    if "MessageBody" in request:
        return str(request["MessageBody"])
    return _text(request)


def _text(request: dict[str, Any]) -> str | None:
    try:
        return str(request["Content"]["PlainTextMessage"]["Text"])
    except (KeyError, TypeError):
        return None


class _CountingQueues(SimQueues):
    """The handler's SQS requests, counted."""

    def __init__(self, queue: SimQueue, counts: Counter[str]) -> None:
        super().__init__(queue)
        self._counts = counts

    def dead_letter(self, body: str, reason: str, kind: str, source: dict[str, str]) -> None:
        self._counts["SendMessage (dead letter)"] += 1
        super().dead_letter(body, reason, kind, source)

    def delay(self, receipt_handle: str, seconds: int) -> None:
        self._counts["ChangeMessageVisibility"] += 1
        super().delay(receipt_handle, seconds)


@contextmanager
def _quiet(voice_mock: VoiceMock, clock: SimClock, api: str) -> Iterator[None]:
    """The fake on the simulation's clock, and the sender's logs kept out of the output."""
    backend = voice_mock.sms_voice() if api == contract.API_V1 else voice_mock.sms_voice_v2()
    saved_clock = backend.clock
    logger = logging.getLogger(LOGGER_NAME)
    saved = (logger.level, logger.propagate, logger.disabled)
    try:
        backend.clock = clock.now
        logger.disabled = True
        yield
    finally:
        backend.clock = saved_clock
        logger.level, logger.propagate, logger.disabled = saved


def run_scale(
    voice_mock: VoiceMock | None,
    calls_per_minute: int,
    *,
    identities: int | None = None,
    messages: int | None = None,
    seed: int = SEED,
    pool: int | None = None,
) -> ScaleResult:
    """Simulate the bulk path at ``calls_per_minute`` with ``identities`` numbers (default:
    as many as the quota needs) and ``messages`` messages (default: three minutes' worth).

    With ``pool``, the sender sends through v2 from one ``VoicePool`` of that many numbers.
    Raises the construct's ValueError when the numbers cannot reach the quota.
    """
    own = numbers(identities or contract.identities_needed(calls_per_minute))
    sized = synthesized(calls_per_minute, own, pool=pool)
    count = messages or 3 * calls_per_minute
    if voice_mock is None:
        with mock_voice(REGION) as mock:
            return run_scale(
                mock, calls_per_minute, identities=len(own), messages=count, seed=seed, pool=pool
            )
    if pool is not None:
        # The pool was made elsewhere: the emulator holds it with its numbers, as the account does.
        voice_mock.adopt_pool(POOL_ID, phone_numbers=[f"+1206555{n:04d}" for n in range(pool)])
    run = _ScaleRun(voice_mock, calls_per_minute, sized.identities, sized, count, seed)
    run.run()
    return run.measure()


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def _check(result: ScaleResult) -> None:
    assert result.errors == []
    assert result.lost == []
    assert result.second_calls == []
    assert result.max_calls_in_window <= result.calls_per_minute
    assert result.min_gap_per_number >= 1.0
    assert result.throughput >= 0.95


# Everyday `make test` runs the low quotas briefly; `make test-deep` and `make bench` all four.
@pytest.mark.deep
@pytest.mark.parametrize(
    ("calls_per_minute", "messages"),
    [
        (20, scale(100, 300)),
        (100, scale(300, 1000)),
        pytest.param(1000, 3000, marks=pytest.mark.skipif(scale(0, 1) == 0, reason="deep")),
        pytest.param(3000, 6000, marks=pytest.mark.skipif(scale(0, 1) == 0, reason="deep")),
    ],
)
def test_scale_reaches_the_quota_without_a_second_call(
    voice_mock: VoiceMock, capsys: pytest.CaptureFixture[str], calls_per_minute: int, messages: int
) -> None:
    result = run_scale(voice_mock, calls_per_minute, messages=messages)
    with capsys.disabled():
        print(f"\nscale simulation at {calls_per_minute} calls a minute")
        print(result.format_table())

    _check(result)
    # The construct's sizing was used, not the simulation's own.
    assert result.sized.max_concurrency >= 2


def test_fails_at_1000_a_minute_with_too_few_numbers_at_synth() -> None:
    with pytest.raises(ValueError, match=r"1000 needs at least 25 origination numbers.*got 20"):
        run_scale(None, 1000, identities=20, messages=10)


# A pool of N numbers is paced as N numbers (issue 24). 5 numbers, each a call every 1 s plus
# the 0.5 s latency spread, reach 201 calls a minute; 250 a minute needs 7 (below).
@pytest.mark.deep
@pytest.mark.parametrize(
    ("calls_per_minute", "pool", "messages"),
    [(201, 5, scale(400, 1000)), (250, 7, scale(500, 1250))],
)
def test_scale_a_pool_reaches_the_quota_its_numbers_allow_without_a_second_call(
    voice_mock: VoiceMock,
    capsys: pytest.CaptureFixture[str],
    calls_per_minute: int,
    pool: int,
    messages: int,
) -> None:
    result = run_scale(voice_mock, calls_per_minute, pool=pool, messages=messages)
    with capsys.disabled():
        print(f"\nscale simulation at {calls_per_minute} calls a minute, a pool of {pool}")
        print(result.format_table())

    _check(result)
    assert result.sized.api == contract.API_V2
    assert result.sized.identities == (POOL_ID,)
    assert result.identities == pool


def test_fails_a_pool_of_5_at_250_a_minute_at_synth_naming_its_reach() -> None:
    with pytest.raises(
        ValueError,
        match=r"250 needs at least 7 origination numbers .*got 5 \(a pool's numbers each\): "
        r"give 2 more in origination_numbers, or lower max_calls_per_minute to 201$",
    ):
        run_scale(None, 250, pool=5, messages=10)
