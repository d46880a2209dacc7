"""The README is a guide, docs/ the reference: every page linked, every link and command sound."""

from __future__ import annotations

import functools
import re
import shlex
from pathlib import Path

import pytest

from tests.docs import DOCS, README, ROOT, blocks, pages
from voice_constructs.cli import parser

# The guide stays short: the reference lives in docs/.
README_MAX_LINES = 300
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the page's headings."""
    found = set()
    in_code = False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (heading := re.match(r"#+ (.*)", line)):
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
            found.add(slug)
    return found


def links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)
    return [target for target in LINK.findall(text) if not target.startswith("http")]


def test_the_readme_is_a_guide_of_at_most_300_lines() -> None:
    assert len(README.read_text().splitlines()) <= README_MAX_LINES


def test_the_readme_links_every_reference_page() -> None:
    linked = {target.split("#")[0] for target in links(README)}
    missing = [p.name for p in sorted(DOCS.glob("*.md")) if f"docs/{p.name}" not in linked]
    assert missing == []


@pytest.mark.parametrize("path", pages(), ids=lambda p: p.name)
def test_every_link_reaches_a_file_and_a_heading(path: Path) -> None:
    broken = []
    for target in links(path):
        file, _, anchor = target.partition("#")
        destination = (path.parent / file).resolve() if file else path
        if (
            not destination.exists()
            or not destination.is_relative_to(ROOT)
            or (anchor and destination.suffix == ".md" and anchor not in anchors(destination))
        ):
            broken.append(target)
    assert broken == []


def commands() -> list[tuple[str, list[str]]]:
    """Every ``voice-constructs`` command line in the shell blocks of every page."""
    found = []
    for language in ("sh", "bash"):
        for path, code in blocks(language):
            for line in code.replace("\\\n", " ").splitlines():
                if line.startswith("voice-constructs "):
                    argv = shlex.split(line.split(" #", 1)[0])[1:]
                    found.append((f"{path.name}: {line[:60]}", argv))
    return found


COMMANDS = commands()


@pytest.mark.parametrize(("where", "argv"), COMMANDS, ids=[where for where, _ in COMMANDS])
def test_every_command_line_shown_parses(where: str, argv: list[str]) -> None:
    parser().parse_args(argv)  # exits with 2, failing the test, on a line the tool refuses
    assert argv, where


def test_a_command_line_the_tool_refuses_fails_to_parse() -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["queue", "redrive", "--type", "bogus"])


# --- troubleshooting: the messages it quotes are the code's ---------------------------------

TROUBLESHOOTING = DOCS / "troubleshooting.md"
# The code whose messages the page quotes, with adjacent string literals joined.
_SOURCES = [
    *ROOT.glob("voice_constructs/**/*.py"),
    *ROOT.glob("lambda_src/**/*.py"),
    ROOT / "app.py",
]
# What a message holds in place of a value: "...", a quoted value, a number, NAME, an option,
# the command, part or extra it names.
_PLACEHOLDER = re.compile(
    r"\.\.\.|'[^']*'|(?<![\w.])\d[\d,]*(?![\w.])|\bNAME\b|--\w+|\b(?:cli|boto3|sender|queue|call)\b"
)


@functools.cache
def _code() -> str:
    text = "\n".join(path.read_text() for path in _SOURCES)
    return re.sub(r"\"\s*\n\s*[rf]*\"", "", text)


def quoted_messages() -> list[str]:
    """The first cell of each table row the page's sections quote messages in."""
    found = []
    for line in TROUBLESHOOTING.read_text().splitlines():
        cell = line.split("|")[1].strip() if line.startswith("| `") else ""
        if cell.startswith("`") and " " in cell and not re.match(r"`\w+Exception", cell):
            found.append(cell.strip("`"))
    return found


@pytest.mark.parametrize("message", quoted_messages())
def test_every_message_the_troubleshooting_page_quotes_is_the_codes(message: str) -> None:
    pieces = [p.strip(" :;,()") for p in _PLACEHOLDER.split(message) if len(p.split()) >= 3]
    assert pieces, message
    code = _code()
    assert [p for p in pieces if p not in code] == []


def test_a_message_the_code_does_not_say_is_found_missing() -> None:
    assert "the sender caught fire" not in _code()
