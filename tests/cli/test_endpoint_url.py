"""``--endpoint-url`` and ``AWS_ENDPOINT_URL``: every client the tool makes goes there.

The endpoint is moto's server in a thread, with a stack's tagged parts created in it: no mock
is active, so a request that went anywhere else would fail (or reach AWS, which nothing may).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from voice_constructs._contract import contract
from voice_constructs.cli import _exit, main
from voice_constructs.cli._runtime import Runtime, boto3_clients

STACK = "Remote"
SENDER = "Voice/Sender"
# Every service a command makes a client of.
SERVICES = ("resourcegroupstaggingapi", "lambda", "sqs", "dynamodb")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto's server, with the queues and the call status table of stack ``Remote``."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        _deploy(url)
        yield url
    finally:
        server.stop()


def _tags(component: str) -> dict[str, str]:
    return {
        contract.TAG_STACK: STACK,
        contract.TAG_COMPONENT: component,
        contract.TAG_CONSTRUCT: SENDER,
    }


def _deploy(url: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=url)
    for component in (contract.COMPONENT_BULK_QUEUE, contract.COMPONENT_DEAD_LETTER_QUEUE):
        sqs.create_queue(QueueName=f"{STACK}-{component}", tags=_tags(component))
    tracker = {**_tags(contract.COMPONENT_CALL_STATUS_TABLE), contract.TAG_CONSTRUCT: "Tracker"}
    boto3.client("dynamodb", endpoint_url=url).create_table(
        TableName=f"{STACK}-calls",
        KeySchema=[{"AttributeName": contract.CALL_STATUS_KEY, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": contract.CALL_STATUS_KEY, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": k, "Value": v} for k, v in tracker.items()],
    )


def run(*argv: str) -> tuple[int, str, str, Runtime]:
    """The tool with boto3's own clients (no injected ones); its status, output and runtime."""
    out, err = io.StringIO(), io.StringIO()
    runtime = Runtime(out=out, err=err)
    status = main(list(argv), runtime=runtime)
    return status, out.getvalue(), err.getvalue(), runtime


def made(runtime: Runtime) -> dict[str, str]:
    return {service: client.meta.endpoint_url for service, client in runtime._made.items()}


@pytest.mark.parametrize(
    ("argv", "status", "expected"),
    [
        (("queue",), _exit.OK, '"Queues"'),
        (("queue", "redrive", "--yes"), _exit.OK, '"Redriven": []'),
        (("status", "m-1"), _exit.NOT_FOUND, "no event recorded yet for m-1"),
        (("call", "--to", "+12065550142", "--text", "Hi."), _exit.NOT_FOUND, "has no sender"),
    ],
    ids=["queue", "redrive", "status", "call"],
)
def test_every_command_sends_every_request_to_the_endpoint_url(
    endpoint: str, argv: tuple[str, ...], status: int, expected: str
) -> None:
    got, out, err, runtime = run(*argv, "--stack", STACK, "--json", "--endpoint-url", endpoint)
    assert got == status, err
    assert expected in out + err
    assert "resourcegroupstaggingapi" in runtime._made
    assert set(made(runtime).values()) == {endpoint}


def test_an_endpoint_url_before_redrive_reaches_it(endpoint: str) -> None:
    got, out, err, runtime = run(
        "queue", "--endpoint-url", endpoint, "redrive", "--stack", STACK, "--yes", "--json"
    )
    assert got == _exit.OK, err
    assert json.loads(out) == {"Redriven": []}
    assert set(made(runtime).values()) == {endpoint}


def test_honours_aws_endpoint_url(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    got, _out, err, runtime = run("queue", "--stack", STACK, "--json")
    assert got == _exit.OK, err
    assert set(made(runtime).values()) == {endpoint}


@pytest.mark.parametrize("service", SERVICES)
def test_every_client_gets_the_endpoint_url(service: str) -> None:
    make = boto3_clients(None, "us-east-1", "http://127.0.0.1:4566")
    client: Any = make(service)
    assert client.meta.endpoint_url == "http://127.0.0.1:4566"


def test_fails_a_malformed_endpoint_url_in_one_line_with_exit_2() -> None:
    got, _out, err, _runtime = run("queue", "--stack", STACK, "--endpoint-url", "not a url")
    assert got == _exit.USAGE
    assert err.count("\n") == 1
    assert "--endpoint-url" in err
    assert "Traceback" not in err
