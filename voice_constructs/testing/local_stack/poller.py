"""An SQS event source mapping: the queue polled into its function, as Lambda polls it.

Up to ``MaximumConcurrency`` batches at once (without a scaling configuration, the function's
reserved concurrency, else five), each of at most ``BatchSize`` messages gathered within
``MaximumBatchingWindowInSeconds``, received with the queue's visibility timeout and handed to
the function in Lambda's SQS event format. With ``ReportBatchItemFailures`` the function's
``batchItemFailures`` stay in the queue and the rest are deleted; an invalid answer, a function
error or a timeout leaves the whole batch, which comes back when its visibility runs out (or
sooner, if the function changed it), and SQS's redrive policy moves a message to the dead-letter
queue after its ``maxReceiveCount`` receives, as in AWS. What differs: the pollers long-poll
for a second at a time (Lambda for up to 20), and ``FilterCriteria`` is not applied.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voice_constructs.testing.local_stack.functions import Functions, ThrottledError

DEFAULT_CONCURRENCY = 5
_WAIT_SECONDS = 1
_SQS_BATCH = 10
_THROTTLED_PAUSE = 0.5


@dataclass(frozen=True)
class Mapping:
    """One ``AWS::Lambda::EventSourceMapping`` from an SQS queue."""

    uuid: str
    queue_arn: str
    queue_url: str
    function: str
    batch_size: int = 10
    window: float = 0.0
    concurrency: int = DEFAULT_CONCURRENCY
    report_failures: bool = False

    def describe(self) -> str:
        """One line for the emulator's startup output."""
        reports = ", ReportBatchItemFailures" if self.report_failures else ""
        window = f", window {self.window:g} s" if self.window else ""
        return (
            f"{self.queue_arn.rsplit(':', 1)[1]} -> {self.function} (batch size "
            f"{self.batch_size}{window}, maximum concurrency {self.concurrency}{reports})"
        )


class Poller:
    """The threads polling one mapping's queue into its function."""

    def __init__(
        self,
        mapping: Mapping,
        functions: Functions,
        sqs: Any,
        note: Callable[[str], None],
        start_thread: Callable[[Callable[[], None], str], threading.Thread],
    ) -> None:
        self.mapping = mapping
        self._functions = functions
        self._sqs = sqs
        self._note = note
        self._start_thread = start_thread
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.batches = 0

    def start(self) -> None:
        """Start one thread per concurrent batch."""
        for index in range(self.mapping.concurrency):
            name = f"poller {self.mapping.function} {index}"
            self._threads.append(self._start_thread(self._poll, name))

    def stop(self, timeout: float) -> None:
        """Stop receiving; wait up to ``timeout`` for the batches in hand."""
        self._stop.set()
        end = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, end - time.monotonic()))

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._receive()
                if messages:
                    self._deliver(messages)
            except Exception as error:  # a poller that fails once keeps polling, as Lambda's
                self._note(f"polling {self.mapping.queue_arn}: {type(error).__name__}: {error}")
                self._stop.wait(_WAIT_SECONDS)

    def _receive(self) -> list[dict[str, Any]]:
        """One batch: what one receive brings, topped up within the batching window."""
        wanted = self.mapping.batch_size
        messages = self._receive_some(min(wanted, _SQS_BATCH), _WAIT_SECONDS)
        end = time.monotonic() + self.mapping.window
        while messages and len(messages) < wanted and time.monotonic() < end:
            more = self._receive_some(min(wanted - len(messages), _SQS_BATCH), 0)
            if not more:
                self._stop.wait(min(0.1, max(0.0, end - time.monotonic())))
            messages += more
        return messages

    def _receive_some(self, count: int, wait: int) -> list[dict[str, Any]]:
        answer = self._sqs.receive_message(
            QueueUrl=self.mapping.queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        records = [self._record(message) for message in messages]
        try:
            result = self._functions.invoke(self.mapping.function, {"Records": records})
        except ThrottledError:
            # The batch stays in flight until its visibility runs out, then comes back.
            self._stop.wait(_THROTTLED_PAUSE)
            return
        self.batches += 1
        if result.error is not None:
            return
        failed = self._failures(result.payload, {m["MessageId"] for m in messages})
        if failed is None:
            self._note(
                f"{self.mapping.function} answered an invalid batchItemFailures: the whole "
                "batch stays in the queue"
            )
            return
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), _SQS_BATCH):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start : start + _SQS_BATCH])
            ]
            self._sqs.delete_message_batch(QueueUrl=self.mapping.queue_url, Entries=entries)

    def _failures(self, payload: Any, batch: set[str]) -> set[str] | None:
        """The ids the function reported failed; None when its answer is invalid."""
        if not self.mapping.report_failures or payload is None:
            return set()
        if not isinstance(payload, dict):
            return set()
        items = payload.get("batchItemFailures")
        if items is None:
            return set()
        if not isinstance(items, list):
            return None
        failed: set[str] = set()
        for item in items:
            identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not isinstance(identifier, str) or identifier not in batch:
                return None
            failed.add(identifier)
        return failed

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        """A received message as Lambda's SQS event source hands it to the function."""
        attributes = {}
        for name, value in (message.get("MessageAttributes") or {}).items():
            attribute: dict[str, Any] = {
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            if "StringValue" in value:
                attribute["stringValue"] = value["StringValue"]
            if "BinaryValue" in value:
                attribute["binaryValue"] = _base64(value["BinaryValue"])
            attributes[name] = attribute
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes") or {}),
            "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.mapping.queue_arn,
            "awsRegion": self.mapping.queue_arn.split(":")[3],
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        return record


def _base64(value: bytes | str) -> str:
    import base64

    data = value if isinstance(value, bytes) else value.encode()
    return base64.b64encode(data).decode()
