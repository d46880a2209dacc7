"""``voice-constructs call``: place a voice message through the deployed sender."""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
from pathlib import Path
from typing import Any

from voice_constructs._contract import contract, phone
from voice_constructs.cli._aws import BotoCoreError, ClientError
from voice_constructs.cli._exit import INTERRUPTED, OK, REFUSED, USAGE, CommandError
from voice_constructs.cli._options import require_stack, stack_options
from voice_constructs.cli._runtime import Runtime, identifier
from voice_constructs.cli._stack import Stack, aws_error

# The longest error message quoted from the sender (it already masks and cuts its own).
_MESSAGE_LIMIT = 1000
_E164_FORM = "a phone number in E.164 form (+ and 2 to 15 digits)"
# What else a v2 sender calls from: a phone number or a pool, by id or ARN.
_V2_IDENTITY = re.compile(f"{contract.V2_IDENTITY_ID}|{contract.V2_IDENTITY_ARN}")


def destination(value: str) -> str:
    """``--to``: checked here, so a number no sender accepts costs no AWS call."""
    if not phone.is_e164(value):
        raise argparse.ArgumentTypeError(f"must be {_E164_FORM}, got '{phone.mask(value)}'")
    return value


def origination(value: str) -> str:
    """``--from``: a number in E.164 form, or a v2 phone number or pool (a v1 sender refuses it)."""
    if not (phone.is_e164(value) or _V2_IDENTITY.fullmatch(value)):
        raise argparse.ArgumentTypeError(
            f"must be {_E164_FORM}, or a v2 phone number or pool id or ARN, got "
            f"'{phone.mask(value)}'"
        )
    return value


def register(subcommands: Any) -> None:
    """Add ``call`` to the command line."""
    command = subcommands.add_parser(
        "call",
        parents=[stack_options()],
        help="place a voice message through the deployed sender",
        description="Place a voice message through the stack's sender (a Lambda invoke) and "
        "print its MessageId, or the sender's error and why. The sender checks everything "
        "first: a refused message places no call.",
        epilog="example: voice-constructs call --stack VoiceConstructsSample --to +12065550142 "
        '--text "Your order has shipped."',
    )
    command.add_argument(
        "--to", required=True, type=destination, metavar="NUMBER", help="E.164, e.g. +12065550142"
    )
    content = command.add_mutually_exclusive_group(required=True)
    content.add_argument("--text", help="the message, spoken as plain text")
    content.add_argument(
        "--ssml-file", metavar="FILE", help="a file holding SSML (<speak>...</speak>); - for stdin"
    )
    command.add_argument("--voice", metavar="VOICE_ID", help="an Amazon Polly voice, e.g. Joanna")
    command.add_argument("--language", metavar="CODE", help="a language code, e.g. en-US")
    command.add_argument(
        "--from",
        dest="origination",
        type=origination,
        metavar="IDENTITY",
        help="the number (or v2 phone number or pool) to call from (default: the sender's)",
    )
    command.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="a repeat with the same key returns the first MessageId and never calls twice "
        "(default: a new random key, printed)",
    )
    command.add_argument(
        "--dry-run",
        action="store_true",
        help="v2 senders: the service checks the message and places no call",
    )
    command.set_defaults(handler=run, command="call")


