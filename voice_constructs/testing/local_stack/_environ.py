"""Each function's own environment and log lines, while several run on threads of one process.

Lambda gives every function a process of its own, with its own environment variables. Here the
functions run on threads of the emulator's process, which has one ``os.environ``; the handlers
read theirs from it (``os.environ``, ``os.getenv``, botocore's region and credentials). So, for
the scope of :func:`installed`, ``os.environ`` is a :class:`ThreadEnvironment`: in a thread that
entered :meth:`ThreadEnvironment.scope`, it is that scope's own variables (a copy: what a
function sets stays its own); anywhere else it is the process's, as before. Code that reads the
C library's environment (``getenv`` from an extension, a subprocess) still sees the process's.

:class:`FunctionLogs` does the same for logging: the records a function's thread writes, through
any logger, go to the emulator's sink prefixed with the function's name, and into the current
invocation's log (``X-Amz-Log-Type: Tail``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

# The attributes every LogRecord has; anything else came in through ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


class ThreadEnvironment(MutableMapping[str, str]):
    """``os.environ``, per thread inside a :meth:`scope`, the process's outside."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base
        self._local = threading.local()

    def _current(self) -> MutableMapping[str, str]:
        scoped: dict[str, str] | None = getattr(self._local, "variables", None)
        return self.base if scoped is None else scoped

    @contextmanager
    def scope(self, variables: dict[str, str]) -> Iterator[None]:
        """Make ``variables`` (a copy) this thread's whole environment for the block."""
        previous = getattr(self._local, "variables", None)
        self._local.variables = dict(variables)
        try:
            yield
        finally:
            self._local.variables = previous

    def __getitem__(self, key: str) -> str:
        return self._current()[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._current()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._current()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._current()))

    def __len__(self) -> int:
        return len(self._current())

    def copy(self) -> dict[str, str]:
        """A plain dict of the current environment, as ``os.environ.copy()`` gives."""
        return dict(self._current())


@contextmanager
def installed() -> Iterator[ThreadEnvironment]:
    """``os.environ`` is a :class:`ThreadEnvironment` over the process's for the scope."""
    original = os.environ
    environment = ThreadEnvironment(original)
    # Not clearing the environment (B003): replacing the mapping its readers look in.
    os.environ = environment  # type: ignore[assignment]  # noqa: B003
    try:
        yield environment
    finally:
        os.environ = original  # noqa: B003


class FunctionLogs(logging.Handler):
    """Log records of functions' threads, to a sink as one line each, and to their invocation."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        super().__init__(logging.DEBUG)
        self._sink = sink
        self._local = threading.local()

    @contextmanager
    def invocation(self, function_name: str) -> Iterator[list[str]]:
        """Records of this thread belong to ``function_name`` for the block; yields their lines."""
        lines: list[str] = []
        previous = getattr(self._local, "current", None)
        self._local.current = (function_name, lines)
        try:
            yield lines
        finally:
            self._local.current = previous

    def emit(self, record: logging.LogRecord) -> None:
        """Write a function's record; records of other threads are not this handler's."""
        current = getattr(self._local, "current", None)
        if current is None:
            return
        function_name, lines = current
        try:
            line = _line(record)
        except Exception:  # a record that cannot be formatted must not fail the function
            line = f"{record.levelname} {record.msg!r}"
        lines.append(line)
        self._sink(f"{function_name}  {line}")

    @contextmanager
    def attached(self) -> Iterator[None]:
        """On the root logger for the scope, at its level (WARNING, as in Lambda's runtime)."""
        root = logging.getLogger()
        root.addHandler(self)
        try:
            yield
        finally:
            root.removeHandler(self)


def _line(record: logging.LogRecord) -> str:
    """``LEVEL message {"extra": ...}``: the message and its ``extra`` fields, as JSON."""
    extra = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
    text = f"{record.levelname} {record.getMessage()}"
    if extra:
        text += " " + json.dumps(extra, default=str, sort_keys=True)
    if record.exc_info and record.exc_info[1] is not None:
        error: Any = record.exc_info[1]
        text += f" ({type(error).__name__}: {error})"
    return text


def start_thread(
    environment: ThreadEnvironment,
    variables: dict[str, str],
    target: Callable[[], None],
    name: str,
) -> threading.Thread:
    """Start a daemon thread that runs ``target`` with ``variables`` as its environment."""

    def run() -> None:
        with environment.scope(variables):
            target()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
