"""The v2 fake's SendVoiceMessage refuses the input the service refuses (its model and words).

Driven through raw boto3 clients. Most clients here skip botocore's own parameter validation
(``parameter_validation=False``), as another SDK or a raw HTTP request would: botocore checks only
the model's minimum lengths before sending, and the fake must refuse the rest as the service does.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from voice_constructs.testing import VoiceMock

REGION = "us-east-1"
ORIGIN = "+12065550100"
DESTINATION = "+12065550142"
SEND = "SendVoiceMessage"
E164_MESSAGE = "must be in E.164 format (+ and 2 to 15 digits)"
NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}


def sms_voice_v2(*, client_validation: bool = False) -> BaseClient:
    config = Config(retries=NO_RETRIES, parameter_validation=client_validation)
    return boto3.client("pinpoint-sms-voice-v2", region_name=REGION, config=config)


def request(**extra: Any) -> dict[str, Any]:
    """A valid v2 SendVoiceMessage request."""
    return {
        "DestinationPhoneNumber": DESTINATION,
        "OriginationIdentity": ORIGIN,
        "MessageBody": "Your order has shipped.",
        "VoiceId": "JOANNA",
        **extra,
    }


def ssml(spoken: int, total: int) -> str:
    """An SSML text of ``total`` characters, ``spoken`` of them outside the markup."""
    words = "a" * spoken
    padding = total - len(f"<speak>{words}<mark name=''/></speak>")
    assert padding >= 0
    return f"<speak>{words}<mark name='{'x' * padding}'/></speak>"


def assert_nothing_sent(voice_mock: VoiceMock) -> None:
    assert voice_mock.sent_messages(api="v2") == []
    assert voice_mock.sms_voice_v2().dry_runs == []
    assert [call.status for call in voice_mock.calls(SEND, api="v2")] == [400]


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        pytest.param(
            request(DestinationPhoneNumber="12345"), "DestinationPhoneNumber", E164_MESSAGE,
            id="destination-short-digits",
        ),
        pytest.param(
            request(DestinationPhoneNumber="12065550142"), "DestinationPhoneNumber", E164_MESSAGE,
            id="destination-without-plus",
        ),
        pytest.param(
            # 16 digits: the model's pattern allows up to 19, E.164 only 15.
            request(DestinationPhoneNumber="+1234567890123456"), "DestinationPhoneNumber",
            E164_MESSAGE, id="destination-16-digits",
        ),
        pytest.param(
            request(DestinationPhoneNumber="+0206555014"), "DestinationPhoneNumber",
            r"must match \+?[1-9][0-9]{1,18}", id="destination-leading-zero",
        ),
        pytest.param(
            request(DestinationPhoneNumber=""), "DestinationPhoneNumber",
            "must be 1-20 characters, got 0", id="destination-empty",
        ),
        pytest.param(
            request(DestinationPhoneNumber="12345", DryRun=True), "DestinationPhoneNumber",
            E164_MESSAGE, id="dry-run-is-validated-too",
        ),
        pytest.param(
            request(MessageBody=""), "MessageBody", "must be 1-6000 characters, got 0",
            id="empty-body",
        ),
        pytest.param(
            # The model's pattern refuses a body of whitespace only.
            request(MessageBody=" \n\t "), "MessageBody", r"must match (?!\s*$)[\s\S]+",
            id="blank-body",
        ),
        pytest.param(
            request(MessageBody="a" * 3001), "MessageBody",
            "must be at most 3000 characters when MessageBodyTextType is TEXT",
            id="default-text-too-long",
        ),
        pytest.param(
            request(MessageBody="a" * 3001, MessageBodyTextType="TEXT"), "MessageBody",
            "must be at most 3000 characters when MessageBodyTextType is TEXT",
            id="text-too-long",
        ),
        pytest.param(
            request(MessageBody=ssml(spoken=10, total=6001), MessageBodyTextType="SSML"),
            "MessageBody", "must be 1-6000 characters, got 6001", id="ssml-too-long",
        ),
        pytest.param(
            request(OriginationIdentity=""), "OriginationIdentity",
            "must be 1-256 characters, got 0",
            id="origination-empty",
        ),
        pytest.param(
            request(OriginationIdentity="p" * 257), "OriginationIdentity",
            "must be 1-256 characters, got 257", id="origination-too-long",
        ),
        pytest.param(
            request(OriginationIdentity="pool 1"), "OriginationIdentity",
            r"must match [A-Za-z0-9_:/\+-]+", id="origination-with-space",
        ),
        pytest.param(
            request(MaxPricePerMinute="."), "MaxPricePerMinute", "must be 2-8 characters, got 1",
            id="max-price-too-short",
        ),
    ],
)  # fmt: skip
def test_fails_v2_send_voice_message_the_service_would_refuse(
    voice_mock: VoiceMock, body: dict[str, Any], field: str, problem: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        sms_voice_v2().send_voice_message(**body)

    response: Any = excinfo.value.response
    assert response["Error"] == {"Code": "ValidationException", "Message": f"{field}: {problem}"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # v2's ValidationException members, as botocore hands them to the caller.
    assert response["Reason"] == "FIELD_VALIDATION_FAILED"
    assert response["Fields"] == [{"Name": field, "Message": problem}]
    assert isinstance(excinfo.value, sms_voice_v2().exceptions.ValidationException)
    assert_nothing_sent(voice_mock)


def test_fails_an_empty_v2_body_in_botocore_before_the_fake(voice_mock: VoiceMock) -> None:
    # With botocore's default parameter validation the model's minimum length stops the request
    # in the SDK: the fake never sees it.
    with pytest.raises(ParamValidationError, match="MessageBody"):
        sms_voice_v2(client_validation=True).send_voice_message(**request(MessageBody=""))

    assert voice_mock.calls(SEND, api="v2") == []


def test_fails_a_non_e164_v2_destination_through_a_default_client(voice_mock: VoiceMock) -> None:
    # "12345" passes botocore's own checks (and the model's pattern): only the fake refuses it.
    with pytest.raises(ClientError) as excinfo:
        sms_voice_v2(client_validation=True).send_voice_message(
            **request(DestinationPhoneNumber="12345")
        )

    assert excinfo.value.response["Error"]["Code"] == "ValidationException"
    assert excinfo.value.response["Error"]["Message"] == f"DestinationPhoneNumber: {E164_MESSAGE}"
    assert_nothing_sent(voice_mock)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(request(DestinationPhoneNumber="+12"), id="destination-2-digits"),
        pytest.param(request(DestinationPhoneNumber="+123456789012345"), id="destination-15"),
        pytest.param(request(MessageBody="a" * 3000), id="text-3000"),
        pytest.param(
            request(MessageBody=ssml(spoken=3000, total=6000), MessageBodyTextType="SSML"),
            id="ssml-6000",
        ),
        pytest.param(request(MaxPricePerMinute=".5"), id="max-price-2"),
    ],
)
def test_v2_send_voice_message_accepts_the_limits(
    voice_mock: VoiceMock, body: dict[str, Any]
) -> None:
    voice_mock.adopt_phone_number(ORIGIN)
    response = sms_voice_v2().send_voice_message(**body)

    assert [m.message_id for m in voice_mock.sent_messages(api="v2")] == [response["MessageId"]]
    assert voice_mock.sent_messages(api="v2")[0].request == body


def test_v2_takes_an_origination_identity_of_the_models_longest_and_looks_it_up(
    voice_mock: VoiceMock,
) -> None:
    # 256 characters pass the model; no identity is so long, so the account holds none.
    with pytest.raises(ClientError) as excinfo:
        sms_voice_v2().send_voice_message(**request(OriginationIdentity="p" * 256))

    response: Any = excinfo.value.response
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert (response["ResourceType"], response["ResourceId"]) == ("phone-number", "p" * 256)
    assert_nothing_sent(voice_mock)
