"""The sender's queues, found by their tags: counts, dead letters, and the moves of a redrive."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_constructs._contract import contract, phone
from voice_constructs.cli._aws import BotoCoreError, ClientError
from voice_constructs.cli._runtime import Runtime
from voice_constructs.cli._stack import Part, Stack, aws_error

# A queue's counts, by the label the tool shows and SQS's attribute.
COUNTS = {
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
_TYPE_LIMIT = 60
_REASON_LIMIT = 200
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


class Queues:
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
                QueueUrl=self.url(component), AttributeNames=list(COUNTS.values())
            )["Attributes"]
        except (ClientError, BotoCoreError) as error:
            raise aws_error(f"reading the {component}'s attributes", error) from None
        return {label: int(attributes.get(name, 0)) for label, name in COUNTS.items()}

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
                letters[message["MessageId"]] = dead_letter(message)
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


def dead_letter(message: dict[str, Any]) -> DeadLetter:
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
