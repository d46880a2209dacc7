"""The emulator over HTTP with boto3 (``endpoint_url``): routing, moto's services, the control path.

Fast, in the everyday suite; the clients nobody here wrote are in test_aws_cli.py and
test_javascript_sdk.py.
"""

from __future__ import annotations

import json
import re
import socket
from email.message import Message
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from tests.conformance.conftest import (
    FROM,
    REGION,
    TO,
    Control,
    adopt_as_the_page_says,
    raw_request,
    signed_as,
)
from tests.docs import page
from voice_constructs.testing._guard import MAX_BODY, Guard, RefusedError
from voice_constructs.testing.server import (
    TOKEN_HEADER,
    Emulator,
    RemoteBindError,
    serve,
)

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


def _control_headers(emulator: Emulator) -> dict[str, str]:
    return {TOKEN_HEADER: emulator.token, "Content-Type": "application/json"}


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
    status, headers, answer = raw_request(
        emulator, "GET", "/v1/sms-voice/nothing-here", headers=signed_as("sms-voice")
    )
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "NotFoundException"
    assert json.loads(answer) == {"Message": "no route"}


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


def test_the_readme_python_example_sends_a_message(emulator: Emulator, control: Control) -> None:
    readme = page("emulator.md").read_text()
    [example] = [
        block
        for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
        if 'endpoint_url="http://127.0.0.1:4566"' in block
    ]
    code = example.replace("http://127.0.0.1:4566", emulator.endpoint_url)
    adopt_as_the_page_says(control)
    exec(compile(code, "README.md", "exec"), {"boto3": boto3})  # noqa: S102 (the README's own)
    [sent] = control.sent("v2")
    assert sent["request"]["MessageBody"] == "Your order has shipped."


# Whom the emulator answers, and how much it reads (voice_constructs.testing._guard).

_LIST_QUEUES = ("POST", "/", b"Action=ListQueues")
_SQS = {**signed_as("sqs"), "Content-Type": "application/x-www-form-urlencoded"}


def _refused(answer: tuple[int, Message, bytes], status: int = 403) -> str:
    got, headers, body = answer
    assert (got, headers["Content-Type"]) == (status, "application/json"), body
    error: str = json.loads(body)["error"]
    return error


@pytest.mark.parametrize(
    "host",
    ["attacker.example:4566", "127.0.0.1.attacker.example", "10.0.0.1", "[::2]:80", "[::1", ""],
)
def test_fails_a_host_that_is_not_loopback(emulator: Emulator, host: str) -> None:
    assert "Host" in _refused(raw_request(emulator, *_LIST_QUEUES, _SQS, host=host))
    headers = _control_headers(emulator)
    control = raw_request(emulator, "GET", "/_voice_constructs/", None, headers, host=host)
    assert "Host" in _refused(control)


@pytest.mark.parametrize(
    "host", ["localhost:1", "LOCALHOST.", "s3.localhost", "127.0.0.2", "[::1]:4566"]
)
def test_a_loopback_host_is_served(emulator: Emulator, control: Control, host: str) -> None:
    assert raw_request(emulator, *_LIST_QUEUES, _SQS, host=host)[0] == 200
    headers = _control_headers(emulator)
    assert raw_request(emulator, "GET", "/_voice_constructs/", None, headers, host=host)[0] == 200


def test_fails_a_remote_host_without_allow_remote() -> None:
    with pytest.raises(RemoteBindError, match=r"0\.0\.0\.0"), serve("0.0.0.0"):  # noqa: S104
        pass


