"""The options every command that talks to a deployed stack shares."""

from __future__ import annotations

import argparse
import os

from voice_constructs.cli._exit import USAGE, CommandError

STACK_VARIABLE = "VOICE_CONSTRUCTS_STACK"


def stack_options(*, nested: bool = False) -> argparse.ArgumentParser:
    """A parent parser: ``--stack``, ``--sender``, ``--tracker``, the AWS options, ``--json``.

    :param nested: For an action under a command that has these options too (``queue
        redrive``): no defaults, so the options given before the action are kept.
    """
    options = argparse.ArgumentParser(add_help=False)
    if nested:
        options.argument_default = argparse.SUPPRESS
    where = options.add_argument_group("the deployed stack")
    where.add_argument(
        "--stack",
        default=argparse.SUPPRESS if nested else os.environ.get(STACK_VARIABLE),
        help=f"the CloudFormation stack's name (default: ${STACK_VARIABLE})",
    )
    where.add_argument(
        "--sender",
        metavar="PATH",
        help="the sender's construct path (Voice/Sender, or just Sender) when the stack has "
        "several",
    )
    where.add_argument(
        "--tracker",
        metavar="PATH",
        help="the call status tracker's construct path when the stack has several",
    )
    where.add_argument("--profile", help="the AWS profile (default: boto3's)")
    where.add_argument("--region", help="the AWS region (default: boto3's)")
    where.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="send every request there, e.g. voice-constructs emulate's (default: "
        "$AWS_ENDPOINT_URL, else AWS)",
    )
    options.add_argument("--json", action="store_true", help="print one JSON document, for scripts")
    return options


def require_stack(arguments: argparse.Namespace) -> None:
    """Refuse to run without a stack name."""
    if not arguments.stack:
        raise CommandError(f"which stack? give --stack NAME, or set {STACK_VARIABLE}", USAGE)
