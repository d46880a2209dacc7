"""The stack's Python functions, run in the emulator's process: what answers ``lambda:Invoke``.

Each function is the template's: its handler (``package.module.function``) imported from its
code asset (the directory ``aws:asset:path`` names, a copy of the library's ``lambda_src``), its
environment, its timeout and memory, its reserved concurrency. An invocation runs on a thread of
its own with that environment (:mod:`._environ`), a Lambda context whose remaining time counts
down from the timeout, and the records it logs tagged with its name.

What differs from Lambda: the code runs on the emulator's Python, not the function's runtime;
modules are imported once per process, so two functions of one handler module share its state
(the emulator refuses the second); an invocation past its timeout is answered as timed out
(``Sandbox.Timedout``), but its thread, which nothing can stop, runs on to its end, holding its
concurrency until then.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voice_constructs.testing.local_stack._environ import FunctionLogs, ThreadEnvironment

# Lambda's default concurrency of an account, which a function without a reservation shares.
ACCOUNT_CONCURRENCY = 1000
# What a function's environment takes from the emulator's process: only what Python needs.
_PROCESS_VARIABLES = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
_LOG_TAIL_BYTES = 4096


class ThrottledError(Exception):
    """The function's concurrency is used up (Lambda's ``TooManyRequestsException``)."""


class _InitError(Exception):
    """The function's init (importing its handler) failed: Lambda's error type and message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class CodeConflictError(Exception):
    """A function's code cannot share the process with code already loaded (names the module)."""


@dataclass
class FunctionConfig:
    """One function of the template, as the emulator runs it."""

    name: str
    arn: str
    handler: str
    runtime: str
    code: Path | None
    environment: dict[str, str]
    timeout: float = 3.0
    memory: int = 128
    reserved: int | None = None
    log_group: str = ""
    #: Why the emulator does not run it (a runtime other than Python, no code), or None.
    not_run: str | None = None
    # Asynchronous invocations: retries after a function error, and where results go.
    retries: int = 2
    on_success: str | None = None
    on_failure: str | None = None
    dead_letter: str | None = None
    slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        """Its concurrency: the reservation, or what the account has."""
        self.slots = threading.BoundedSemaphore(self.reserved or ACCOUNT_CONCURRENCY)


@dataclass(frozen=True)
class Result:
    """One invocation's answer: its payload, and the error type when the function failed."""

    request_id: str
    payload: Any
    error: str | None = None
    logs: tuple[str, ...] = ()

    def payload_bytes(self) -> bytes:
        """The payload as the Invoke API returns it (JSON)."""
        return json.dumps(self.payload).encode()

    def log_tail(self) -> str:
        """The last 4 KB of the invocation's log, as ``X-Amz-Log-Type: Tail`` returns it."""
        text = "".join(line + "\n" for line in self.logs).encode()
        return text[-_LOG_TAIL_BYTES:].decode(errors="replace")


