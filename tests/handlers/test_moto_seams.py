"""One test per moto internal the fakes stand on (``voice_constructs/testing/_moto.py``).

Each test is named ``test_seam_<name>`` after the seam it checks and exercises it directly, so
that a moto release which renames or reshapes one fails here by name, before the hundreds of
tests that use the fakes fail for a reason that is hard to read.
"""

from __future__ import annotations

import importlib
import io
import json
import re
import threading
import time
import zipfile
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from werkzeug.serving import WSGIRequestHandler

from voice_constructs.testing import VoiceMock, _moto
from voice_constructs.testing.core import SMS_VOICE_SERVICE
from voice_constructs.testing.sms_voice.models import SmsVoiceBackend, sms_voice_backends
from voice_constructs.testing.sms_voice.responses import SmsVoiceResponse

ACCOUNT = "123456789012"
REGION = "us-east-1"
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def test_seam_BaseResponse_dispatch_parses_the_request_and_calls_call_action(  # noqa: N802
    voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def call_action(self: SmsVoiceResponse) -> tuple[int, dict[str, str], str]:
        seen.update(
            method=self.method,
            path=self.path,
            body=self.body,
            query=self.querystring.get("NextToken"),
            region=self.region,
            account=self.current_account,
            uri=self.uri,
            host=self.headers.get("Host"),
        )
        return 200, {"Content-Type": "application/json"}, json.dumps({"ConfigurationSets": []})

    monkeypatch.setattr(SmsVoiceResponse, "call_action", call_action)
    client = boto3.client("pinpoint-sms-voice", region_name="eu-west-1", config=NO_RETRIES)

    answer = client.list_configuration_sets(NextToken="t1")

    assert answer["ConfigurationSets"] == []
    assert seen["method"] == "GET"
    assert seen["path"] == "/v1/sms-voice/configuration-sets"
    assert seen["body"] in ("", None, b"")
    assert seen["query"] == ["t1"]
    assert seen["region"] == "eu-west-1"
    assert seen["account"] == ACCOUNT
    assert seen["uri"].startswith("https://sms-voice.pinpoint.eu-west-1.amazonaws.com/")


def test_seam_BaseResponse_body_is_text(  # noqa: N802
    voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []

    def call_action(self: SmsVoiceResponse) -> tuple[int, dict[str, str], str]:
        seen.append(self.body)
        return 200, {}, json.dumps({"MessageId": "m"})

    monkeypatch.setattr(SmsVoiceResponse, "call_action", call_action)
    client = boto3.client("pinpoint-sms-voice", config=NO_RETRIES)
    client.send_voice_message(DestinationPhoneNumber="+12065550142")

    assert isinstance(seen[0], str)
    assert json.loads(seen[0]) == {"DestinationPhoneNumber": "+12065550142"}


def test_seam_BaseBackend_takes_region_and_account_and_reads_the_urls_module() -> None:  # noqa: N802
    backend = SmsVoiceBackend(REGION, ACCOUNT)

    assert (backend.region_name, backend.account_id) == (REGION, ACCOUNT)
    assert isinstance(backend, _moto.BaseBackend)
    paths = [re.sub(r"^https?://[^/]*", "", path) for path in backend.urls]
    assert any(path.endswith("/v1/sms-voice/voice/message$") for path in paths), paths


def test_seam_BackendDict_per_account_and_region_and_reset(voice_mock: VoiceMock) -> None:  # noqa: N802
    backend = sms_voice_backends[ACCOUNT][REGION]
    assert backend is sms_voice_backends[ACCOUNT][REGION]
    assert sms_voice_backends["111111111111"]["eu-west-1"].region_name == "eu-west-1"
    backend.record("SendVoiceMessage", 200, {})

    _moto.BackendDict.reset()

    assert sms_voice_backends[ACCOUNT][REGION].calls == []


def test_seam_backend_url_patterns_route_the_fakes_hosts_first(voice_mock: VoiceMock) -> None:
    services = [service for service, _ in _moto.backend_url_patterns]
    url = "https://sms-voice.pinpoint.us-east-1.amazonaws.com/v1/sms-voice/voice/message"
    first = next(service for service, pattern in _moto.backend_url_patterns if pattern.match(url))

    assert all(isinstance(service, str) for service in services)
    assert first == SMS_VOICE_SERVICE


def test_seam_register_backends_is_what_the_router_imports(voice_mock: VoiceMock) -> None:
    module = importlib.import_module(f"moto.{SMS_VOICE_SERVICE}")

    assert getattr(module, f"{SMS_VOICE_SERVICE}_backends") is sms_voice_backends
    client = boto3.client("pinpoint-sms-voice", config=NO_RETRIES)
    client.create_configuration_set(ConfigurationSetName="routed")
    assert "routed" in sms_voice_backends[ACCOUNT][REGION].configuration_sets


def test_seam_pinpoint_url_paths_holds_moto_routes_and_the_voice_channel(
    voice_mock: VoiceMock,
) -> None:
    paths = list(_moto.pinpoint_url_paths)

    assert any("/v1/apps" in path and "channels/voice" not in path for path in paths)
    assert any("channels/voice" in path for path in paths)


def test_seam_pinpoint_application_exists_reads_moto_pinpoint(voice_mock: VoiceMock) -> None:
    app = boto3.client("pinpoint").create_app(CreateApplicationRequest={"Name": "seam"})
    app_id = app["ApplicationResponse"]["Id"]

    assert _moto.pinpoint_application_exists(ACCOUNT, REGION, app_id) is True
    assert _moto.pinpoint_application_exists(ACCOUNT, REGION, "0" * 32) is False


def test_seam_server_classes() -> None:
    app = _moto.create_backend_app("sqs")
    dispatcher = _moto.DomainDispatcherApplication(_moto.create_backend_app)
    environ = {"HTTP_HOST": "localhost", "PATH_INFO": "/", "REQUEST_METHOD": "POST"}
    environ["HTTP_AUTHORIZATION"] = (
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sqs/aws4_request, "
        "SignedHeaders=host, Signature=x"
    )

    assert callable(app.wsgi_app)
    assert dispatcher.infer_service_region_host(environ, "/") == "sqs.us-east-1.amazonaws.com"
    assert issubclass(_moto.REQUEST_HANDLER, WSGIRequestHandler)


def test_seam_eventbridge_rules_match_and_deliver(voice_mock: VoiceMock) -> None:
    events, sqs = boto3.client("events"), boto3.client("sqs")
    queue = sqs.create_queue(QueueName="seam")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="seam", EventPattern=json.dumps({"source": ["seam.test"]}))
    events.put_targets(Rule="seam", Targets=[{"Id": "q", "Arn": arn}])
    event = {
        "version": "0",
        "id": "1",
        "detail-type": "seam",
        "source": "seam.test",
        "account": ACCOUNT,
        "time": 1_767_225_600.0,
        "region": REGION,
        "resources": [],
        "detail": {"k": "v"},
        "ingestion-time": 1_767_225_600.0,
    }

    (rule,) = _moto.default_bus_rules(ACCOUNT, REGION)
    assert _moto.rule_matches(rule, event) is True
    assert _moto.rule_matches(rule, {**event, "source": "other"}) is False
    _moto.send_to_targets(rule, {arn}, event)

    received = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(received[0]["Body"])["detail"] == {"k": "v"}


def test_seam_sqs_models_clock(voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_moto.sqs_models, "unix_time", lambda dt=None: 1_000.0)
    monkeypatch.setattr(_moto.sqs_models, "unix_time_millis", lambda dt=None: 1_000_000.0)
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="clock")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="x")

    message = sqs.receive_message(QueueUrl=queue, AttributeNames=["SentTimestamp"])["Messages"][0]

    assert message["Attributes"]["SentTimestamp"] == "1000000"


