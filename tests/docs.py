"""The README and the reference pages in ``docs/``: their code blocks, for the tests that run them.

Every page is one the README links to; ``tests/test_docs.py`` checks the links both ways.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def pages() -> list[Path]:
    """The README, then every reference page, by name."""
    return [README, *sorted(DOCS.glob("*.md"))]


def page(name: str) -> Path:
    """A reference page by its file name (``"cli.md"``), or the README (``"README.md"``)."""
    return README if name == "README.md" else DOCS / name


def blocks(language: str, path: Path | None = None) -> list[tuple[Path, str]]:
    """The fenced blocks of ``language`` in ``path``, or in every page, with the page of each."""
    found = []
    for source in [path] if path is not None else pages():
        text = source.read_text()
        found += [(source, b) for b in re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)]
    return found


def block(marker: str, language: str, path: Path | None = None) -> str:
    """The one block of ``language`` that holds ``marker``."""
    matching = [code for _, code in blocks(language, path) if marker in code]
    assert len(matching) == 1, f"{len(matching)} {language} blocks hold {marker!r}"
    return matching[0]


def section(path: Path, heading: str) -> str:
    """The text under the heading that starts with ``heading``, up to the next of its level."""
    text = path.read_text()
    match = re.search(rf"^(#+) {re.escape(heading)}.*$", text, re.MULTILINE)
    assert match is not None, f"{path.name} has no heading {heading!r}"
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest
