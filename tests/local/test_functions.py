"""The stack's Python functions, run in-process: Invoke, their environment, timeout, concurrency."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.local.conftest import python_function, run, stack_of
from voice_constructs.testing.server import Emulator

HANDLER = """
import os, time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise ValueError("the event asked for it")
    return {
        "x": os.environ.get("X"),
        "function": context.function_name,
        "request": context.aws_request_id,
        "remaining": context.get_remaining_time_in_millis(),
        "region": os.environ["AWS_REGION"],
        "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
    }
"""


def _invoke(client: Callable[[str], Any], name: str, event: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event).encode()
    )
    answer["Body"] = json.loads(answer["Payload"].read())
    return answer


def test_a_function_answers_invoke_with_its_environment_and_context(
    emulator: Emulator,
    client: Callable[[str], Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://host-config.invalid")
    _, function = python_function(
        HANDLER, FunctionName="echo", Timeout=7, Environment={"Variables": {"X": "mine"}}
    )
    with run(emulator, stack_of(tmp_path, {"Echo": function})):
        answer = _invoke(client, "echo", {})
        assert os.environ.get("X") is None  # the process's environment is not the function's

    body = answer["Body"]
    assert "FunctionError" not in answer
    assert (body["x"], body["function"], body["region"]) == ("mine", "echo", "us-east-1")
    assert 0 < body["remaining"] <= 7000
    assert len(body["request"]) == 36
    assert body["endpoint"] is None  # nothing of the host's AWS configuration


def test_functions_running_at_once_each_see_their_own_environment(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    resources = {}
    for name in ("a", "b"):
        _, resources[name.upper()] = python_function(
            HANDLER, FunctionName=name, Environment={"Variables": {"X": name}}
        )
    seen: dict[str, str] = {}
    with run(emulator, stack_of(tmp_path, resources)):

        def call(name: str) -> None:
            seen[name] = _invoke(client, name, {"sleep": 0.3})["Body"]["x"]

        threads = [threading.Thread(target=call, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert seen == {"a": "a", "b": "b"}


def test_fails_with_the_functions_error_as_lambda_answers_it(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    _, function = python_function(HANDLER, FunctionName="failing")
    with run(emulator, stack_of(tmp_path, {"Failing": function})):
        answer = _invoke(client, "failing", {"fail": True})

    assert answer["FunctionError"] == "Unhandled"
    assert answer["Body"]["errorType"] == "ValueError"
    assert answer["Body"]["errorMessage"] == "the event asked for it"


def test_fails_past_the_timeout_as_a_timed_out_task(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    _, function = python_function(HANDLER, FunctionName="slow", Timeout=1)
    with run(emulator, stack_of(tmp_path, {"Slow": function})):
        answer = _invoke(client, "slow", {"sleep": 1.5})

    assert answer["FunctionError"] == "Unhandled"
    assert answer["Body"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in answer["Body"]["errorMessage"]


def test_fails_an_invoke_past_the_reserved_concurrency_with_429(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    _, function = python_function(HANDLER, FunctionName="single", ReservedConcurrentExecutions=1)
    errors: list[str] = []
    with run(emulator, stack_of(tmp_path, {"Single": function})):
        first = threading.Thread(target=_invoke, args=(client, "single", {"sleep": 1}))
        first.start()
        threading.Event().wait(0.3)
        try:
            _invoke(client, "single", {})
        except botocore.exceptions.ClientError as error:
            errors.append(error.response["Error"]["Code"])
        first.join()
        after = _invoke(client, "single", {})

    assert errors == ["TooManyRequestsException"]
    assert "FunctionError" not in after


def test_a_function_of_another_runtime_is_listed_and_not_run(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    node = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": "node",
            "Runtime": "nodejs24.x",
            "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "exports.handler = async () => 1"},
        },
    }
    with run(emulator, stack_of(tmp_path, {"Node": node})) as (local, _):
        answer = _invoke(client, "node", {})
        [entry] = [e for e in local.deployments[0].entries if e.logical_id == "Node"]

    assert "not run (runtime nodejs24.x" in entry.detail
    assert answer["Body"]["errorType"] == "Runtime.NotEmulated"


def test_asynchronous_invocations_are_retried_then_go_to_the_failure_destination(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    module, function = python_function(
        "ATTEMPTS = []\ndef handler(event, context):\n"
        "    ATTEMPTS.append(context.aws_request_id)\n    raise RuntimeError('no')\n",
        FunctionName="async",
    )
    resources = {
        "Async": function,
        "Failed": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "failed"}},
        "Config": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": "Async"},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": 2,
                "DestinationConfig": {
                    "OnFailure": {"Destination": {"Fn::GetAtt": ["Failed", "Arn"]}}
                },
            },
        },
    }
    sqs = client("sqs")
    with run(emulator, stack_of(tmp_path, resources), retry_delays=(0.2, 0.2)):
        queued = client("lambda").invoke(
            FunctionName="async", InvocationType="Event", Payload=b'{"n": 1}'
        )
        url = sqs.get_queue_url(QueueName="failed")["QueueUrl"]
        received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])

    import importlib

    attempts = importlib.import_module(module).ATTEMPTS
    assert queued["StatusCode"] == 202
    [message] = received
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"n": 1}
    assert record["responsePayload"]["errorMessage"] == "no"
    assert len(attempts) == 3
