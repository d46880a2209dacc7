"""``voice-constructs status [MESSAGE_ID]``: a call's latest status and history, or wait for it.

With a v2 sender, it also reports the account's voice spend limit (``DescribeSpendLimits``);
without a MESSAGE_ID, only that.
"""

from __future__ import annotations

import argparse
import itertools
import math
from typing import Any

from voice_constructs._contract import contract
from voice_constructs.cli._aws import BotoCoreError, ClientError
from voice_constructs.cli._exit import NOT_FOUND, OK, REFUSED, TIMED_OUT, USAGE, CommandError
from voice_constructs.cli._options import require_stack, stack_options
from voice_constructs.cli._runtime import Runtime, identifier
from voice_constructs.cli._spend import SpendLimit, is_v2, voice_spend_limit
from voice_constructs.cli._stack import Stack, aws_error
from voice_constructs.status import CallStatus, get_call_status

_SPINNER = "|/-\\"
# A day: --follow is for a call, and a wait with no end is a mistake.
_LONGEST_WAIT = 86_400.0
_ECHO_LIMIT = 100


def register(subcommands: Any) -> None:
    """Add ``status`` to the command line."""
    command = subcommands.add_parser(
        "status",
        parents=[stack_options()],
        help="a call's latest status and its history (v2: and the voice spend limit)",
        description="Read a call's status from the stack's call status tracker: the furthest "
        "state it reached and when each event came. --follow waits for a final status. With a "
        "v2 sender, the account's voice spend limit too (DescribeSpendLimits); without "
        "MESSAGE_ID, only that.",
        epilog="exit status 3 when no event is recorded yet; with --follow, 4 when the "
        "timeout passes first",
    )
    command.add_argument(
        "message_id",
        metavar="MESSAGE_ID",
        nargs="?",
        help="the MessageId `call` printed (a v2 stack can leave it out)",
    )
    command.add_argument(
        "--follow", action="store_true", help="wait until the call reaches a final status"
    )
    command.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long --follow waits (default: 300)",
    )
    command.add_argument(
        "--interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="how often --follow reads the status (default: 2)",
    )
    command.set_defaults(handler=run, command="status")


def run(arguments: argparse.Namespace) -> int:
    """Print the call's status; with ``--follow``, first wait for a final one."""
    runtime: Runtime = arguments.runtime
    require_stack(arguments)
    for option, value in (("--timeout", arguments.timeout), ("--interval", arguments.interval)):
        if not (math.isfinite(value) and 0 < value <= _LONGEST_WAIT):
            raise CommandError(
                f"{option} must be more than 0 and at most {_LONGEST_WAIT:g} seconds, got "
                f"{value:g}",
                USAGE,
            )
    stack = Stack(runtime, arguments)
    if arguments.message_id is None:
        return _spend_only(runtime, arguments, stack)
    shown = identifier(arguments.message_id, _ECHO_LIMIT)
    table = stack.part(
        contract.COMPONENT_CALL_STATUS_TABLE, needed_for="status (track call status)"
    )
    if arguments.follow:
        status = _follow(runtime, arguments, table.name)
    else:
        status = _read(runtime, arguments, table.name)
    if status is None and arguments.follow:
        raise CommandError(f"no event recorded for {shown} in {arguments.timeout:g} s", TIMED_OUT)
    if status is None:
        raise CommandError(
            f"no event recorded yet for {shown} (a call's first event comes a few seconds "
            "after it is placed; --follow waits)",
            NOT_FOUND,
        )
    spend = voice_spend_limit(runtime, arguments) if is_v2(stack, arguments) else None
    _show(runtime, arguments, status, spend)
    if arguments.follow and not status.is_final:
        raise CommandError(
            f"{shown} is still {status.status} after {arguments.timeout:g} s", TIMED_OUT
        )
    return OK


def _spend_only(runtime: Runtime, arguments: argparse.Namespace, stack: Stack) -> int:
    """``status`` without a MESSAGE_ID: the voice spend limit of a v2 stack."""
    if arguments.follow:
        raise CommandError("--follow waits for a call: give its MESSAGE_ID", USAGE)
    if not is_v2(stack, arguments):
        raise CommandError(
            f"status needs a MESSAGE_ID: stack {stack.name} has no v2 sender, and only v2 has a "
            "spend limit to show (DescribeSpendLimits)",
            USAGE,
        )
    spend = voice_spend_limit(runtime, arguments)
    if spend.error is not None:
        raise CommandError(f"reading the voice spend limit: {spend.error}", REFUSED)
    if arguments.json:
        runtime.print_json({"VoiceSpendLimit": spend.as_json()})
    else:
        runtime.print(f"Voice spend limit  {spend.line()}")
    return OK


def _read(runtime: Runtime, arguments: argparse.Namespace, table: str) -> CallStatus | None:
    try:
        return get_call_status(
            table, arguments.message_id, client=runtime.client(arguments, "dynamodb")
        )
    except (ClientError, BotoCoreError) as error:
        raise aws_error("reading the call status table", error) from None


def _follow(runtime: Runtime, arguments: argparse.Namespace, table: str) -> CallStatus | None:
    """Read until the status is final or the timeout passes; draw a spinner on a terminal."""
    deadline = runtime.monotonic() + arguments.timeout
    spinner = itertools.cycle(_SPINNER)
    draw = runtime.err_is_terminal() and not arguments.json
    status = _read(runtime, arguments, table)
    try:
        while (status is None or not status.is_final) and runtime.monotonic() < deadline:
            if draw:
                left = max(0.0, deadline - runtime.monotonic())
                state = status.status if status else "no event yet"
                runtime.err.write(f"\r{next(spinner)} {state}, {left:.0f} s left ")
                runtime.err.flush()
            runtime.sleep(min(arguments.interval, max(0.0, deadline - runtime.monotonic())))
            status = _read(runtime, arguments, table)
    finally:
        if draw:
            runtime.err.write("\r" + " " * 40 + "\r")
    return status


def _show(
    runtime: Runtime,
    arguments: argparse.Namespace,
    status: CallStatus,
    spend: SpendLimit | None = None,
) -> None:
    if arguments.json:
        result: dict[str, Any] = {
            "MessageId": status.message_id,
            "Status": status.status,
            "StatusAt": status.status_at,
            "IsFinal": status.is_final,
            # A list: the order a call went through its events is the point.
            "History": [{"Event": e, "At": at} for e, at in status.history.items()],
        }
        if spend is not None:
            result["VoiceSpendLimit"] = spend.as_json()
        runtime.print_json(result)
        return
    final = "final" if status.is_final else "not final yet"
    runtime.print(f"MessageId  {status.message_id}")
    runtime.print(f"Status     {status.status} ({final}), at {status.status_at}")
    width = max((len(event) for event in status.history), default=0)
    runtime.print("History")
    for event, at in status.history.items():
        runtime.print(f"  {event.ljust(width)}  {at}")
    if spend is not None:
        runtime.print(f"Voice spend limit  {spend.line()}")
