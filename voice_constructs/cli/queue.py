"""``voice-constructs queue``: the bulk queue's depth and its dead letters; ``queue redrive``."""

from __future__ import annotations

import argparse
from typing import Any

from voice_constructs._contract import contract
from voice_constructs.cli._exit import OK, REFUSED, USAGE, CommandError
from voice_constructs.cli._options import require_stack, stack_options
from voice_constructs.cli._queues import COUNTS, MOVED_BY_SQS, DeadLetter, Queues
from voice_constructs.cli._runtime import Runtime

# The sender dead-letters these with a reason; a redrive of one would be refused again, since
# the call may have been placed.
OUTCOME_UNKNOWN = "outcome_unknown"
# What --type takes: the sender's failure types, and the tool's own for what SQS moved.
FAILURE_TYPES = (*contract.DEAD_LETTER_FAILURE_TYPES, MOVED_BY_SQS)
# Redriven unless named with --type: every other type placed no call.
_NEVER_BY_DEFAULT = (OUTCOME_UNKNOWN, MOVED_BY_SQS)
# How long dead letters stay hidden while a person confirms a redrive.
_DECISION_SECONDS = 300
# Time kept for the moves themselves after the answer.
_MARGIN_SECONDS = 60
# How many dead letters a command reads unless --limit says otherwise.
_SHOW_LIMIT, _REDRIVE_LIMIT = 10, 100


def register(subcommands: Any) -> None:
    """Add ``queue`` and ``queue redrive`` to the command line."""
    command = subcommands.add_parser(
        "queue",
        parents=[stack_options()],
        help="the bulk queue's depth, and the dead letters with their reasons",
        description="Show the sender's bulk queue (waiting, in flight, delayed), its dead-letter "
        "queue and failure queue, and the dead letters' failure types and reasons. Phone "
        "numbers are masked. Reading a dead letter hides it for a second only.",
    )
    # No defaults here: a --limit given before `redrive` must reach it (see _limit).
    command.add_argument(
        "--limit", type=int, default=None, help="dead letters to show (default: 10)"
    )
    command.set_defaults(handler=run, command="queue")
    actions = command.add_subparsers(title="actions", metavar="ACTION")
    redrive = actions.add_parser(
        "redrive",
        parents=[stack_options(nested=True)],
        help="send dead letters back to the bulk queue, after a fix",
        description="Move dead letters back to the bulk queue, with their reasons, once what "
        f"failed is fixed. {OUTCOME_UNKNOWN} messages stay: their call may have been placed, "
        "and the sender would refuse them again; send those anew with a new IdempotencyKey "
        "if the person was not reached.",
    )
    redrive.add_argument(
        "--type",
        dest="types",
        action="append",
        choices=FAILURE_TYPES,
        metavar="FAILURE_TYPE",
        help=f"only dead letters of this failure type: {', '.join(FAILURE_TYPES)} (repeatable; "
        f"default: every type but {OUTCOME_UNKNOWN} and {MOVED_BY_SQS}, whose call may have "
        "been placed)",
    )
    redrive.add_argument(
        "--limit",
        type=int,
        default=argparse.SUPPRESS,
        help=f"at most this many (default: {_REDRIVE_LIMIT})",
    )
    redrive.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    redrive.set_defaults(handler=run_redrive, command="queue redrive")