def test_seam_user_config_has_mock_credentials() -> None:
    assert isinstance(_moto.user_config["core"]["mock_credentials"], bool)


def _moto_function(name: str) -> str:
    """A function in moto's Lambda (moto would run it in Docker; the seams answer instead)."""
    role = boto3.client("iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({"Statement": []})
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "")
    created = boto3.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    arn: str = created["FunctionArn"]
    return arn


def test_seam_LambdaFunction_invoke_takes_every_invoke(voice_mock: VoiceMock) -> None:  # noqa: N802
    arn = _moto_function("seam-invoke")
    seen: list[tuple[str, Any, str | None]] = []

    def answer(function_arn: str, body: Any, headers: Any, response: dict[str, Any]) -> bytes:
        seen.append((function_arn, body, headers.get("X-Amz-Invocation-Type")))
        response["x-amz-function-error"] = "Unhandled"
        return b'{"errorType": "Boom"}'

    client = boto3.client("lambda", config=NO_RETRIES)
    with _moto.answer_lambda_invokes(answer):
        answered = client.invoke(FunctionName="seam-invoke", Payload=b'{"k": 1}')
        queued = client.invoke(FunctionName=arn, InvocationType="Event", Payload=b"{}")

    assert json.loads(answered["Payload"].read()) == {"errorType": "Boom"}
    assert answered["FunctionError"] == "Unhandled"
    assert queued["StatusCode"] == 202
    assert [(a, json.loads(b), t) for a, b, t in seen] == [
        (arn, {"k": 1}, None),
        (arn, {}, "Event"),
    ]
    from moto.awslambda.models import LambdaFunction

    assert LambdaFunction.invoke.__name__ == "invoke"  # put back as it was


