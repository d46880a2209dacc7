"""The SQS event source mapping: batches, partial batch responses, visibility and redrive."""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.local.conftest import python_function, run, stack_of
from voice_constructs.testing.server import Emulator

HANDLER = """
BATCHES = []
def handler(event, context):
    bodies = [r["body"] for r in event["Records"]]
    BATCHES.append(bodies)
    answer = event["Records"][0]["messageAttributes"].get("answer", {}).get("stringValue")
    if answer == "invalid":
        return {"batchItemFailures": [{"itemIdentifier": "not in the batch"}]}
    failed = [r["messageId"] for r in event["Records"] if r["body"] == "fail"]
    return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}
"""


def _resources(function: dict[str, Any], *, report: bool = True) -> dict[str, Any]:
    return {
        "Dead": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "dead"}},
        "Bulk": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": "bulk",
                "VisibilityTimeout": 1,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]},
                    "maxReceiveCount": 2,
                },
            },
        },
        "Handler": function,
        "Mapping": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": ["Bulk", "Arn"]},
                "FunctionName": {"Ref": "Handler"},
                "BatchSize": 5,
                "MaximumBatchingWindowInSeconds": 1,
                "ScalingConfig": {"MaximumConcurrency": 2},
                "FunctionResponseTypes": ["ReportBatchItemFailures"] if report else [],
            },
        },
    }


def _drain(sqs: Any, seconds: float) -> dict[str, list[str]]:
    """Wait until the bulk queue is empty; what is left in each queue."""
    urls = {name: sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in ("bulk", "dead")}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        counts = sqs.get_queue_attributes(QueueUrl=urls["bulk"], AttributeNames=["All"])
        attributes = counts["Attributes"]
        if (
            attributes["ApproximateNumberOfMessages"]
            == "0"
            == attributes["ApproximateNumberOfMessagesNotVisible"]
        ):
            break
        time.sleep(0.2)
    dead = sqs.receive_message(QueueUrl=urls["dead"], MaxNumberOfMessages=10).get("Messages", [])
    return {"dead": [m["Body"] for m in dead]}


def test_the_queue_is_polled_and_failed_items_stay_until_redrive(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    module, function = python_function(HANDLER, FunctionName="consumer")
    sqs = client("sqs")
    with run(emulator, stack_of(tmp_path, _resources(function))) as (local, _):
        url = sqs.get_queue_url(QueueName="bulk")["QueueUrl"]
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate("ab")]
            + [{"Id": "f", "MessageBody": "fail"}],
        )
        left = _drain(sqs, 15)
        mapping = local.pollers[0].mapping

    batches = importlib.import_module(module).BATCHES
    delivered = [body for batch in batches for body in batch]
    assert (mapping.batch_size, mapping.concurrency, mapping.report_failures) == (5, 2, True)
    assert sorted(delivered) == ["a", "b", "fail", "fail"]  # a failure comes back once more
    assert max(len(batch) for batch in batches) <= 5
    assert left["dead"] == ["fail"]  # moved by SQS after its second receive


def test_fails_a_whole_batch_on_an_invalid_batch_answer(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    module, function = python_function(HANDLER, FunctionName="invalid-answer")
    sqs = client("sqs")
    with run(emulator, stack_of(tmp_path, _resources(function))) as (_, notes):
        url = sqs.get_queue_url(QueueName="bulk")["QueueUrl"]
        sqs.send_message(
            QueueUrl=url,
            MessageBody="fine",
            MessageAttributes={"answer": {"DataType": "String", "StringValue": "invalid"}},
        )
        left = _drain(sqs, 15)

    batches = importlib.import_module(module).BATCHES
    assert batches == [["fine"], ["fine"]]
    assert left["dead"] == ["fine"]
    assert any("invalid batchItemFailures" in note for note in notes)


def test_without_reported_failures_a_batch_that_returns_is_deleted(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    module, function = python_function(HANDLER, FunctionName="no-reports")
    sqs = client("sqs")
    with run(emulator, stack_of(tmp_path, _resources(function, report=False))):
        url = sqs.get_queue_url(QueueName="bulk")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="fail")
        left = _drain(sqs, 15)

    assert importlib.import_module(module).BATCHES == [["fail"]]
    assert left["dead"] == []


def test_records_are_in_lambdas_sqs_event_format(
    emulator: Emulator, client: Callable[[str], Any], tmp_path: Path
) -> None:
    module, function = python_function(
        "EVENTS = []\ndef handler(event, context):\n    EVENTS.append(event)\n",
        FunctionName="format",
    )
    sqs = client("sqs")
    with run(emulator, stack_of(tmp_path, _resources(function))):
        url = sqs.get_queue_url(QueueName="bulk")["QueueUrl"]
        sent = sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"k": 1}),
            MessageAttributes={"Kind": {"DataType": "String", "StringValue": "x"}},
        )
        _drain(sqs, 15)

    [event] = importlib.import_module(module).EVENTS
    [record] = event["Records"]
    assert record["messageId"] == sent["MessageId"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":bulk")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["Kind"] == {
        "stringValue": "x",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
