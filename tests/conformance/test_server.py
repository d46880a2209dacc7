"""The emulator over HTTP with boto3 (``endpoint_url``): routing, moto's services, the control path.

Fast, in the everyday suite; the clients nobody here wrote are in test_aws_cli.py and
test_javascript_sdk.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from tests.conformance.conftest import FROM, REGION, TO, Control
from voice_constructs.testing.server import OPERATIONS, Emulator

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=1)


def _client(emulator: Emulator, service: str, config: Config | None = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator.endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def _v1_message(**extra: Any) -> dict[str, Any]:
    content = {"PlainTextMessage": {"Text": "Hello over HTTP"}}
    return {
        "DestinationPhoneNumber": TO,
        "OriginationPhoneNumber": FROM,
        "Content": content,
        **extra,
    }


def test_moto_services_answer_on_the_same_port(emulator: Emulator, control: Control) -> None:
    assert _client(emulator, "sqs").create_queue(QueueName="q")["QueueUrl"].endswith("/q")
    assert _client(emulator, "sns").create_topic(Name="t")["TopicArn"].endswith(":t")
    assert _client(emulator, "dynamodb").list_tables()["TableNames"] == []
    assert _client(emulator, "events").list_event_buses()["EventBuses"]
    _client(emulator, "logs").create_log_group(logGroupName="g")
    assert _client(emulator, "firehose").list_delivery_streams()["DeliveryStreamNames"] == []
    app = _client(emulator, "pinpoint").create_app(CreateApplicationRequest={"Name": "a"})
    assert app["ApplicationResponse"]["Name"] == "a"


def test_v1_and_v2_sign_alike_and_reach_their_own_fakes(
    emulator: Emulator, control: Control
) -> None:
    v1 = _client(emulator, "pinpoint-sms-voice").send_voice_message(**_v1_message())
    v2 = _client(emulator, "pinpoint-sms-voice-v2").send_voice_message(
        DestinationPhoneNumber=TO, OriginationIdentity=FROM, MessageBody="v2"
    )
    assert [m["message_id"] for m in control.sent("v1")] == [v1["MessageId"]]
    assert [m["message_id"] for m in control.sent("v2")] == [v2["MessageId"]]


def test_fails_an_unknown_v1_path_with_a_json_not_found(emulator: Emulator) -> None:
    import urllib.error
    import urllib.request

    url = f"{emulator.endpoint_url}/v1/sms-voice/nothing-here"
    request = urllib.request.Request(url, headers=_signed_as("sms-voice"))  # noqa: S310 (http)
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310 (http)
    assert raised.value.code == 404
    assert raised.value.headers["x-amzn-ErrorType"] == "NotFoundException"
    assert json.loads(raised.value.read()) == {"Message": "no route"}


def _signed_as(service: str) -> dict[str, str]:
    # What moto's server reads to pick a service: the credential scope of a SigV4 header.
    scope = f"testing/20260101/{REGION}/{service}/aws4_request"
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, Signature=x"}


def test_call_events_reach_an_sqs_subscription_over_http(
    emulator: Emulator, control: Control
) -> None:
    sqs, sns = _client(emulator, "sqs"), _client(emulator, "sns")
    queue = sqs.create_queue(QueueName="events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    topic = sns.create_topic(Name="voice-events")["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    v1 = _client(emulator, "pinpoint-sms-voice")
    v1.create_configuration_set(ConfigurationSetName="cs")
    v1.create_configuration_set_event_destination(
        ConfigurationSetName="cs",
        EventDestinationName="sns",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["RINGING", "COMPLETED_CALL"],
            "SnsDestination": {"TopicArn": topic},
        },
    )
    message_id = v1.send_voice_message(**_v1_message(ConfigurationSetName="cs"))["MessageId"]
    emitted = control.post(
        "emit-call-events",
        {"message_id": message_id, "events": ["INITIATED_CALL", "RINGING", "COMPLETED_CALL"]},
    )["events"]
    assert [e["kind"] for e in emitted] == ["sns", "sns"]
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    types = [json.loads(m["Body"])["eventType"] for m in received]
    assert sorted(types) == ["COMPLETED_CALL", "RINGING"]
    assert control.get("events")["events"] == emitted


def test_v2_call_events_reach_the_default_bus_over_http(
    emulator: Emulator, control: Control
) -> None:
    v2 = _client(emulator, "pinpoint-sms-voice-v2")
    message_id = v2.send_voice_message(
        DestinationPhoneNumber=TO, OriginationIdentity=FROM, MessageBody="v2"
    )["MessageId"]
    emitted = control.post("emit-call-events", {"message_id": message_id})["events"]
    assert {e["kind"] for e in emitted} == {"eventbridge"}
    assert all(e["event"]["detail"]["messageId"] == message_id for e in emitted)


def test_injected_fault_over_http(emulator: Emulator, control: Control) -> None:
    control.post("fail-next", {"operation": "SendVoiceMessage", "api": "v2", "status": 429})
    v2 = _client(emulator, "pinpoint-sms-voice-v2", NO_RETRIES)
    with pytest.raises(ClientError) as raised:
        v2.send_voice_message(DestinationPhoneNumber=TO, OriginationIdentity=FROM, MessageBody="x")
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    [call] = control.get("calls?operation=SendVoiceMessage&api=v2")["calls"]
    assert call["status"] == 429


@pytest.mark.parametrize(("after_accept", "sent"), [(True, 1), (False, 0)])
def test_injected_timeout_gets_no_answer(
    emulator: Emulator, control: Control, after_accept: bool, sent: int
) -> None:
    control.post("time-out-next", {"operation": "SendVoiceMessage", "after_accept": after_accept})
    v1 = _client(emulator, "pinpoint-sms-voice", NO_RETRIES)
    with pytest.raises(ReadTimeoutError):
        v1.send_voice_message(**_v1_message())
    assert len(control.sent("v1")) == sent
    # The next request is answered as usual.
    assert v1.send_voice_message(**_v1_message())["MessageId"]


def test_reset_clears_every_service(emulator: Emulator, control: Control) -> None:
    _client(emulator, "sqs").create_queue(QueueName="gone")
    _client(emulator, "pinpoint-sms-voice").send_voice_message(**_v1_message())
    control.post("fail-next", {"operation": "SendVoiceMessage"})
    control.post("reset", {})
    assert _client(emulator, "sqs").list_queues().get("QueueUrls", []) == []
    assert control.sent("v1") == []
    assert _client(emulator, "pinpoint-sms-voice").send_voice_message(**_v1_message())


def test_voice_channel_over_http(emulator: Emulator, control: Control) -> None:
    pinpoint = _client(emulator, "pinpoint")
    app = pinpoint.create_app(CreateApplicationRequest={"Name": "a"})["ApplicationResponse"]["Id"]
    pinpoint.update_voice_channel(ApplicationId=app, VoiceChannelRequest={"Enabled": True})
    channel = control.get(f"channel?application_id={app}")["channel"]
    assert (channel["ApplicationId"], channel["Enabled"]) == (app, True)


def test_index_lists_the_operations_and_the_control_paths(control: Control) -> None:
    index = control.get("")
    assert index["operations"] == {k: list(v) for k, v in OPERATIONS.items()}
    assert "POST /_voice_constructs/fail-next" in index["control"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "nothing", None, 404),
        ("GET", "fail-next", None, 405),
        ("POST", "fail-next", {}, 400),
        ("POST", "fail-next", {"operation": "PlaceCall"}, 400),
        ("POST", "fail-next", {"operation": "SendVoiceMessage", "count": 0}, 400),
        ("POST", "fail-next", ["SendVoiceMessage"], 400),
        ("GET", "calls", None, 400),
        ("POST", "emit-call-events", {"message_id": "never-sent"}, 400),
    ],
    ids=["unknown", "method", "no-op", "unknown-op", "count", "not-object", "calls", "emit"],
)
def test_fails_a_refused_control_request(
    control: Control, method: str, path: str, body: Any, status: int
) -> None:
    got, answer = control.request(method, path, body)
    assert got == status
    assert answer["error"]


def test_fails_a_control_body_that_is_not_json(emulator: Emulator) -> None:
    import urllib.error
    import urllib.request

    url = f"{emulator.control_url}/fail-next"
    request = urllib.request.Request(url, data=b"{not json", method="POST")  # noqa: S310 (http)
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310 (http)
    assert raised.value.code == 400
    assert "not JSON" in json.loads(raised.value.read())["error"]


def test_the_readme_python_example_sends_a_message(emulator: Emulator, control: Control) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    [example] = [
        block
        for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
        if 'endpoint_url="http://127.0.0.1:4566"' in block
    ]
    code = example.replace("http://127.0.0.1:4566", emulator.endpoint_url)
    exec(compile(code, "README.md", "exec"), {"boto3": boto3})  # noqa: S102 (the README's own)
    [sent] = control.sent("v2")
    assert sent["request"]["MessageBody"] == "Your order has shipped."
