"""The emulator on a free port for the module, and the control path as a test reads it.

The clients under test (the AWS CLI, the JavaScript SDK, boto3 with ``endpoint_url``) reach it over
HTTP only, as they would reach ``voice-constructs emulate``.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from email.message import Message
from typing import Any

import pytest

from tests.conformance.awscli import AWS, REGION, Cli
from tests.docs import page
from voice_constructs.testing.server import TOKEN_HEADER, Emulator, serve

TO = "+12065550100"
FROM = "+12065550199"


class Control:
    """The emulator's control path (``/_voice_constructs/``), JSON in and out, with its token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token

    @classmethod
    def of(cls, emulator: Emulator) -> Control:
        """The control path of a running emulator."""
        return cls(emulator.control_url, emulator.token)

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        url = f"{self.url}/{path}"
        sent = {TOKEN_HEADER: self.token, "Content-Type": "application/json", **(headers or {})}
        request = urllib.request.Request(  # noqa: S310 (http)
            url, data=data, method=method, headers=sent
        )
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


def adopt_as_the_page_says(control: Control) -> dict[str, Any]:
    """Declare the number docs/emulator.md's examples send from, with the page's own request."""
    [body] = re.findall(
        r"4566/_voice_constructs/adopt-phone-number -d '(\{[^']*\})'",
        page("emulator.md").read_text(),
    )
    answer: dict[str, Any] = control.post("adopt-phone-number", json.loads(body))
    return answer


def raw_request(
    emulator: Emulator,
    method: str,
    path: str,
    body: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
    *,
    host: str | None = None,
) -> tuple[int, Message, bytes]:
    """One request, header by header: any ``Host``; ``body`` chunked unless it is bytes."""
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", f"{emulator.host}:{emulator.port}" if host is None else host)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if isinstance(body, bytes):
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
        elif body is not None:
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders(body, encode_chunked=True)
        else:
            connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def signed_as(service: str) -> dict[str, str]:
    """What moto's server reads to pick a service: the credential scope of a SigV4 header."""
    scope = f"testing/20260101/{REGION}/{service}/aws4_request"
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, Signature=x"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with serve(region=REGION) as running:
        yield running


@pytest.fixture(scope="module")
def aws(emulator: Emulator) -> Cli:
    """The AWS CLI v1 on the module's emulator."""
    if not AWS.exists():
        pytest.fail(f"the AWS CLI is not installed at {AWS}: run `make test-conformance`")
    return Cli(emulator.endpoint_url)


@pytest.fixture
def control(emulator: Emulator) -> Control:
    """The control path, every service's state reset first, and FROM held as a v2 number.

    The v2 fake refuses a send from a number the account does not hold; the clients under test
    call from FROM, declared as the page says (``adopt-phone-number``).
    """
    client = Control.of(emulator)
    client.post("reset", {})
    client.post("adopt-phone-number", {"identity": FROM})
    return client