def run(arguments: argparse.Namespace) -> int:
    """Invoke the sender with the message; print its MessageId or its error."""
    runtime: Runtime = arguments.runtime
    require_stack(arguments)
    event = message_event(arguments)
    stack = Stack(runtime, arguments)
    sender = stack.part(contract.COMPONENT_SENDER, needed_for="call")
    key = shown_key(arguments, event["IdempotencyKey"])
    result, error_type = _invoke(runtime, arguments, sender.arn, event, key)
    if error_type is not None:
        message = phone.shorten(str(result.get("errorMessage", "")), _MESSAGE_LIMIT)
        if arguments.json:
            runtime.print_json(
                {"errorType": error_type, "errorMessage": message, "IdempotencyKey": key}
            )
        raise CommandError(f"{error_type}: {message} (IdempotencyKey {key})", REFUSED)
    message_id = result.get("MessageId")
    to = phone.mask(arguments.to)
    if arguments.json:
        runtime.print_json(
            {
                "MessageId": message_id,
                "To": to,
                "DryRun": arguments.dry_run,
                "IdempotencyKey": key,
                "Stack": stack.name,
            }
        )
        return OK
    placed = "checked, no call placed (dry run)" if arguments.dry_run else "placed"
    runtime.print(f"MessageId  {message_id}")
    runtime.print(f"To         {to}: {placed}")
    runtime.print(f"Key        {key}")
    runtime.print(f"Sender     {sender.construct} ({sender.name})")
    if not arguments.dry_run:
        runtime.note(
            f"Follow it: voice-constructs status {message_id} --follow --stack {stack.name}"
        )
    return OK


def message_event(arguments: argparse.Namespace) -> dict[str, Any]:
    """The sender's event for the command line's message (the sender checks every field)."""
    if arguments.text is not None:
        content: dict[str, Any] = {"PlainTextMessage": {"Text": arguments.text}}
    else:
        content = {"SSMLMessage": {"Text": _read_ssml(arguments.ssml_file)}}
    body = next(iter(content.values()))
    if arguments.voice:
        body["VoiceId"] = arguments.voice
    if arguments.language:
        body["LanguageCode"] = arguments.language
    event: dict[str, Any] = {"DestinationPhoneNumber": arguments.to, "Content": content}
    if arguments.origination:
        event["OriginationPhoneNumber"] = arguments.origination
    # Always a key: a second run with it (after a lost answer) returns the first MessageId.
    event["IdempotencyKey"] = arguments.idempotency_key or f"cli-{uuid.uuid4()}"
    if arguments.dry_run:
        event["DryRun"] = True
    return event


def _read_ssml(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"--ssml-file {path}: cannot read it: {error}", USAGE) from None


def shown_key(arguments: argparse.Namespace, key: str) -> str:
    """The ``IdempotencyKey`` as the tool prints it: whole, so it can be given again.

    A key the user gave is cut like any echoed value, and a phone number in it masked.
    """
    return key if arguments.idempotency_key is None else identifier(key)


def _lost(key: str, arguments: argparse.Namespace, what: str) -> str:
    again = (
        f"--idempotency-key {key}"
        if arguments.idempotency_key is None
        else "the same --idempotency-key"
    )
    return (
        f"{what}; the call may have been placed: run it again with {again} to get its "
        "MessageId (a new key could call the person twice)"
    )


def _invoke(
    runtime: Runtime,
    arguments: argparse.Namespace,
    function_arn: str,
    event: dict[str, Any],
    key: str,
) -> tuple[dict[str, Any], str | None]:
    """The sender's answer, and its error type when it refused.

    Once the request may have left, every way of losing the answer (an error, a timeout,
    Ctrl-C) names the key: running again with it is the only way that never calls twice.
    """
    lambda_ = runtime.client(arguments, "lambda")
    try:
        response = lambda_.invoke(FunctionName=function_arn, Payload=json.dumps(event).encode())
        payload = response["Payload"].read()
    except ClientError as error:
        raise aws_error(f"invoking the sender (IdempotencyKey {key})", error) from None
    except BotoCoreError as error:
        text = phone.shorten(str(error), 300)
        raise CommandError(_lost(key, arguments, f"invoking the sender: {text}"), REFUSED) from None
    except KeyboardInterrupt:
        raise CommandError(
            _lost(key, arguments, "interrupted while invoking the sender"), INTERRUPTED
        ) from None
    try:
        result = json.loads(payload) if payload else {}
    except ValueError:
        result = {"errorMessage": payload.decode(errors="replace")}
    if not isinstance(result, dict):
        result = {"errorMessage": repr(result)}
    function_error = response.get("FunctionError")
    if function_error is None:
        return result, None
    return result, str(result.get("errorType") or function_error)
