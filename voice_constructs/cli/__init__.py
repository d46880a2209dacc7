"""``voice-constructs``: place a call through a deployed sender, follow it, read the queues.

The plain wheel runs ``--help`` and ``--version``; the commands that call AWS need the ``cli``
extra and ``emulate`` the ``testing`` extra, which they name when it is missing (``_extras``).
Each subcommand lives in a module of this package with a ``register(subcommands)`` function
that adds its parser and sets ``handler``, a function of the parsed arguments that returns an
exit status (``_exit``), and ``command``, its name.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from voice_constructs.cli._exit import INTERRUPTED, MEANINGS, USAGE, CommandError
from voice_constructs.cli._extras import version
from voice_constructs.cli._runtime import Runtime

PROGRAM = "voice-constructs"
# The modules that add subcommands, in the order ``--help`` lists them.
_COMMAND_MODULES = ("call", "status", "queue", "emulate")


def parser() -> argparse.ArgumentParser:
    """The command line, with every subcommand registered."""
    statuses = "\n".join(f"  {code}  {meaning}" for code, meaning in MEANINGS.items())
    top = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Place voice calls through a deployed voice-constructs stack, and follow them.",
        epilog=f"exit statuses:\n{statuses}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"{PROGRAM} {version() or 'unknown'}")
    subcommands = top.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in _COMMAND_MODULES:
        module = import_module(f"{__name__}.{name}")
        module.register(subcommands)
    return top


def main(argv: Sequence[str] | None = None, *, runtime: Runtime | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status.

    :param runtime: The clients, clock and terminal to use. :default: - boto3, the real clock,
        standard streams
    """
    runtime = runtime or Runtime()
    try:
        # Help, the version and usage errors go to the runtime's streams, as everything else.
        with contextlib.redirect_stdout(runtime.out), contextlib.redirect_stderr(runtime.err):
            arguments = parser().parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else USAGE
    arguments.runtime = runtime
    handler: Callable[[argparse.Namespace], int] = arguments.handler
    try:
        return handler(arguments)
    except CommandError as error:
        runtime.note(f"{PROGRAM}: {error}")
        return error.status
    except KeyboardInterrupt:
        runtime.note(f"{PROGRAM}: interrupted")
        return INTERRUPTED


def run() -> None:
    """The console script's entry point."""
    sys.exit(main())