class LambdaContext:
    """The context object a handler gets: names, the request id, the time left."""

    def __init__(self, function: FunctionConfig, request_id: str, deadline: float) -> None:
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = function.memory
        self.aws_request_id = request_id
        self.log_group_name = function.log_group
        self.log_stream_name = f"local/[$LATEST]{request_id.replace('-', '')}"
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class Functions:
    """The stack's functions by name and ARN, and their synchronous invocations."""

    def __init__(
        self,
        environment: ThreadEnvironment,
        logs: FunctionLogs,
        *,
        region: str,
        account: str,
        executable: str = f"python{sys.version_info.major}.{sys.version_info.minor}",
    ) -> None:
        self._environment = environment
        self._logs = logs
        self.region = region
        self.account = account
        self.python = executable
        self._functions: dict[str, FunctionConfig] = {}
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._digests: dict[str, tuple[str, Path]] = {}
        self._lock = threading.Lock()
        self._running: set[threading.Thread] = set()
        #: What :meth:`add` put on ``sys.path`` (the stack's code assets).
        self.paths: list[str] = []

    def add(self, function: FunctionConfig) -> None:
        """Register ``function``; refuses code that clashes with code of another function."""
        if function.not_run is None and function.code is not None:
            self._claim_code(function)
        self._functions[function.name] = function
        self._functions[function.arn] = function

    def find(self, name_or_arn: str) -> FunctionConfig | None:
        """The function of that name or ARN (a ``:$LATEST`` qualifier allowed), or None."""
        return self._functions.get(name_or_arn) or self._functions.get(
            name_or_arn.removesuffix(":$LATEST")
        )

    def all(self) -> list[FunctionConfig]:
        """Every registered function, once each."""
        return list({id(f): f for f in self._functions.values()}.values())

    def _claim_code(self, function: FunctionConfig) -> None:
        """Check the function's top-level packages against those other functions brought.

        One process imports a package once: two functions whose copies of ``vc_common`` differ
        (assets of two versions) cannot both run; nor two functions of one handler module, whose
        module state (clients, a sender built from the environment) would be shared.
        """
        assert function.code is not None
        module = function.handler.rpartition(".")[0]
        for other in self.all():
            if other.not_run is None and other.handler.rpartition(".")[0] == module:
                raise CodeConflictError(
                    f"its handler module {module} is also {other.name}'s, and one process holds "
                    "one copy of a module's state"
                )
        for entry in sorted(function.code.iterdir()):
            if entry.name.startswith((".", "__")) or not (entry.is_dir() or entry.suffix == ".py"):
                continue
            name = entry.name.removesuffix(".py")
            digest = _digest(entry)
            loaded = sys.modules.get(name)
            known = self._digests.get(name)
            if known is None and loaded is not None and getattr(loaded, "__file__", None):
                origin = Path(str(loaded.__file__))
                origin = origin.parent if origin.name == "__init__.py" else origin
                known = (_digest(origin), origin)
            if known is not None and known[0] != digest:
                raise CodeConflictError(
                    f"its package {name} ({entry}) differs from the one already loaded from "
                    f"{known[1]}"
                )
            self._digests.setdefault(name, (digest, entry))
        if str(function.code) not in sys.path:
            sys.path.insert(0, str(function.code))
            self.paths.append(str(function.code))

    def invoke(self, target: str, event: Any, *, request_id: str | None = None) -> Result:
        """Run the function on ``event`` and wait for its answer, at most its timeout.

        Raises ThrottledError when its concurrency is used up, KeyError for an unknown function.
        """
        function = self.find(target)
        if function is None:
            raise KeyError(target)
        request_id = request_id or str(uuid.uuid4())
        if function.not_run is not None:
            return _failed(request_id, "Runtime.NotEmulated", function.not_run)
        if not function.slots.acquire(blocking=False):
            raise ThrottledError(f"{function.name}: its concurrency is used up")
        deadline = time.monotonic() + function.timeout
        box: list[Result] = []
        thread = threading.Thread(
            target=self._run,
            args=(function, event, request_id, deadline, box),
            name=f"lambda {function.name} {request_id[:8]}",
            daemon=True,
        )
        with self._lock:
            self._running.add(thread)
        thread.start()
        thread.join(function.timeout)
        if box:
            return box[0]
        return _failed(
            request_id,
            "Sandbox.Timedout",
            f"RequestId: {request_id} Error: Task timed out after {function.timeout:.2f} seconds",
        )

    def _run(
        self,
        function: FunctionConfig,
        event: Any,
        request_id: str,
        deadline: float,
        box: list[Result],
    ) -> None:
        lines: list[str] = []
        try:
            with (
                self._environment.scope(self.environment_of(function)),
                self._logs.invocation(function.name) as lines,
            ):
                handler = self._handler(function)
                answer = handler(event, LambdaContext(function, request_id, deadline))
                payload = json.loads(json.dumps(answer))
            box.append(Result(request_id, payload, None, tuple(lines)))
        except _InitError as error:
            box.append(_failed(request_id, error.error_type, str(error)))
        except Exception as error:  # the function failed: its error is the invocation's answer
            box.append(_error(request_id, error, lines))
        finally:
            function.slots.release()
            with self._lock:
                self._running.discard(threading.current_thread())

    def _handler(self, function: FunctionConfig) -> Callable[..., Any]:
        """The handler, imported once: the function's init, in its environment."""
        if function.name not in self._handlers:
            module_name, _, attribute = function.handler.rpartition(".")
            try:
                # A module already imported (by an earlier run in this process) is imported
                # again: each run starts cold, its init in this function's environment.
                loaded = sys.modules.get(module_name)
                module = (
                    importlib.reload(loaded)
                    if loaded is not None
                    else importlib.import_module(module_name)
                )
            except Exception as error:
                message = f"Unable to import module '{module_name}': {error}"
                raise _InitError("Runtime.ImportModuleError", message) from error
            handler = getattr(module, attribute, None)
            if not callable(handler):
                message = f"Handler '{attribute}' missing on module '{module_name}'"
                raise _InitError("Runtime.HandlerNotFound", message)
            self._handlers[function.name] = handler
        return self._handlers[function.name]

    def environment_of(self, function: FunctionConfig) -> dict[str, str]:
        """The function's environment: its own variables, then what Lambda sets, fake keys."""
        process = self._environment.base
        variables = {name: process[name] for name in _PROCESS_VARIABLES if name in process}
        variables.update(function.environment)
        variables.update(
            {
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": function.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
                "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": "local",
                "LAMBDA_TASK_ROOT": str(function.code or ""),
                "_HANDLER": function.handler,
                **local_credentials(self.region),
            }
        )
        return variables

    def wait(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for running invocations; returns how many still run."""
        end = time.monotonic() + timeout
        while True:
            with self._lock:
                running = list(self._running)
            left = end - time.monotonic()
            if not running or left <= 0:
                return len(running)
            running[0].join(min(left, 0.5))


def local_credentials(region: str) -> dict[str, str]:
    """Fake keys and no configuration files: nothing of the host's AWS setup reaches the code."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


def _failed(request_id: str, error_type: str, message: str) -> Result:
    return Result(request_id, {"errorType": error_type, "errorMessage": message}, error_type)


def _error(request_id: str, error: Exception, lines: list[str]) -> Result:
    """A handler's exception as Lambda's Python runtime reports it."""
    payload = {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }
    return Result(request_id, payload, type(error).__name__, tuple(lines))


def _digest(path: Path) -> str:
    """The digest of a module file, or of a package's ``.py`` files (their paths and bytes)."""
    hashed = hashlib.sha256()
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    for file in files:
        if "__pycache__" in file.parts:
            continue
        hashed.update(str(file.relative_to(path.parent)).encode() + b"\0")
        hashed.update(file.read_bytes() + b"\0")
    return hashed.hexdigest()
