"""A synthesized stack run against the emulator: created, its functions run, until stopped.

:func:`running` is the whole of ``voice-constructs emulate --app``: inside the server's moto scope
it puts the seams in place (moto's Lambda invokes and SNS deliveries answered by the runner,
DynamoDB's conditional writes made atomic, ``os.environ`` per thread), creates each stack's
resources (:func:`creators` is the registry), starts the queue pollers, the asynchronous
invocations and the call events, and on exit stops them all and waits for the threads.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from voice_constructs._contract import contract
from voice_constructs.testing._moto import (
    DEFAULT_ACCOUNT_ID,
    LambdaInvalidRequestError,
    LambdaTooManyRequestsError,
    answer_lambda_invokes,
    deliver_sns_to_lambda,
    serialized_dynamodb_writes,
)
from voice_constructs.testing.local_stack import _environ, lambdas, sms_voice
from voice_constructs.testing.local_stack import creators as data
from voice_constructs.testing.local_stack.assembly import StackTemplate
from voice_constructs.testing.local_stack.calls import CallEvents, declare_v2_identities
from voice_constructs.testing.local_stack.deployment import Creator, Deployment, deploy, outputs
from voice_constructs.testing.local_stack.functions import (
    Functions,
    ThrottledError,
    local_credentials,
)
from voice_constructs.testing.local_stack.invocations import AsyncInvocations
from voice_constructs.testing.local_stack.poller import Poller
from voice_constructs.testing.local_stack.sns import sns_event

if TYPE_CHECKING:
    from voice_constructs.testing._control import Control

# How long stopping waits for what is running (an invocation may wait for its call slot).
STOP_SECONDS = 30.0


def creators() -> dict[str, Creator]:
    """The resource types the emulator creates, each with its creator."""
    return {**data.CREATORS, **sms_voice.CREATORS, **lambdas.CREATORS}


@dataclass
class LocalStack:
    """What :func:`running` made: the deployments, the runner, the pollers."""

    deployments: list[Deployment]
    functions: Functions
    invocations: AsyncInvocations
    pollers: list[Poller]
    calls: CallEvents
    notes: list[str] = field(default_factory=list)

    def api_of(self, deployment: Deployment) -> str:
        """``v1`` or ``v2``: the API of the stack's senders (``v1, v2`` when it has both)."""
        senders = (self.functions.find(name) for name in deployment.function_names)
        names = {
            f.environment.get(contract.ENV_API, contract.API_V1)
            for f in senders
            if f is not None and f.handler == contract.SENDER_HANDLER
        }
        return ", ".join(sorted(names)) or "no sender"

    def summary(self) -> dict[str, Any]:
        """What the emulator runs, for people and for ``--json``."""
        stacks = []
        for deployment in self.deployments:
            stacks.append(
                {
                    "name": deployment.stack.name,
                    "template": str(deployment.stack.template_path),
                    "region": deployment.region,
                    "api": self.api_of(deployment),
                    "resources": [
                        {
                            "logical_id": e.logical_id,
                            "type": e.type,
                            "status": e.status,
                            "detail": e.detail,
                        }
                        for e in deployment.entries
                    ],
                    "outputs": outputs(deployment),
                    "notes": list(deployment.notes),
                }
            )
        return {"stacks": stacks, "notes": list(self.notes)}


