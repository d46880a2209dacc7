"""What happens after a call is placed: its lifecycle's events, delivered as the service would.

The fakes record every voice message they accept; nothing rings. :class:`CallEvents` watches what
they record and plays each placed call's lifecycle (by default answered: initiated, ringing,
answered, completed, half a second apart) through the emulator's control path, as
``emit-call-events`` does: a v1 message's events go to its configuration set's destinations (an
SNS topic whose subscription delivers to the status function), a v2 message's on the default
EventBridge bus. moto delivers to no Lambda target of a rule; the events' envelopes go to those
that are the stack's functions here, as EventBridge invokes them (asynchronously). A dry run
places no call and gets no events.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from voice_constructs._contract import contract
from voice_constructs.testing.events import EmittedCallEvent

if TYPE_CHECKING:
    from voice_constructs.testing._control import Control
    from voice_constructs.testing.core import VoiceMock
    from voice_constructs.testing.local_stack.functions import FunctionConfig
    from voice_constructs.testing.local_stack.invocations import AsyncInvocations

# Each outcome's events, v1's names (v2's are the contract's V2_EVENT_TYPES of these).
OUTCOMES: dict[str, tuple[str, ...]] = {
    "answered": ("INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"),
    "busy": ("INITIATED_CALL", "RINGING", "BUSY"),
    "no-answer": ("INITIATED_CALL", "RINGING", "NO_ANSWER"),
    "failed": ("INITIATED_CALL", "FAILED"),
    "none": (),
}
DEFAULT_OUTCOME = "answered"
EVENT_INTERVAL = 0.5
_WATCH_SECONDS = 0.1


class CallEvents:
    """The thread that plays placed calls' lifecycles, and the hand-off to Lambda targets."""

    def __init__(
        self,
        control: Control,
        invocations: AsyncInvocations,
        note: Callable[[str], None],
        start_thread: Callable[[Callable[[], None], str], threading.Thread],
        *,
        outcome: str = DEFAULT_OUTCOME,
        interval: float = EVENT_INTERVAL,
    ) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
        self._control = control
        self._invocations = invocations
        self._note = note
        self._start_thread = start_thread
        self._events = OUTCOMES[outcome]
        self._interval = interval
        self._seen: set[str] = set()
        self._due: list[tuple[float, int, str, str, str]] = []
        self._order = itertools.count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered_to_functions = 0

    def start(self) -> None:
        """Listen to the control path's deliveries and, unless the outcome is none, watch sends."""
        self._control.listeners.append(self.hand_to_functions)
        if self._events:
            self._thread = self._start_thread(self._run, "call events")

    def stop(self, timeout: float) -> None:
        """Stop playing lifecycles (those not played yet are dropped)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.hand_to_functions in self._control.listeners:
            self._control.listeners.remove(self.hand_to_functions)

    def hand_to_functions(self, delivered: list[EmittedCallEvent]) -> None:
        """Invoke the stack's functions among the Lambda targets moto did not reach."""
        for emitted in delivered:
            for arn in emitted.undelivered:
                try:
                    self._invocations.submit(arn, emitted.event)
                    self.delivered_to_functions += 1
                except KeyError:
                    self._note(f"call event for {arn}: not a function of the stack, not delivered")

    def _run(self) -> None:
        while not self._stop.wait(_WATCH_SECONDS):
            try:
                self._watch()
                self._play_due()
            except Exception as error:  # keep watching; say what went wrong
                self._note(f"call events: {type(error).__name__}: {error}")

    def _watch(self) -> None:
        voice: VoiceMock = self._control.voice
        now = time.monotonic()
        for api, sent in (("v1", voice.sms_voice().sent), ("v2", voice.sms_voice_v2().sent)):
            for message in list(sent):
                if message.message_id in self._seen:
                    continue
                self._seen.add(message.message_id)
                for index, event in enumerate(self._events):
                    name = event if api == "v1" else contract.V2_EVENT_TYPES[event]
                    due = now + index * self._interval
                    heapq.heappush(
                        self._due, (due, next(self._order), message.message_id, api, name)
                    )

    def _play_due(self) -> None:
        while self._due and self._due[0][0] <= time.monotonic():
            _, _, message_id, api, name = heapq.heappop(self._due)
            body: dict[str, Any] = {
                "message_id": message_id,
                "api": api,
                "events": [name],
                "start_ms": int(time.time() * 1000),
            }
            try:
                self._control.emit_call_events(body)
            except ValueError as error:
                # A message sent without a configuration set (v1) has nowhere to go.
                self._note(f"call events of {message_id}: {error}")


def declare_v2_identities(voice: VoiceMock, senders: list[FunctionConfig]) -> list[str]:
    """Make the v2 fake hold the origination identities the stack's v2 senders call from.

    The one place the emulator's v2 state is needed: the v2 fake refuses an identity the
    account does not hold. Each phone number (id or ARN) is adopted with a fictional number
    (555-01xx) in the US, each pool with as many such numbers as the sender's
    ``ORIGINATION_NUMBER_COUNTS`` gives it (one by default). One held already is left as it is.
    Returns what the startup output says about it.
    """
    counts: dict[str, int] = {}
    for sender in senders:
        environment = sender.environment
        if environment.get(contract.ENV_API) != contract.API_V2:
            continue
        listed = environment.get(contract.ENV_ORIGINATION_IDENTITIES, "").split(",")
        identities = [identity.strip() for identity in listed if identity.strip()]
        numbers = contract.parse_number_counts(
            environment.get(contract.ENV_ORIGINATION_NUMBER_COUNTS), len(identities)
        )
        for identity, count in zip(identities, numbers, strict=True):
            counts[identity] = max(count, counts.get(identity, 1))
    notes = []
    fictional = (f"+1206555{n:04d}" for n in itertools.count(100))
    for identity in sorted(counts):
        if ":pool/" in identity or identity.startswith("pool-"):
            held = [next(fictional) for _ in range(counts[identity])]
            voice.adopt_pool(identity, phone_numbers=held, iso_country_code="US")
            notes.append(f"v2 pool {identity}: adopted, with {len(held)} fictional numbers")
        else:
            voice.adopt_phone_number(identity, phone_number=next(fictional), iso_country_code="US")
            notes.append(f"v2 phone number {identity}: adopted, with a fictional number")
    return notes
