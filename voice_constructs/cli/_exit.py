"""What the command-line tool's exit statuses mean (``voice-constructs --help`` lists them)."""

from __future__ import annotations

OK = 0
# The sender, the service or AWS refused the request; the message says why.
REFUSED = 1
# The command line was wrong, or an extra the command needs is not installed.
USAGE = 2
# The stack, one of its parts, or the call was not found.
NOT_FOUND = 3
# A wait (``status --follow``) ran out before the call reached a final status.
TIMED_OUT = 4
# Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130

MEANINGS = {
    OK: "success",
    REFUSED: "refused: the sender, the service or AWS said no, and why",
    USAGE: "bad command line, or a missing extra",
    NOT_FOUND: "the stack, a part of it, or the call was not found",
    TIMED_OUT: "status --follow ran out of time before a final status",
    INTERRUPTED: "interrupted (Ctrl-C)",
}


class CommandError(Exception):
    """An error the tool reports in one line, with the exit status it means."""

    def __init__(self, message: str, status: int = REFUSED) -> None:
        super().__init__(message)
        self.status = status
