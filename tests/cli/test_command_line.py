"""The command line itself: what works without an extra, what is refused before any AWS call."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tests.cli.conftest import STACK, World
from voice_constructs._contract import contract
from voice_constructs.cli import _exit

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "+12065550142"
VERSION = metadata.version("voice-constructs")
WHEEL = f"voice_constructs-{VERSION}-py3-none-any.whl"

# The plain wheel's world: boto3, botocore and moto are not installed.
_PLAIN = """
import sys


class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"boto3", "botocore", "moto"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Missing())
from voice_constructs.cli import main

sys.exit(main(sys.argv[1:]))
"""


def plain(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run the tool as an install without the cli and testing extras would."""
    return subprocess.run(  # noqa: S603 - this interpreter, on a fixed program
        [sys.executable, "-c", _PLAIN, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- Installing: the plain wheel --------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [[], ["call"], ["status"], ["queue"], ["queue", "redrive"], ["emulate"]],
    ids=["top", "call", "status", "queue", "redrive", "emulate"],
)
def test_help_works_without_boto3(argv: list[str]) -> None:
    result = plain(*argv, "--help")
    assert result.returncode == _exit.OK, result.stderr
    assert "usage: voice-constructs" in result.stdout
    assert result.stderr == ""


def test_version_works_without_boto3() -> None:
    result = plain("--version")
    assert result.returncode == _exit.OK, result.stderr
    assert result.stdout == f"voice-constructs {VERSION}\n"


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("call", ["call", "--stack", STACK, "--to", NUMBER, "--text", "Hi."]),
        ("status", ["status", "m-1", "--stack", STACK]),
        ("queue", ["queue", "--stack", STACK]),
        ("queue redrive", ["queue", "redrive", "--stack", STACK, "--yes"]),
    ],
)
def test_fails_a_command_without_the_cli_extra_naming_both_install_commands(
    command: str, argv: list[str]
) -> None:
    result = plain(*argv)
    assert result.returncode == _exit.USAGE
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"voice-constructs: {command} needs the cli extra")
    assert "pip install 'voice-constructs[cli]'" in result.stderr
    assert f"pip install 'CLONE/dist/{WHEEL}[cli]'" in result.stderr


def test_fails_emulate_without_the_testing_extra_naming_that_extra() -> None:
    result = plain("emulate", "--port", "0")
    assert result.returncode == _exit.USAGE
    assert result.stderr.count("\n") == 1, result.stderr
    assert "pip install 'voice-constructs[testing]'" in result.stderr
    assert f"pip install 'CLONE/dist/{WHEEL}[testing]'" in result.stderr
    assert "[cli]" not in result.stderr


def test_the_install_commands_are_worded_in_one_place() -> None:
    cli = ROOT / "voice_constructs" / "cli"
    wording = {p.name for p in cli.glob("*.py") if "pip install" in p.read_text()}
    assert wording == {"_extras.py"}


# --- Phone numbers are checked before any AWS call -------------------------------------------


@pytest.mark.parametrize(("option", "value"), [("--to", "12065550142"), ("--from", "2065550100")])
def test_fails_a_number_not_in_e164_form_before_any_aws_call(
    world: World, option: str, value: str
) -> None:
    argv = ["call", "--stack", STACK, "--to", NUMBER, "--text", "Hi.", option, value]
    assert world.run(*argv) == _exit.USAGE
    error = world.err.getvalue()
    assert f"argument {option}: " in error
    assert "E.164" in error
    assert value not in error
    assert value[-4:] in error  # masked, not left out
    assert world.actions == set()
    assert world.lambda_.invocations == []


def test_a_v2_identity_passes_as_the_from_number(world: World) -> None:
    pool = "pool-" + "0123456789abcdef" * 2
    argv = ["call", "--stack", STACK, "--to", NUMBER, "--text", "Hi.", "--from", pool]
    # The v1 sender refuses a v2 pool with its own reason; the tool does not stand in its way.
    assert world.run(*argv) != _exit.USAGE, world.err.getvalue()
    assert world.lambda_.invocations


# --- Unknown choices are usage errors --------------------------------------------------------


def test_fails_an_unknown_failure_type_before_any_aws_call(world: World) -> None:
    status = world.run("queue", "redrive", "--stack", STACK, "--yes", "--type", "bogus")
    assert status == _exit.USAGE
    assert "argument --type: invalid choice: 'bogus'" in world.err.getvalue()
    assert "recipient_cap" in world.err.getvalue()
    assert world.out.getvalue() == ""
    assert world.actions == set()


def _failure_types_the_sender_gives() -> set[str]:
    """Every FailureType literal in the sender's code: its errors, give-ups and verdicts."""
    found: set[str] = set()
    for path in (ROOT / "lambda_src" / "send_voice_message").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            values: list[ast.expr] = []
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "failure_type" for t in node.targets
            ):
                values.append(node.value)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "_give_up":
                values.extend(node.args[1:2])
            if isinstance(node, ast.keyword) and node.arg == "dead_lettered":
                values.append(node.value)
            if isinstance(node, ast.FunctionDef) and node.name == "_verdict":
                values.extend(
                    r.value.elts[0]
                    for r in ast.walk(node)
                    if isinstance(r, ast.Return) and isinstance(r.value, ast.Tuple)
                )
            found |= {v.value for v in values if isinstance(v, ast.Constant)}
    return found


def test_the_contract_lists_every_failure_type_the_sender_gives() -> None:
    assert set(contract.DEAD_LETTER_FAILURE_TYPES) == _failure_types_the_sender_gives()


# --- Only phone numbers are masked -----------------------------------------------------------


@pytest.mark.parametrize("message_id", ["12345678-1234-1234-1234-123456789012", "1234567890123"])
def test_status_echoes_a_message_id_whole(world: World, message_id: str) -> None:
    assert world.run("status", message_id, "--stack", STACK) == _exit.NOT_FOUND
    assert f"no event recorded yet for {message_id} " in world.err.getvalue()


def test_call_echoes_a_key_with_digits_whole_and_a_number_in_it_masked(world: World) -> None:
    argv = ["call", "--stack", STACK, "--to", NUMBER, "--text", "Hi.", "--json"]
    assert world.run(*argv, "--idempotency-key", "order-20270115123456") == _exit.OK
    assert json.loads(world.out.getvalue())["IdempotencyKey"] == "order-20270115123456"
    assert world.run(*argv, "--idempotency-key", f"for{NUMBER}") == _exit.OK
    assert json.loads(world.out.getvalue())["IdempotencyKey"] == "for+1******0142"


# --- No error names a release that does not exist --------------------------------------------


def test_fails_a_stack_with_nothing_tagged_naming_no_other_release(world: World) -> None:
    assert world.run("queue", "--stack", "Elsewhere") == _exit.NOT_FOUND
    error = world.err.getvalue()
    assert "nothing tagged by voice-constructs" in error
    installed = tuple(int(part) for part in VERSION.split(".")[:2])
    named = re.findall(r"(?<![\w.])(\d+)\.(\d+)(?:\.\d+)?(?![\w.])", error)
    assert all((int(a), int(b)) <= installed for a, b in named), error
    assert contract.TAG_STACK in error
