"""A served emulator, and stacks made of a few resources, run against it in-process."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from voice_constructs.testing.local_stack import LocalStack, StackTemplate, running
from voice_constructs.testing.server import Emulator, serve

REGION = "us-east-1"
ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ]
        }
    },
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with serve(region=REGION) as running_emulator:
        yield running_emulator


def python_function(code: str, **properties: Any) -> tuple[str, dict[str, Any]]:
    """An inline Python function (its module named uniquely) and its definition."""
    module = f"local_{uuid.uuid4().hex[:12]}"
    definition = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.13",
            "Handler": f"{module}.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": code},
            **properties,
        },
    }
    return module, definition


def stack_of(tmp_path: Path, resources: dict[str, Any], name: str = "Local") -> StackTemplate:
    template = {"Resources": {"Role": ROLE, **resources}}
    path = tmp_path / f"{name}.template.json"
    path.write_text(json.dumps(template))
    return StackTemplate(name, name, template, path, tmp_path)


@contextmanager
def run(
    emulator: Emulator, stack: StackTemplate, **options: Any
) -> Iterator[tuple[LocalStack, list[str]]]:
    """The stack running against the served emulator; yields it and the emulator's notes."""
    notes: list[str] = []
    control = emulator.app.control
    with running([stack], control, region=REGION, note=notes.append, **options) as local:
        yield local, notes


@pytest.fixture
def client(emulator: Emulator) -> Callable[[str], Any]:
    """A boto3 client of the emulator, over HTTP as any client reaches it."""

    def make(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=emulator.endpoint_url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}, read_timeout=30),
        )

    return make


@pytest.fixture(autouse=True)
def _fresh(emulator: Emulator) -> None:
    emulator.app.control.reset({})
