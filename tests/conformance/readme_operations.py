"""docs/emulator.md's list of the operations the emulator serves, generated from the fakes.

``python -m tests.conformance.readme_operations`` rewrites it between its markers;
``test_readme_operations.py`` fails when the page and the fakes' ``*_OPERATIONS`` disagree.
"""

from __future__ import annotations

from botocore import xform_name

from tests.docs import page
from voice_constructs.testing.server import OPERATIONS

PAGE = page("emulator.md")

START, END = "<!-- emulator-operations:start -->", "<!-- emulator-operations:end -->"
_WHAT = {
    "pinpoint": "the voice channel of moto's Pinpoint applications",
    "pinpoint-sms-voice": "Pinpoint SMS and Voice v1",
    "pinpoint-sms-voice-v2": "End User Messaging SMS and Voice v2",
}


def table() -> str:
    """The Markdown table: each service, what it is, its operations and their CLI commands."""
    rows = [
        "| Service (botocore, AWS CLI) | Faked | Operations | AWS CLI commands |",
        "| --- | --- | --- | --- |",
    ]
    for service, operations in OPERATIONS.items():
        names = ", ".join(f"`{operation}`" for operation in operations)
        commands = ", ".join(f"`{xform_name(operation, '-')}`" for operation in operations)
        rows.append(f"| `{service}` | {_WHAT[service]} | {names} | {commands} |")
    return "\n".join(rows)


def section(readme: str) -> str:
    """What the README holds between the markers."""
    if START not in readme or END not in readme:
        raise ValueError(f"README has no {START} ... {END} markers")
    return readme.split(START, 1)[1].split(END, 1)[0].strip("\n")


def rewrite(readme: str) -> str:
    """The README with the table between the markers regenerated."""
    section(readme)
    before, rest = readme.split(START, 1)
    after = rest.split(END, 1)[1]
    return f"{before}{START}\n{table()}\n{END}{after}"


if __name__ == "__main__":
    PAGE.write_text(rewrite(PAGE.read_text()))
