"""``voice-constructs queue``: the bulk queue's depth and its dead letters; ``queue redrive``."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from voice_constructs._contract import contract, phone
from voice_constructs.cli._exit import OK, REFUSED, USAGE, CommandError
from voice_constructs.cli._options import require_stack, stack_options
from voice_constructs.cli._runtime import Runtime
from voice_constructs.cli._stack import Part, Stack, aws_error

# The sender dead-letters these with a reason; a redrive of one would be refused again, since
# the call may have been placed.
OUTCOME_UNKNOWN = "outcome_unknown"
_COUNTS = {
    "waiting": "ApproximateNumberOfMessages",
    "in_flight": "ApproximateNumberOfMessagesNotVisible",
    "delayed": "ApproximateNumberOfMessagesDelayed",
}
# What a dead letter without the sender's reason means: SQS moved it after its last receive.
# The function failed on every delivery, perhaps after the service accepted the call, so its
# outcome is unknown: it is redriven only when a person names the type.
MOVED_BY_SQS = "moved_by_sqs"
_MOVED_BY_SQS = (
    "moved by SQS after its last delivery: the function failed on every one, perhaps after the "
    "call was placed"
)
# Redriven unless named with --type: every other type placed no call.
_NEVER_BY_DEFAULT = (OUTCOME_UNKNOWN, MOVED_BY_SQS)
_TYPE_LIMIT = 60
_REASON_LIMIT = 200
# How long dead letters stay hidden while a person confirms a redrive.
_DECISION_SECONDS = 300
# Time kept for the moves themselves after the answer.
_MARGIN_SECONDS = 60
# How many dead letters a command reads unless --limit says otherwise.
_SHOW_LIMIT, _REDRIVE_LIMIT = 10, 100
# SQS's limit for one ReceiveMessage.
_BATCH = 10


@dataclass(frozen=True)
class DeadLetter:
    """One message in the dead-letter queue, as the tool shows it (numbers masked)."""

    message_id: str
    receipt_handle: str
    body: str
    attributes: dict[str, Any]
    failure_type: str
    reason: str
    to: str

    def summary(self) -> dict[str, str]:
        """What a person or a script sees of it."""
        return {
            "MessageId": self.message_id,
            "FailureType": self.failure_type,
            "FailureReason": self.reason,
            "To": self.to,
        }


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
    command.set_defaults(handler=run)
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
        metavar="FAILURE_TYPE",
        help="only dead letters of this failure type (repeatable; default: every type but "
        f"{OUTCOME_UNKNOWN} and {MOVED_BY_SQS}, whose call may have been placed)",
    )
    redrive.add_argument(
        "--limit",
        type=int,
        default=argparse.SUPPRESS,
        help=f"at most this many (default: {_REDRIVE_LIMIT})",
    )
    redrive.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    redrive.set_defaults(handler=run_redrive)


def run(arguments: argparse.Namespace) -> int:
    """Print the queues' counts and the first dead letters."""
    runtime: Runtime = arguments.runtime
    require_stack(arguments)
    limit = _limit(arguments, _SHOW_LIMIT, least=0)
    queues = _Queues(runtime, arguments)
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
    runtime.print(_table(["queue", *_COUNTS], rows))
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
    queues = _Queues(runtime, arguments)
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


class _Queues:
    """The sender's queues, by their tags."""

    def __init__(self, runtime: Runtime, arguments: argparse.Namespace) -> None:
        self._runtime = runtime
        self._stack = Stack(runtime, arguments)
        self._sqs = runtime.client(arguments, "sqs")
        self._urls: dict[str, str] = {}

    def _part(self, component: str) -> Part:
        """``component`` of the sender that owns the bulk queue (never another sender's)."""
        needed_for = "queue (the sender's bulk queue)"
        bulk = self._stack.part(contract.COMPONENT_BULK_QUEUE, needed_for=needed_for)
        if component == contract.COMPONENT_BULK_QUEUE:
            return bulk
        return self._stack.part(component, needed_for=needed_for, owner=bulk.construct)

    def has(self, component: str) -> bool:
        """Whether the bulk queue's sender has a tagged ``component``."""
        owner = self._part(contract.COMPONENT_BULK_QUEUE).construct
        return any(p.component == component and p.construct == owner for p in self._stack.parts())

    def url(self, component: str) -> str:
        if component not in self._urls:
            part = self._part(component)
            account = part.arn.split(":")[4]
            try:
                self._urls[component] = self._sqs.get_queue_url(
                    QueueName=part.name, QueueOwnerAWSAccountId=account
                )["QueueUrl"]
            except (ClientError, BotoCoreError) as error:
                raise aws_error(f"finding the {component}", error) from None
        return self._urls[component]

    def counts(self, component: str) -> dict[str, int]:
        try:
            attributes = self._sqs.get_queue_attributes(
                QueueUrl=self.url(component), AttributeNames=list(_COUNTS.values())
            )["Attributes"]
        except (ClientError, BotoCoreError) as error:
            raise aws_error(f"reading the {component}'s attributes", error) from None
        return {label: int(attributes.get(name, 0)) for label, name in _COUNTS.items()}

    def peek(self, limit: int) -> list[DeadLetter]:
        """Up to ``limit`` dead letters, put back at once so nothing is consumed."""
        letters = self.take(limit, hide_seconds=30)
        self.release(letters)
        return letters

    def take(self, limit: int, *, hide_seconds: int) -> list[DeadLetter]:
        """Up to ``limit`` dead letters, hidden from other readers for ``hide_seconds``."""
        url = self.url(contract.COMPONENT_DEAD_LETTER_QUEUE)
        letters: dict[str, DeadLetter] = {}
        while len(letters) < limit:
            try:
                received = self._sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=min(_BATCH, limit - len(letters)),
                    VisibilityTimeout=hide_seconds,
                    MessageAttributeNames=["All"],
                    MessageSystemAttributeNames=["DeadLetterQueueSourceArn"],
                    WaitTimeSeconds=0,
                ).get("Messages", [])
            except (ClientError, BotoCoreError) as error:
                raise aws_error("reading the dead-letter queue", error) from None
            fresh = [m for m in received if m["MessageId"] not in letters]
            if not fresh:
                break
            for message in fresh:
                letters[message["MessageId"]] = _dead_letter(message)
        return list(letters.values())

    def release(self, letters: list[DeadLetter]) -> None:
        """Make ``letters`` visible in the dead-letter queue again."""
        url = self.url(contract.COMPONENT_DEAD_LETTER_QUEUE)
        for start in range(0, len(letters), _BATCH):
            batch = letters[start : start + _BATCH]
            try:
                failed = self._sqs.change_message_visibility_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": x.receipt_handle, "VisibilityTimeout": 0}
                        for i, x in enumerate(batch)
                    ],
                ).get("Failed", [])
            except (ClientError, BotoCoreError) as error:
                raise aws_error(
                    f"putting back {len(batch)} dead letter(s) (they reappear by themselves "
                    "when their hiding runs out)",
                    error,
                ) from None
            if failed:
                self._runtime.note(
                    f"{len(failed)} dead letter(s) stay hidden until their hiding runs out"
                )

    def redrive(self, letters: list[DeadLetter]) -> list[DeadLetter]:
        """Move each letter to the bulk queue: delete it from the dead-letter queue, then send it.

        In that order there are never two live copies of a letter. The copy carries the
        message's lineage (its first MessageId), so the sender knows it at any age. Should the
        send fail, the letter goes back to the dead-letter queue; should that fail too, it is
        saved in a file (named in the error) for a person, and the command stops.
        """
        source = self.url(contract.COMPONENT_BULK_QUEUE)
        dead = self.url(contract.COMPONENT_DEAD_LETTER_QUEUE)
        moved: list[DeadLetter] = []
        for letter in letters:
            attributes = _with_lineage(letter)
            try:
                self._sqs.delete_message(QueueUrl=dead, ReceiptHandle=letter.receipt_handle)
            except (ClientError, BotoCoreError) as error:
                raise aws_error(
                    f"redriving {letter.message_id} ({len(moved)} moved before it; it stays in "
                    "the dead-letter queue)",
                    error,
                ) from None
            try:
                self._sqs.send_message(
                    QueueUrl=source, MessageBody=letter.body, MessageAttributes=attributes
                )
            except (ClientError, BotoCoreError, KeyboardInterrupt) as error:
                where = self._put_back(dead, letter, attributes)
                if isinstance(error, KeyboardInterrupt):
                    self._runtime.note(f"interrupted: {len(moved)} moved; {where}")
                    raise
                raise aws_error(
                    f"redriving {letter.message_id} ({len(moved)} moved before it; {where})",
                    error,
                ) from None
            moved.append(letter)
        return moved

    def _put_back(self, dead: str, letter: DeadLetter, attributes: dict[str, Any]) -> str:
        """Return a letter whose copy was not sent to the dead-letter queue; say where it is."""
        try:
            self._sqs.send_message(
                QueueUrl=dead, MessageBody=letter.body, MessageAttributes=attributes
            )
        except (ClientError, BotoCoreError):
            path = Path(f"voice-constructs-redrive-{letter.message_id}.json").resolve()
            record = {"Body": letter.body, "MessageAttributes": attributes}
            path.write_text(json.dumps(record, indent=2))
            path.chmod(0o600)
            return f"it is in neither queue: saved in {path}"
        return "it is back in the dead-letter queue"


def _with_lineage(letter: DeadLetter) -> dict[str, Any]:
    """A letter's attributes with its lineage: SQS keeps a MessageId when it moves a message."""
    if contract.LINEAGE_ATTRIBUTE in letter.attributes:
        return letter.attributes
    lineage = {"DataType": "String", "StringValue": letter.message_id}
    return {**letter.attributes, contract.LINEAGE_ATTRIBUTE: lineage}


def _dead_letter(message: dict[str, Any]) -> DeadLetter:
    attributes = message.get("MessageAttributes") or {}
    failure_type = attributes.get("FailureType", {}).get("StringValue")
    reason = attributes.get("FailureReason", {}).get("StringValue")
    # SQS keeps a message's attributes when it moves it: a letter once redriven with the
    # sender's reason, that then failed on every delivery, still carries that old reason.
    if failure_type is None or (message.get("Attributes") or {}).get("DeadLetterQueueSourceArn"):
        failure_type, reason = MOVED_BY_SQS, _MOVED_BY_SQS
    return DeadLetter(
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        body=message["Body"],
        attributes=attributes,
        failure_type=phone.shorten(failure_type, _TYPE_LIMIT),
        reason=phone.shorten(reason or _MOVED_BY_SQS, _REASON_LIMIT),
        to=_destination(message["Body"]),
    )


def _destination(body: str) -> str:
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):
        return "?"
    number = event.get("DestinationPhoneNumber") if isinstance(event, dict) else None
    return phone.mask(number) if isinstance(number, str) else "?"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    """Columns aligned to their widest cell, for people."""
    cells = [header, *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
