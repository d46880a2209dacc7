"""Lambda handler that sends voice messages with the SMS and Voice API (v1 or v2).

Two ways in, one set of rules:

- **Direct invoke.** The event is the SendVoiceMessage request body, plus an optional
  ``IdempotencyKey``; fields it leaves out come from the construct's configuration. The result is
  ``{"MessageId": "..."}``. Every failure raises an exception whose type mirrors the service's
  error (``BadRequestException``, ``TooManyRequestsException``, ...: :mod:`.errors`).
- **SQS batch** (the construct's bulk queue). Each record's body is the same request. The result
  is a partial batch response: transient failures go back to the queue with a growing delay,
  and permanent ones are moved to the dead-letter queue with their reason (:mod:`.bulk`).

At most one call per message. With the state table (the construct always gives it one), every
message is claimed in the call ledger (:mod:`.ledger`, through :mod:`.once`) before its request
leaves: a queued message by its ``IdempotencyKey`` or the hash of its request, a direct invoke
by its ``IdempotencyKey`` or, without one, by its Lambda request id (the same across Lambda's own
asynchronous retries). A repeated key returns the first ``MessageId``. Only an answer that proves
no call was placed releases the claim for a retry; a call whose outcome is unknown (a read
timeout, a 5xx, a crash or kill after the request left) is never dialled again. Every call then
takes a slot of the recipient's daily cap and of the sending quota (:mod:`.quota`, :mod:`.service`).

This module only builds the container's :class:`~send_voice_message.sender.Sender` from the
environment, on the first invocation, and hands it each event. Tests give it their own sender
instead: ``with index.use(Sender(client=..., ...)):``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from send_voice_message.sender import Sender


class _Container:
    """The sender of this Lambda container: built once, from the environment, when first used."""

    def __init__(self) -> None:
        self._sender: Sender | None = None

    def sender(self) -> Sender:
        if self._sender is None:
            self._sender = Sender.from_environment()
        return self._sender

    @contextmanager
    def use(self, sender: Sender) -> Iterator[Sender]:
        previous, self._sender = self._sender, sender
        try:
            yield sender
        finally:
            self._sender = previous


_CONTAINER = _Container()


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Send one voice message (direct invoke) or a batch of queued ones (SQS)."""
    return _CONTAINER.sender().handle(event, context)


def current() -> Sender:
    """The sender ``handler`` uses (built from the environment on first use)."""
    return _CONTAINER.sender()


def use(sender: Sender) -> AbstractContextManager[Sender]:
    """Make ``handler`` use ``sender`` inside a ``with`` block (tests, local runs)."""
    return _CONTAINER.use(sender)
