"""What a command reads from the world: AWS clients, the clock, the terminal.

Commands take a :class:`Runtime` instead of reaching for boto3, ``time`` or ``sys`` themselves,
so a test runs them end to end with moto's clients, a simulated clock and captured output.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from voice_constructs._contract import phone
from voice_constructs.cli._exit import USAGE, CommandError
from voice_constructs.cli._extras import missing

# A client for a botocore service name ("lambda", "dynamodb", ...).
ClientFactory = Callable[[str], Any]
# What a terminal acts on instead of showing: C0 controls but the line break and the tab, DEL,
# C1 controls (a lone \x9b is a CSI on some terminals), and the bidirectional overrides that
# reorder what a line shows.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# A phone number inside an identifier: a "+" and its digits, however many (a malformed number is
# masked too). Free text (an AWS message) is masked by phone.shorten, digits alone included.
_PLUS_NUMBER = re.compile(r"\+[0-9]+")


def printable(text: str) -> str:
    r"""``text`` with every control character escaped (``\x1b``, ``\u202e``).

    A dead letter's reason or an AWS message can then never retitle, clear or rewrite a terminal.
    """
    return _CONTROLS.sub(lambda found: ascii(found.group())[1:-1], text)


def identifier(value: str, limit: int = 100) -> str:
    """An identifier the tool echoes (a MessageId, a key): whole, cut to ``limit``.

    Only a phone number in it is masked, a ``+`` and its digits: a MessageId's or a key's own
    digit runs (a uuid's groups, a date) are no phone numbers, and must show as they are.
    """
    masked = _PLUS_NUMBER.sub(lambda found: phone.mask(found.group()), value)
    return masked if len(masked) <= limit else masked[: max(limit - 3, 0)] + "..."


def boto3_clients(
    profile: str | None, region: str | None, endpoint_url: str | None = None, *, command: str = ""
) -> ClientFactory:
    """Clients from one boto3 session (``--profile``, ``--region``), with standard retries.

    :param endpoint_url: Where every client sends its requests (``--endpoint-url``). :default: -
        boto3's: ``AWS_ENDPOINT_URL`` (or a service's own variable), else AWS
    :param command: The command that needs them, named when boto3 is missing.
    """
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise CommandError(missing(command or "this command", "cli", "boto3"), USAGE) from None
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
    except BotoCoreError as error:
        raise CommandError(f"AWS configuration: {error}", USAGE) from None
    agent = "voice-constructs-cli"
    standard = Config(retries={"mode": "standard"}, user_agent_extra=agent)
    # An invoke is never retried: a retry after a read timeout could be a second call. The
    # read timeout outlasts the longest function (15 minutes), so the sender's answer arrives.
    once = Config(
        retries={"total_max_attempts": 1},
        connect_timeout=5,
        read_timeout=910,
        user_agent_extra=agent,
    )

    def make(service: str) -> Any:
        config = once if service == "lambda" else standard
        try:
            return session.client(  # type: ignore[call-overload]
                service, config=config, endpoint_url=endpoint_url
            )
        except ValueError as error:
            # botocore's "Invalid endpoint: ...", from the option or the environment.
            raise CommandError(
                f"AWS configuration: {error} (--endpoint-url or AWS_ENDPOINT_URL)", USAGE
            ) from None
        except BotoCoreError as error:
            # No region, a profile the files lack, a malformed config file: the user's to fix.
            hint = " (pass --region or set AWS_REGION)" if "region" in str(error) else ""
            raise CommandError(f"AWS configuration: {error}{hint}", USAGE) from None

    return make


@dataclass
class Runtime:
    """The clients, clock and terminal one run of the tool uses."""

    clients: ClientFactory | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    interactive: Callable[[], bool] = field(default=lambda: sys.stdin.isatty())
    read_line: Callable[[str], str] = input
    _made: dict[str, Any] = field(default_factory=dict)

    def client(self, arguments: argparse.Namespace, service: str) -> Any:
        """The client of ``service``, made once per run (``--profile``, ``--region``, ...)."""
        if service not in self._made:
            factory = self.clients or boto3_clients(
                arguments.profile,
                arguments.region,
                arguments.endpoint_url,
                command=getattr(arguments, "command", ""),
            )
            self._made[service] = factory(service)
        return self._made[service]

    def print(self, text: str = "") -> None:
        """A line for people (standard output), control characters escaped."""
        print(printable(text), file=self.out)

    def print_json(self, value: object) -> None:
        """One JSON document for scripts (standard output)."""
        print(json.dumps(value, indent=2, sort_keys=True, default=str), file=self.out)

    def note(self, text: str) -> None:
        """A remark that is not the command's result (standard error), controls escaped."""
        print(printable(text), file=self.err)

    def err_is_terminal(self) -> bool:
        """Whether standard error is a terminal (progress is drawn only then)."""
        isatty = getattr(self.err, "isatty", None)
        return bool(isatty and isatty())
