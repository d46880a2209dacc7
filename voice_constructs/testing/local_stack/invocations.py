"""Lambda's asynchronous invocations: ``InvocationType=Event``, SNS and EventBridge deliveries.

Each event is queued, then run; after a function error it is retried as Lambda retries it (by
default twice: a minute after the first attempt, two minutes after the second), and a throttled
attempt waits its turn without counting. Its record then goes to the function's destination for
success or failure (``AWS::Lambda::EventInvokeConfig``: an SQS queue, an SNS topic, a function
or an event bus), and a failed event to its dead-letter queue (``DeadLetterConfig``), in
Lambda's formats. What differs: nothing is kept across a restart, an event's maximum age is not
enforced, and events still waiting for a retry when the emulator stops are dropped (counted).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from voice_constructs.testing.local_stack.functions import (
    FunctionConfig,
    Functions,
    Result,
    ThrottledError,
)

RETRY_DELAYS = (60.0, 120.0)
THROTTLE_DELAY = 1.0
_TICK = 0.2


@dataclass
class _Pending:
    function: FunctionConfig
    event: Any
    request_id: str
    attempt: int = 1


class AsyncInvocations:
    """The queue of asynchronous invocations, and the thread that runs them when due."""

    def __init__(
        self,
        functions: Functions,
        client: Callable[[str], Any],
        note: Callable[[str], None],
        start_thread: Callable[[Callable[[], None], str], threading.Thread],
        *,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        """``client`` makes the AWS clients destinations need; ``note`` takes what goes wrong."""
        self._functions = functions
        self._client = client
        self._note = note
        self._start_thread = start_thread
        self._retry_delays = retry_delays
        self._queue: list[tuple[float, int, _Pending]] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._stopping = False
        self._workers: set[threading.Thread] = set()
        self._dispatcher: threading.Thread | None = None

    def submit(self, target: str, event: Any) -> str:
        """Queue ``event`` for the function named by ``target``; returns the request id."""
        function = self._functions.find(target)
        if function is None:
            raise KeyError(target)
        pending = _Pending(function, event, str(uuid.uuid4()))
        self._schedule(pending, 0.0)
        return pending.request_id

    def _schedule(self, pending: _Pending, delay: float) -> None:
        with self._condition:
            due = time.monotonic() + delay
            heapq.heappush(self._queue, (due, next(self._order), pending))
            self._condition.notify()

    def start(self) -> None:
        """Start the dispatcher thread."""
        self._dispatcher = self._start_thread(self._dispatch, "lambda async dispatcher")

    def stop(self, timeout: float) -> int:
        """Stop taking events, wait up to ``timeout`` for running ones; returns those dropped."""
        with self._condition:
            self._stopping = True
            dropped = len(self._queue)
            self._queue.clear()
            self._condition.notify_all()
        if self._dispatcher is not None:
            self._dispatcher.join(timeout)
        end = time.monotonic() + timeout
        for worker in list(self._workers):
            worker.join(max(0.0, end - time.monotonic()))
        return dropped

    def _dispatch(self) -> None:
        while True:
            with self._condition:
                if self._stopping:
                    return
                now = time.monotonic()
                if not self._queue or self._queue[0][0] > now:
                    wait = self._queue[0][0] - now if self._queue else _TICK
                    self._condition.wait(min(max(wait, 0.0), _TICK))
                    continue
                _, _, pending = heapq.heappop(self._queue)
            worker = self._start_thread(functools.partial(self._attempt, pending), "lambda async")
            self._workers.add(worker)
            self._workers = {w for w in self._workers if w.is_alive()}

    def _attempt(self, pending: _Pending) -> None:
        try:
            result = self._functions.invoke(pending.function.name, pending.event)
        except ThrottledError:
            self._schedule(pending, THROTTLE_DELAY)
            return
        if result.error is None:
            if pending.function.on_success:
                self._destination(pending, result, "Success", pending.function.on_success)
            return
        if pending.attempt <= min(pending.function.retries, len(self._retry_delays)):
            delay = self._retry_delays[pending.attempt - 1]
            pending.attempt += 1
            self._schedule(pending, delay)
            return
        if pending.function.on_failure:
            self._destination(pending, result, "RetriesExhausted", pending.function.on_failure)
        if pending.function.dead_letter:
            self._dead_letter(pending, result, pending.function.dead_letter)

    def _destination(self, pending: _Pending, result: Result, condition: str, arn: str) -> None:
        """The invocation record, in Lambda's format, to a queue, topic, function or bus."""
        response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if result.error is not None:
            response["functionError"] = "Unhandled"
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "requestContext": {
                "requestId": pending.request_id,
                "functionArn": f"{pending.function.arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": pending.attempt,
            },
            "requestPayload": pending.event,
            "responseContext": response,
            "responsePayload": result.payload,
        }
        outcome = "Success" if condition == "Success" else "Failure"
        self._send(arn, json.dumps(record), f"Lambda Function Invocation Result - {outcome}", {})

    def _dead_letter(self, pending: _Pending, result: Result, arn: str) -> None:
        """The event itself, with Lambda's attributes, to the function's dead-letter queue."""
        message = str((result.payload or {}).get("errorMessage", ""))[:1000]
        attributes = {"RequestID": pending.request_id, "ErrorCode": "200", "ErrorMessage": message}
        self._send(arn, json.dumps(pending.event), "", attributes)

    def _send(self, arn: str, body: str, detail_type: str, attributes: dict[str, str]) -> None:
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        try:
            if service == "sqs":
                sqs = self._client("sqs")
                name, account = arn.rsplit(":", 1)[1], arn.split(":")[4]
                url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
                typed = {
                    k: {"DataType": "Number" if k == "ErrorCode" else "String", "StringValue": v}
                    for k, v in attributes.items()
                }
                sqs.send_message(
                    QueueUrl=url["QueueUrl"], MessageBody=body, MessageAttributes=typed
                )
            elif service == "sns":
                sns_attributes = {
                    k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
                }
                self._client("sns").publish(
                    TopicArn=arn, Message=body, MessageAttributes=sns_attributes
                )
            elif service == "lambda":
                self.submit(arn, json.loads(body))
            elif service == "events":
                entry = {"Source": "lambda", "DetailType": detail_type, "Detail": body}
                self._client("events").put_events(Entries=[{**entry, "EventBusName": arn}])
            else:
                self._note(f"asynchronous invocation result to {arn}: not emulated")
        except Exception as error:  # a destination that fails must not stop the queue
            self._note(f"asynchronous invocation result to {arn} failed: {error}")