def test_a_remote_bind_warns_and_answers_to_addresses(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve("0.0.0.0", allow_remote=True) as remote:  # noqa: S104 (refused without the flag)
        assert "warning" in capsys.readouterr().err
        assert remote.token != emulator.token
        assert raw_request(remote, *_LIST_QUEUES, _SQS, host="192.0.2.10:4566")[0] == 200
        assert raw_request(remote, *_LIST_QUEUES, _SQS, host=socket.gethostname())[0] == 200
        _refused(raw_request(remote, *_LIST_QUEUES, _SQS, host="attacker.example"))


def test_a_bind_to_one_address_answers_to_it() -> None:
    guard = Guard.for_bind("192.0.2.10", "192.0.2.10", ("/_voice_constructs",))
    guard.check({"HTTP_HOST": "192.0.2.10:4566", "PATH_INFO": "/"})
    with pytest.raises(RefusedError):
        guard.check({"HTTP_HOST": "192.0.2.11:4566", "PATH_INFO": "/"})


@pytest.mark.parametrize(
    ("method", "path", "body", "headers"),
    [
        (*_LIST_QUEUES, {**_SQS, "Origin": "https://attacker.example"}),
        (*_LIST_QUEUES, {**_SQS, "Origin": "null"}),
        (*_LIST_QUEUES, {**_SQS, "Sec-Fetch-Site": "cross-site"}),
        ("POST", "/_voice_constructs/reset", b"{}", {"Origin": "https://a.example"}),
        ("OPTIONS", "/", None, {"Origin": "https://a.example"}),
    ],
    ids=["origin", "null-origin", "sec-fetch-site", "control", "preflight"],
)
def test_fails_a_cross_site_request_without_cors(
    emulator: Emulator, method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> None:
    answer = raw_request(emulator, method, path, body, headers)
    assert "cross-site" in _refused(answer)
    assert not [name for name in answer[1] if name.lower().startswith("access-control-")]


def test_answers_carry_no_cors_headers(emulator: Emulator, control: Control) -> None:
    status, headers, _ = raw_request(emulator, *_LIST_QUEUES, _SQS)
    assert status == 200
    assert not [name for name in headers if name.lower().startswith("access-control-")]


@pytest.mark.parametrize("path", ["/_voice_constructs/sent", "/moto-api/data.json", "/moto-api/"])
@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_fails_a_control_request_without_the_token(
    emulator: Emulator, path: str, token: str | None
) -> None:
    headers = {} if token is None else {TOKEN_HEADER: token}
    assert TOKEN_HEADER in _refused(raw_request(emulator, "GET", path, None, headers))
    assert raw_request(emulator, "GET", path, None, _control_headers(emulator))[0] == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_fails_a_control_post_that_is_not_typed_json(
    emulator: Emulator, control: Control, content_type: str | None
) -> None:
    _client(emulator, "pinpoint-sms-voice").send_voice_message(**_v1_message())
    headers = {TOKEN_HEADER: emulator.token}
    if content_type:
        headers["Content-Type"] = content_type
    answer = raw_request(emulator, "POST", "/_voice_constructs/reset", b"{}", headers)
    assert "application/json" in _refused(answer, 415)
    assert len(control.sent("v1")) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/moto-api/recorder/upload-recording"),
        ("GET", "/moto-api/recorder/download-recording"),
        ("POST", "//moto-api/./Recorder/replay-recording"),
    ],
)
def test_fails_moto_recorder_with_the_token(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str, path: str
) -> None:
    monkeypatch.chdir(tmp_path)
    answer = raw_request(emulator, method, path, b"{}", _control_headers(emulator))
    assert "recorder" in _refused(answer, 404)
    assert list(tmp_path.iterdir()) == []


def test_fails_a_body_over_1_mib(emulator: Emulator) -> None:
    # Only the headers are sent: the length declared is refused before any body is read.
    headers = {**_SQS, "Content-Length": str(MAX_BODY + 1)}
    assert "over 1048576 bytes" in _refused(raw_request(emulator, "POST", "/", None, headers), 413)


def test_fails_a_chunked_body_over_1_mib(emulator: Emulator, control: Control) -> None:
    chunks = (b"Action=ListQueues&x=" + b"x" * 65536 for _ in range(17))
    assert "chunked" in _refused(raw_request(emulator, "POST", "/", chunks, _SQS), 413)


def test_a_body_of_1_mib_is_read_sent_whole_or_chunked(
    emulator: Emulator, control: Control
) -> None:
    fault = json.dumps({"operation": "SendVoiceMessage", "message": ""}).encode()
    body = fault.replace(b'""', b'"' + b" " * (MAX_BODY - len(fault)) + b'"')
    assert len(body) == MAX_BODY
    for sent in (body, iter([body[:1000], body[1000:]])):
        status, _, answer = raw_request(
            emulator, "POST", "/_voice_constructs/fail-next", sent, _control_headers(emulator)
        )
        assert (status, json.loads(answer)) == (200, {"queued": 1})


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/_voice_constructs/fail-next", None),
        # moto's own services (the voice fakes answer with their own errors: test_malformed_input).
        ("/", {**signed_as("dynamodb"), "X-Amz-Target": "DynamoDB_20120810.ListTables"}),
    ],
    ids=["control", "moto"],
)
def test_fails_a_deeply_nested_body_with_json(
    emulator: Emulator, path: str, headers: dict[str, str] | None
) -> None:
    headers = headers or _control_headers(emulator)
    answer = raw_request(emulator, "POST", path, b"[" * 100_000, headers)
    assert "nested" in _refused(answer, 400)


def test_fails_an_unexpected_error_with_a_json_500(
    emulator: Emulator, control: Control, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("broken")

    monkeypatch.setattr(emulator.voice, "sent_messages", broken)
    assert control.request("GET", "sent") == (500, {"error": "the emulator failed: RuntimeError"})
    monkeypatch.setattr(emulator.app.dispatcher, "get_application", broken)
    assert "RuntimeError" in _refused(raw_request(emulator, *_LIST_QUEUES, _SQS), 500)
