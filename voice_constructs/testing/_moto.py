"""Every part of moto that :mod:`voice_constructs.testing` stands on, and nothing else.

moto has no public API for adding a service, so the fakes use some of its internals. They are all
here, each with a test of its own in ``tests/handlers/test_moto_seams.py`` that names it, so a moto
release that changes one fails that test by name instead of 200 tests at once. Nothing else in
the package (or its tests) imports from moto; ``mock_aws`` and ``DEFAULT_ACCOUNT_ID`` are moto's
public API and come through here only so that this stays the one list.

The seams, one line each:

- ``BaseResponse``: the fakes' responses subclass it. Its ``dispatch(request, full_url, headers)``
  parses the request into ``method``, ``path``, ``body`` (text), ``headers``, ``querystring``,
  ``uri``, ``region`` and ``current_account``, then calls ``call_action()``, which the fakes
  override: the operation is resolved by :mod:`voice_constructs.testing.routing`, not by moto.
- ``BaseBackend(region_name, account_id)``: the fakes' backends subclass it; moto's router reads
  their ``urls`` (the ``urls`` module beside the backend's ``models`` module).
- ``BackendDict(cls, service_name)``: backends per account and region (``[account][region]``);
  ``BackendDict.reset()`` clears every backend, moto's and the fakes'.
- :data:`backend_url_patterns`: the router's table of ``(service, compiled host pattern)``.
- :func:`register_backends`: the router imports a service's backends as
  ``moto.<service>.<service>_backends``.
- :data:`pinpoint_url_paths`: moto's Pinpoint routes, which the voice channel's path joins.
- :func:`pinpoint_application_exists`: moto's Pinpoint applications.
- ``DomainDispatcherApplication`` (its ``infer_service_region_host``), ``create_backend_app`` and
  :data:`REQUEST_HANDLER`: moto's server, which ``voice-constructs emulate`` serves.
- :func:`default_bus_rules`, :func:`rule_matches`, :func:`send_to_targets`: moto's EventBridge
  rules, for delivering to the targets moto reaches when a rule also has a Lambda target.
- :data:`sqs_models`: the module whose ``unix_time`` and ``unix_time_millis`` are SQS's clock,
  which a simulation replaces with its own.
- :data:`user_config`: moto's ``default_user_config`` (``core.mock_credentials``).
- :func:`answer_lambda_invokes`: ``moto.awslambda.models.LambdaFunction.invoke(body,
  request_headers, response_headers)``, which every way into a moto function goes through (the
  Invoke API, ``InvokeAsync``, SNS and SQS deliveries); moto runs it in Docker.
- :func:`deliver_sns_to_lambda`: ``moto.sns.models.Subscription.publish`` (its ``protocol``,
  ``endpoint``, ``topic``, ``arn`` and ``_filter_policy_matcher``), for a ``lambda`` subscription.
- :func:`serialized_dynamodb_writes`: ``DynamoDBBackend.put_item``, ``update_item``,
  ``delete_item`` and ``transact_write_items``, whose condition checks moto does not guard
  against a write from another thread between the check and the write.
- :class:`LambdaTooManyRequestsError`, :class:`LambdaInvalidRequestError`: moto's
  ``LambdaClientError`` (a ``JsonRESTError``), as a 429 and a 400.
"""

from __future__ import annotations

import functools
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import moto.backend_index as _backend_index
import moto.pinpoint.urls as _pinpoint_urls
import moto.sqs.models as sqs_models
from moto import mock_aws
from moto.awslambda.exceptions import LambdaClientError
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_types import TYPE_RESPONSE
from moto.core.config import default_user_config as user_config
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.core.responses import BaseResponse
from moto.moto_server import werkzeug_app as _werkzeug_app
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "REQUEST_HANDLER",
    "TYPE_RESPONSE",
    "BackendDict",
    "BaseBackend",
    "BaseResponse",
    "DomainDispatcherApplication",
    "LambdaInvalidRequestError",
    "LambdaTooManyRequestsError",
    "answer_lambda_invokes",
    "backend_url_patterns",
    "create_backend_app",
    "default_bus_rules",
    "deliver_sns_to_lambda",
    "mock_aws",
    "pinpoint_application_exists",
    "pinpoint_url_paths",
    "register_backends",
    "rule_matches",
    "send_to_targets",
    "serialized_dynamodb_writes",
    "sqs_models",
    "user_config",
]

#: The router's table: ``(service, compiled host pattern)``, the first match wins.
backend_url_patterns: list[tuple[str, Any]] = _backend_index.backend_url_patterns
#: moto's Pinpoint routes (path pattern to handler), read by its backend on every request.
pinpoint_url_paths: dict[str, Any] = _pinpoint_urls.url_paths
#: The server's request handler: moto's (5.1 and later keep headers with underscores in their
#: names), or werkzeug's own, which moto used before; the voice APIs send no such header.
REQUEST_HANDLER: type[WSGIRequestHandler] = getattr(
    _werkzeug_app, "MotoRequestHandler", WSGIRequestHandler
)