def run(arguments: argparse.Namespace) -> int:
    """Print the queues' counts and the first dead letters."""
    runtime: Runtime = arguments.runtime
    require_stack(arguments)
    limit = _limit(arguments, _SHOW_LIMIT, least=0)
    queues = Queues(runtime, arguments)
    counts: dict[str, dict[str, int] | None] = {
        component: queues.counts(component)
        for component in (contract.COMPONENT_BULK_QUEUE, contract.COMPONENT_DEAD_LETTER_QUEUE)
    }
    # A failure queue the user brought is not tagged: it is left out (null), not an error.
    counts[contract.COMPONENT_FAILURE_QUEUE] = (
        queues.counts(contract.COMPONENT_FAILURE_QUEUE)
        if queues.has(contract.COMPONENT_FAILURE_QUEUE)
        else None
    )
    letters = queues.peek(limit)
    if arguments.json:
        runtime.print_json(
            {
                "Queues": counts,
                "DeadLetters": [letter.summary() for letter in letters],
            }
        )
        return OK
    rows = [[name, *c.values()] for name, c in counts.items() if c is not None]
    runtime.print(_table(["queue", *COUNTS], rows))
    if letters:
        runtime.print()
        runtime.print(
            _table(
                ["dead letter", "type", "to", "reason"],
                [[x.message_id, x.failure_type, x.to, x.reason] for x in letters],
            )
        )
    return OK


def run_redrive(arguments: argparse.Namespace) -> int:
    """Move the chosen dead letters back to the bulk queue, after confirmation."""
    runtime: Runtime = arguments.runtime
    require_stack(arguments)
    limit = _limit(arguments, _REDRIVE_LIMIT, least=1)
    if arguments.types and OUTCOME_UNKNOWN in arguments.types:
        raise CommandError(
            f"--type {OUTCOME_UNKNOWN}: never redriven, the call may have been placed (the "
            "sender would refuse it again); send a new message with a new IdempotencyKey",
            USAGE,
        )
    queues = Queues(runtime, arguments)
    # Hidden while the person decides, so no other reader moves them meanwhile.
    started = runtime.monotonic()
    taken = queues.take(limit, hide_seconds=_DECISION_SECONDS)
    chosen = [
        letter
        for letter in taken
        if letter.failure_type != OUTCOME_UNKNOWN
        and (
            letter.failure_type in arguments.types
            if arguments.types
            else letter.failure_type not in _NEVER_BY_DEFAULT
        )
    ]
    queues.release([letter for letter in taken if letter not in chosen])
    if not chosen:
        runtime.note("no dead letter to redrive")
        return _redriven(runtime, arguments, [])
    try:
        go = arguments.yes or _confirmed(runtime, chosen)
    except BaseException:
        queues.release(chosen)
        raise
    if not go:
        queues.release(chosen)
        runtime.note("nothing redriven")
        return _redriven(runtime, arguments, [])
    if runtime.monotonic() - started > _DECISION_SECONDS - _MARGIN_SECONDS:
        # Their receipt handles may be stale: a delete could leave a copy in both queues.
        raise CommandError(
            f"the answer came after {_DECISION_SECONDS - _MARGIN_SECONDS} s, when the dead "
            "letters may be visible to other readers again: nothing redriven; run it again",
            REFUSED,
        )
    return _redriven(runtime, arguments, queues.redrive(chosen))


def _redriven(runtime: Runtime, arguments: argparse.Namespace, moved: list[DeadLetter]) -> int:
    if arguments.json:
        runtime.print_json({"Redriven": [letter.summary() for letter in moved]})
    else:
        runtime.print(f"redrove {len(moved)} dead letter(s) to the bulk queue")
    return OK


def _limit(arguments: argparse.Namespace, default: int, *, least: int) -> int:
    limit: int | None = getattr(arguments, "limit", None)
    limit = default if limit is None else limit
    if limit < least:
        raise CommandError(f"--limit must be at least {least}, got {limit}", USAGE)
    return limit


def _confirmed(runtime: Runtime, chosen: list[DeadLetter]) -> bool:
    if not runtime.interactive():
        raise CommandError(
            "redrive asks for confirmation: run it in a terminal, or pass --yes", USAGE
        )
    kinds = sorted({letter.failure_type for letter in chosen})
    answer = runtime.read_line(
        f"Send {len(chosen)} dead letter(s) ({', '.join(kinds)}) back to the bulk queue? [y/N] "
    )
    return answer.strip().lower() in ("y", "yes")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    """Columns aligned to their widest cell, for people."""
    cells = [header, *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
