"""``voice-constructs emulate --app``: a synthesized stack run against the emulator.

The stack's resources are created in the emulator and its functions run in-process
(:mod:`voice_constructs.testing.local_stack`); this module reads ``--app``, runs the stack for as
long as the server serves, and says what runs, and what does not, in the startup output. The
functions' log lines and the emulator's remarks go to standard error, control characters
escaped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voice_constructs.cli._exit import REFUSED, USAGE, CommandError
from voice_constructs.cli._runtime import printable

# What the startup output says of each outcome of the call events.
_OUTCOMES = {
    "answered": "answered: initiated, ringing, answered, completed",
    "busy": "busy: initiated, ringing, busy",
    "no-answer": "not answered: initiated, ringing, no answer",
    "failed": "failed: initiated, failed",
}
DIFFERENCES = (
    "functions run in-process on this machine's Python, not in the Lambda runtime: no isolation "
    "between them, IAM and resource policies not enforced; calls are placed in the emulator only"
)


def register_options(command: argparse.ArgumentParser, outcomes: tuple[str, ...]) -> None:
    """``--app``, ``--stack`` and ``--call-outcome``."""
    command.add_argument(
        "--app",
        metavar="PATH",
        help="also run a synthesized stack: a cloud assembly directory (cdk.out) or a template "
        "file; its resources are created here and its functions run in-process",
    )
    command.add_argument(
        "--stack",
        metavar="NAME",
        help="with --app: the one stack to run, by name or artifact id (default: every stack)",
    )
    command.add_argument(
        "--call-outcome",
        choices=outcomes,
        default="answered",
        help="with --app: how each placed call ends, its status events delivered as the service "
        "delivers them (default: answered; none leaves them to the control path)",
    )


def load(arguments: argparse.Namespace) -> list[Any]:
    """The stacks ``--app`` names, read before the server starts."""
    from voice_constructs.testing.local_stack.assembly import AssemblyError
    from voice_constructs.testing.local_stack.assembly import load as load_stacks

    try:
        return load_stacks(Path(arguments.app), arguments.stack)
    except AssemblyError as error:
        raise CommandError(f"--app: {error}", USAGE) from None


def region_of(stacks: list[Any], given: str | None) -> str | None:
    """The emulator's region: ``--region``, else the stacks' own, which must agree."""
    regions = {stack.region for stack in stacks if stack.region}
    if len(regions) > 1:
        several = ", ".join(sorted(regions))
        raise CommandError(f"--app: the stacks are in several regions ({several})", USAGE)
    if given and regions and given not in regions:
        raise CommandError(
            f"--region {given}: the stack is in {regions.pop()}; leave --region out", USAGE
        )
    return given or (regions.pop() if regions else None)


def serve(
    server: Any,
    stacks: list[Any],
    arguments: argparse.Namespace,
    announce: Callable[[dict[str, Any] | None, list[str]], None],
) -> None:
    """Create and run ``stacks`` until the server stops (Ctrl-C); announce them first."""
    from voice_constructs.testing.local_stack.deployment import StackError
    from voice_constructs.testing.local_stack.stack import running

    def err(line: str) -> None:
        print(printable(line), file=sys.stderr, flush=True)

    app = server.app
    try:
        with running(
            stacks,
            app.control,
            region=app.control.voice.region,
            outcome=arguments.call_outcome,
            log=err,
            note=lambda line: err(f"voice-constructs emulate: {line}"),
        ) as local:
            summary = local.summary()
            announce(summary, describe(summary, arguments.call_outcome))
            server.serve_forever()
    except StackError as error:
        raise CommandError(str(error), REFUSED) from None


def describe(summary: dict[str, Any], outcome: str) -> list[str]:
    """The startup output's lines about the stacks (escaped when printed)."""
    lines: list[str] = []
    for stack in summary["stacks"]:
        resources = stack["resources"]
        api = (
            "no voice sender"
            if stack["api"] == "no sender"
            else f"SMS and Voice API {stack['api']}"
        )
        lines.append(
            f"stack {stack['name']} ({stack['template']}): {api}, region {stack['region']}"
        )
        functions = [r for r in resources if r["type"] == "AWS::Lambda::Function"]
        lines.append("  functions:" if functions else "  functions: none")
        lines += [f"    {r['detail']}" for r in functions]
        polled = [r for r in resources if r["detail"].startswith("polled: ")]
        lines += [f"  {r['detail']}" for r in polled]
        created = [r for r in resources if r["status"] == "created" and r not in functions + polled]
        lines.append(f"  created ({len(created)}):")
        lines += [f"    {r['type']} {r['logical_id']}: {r['detail']}" for r in created]
        for status in ("no effect", "not emulated"):
            listed = [r for r in resources if r["status"] == status]
            if listed:
                lines.append(f"  {status} ({len(listed)}):")
                lines += (
                    _grouped(listed)
                    if status == "no effect"
                    else [f"    {r['type']} {r['logical_id']}: {r['detail']}" for r in listed]
                )
        lines += [f"  note: {note}" for note in stack["notes"]]
        if stack["outputs"]:
            lines.append("  outputs:")
            lines += [f"    {name} = {value}" for name, value in stack["outputs"].items()]
    ending = _OUTCOMES.get(outcome)
    lines.append(
        f"  call events: each placed call is {ending}, 0.5 s apart"
        if ending
        else "  call events: none unless sent through the control path (emit-call-events)"
    )
    lines += [f"  note: {note}" for note in summary["notes"]]
    lines.append(f"  not AWS: {DIFFERENCES}")
    return lines


def _grouped(resources: list[dict[str, Any]]) -> list[str]:
    """One line per type: how many, why they have no effect, their logical ids."""
    kinds: dict[str, list[dict[str, Any]]] = {}
    for resource in resources:
        kinds.setdefault(resource["type"], []).append(resource)
    return [
        f"    {kind} x{len(listed)} ({listed[0]['detail']}): "
        + ", ".join(r["logical_id"] for r in listed)
        for kind, listed in kinds.items()
    ]