def test_seam_LambdaClientError_answers_with_its_code(voice_mock: VoiceMock) -> None:  # noqa: N802
    _moto_function("seam-throttled")

    def answer(function_arn: str, body: Any, headers: Any, response: dict[str, Any]) -> bytes:
        raise _moto.LambdaTooManyRequestsError()

    with (
        _moto.answer_lambda_invokes(answer),
        pytest.raises(botocore.exceptions.ClientError) as raised,
    ):
        boto3.client("lambda", config=NO_RETRIES).invoke(FunctionName="seam-throttled")

    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_seam_Subscription_publish_for_lambda_subscriptions(voice_mock: VoiceMock) -> None:  # noqa: N802
    arn = _moto_function("seam-sns")
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="seam")["TopicArn"]
    subscription = sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=arn,
        Attributes={"FilterPolicy": json.dumps({"kind": ["call"]})},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    delivered: list[tuple[Any, ...]] = []

    def deliver(*args: Any) -> bool:
        delivered.append(args)
        return True

    call = {"kind": {"DataType": "String", "StringValue": "call"}}
    other = {"kind": {"DataType": "String", "StringValue": "sms"}}
    with _moto.deliver_sns_to_lambda(deliver):
        sent = sns.publish(TopicArn=topic, Message="m", Subject="s", MessageAttributes=call)
        sns.publish(TopicArn=topic, Message="filtered out", MessageAttributes=other)

    [(sub, topic_arn, endpoint, message, message_id, subject, attributes)] = delivered
    assert (sub, topic_arn, endpoint) == (subscription, topic, arn)
    assert (message, message_id, subject) == ("m", sent["MessageId"], "s")
    assert attributes["kind"]["Value"] == "call"


def test_seam_DynamoDBBackend_writes_are_serialized(  # noqa: N802
    voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import moto.dynamodb.models.table as tables

    original = tables.get_filter_expression

    def slow(*args: Any) -> Any:
        # Between moto's read of the current item and its write: where a rival write slips in.
        expression = original(*args)
        time.sleep(0.2)
        return expression

    monkeypatch.setattr(tables, "get_filter_expression", slow)
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName="claims",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def claims(key: str) -> int:
        won: list[bool] = []

        def claim() -> None:
            try:
                dynamodb.put_item(
                    TableName="claims",
                    Item={"id": {"S": key}},
                    ConditionExpression="attribute_not_exists(id)",
                )
                won.append(True)
            except dynamodb.exceptions.ConditionalCheckFailedException:
                won.append(False)

        threads = [threading.Thread(target=claim) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return won.count(True)

    assert claims("unguarded") == 2  # moto alone: both conditional writes succeed
    with _moto.serialized_dynamodb_writes():
        assert claims("guarded") == 1
