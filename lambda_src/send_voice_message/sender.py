"""The sender: everything the handler uses, built once per container, and the direct path.

:class:`Sender` holds the SMS and Voice client, the API it speaks, the construct's defaults, the
state table's call ledger and quota, the queues and the clock. Lambda's container builds one
from its environment (:meth:`Sender.from_environment`, through ``index.handler``); tests build
one with fakes. A direct invoke goes one way: event → :class:`~send_voice_message.request.Message`
→ the API's request → claim (:mod:`send_voice_message.once`) → call
(:mod:`send_voice_message.service`). An SQS batch goes to :mod:`send_voice_message.bulk`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vc_common.aws import client
from vc_common.clock import Clock, SystemClock
from vc_common.contract import (
    API_V1,
    API_V2,
    ENV_API,
    ENV_CALLER_ID,
    ENV_CALLS_PER_MINUTE,
    ENV_CONFIGURATION_SET_NAME,
    ENV_DEAD_LETTER_QUEUE_URL,
    ENV_DEFAULT_LANGUAGE_CODE,
    ENV_DEFAULT_VOICE_ID,
    ENV_IDEMPOTENCY_WINDOW,
    ENV_LOG_LEVEL,
    ENV_MAX_ATTEMPTS,
    ENV_MAX_RECEIVES,
    ENV_ORIGINATION_IDENTITIES,
    ENV_ORIGINATION_NUMBER,
    ENV_ORIGINATION_NUMBER_COUNTS,
    ENV_QUEUE_URL,
    ENV_STATE_TABLE,
    parse_number_counts,
)
from vc_common.logs import safe_logger

from send_voice_message.bulk import Bulk, Queues, is_sqs_batch
from send_voice_message.daycap import cap_from_environment
from send_voice_message.destinations import Destinations
from send_voice_message.errors import (
    BadRequestException,
    DestinationCountryBlockedException,
    InternalServiceErrorException,
    OutcomeUnknownException,
)
from send_voice_message.ledger import Ledger, LedgerError
from send_voice_message.once import AtMostOnce
from send_voice_message.quota import Quota
from send_voice_message.request import APIS, V1, Api, Message, request_key
from send_voice_message.service import CLIENT_CONFIG, Outcome, Service, invocation_deadline
from send_voice_message.validation import Defaults

# The logger's name is the one the handler's log records have always carried.
LOGGER_NAME = "send_voice_message.index"
# What the construct sets when it sets nothing else (it sizes the attempts to its timeout).
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_MAX_RECEIVES = 5
DEFAULT_CALLS_PER_MINUTE = 20
DEFAULT_IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60


def origination_identities(env: Mapping[str, str]) -> tuple[str, ...]:
    """The sender's own identities: the construct's list, or its one origination number."""
    listed = [part.strip() for part in env.get(ENV_ORIGINATION_IDENTITIES, "").split(",")]
    identities = tuple(part for part in listed if part)
    single = env.get(ENV_ORIGINATION_NUMBER)
    return identities or ((single,) if single else ())


def _logger() -> logging.Logger:
    # At Lambda's own default level; from_environment sets the construct's LOG_LEVEL.
    return safe_logger(LOGGER_NAME, "INFO")


@dataclass(frozen=True, kw_only=True)
class Sender:
    """One container's sender: its client, API, defaults, state table, queues and clock.

    Without a ``ledger`` (no state table), a direct invoke is sent without a claim and the bulk
    path fails every record back to its queue. ``quota`` paces every call and counts the
    recipients' daily calls (and the sender's, with a daily cap). ``destinations``: the
    countries it may call (built here without one, any; built from the environment, only those
    the construct lists). Build another one (``dataclasses.replace``) to change a part.
    """

    client: Any
    api: Api = V1
    defaults: Defaults = field(default_factory=Defaults)
    destinations: Destinations = field(default_factory=Destinations)
    ledger: Ledger | None = None
    quota: Quota | None = None
    queues: Queues = field(default_factory=Queues)
    clock: Clock = field(default_factory=SystemClock)
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_receives: int = DEFAULT_MAX_RECEIVES
    logger: logging.Logger = field(default_factory=_logger)
    # Built from the fields above in __post_init__ (frozen: they stay in step with them).
    _service: Service = field(init=False, repr=False, compare=False)
    _once: AtMostOnce | None = field(init=False, repr=False, compare=False)
    _bulk: Bulk = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Build the parts that send: the service call, the claims and the bulk path."""
        service = Service(
            self.client,
            api_name=self.api.name,
            quota=self.quota,
            clock=self.clock,
            logger=self.logger,
        )
        once = None
        if self.ledger is not None:
            once = AtMostOnce(self.ledger, service, clock=self.clock, logger=self.logger)
        bulk = Bulk(
            once=once,
            api=self.api,
            defaults=self.defaults,
            destinations=self.destinations,
            queues=self.queues,
            clock=self.clock,
            max_receives=self.max_receives,
            logger=self.logger,
        )
        object.__setattr__(self, "_service", service)
        object.__setattr__(self, "_once", once)
        object.__setattr__(self, "_bulk", bulk)

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] | None = None, *, clock: Clock | None = None
    ) -> Sender:
        """The sender the construct configured through the function's environment variables.

        :param clock: What the sender, its ledger and its pacing read and sleep on.
            :default: - the system's clock
        """
        env = os.environ if env is None else env
        api = env.get(ENV_API, API_V1)
        if api not in APIS:
            raise RuntimeError(f"{ENV_API} must be {API_V1!r} or {API_V2!r}, got {api!r}")
        clock = clock or SystemClock()
        identities = origination_identities(env)
        ledger = quota = None
        table = env.get(ENV_STATE_TABLE)
        if table:
            dynamodb = client("dynamodb")
            calls_per_minute = int(env.get(ENV_CALLS_PER_MINUTE, str(DEFAULT_CALLS_PER_MINUTE)))
            window = int(env.get(ENV_IDEMPOTENCY_WINDOW, str(DEFAULT_IDEMPOTENCY_WINDOW_SECONDS)))
            quota = Quota(
                dynamodb,
                table,
                calls_per_minute=calls_per_minute,
                identities=identities,
                numbers=parse_number_counts(
                    env.get(ENV_ORIGINATION_NUMBER_COUNTS), len(identities)
                ),
                clock=clock,
                calls_per_day=cap_from_environment(env),
            )
            ledger = Ledger(dynamodb, table, window_seconds=window, clock=clock)
        return cls(
            client=client(APIS[api].service_name, CLIENT_CONFIG),
            api=APIS[api],
            defaults=Defaults(
                origination_number=identities[0] if identities else None,
                caller_id=env.get(ENV_CALLER_ID) or None,
                configuration_set_name=env.get(ENV_CONFIGURATION_SET_NAME) or None,
                language_code=env.get(ENV_DEFAULT_LANGUAGE_CODE) or None,
                voice_id=env.get(ENV_DEFAULT_VOICE_ID) or None,
            ),
            destinations=Destinations.from_environment(env, identities),
            ledger=ledger,
            quota=quota,
            queues=Queues(env.get(ENV_QUEUE_URL), env.get(ENV_DEAD_LETTER_QUEUE_URL)),
            clock=clock,
            max_attempts=int(env.get(ENV_MAX_ATTEMPTS, str(DEFAULT_MAX_ATTEMPTS))),
            max_receives=int(env.get(ENV_MAX_RECEIVES, str(DEFAULT_MAX_RECEIVES))),
            logger=safe_logger(LOGGER_NAME, env.get(ENV_LOG_LEVEL, "INFO")),
        )

    def handle(self, event: Any, context: Any) -> dict[str, Any]:
        """Send one voice message (direct invoke) or a batch of queued ones (SQS)."""
        try:
            batch = isinstance(event, dict) and is_sqs_batch(event)
        except BadRequestException as error:
            self._log_rejected(getattr(context, "aws_request_id", None), error)
            raise
        if batch:
            return self._bulk.handle(event, context)
        return self.send(event, context)

    def send(self, event: Any, context: Any) -> dict[str, Any]:
        """Send the message of a direct invoke: ``{"MessageId": ...}``, or raise."""
        request_id = getattr(context, "aws_request_id", None)
        try:
            message = Message.from_event(event)
            # The destination's country is checked before anything is claimed or called.
            request = self.destinations.apply(self.api.shape(message, self.defaults))
            if message.idempotency_key is not None and self.ledger is None:
                raise BadRequestException(
                    "IdempotencyKey", "needs the sender's state table, and this function has none"
                )
        except (BadRequestException, DestinationCountryBlockedException) as error:
            self._log_rejected(request_id, error)
            raise
        outcome = self._send(
            message.idempotency_key, request, context, pooled=message.names_no_origination
        )
        if outcome.message_id is None:
            raise OutcomeUnknownException(outcome.reason or "the outcome of the call is unknown")
        if request.get("DryRun"):
            return {"MessageId": outcome.message_id, "DryRun": True}
        return {"MessageId": outcome.message_id}

    def _send(
        self, key: str | None, request: dict[str, Any], context: Any, *, pooled: bool
    ) -> Outcome:
        request_id = getattr(context, "aws_request_id", None)
        deadline = invocation_deadline(context, self.clock)
        if self._once is None or (key is None and not request_id):
            return self._service.send(
                request,
                deadline=deadline,
                attempts=self.max_attempts,
                request_id=request_id,
                pooled=pooled,
            )
        # Lambda retries an asynchronous invocation with the same request id: a key made of it
        # (and of the request) is the same for those retries, and new for a new invocation.
        key = key or f"invocation:{request_id}:{request_key(request)}"
        try:
            outcome = self._once.send(
                key,
                request,
                context,
                owner=f"invocation:{request_id}",
                deadline=deadline,
                attempts=self.max_attempts,
                pooled=pooled,
            )
        except LedgerError as error:
            raise InternalServiceErrorException(str(error)) from None
        if outcome.earlier and outcome.message_id is None:
            raise OutcomeUnknownException(
                f"an earlier attempt with this key may have placed the call: {outcome.reason}"
            )
        return outcome

    def _log_rejected(
        self,
        request_id: str | None,
        error: BadRequestException | DestinationCountryBlockedException,
    ) -> None:
        blocked = isinstance(error, DestinationCountryBlockedException)
        self.logger.warning(
            "refused a destination country" if blocked else "rejected invalid request",
            extra={"request_id": request_id, "field": error.field, "reason": str(error)},
        )
