"""The emulator on a free port for the module, and the control path as a test reads it.

The clients under test (the AWS CLI, the JavaScript SDK, boto3 with ``endpoint_url``) reach it over
HTTP only, as they would reach ``voice-constructs emulate``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from voice_constructs.testing.server import Emulator, serve

REGION = "us-east-1"
TO = "+12065550100"
FROM = "+12065550199"


class Control:
    """The emulator's control path (``/_voice_constructs/``), JSON in and out."""

    def __init__(self, url: str) -> None:
        self.url = url

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        url = f"{self.url}/{path}"
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http)
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def get(self, path: str) -> Any:
        status, body = self.request("GET", path)
        assert status == 200, body
        return body

    def post(self, path: str, body: Any) -> Any:
        status, answer = self.request("POST", path, body)
        assert status == 200, answer
        return answer

    def sent(self, api: str = "v1") -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.get(f"sent?api={api}")["messages"]
        return messages


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with serve(region=REGION) as running:
        yield running


@pytest.fixture
def control(emulator: Emulator) -> Control:
    """The control path, every service's state reset first."""
    client = Control(emulator.control_url)
    client.post("reset", {})
    return client