@contextmanager
def running(
    stacks: list[StackTemplate],
    control: Control,
    *,
    region: str,
    outcome: str = "answered",
    log: Callable[[str], None] | None = None,
    note: Callable[[str], None] | None = None,
    registry: Mapping[str, Creator] | None = None,
    retry_delays: tuple[float, ...] | None = None,
) -> Iterator[LocalStack]:
    """Create ``stacks`` in the emulator and run them for the scope (moto's mock active).

    ``log`` takes the functions' log lines, ``note`` what the emulator has to say while it runs
    (both default to nothing). Raises StackError when a stack's functions cannot run.
    """
    log = log or (lambda line: None)
    note = note or (lambda line: None)
    with ExitStack() as scope:
        environment = scope.enter_context(_environ.installed())
        logs = _environ.FunctionLogs(log)
        scope.enter_context(logs.attached())
        internal = local_credentials(region)
        scope.enter_context(environment.scope(internal))
        # The fake keys of the scope's environment, and none of the host's AWS configuration.
        session = boto3.session.Session(region_name=region)
        made: dict[str, Any] = {}
        lock = threading.Lock()

        def client(service: str) -> Any:
            with lock:
                if service not in made:
                    made[service] = session.client(  # type: ignore[call-overload]
                        service, config=Config(retries={"max_attempts": 1})
                    )
                return made[service]

        def start_thread(target: Callable[[], None], name: str) -> threading.Thread:
            return _environ.start_thread(environment, internal, target, name)

        functions = Functions(environment, logs, region=region, account=DEFAULT_ACCOUNT_ID)
        delays = {} if retry_delays is None else {"retry_delays": retry_delays}
        invocations = AsyncInvocations(functions, client, note, start_thread, **delays)
        scope.enter_context(serialized_dynamodb_writes())
        scope.enter_context(answer_lambda_invokes(_invoke_answer(functions, invocations)))
        scope.enter_context(deliver_sns_to_lambda(_sns_delivery(functions, invocations)))
        deployments = []
        for stack in stacks:
            deployment = Deployment(
                stack, region, DEFAULT_ACCOUNT_ID, client, functions, parameters=lambdas.parameter
            )
            deploy(deployment, creators() if registry is None else registry)
            deployments.append(deployment)
        calls = CallEvents(control, invocations, note, start_thread, outcome=outcome)
        pollers = [
            Poller(mapping, functions, client("sqs"), note, start_thread)
            for deployment in deployments
            for mapping in deployment.mappings
        ]
        local = LocalStack(deployments, functions, invocations, pollers, calls)
        senders = [f for f in functions.all() if f.handler == contract.SENDER_HANDLER]
        local.notes.extend(declare_v2_identities(control.voice, senders))
        control.reset_refusal = (
            f"the emulator runs stack {', '.join(s.name for s in stacks)}: a reset would delete "
            "its resources; restart voice-constructs emulate --app instead"
        )
        invocations.start()
        calls.start()
        for poller in pollers:
            poller.start()
        try:
            yield local
        finally:
            control.reset_refusal = None
            _stop(local, note)


def _stop(local: LocalStack, note: Callable[[str], None]) -> None:
    """Stop taking work, then wait for what runs: pollers, call events, invocations."""
    for poller in local.pollers:
        poller.stop(STOP_SECONDS)
    local.calls.stop(STOP_SECONDS)
    dropped = local.invocations.stop(STOP_SECONDS)
    if dropped:
        note(f"{dropped} asynchronous invocation(s) waiting for a retry were dropped")
    still = local.functions.wait(STOP_SECONDS)
    if still:
        note(f"{still} invocation(s) still running after {STOP_SECONDS:g} s were left")
    for path in local.functions.paths:
        if path in sys.path:
            sys.path.remove(path)


def _header(headers: Any, name: str) -> str | None:
    """A request header by name, whatever the mapping's case handling."""
    value = headers.get(name) if hasattr(headers, "get") else None
    if value is None and hasattr(headers, "items"):
        value = next((v for k, v in headers.items() if str(k).lower() == name.lower()), None)
    return None if value is None else str(value)


def _invoke_answer(functions: Functions, invocations: AsyncInvocations) -> Any:
    """What answers moto's ``Invoke`` of the stack's functions (moto's own answers the rest)."""

    def answer(arn: str, body: Any, headers: Any, response: dict[str, Any]) -> bytes | None:
        if functions.find(arn) is None:
            return None
        text = body.decode() if isinstance(body, bytes) else (body or "{}")
        try:
            event = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            raise LambdaInvalidRequestError("Could not parse request body into json") from None
        kind = _header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if kind == "Event":
            invocations.submit(arn, event)
            return b""
        if kind == "DryRun":
            return b""
        try:
            result = functions.invoke(arn, event)
        except ThrottledError:
            raise LambdaTooManyRequestsError() from None
        response["x-amz-executed-version"] = "$LATEST"
        if result.error is not None:
            response["x-amz-function-error"] = "Unhandled"
        if (_header(headers, "X-Amz-Log-Type") or "").lower() == "tail":
            response["x-amz-log-result"] = base64.b64encode(result.log_tail().encode()).decode()
        return result.payload_bytes()

    return answer


def _sns_delivery(functions: Functions, invocations: AsyncInvocations) -> Any:
    """What takes SNS messages for a ``lambda`` subscription to one of the stack's functions."""

    def deliver(
        subscription: str,
        topic: str,
        endpoint: str,
        message: str,
        message_id: str,
        subject: str | None,
        attributes: dict[str, Any] | None,
    ) -> bool:
        if functions.find(endpoint) is None:
            return False
        event = sns_event(subscription, topic, message, message_id, subject, attributes)
        invocations.submit(endpoint, event)
        return True

    return deliver
