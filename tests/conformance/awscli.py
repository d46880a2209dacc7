"""The AWS CLI v1 (from PyPI, in .venv-awscli: it pins its own botocore), run against the emulator.

No AWS configuration is read: the config and credentials files are /dev/null, the credentials
and region fixed. The ``aws`` fixture (conftest) gives a :class:`Cli` on the module's emulator.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[2]
AWS = Path(os.environ.get("VC_AWS_CLI", ROOT / ".venv-awscli" / "bin" / "aws"))
# "An error occurred (NotFoundException) when calling the X operation (reached max retries: 0): ..."
ERROR = re.compile(
    r"An error occurred \((?P<code>\w+)\) when calling the (?P<operation>\w+) operation"
    r"(?: \(reached max retries: \d+\))?: (?P<message>.*)"
)


class Cli:
    """``aws`` with the emulator's endpoint, fake credentials, a fixed region and no config."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def run(
        self, *args: str, attempts: int = 1, read_timeout: int = 10
    ) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_RETRY_MODE": "standard",
            "AWS_MAX_ATTEMPTS": str(attempts),
            "AWS_PAGER": "",
        }
        return subprocess.run(  # noqa: S603 (the CLI of this repository's venv)
            [
                str(AWS),
                *args,
                "--endpoint-url",
                self.endpoint,
                "--output",
                "json",
                "--cli-read-timeout",
                str(read_timeout),
                "--cli-connect-timeout",
                "5",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str, **options: Any) -> Any:
        run = self.run(*args, **options)
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout) if run.stdout.strip() else {}

    def error(self, *args: str, **options: Any) -> str:
        """The error code the CLI reports (v1 exits 255 for any error)."""
        return self.failure(*args, **options)[0]

    def failure(self, *args: str, **options: Any) -> tuple[str, str]:
        """The error code and message the CLI reports (v1 exits 255 for any error)."""
        run = self.run(*args, **options)
        assert run.returncode == 255, (run.returncode, run.stdout, run.stderr)
        match = ERROR.search(run.stderr)
        assert match, run.stderr
        return match["code"], match["message"]