def register_backends(service: str, backends: BackendDict[Any]) -> None:
    """Make moto's router find ``backends`` for ``service`` (a name of no moto package)."""
    module = types.ModuleType(f"moto.{service}")
    setattr(module, f"{service}_backends", backends)
    sys.modules[module.__name__] = module


def pinpoint_application_exists(account_id: str, region: str, application_id: str) -> bool:
    """Whether moto's Pinpoint has the application in that account and region."""
    from moto.pinpoint.models import pinpoint_backends

    return application_id in pinpoint_backends[account_id][region].apps


def default_bus_rules(account_id: str, region: str) -> list[Any]:
    """The rules of moto's default EventBridge bus in that account and region."""
    from moto.events.models import events_backends

    bus = events_backends[account_id][region].event_buses["default"]
    return list(bus.rules.values())


def rule_matches(rule: Any, event: dict[str, Any]) -> bool:
    """Whether a moto rule's pattern matches the event (as moto's ``put_events`` builds it)."""
    return bool(rule.event_pattern.matches_event(event))


def send_to_targets(rule: Any, arns: set[str], event: dict[str, Any]) -> None:
    """Deliver the event through moto to those of the rule's targets whose ARN is in ``arns``."""
    import copy

    reachable = copy.copy(rule)
    reachable.targets = [target for target in rule.targets if target["Arn"] in arns]
    reachable.send_to_targets(copy.deepcopy(event))


#: What answers a moto function's invoke instead of Docker: ``(function ARN, body, request
#: headers, response headers)`` to the payload, or None to leave the invoke to moto.
InvokeAnswer = Callable[[str, Any, Any, dict[str, Any]], "bytes | None"]
#: What takes an SNS message for a ``lambda`` subscription: ``(subscription ARN, topic ARN,
#: endpoint, message, message id, subject, message attributes)``; True when it took it.
SnsDelivery = Callable[[str, str, str, str, str, "str | None", "dict[str, Any] | None"], bool]


class LambdaInvalidRequestError(LambdaClientError):
    """Lambda's 400 for a payload that is not JSON (``InvalidRequestContentException``)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestContentException", message)


class LambdaTooManyRequestsError(LambdaClientError):
    """Lambda's 429: a function's concurrency is used up (``Rate Exceeded.``)."""

    code = 429

    def __init__(self, message: str = "Rate Exceeded.") -> None:
        super().__init__("TooManyRequestsException", message)


@contextmanager
def answer_lambda_invokes(answer: InvokeAnswer) -> Iterator[None]:
    """For the scope, ``answer`` runs moto's functions (every way in) that it knows."""
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.invoke

    @functools.wraps(original)
    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        payload = answer(str(self.function_arn), body, request_headers, response_headers)
        if payload is None:
            return original(self, body, request_headers, response_headers)
        return payload

    LambdaFunction.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        LambdaFunction.invoke = original  # type: ignore[method-assign]


@contextmanager
def deliver_sns_to_lambda(deliver: SnsDelivery) -> Iterator[None]:
    """For the scope, a ``lambda`` subscription's messages go to ``deliver`` when it takes them.

    The subscription's filter policy applies first, as moto applies it.
    """
    from moto.sns.models import Subscription

    original = Subscription.publish

    @functools.wraps(original)
    def publish(
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if self.protocol == "lambda":
            matcher = self._filter_policy_matcher
            if matcher is not None and not matcher.matches(message_attributes, message):
                return
            taken = deliver(
                str(self.arn),
                str(self.topic.arn),
                str(self.endpoint),
                message,
                message_id,
                subject,
                message_attributes,
            )
            if taken:
                return
        original(self, message, message_id, subject, message_attributes, *args, **kwargs)

    Subscription.publish = publish  # type: ignore[method-assign]
    try:
        yield
    finally:
        Subscription.publish = original  # type: ignore[method-assign]


_DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")


@contextmanager
def serialized_dynamodb_writes() -> Iterator[None]:
    """For the scope, moto's DynamoDB writes run one at a time, so a condition holds as it does.

    DynamoDB checks a write's condition and writes atomically; moto checks, then writes, and a
    write from another thread can come between. Concurrent functions (``emulate --app``) take
    claims with conditional writes, which must not both succeed.
    """
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    originals = {name: getattr(DynamoDBBackend, name) for name in _DYNAMODB_WRITES}

    def serialized(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def write(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(*args, **kwargs)

        return write

    for name, method in originals.items():
        setattr(DynamoDBBackend, name, serialized(method))
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(DynamoDBBackend, name, method)
