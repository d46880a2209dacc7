"""The sender handler, against moto with the project's SMS and Voice fake."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from send_voice_message import index
from send_voice_message.errors import OutcomeUnknownException, TooManyRequestsException
from send_voice_message.sender import Sender
from send_voice_message.validation import BadRequestException, Defaults

from tests.conftest import LambdaContext
from tests.handlers.conftest import RecordingClock, make_sender
from voice_constructs.testing import VoiceMock

ORIGIN = "+12065550100"
DEST = "+12065550142"
DEFAULTS = Defaults(origination_number=ORIGIN, language_code="en-US")


@pytest.fixture(autouse=True)
def sender(voice_mock: VoiceMock, recording_clock: RecordingClock) -> Iterator[Sender]:
    """The handler's sender: v1 on moto, without a state table, sleeps recorded."""
    with index.use(make_sender(clock=recording_clock, defaults=DEFAULTS)) as sender:
        yield sender


def plain(text: str = "Your order has shipped.", **extra: Any) -> dict[str, Any]:
    return {
        "DestinationPhoneNumber": DEST,
        "Content": {"PlainTextMessage": {"Text": text}},
        **extra,
    }


def test_sends_plain_text_with_configured_defaults(
    voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    result = index.handler(plain(), lambda_context)

    [sent] = voice_mock.sent_messages()
    assert result == {"MessageId": sent.message_id}
    assert sent.request == {
        "DestinationPhoneNumber": DEST,
        "OriginationPhoneNumber": ORIGIN,
        "Content": {
            "PlainTextMessage": {"Text": "Your order has shipped.", "LanguageCode": "en-US"}
        },
    }


def test_sends_ssml_with_line_breaks_normalised(
    voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    ssml = "<speak>\r\nHello,\n<break time='1s'/>\rworld</speak>"
    event = {
        "DestinationPhoneNumber": DEST,
        "Content": {"SSMLMessage": {"Text": ssml, "VoiceId": "Matthew", "LanguageCode": "en-GB"}},
    }

    index.handler(event, lambda_context)

    [sent] = voice_mock.sent_messages()
    assert sent.request["Content"] == {
        "SSMLMessage": {
            "Text": "<speak> Hello, <break time='1s'/> world</speak>",
            "LanguageCode": "en-GB",
            "VoiceId": "Matthew",
        }
    }


def test_sends_call_instructions_without_voice_defaults(
    sender: Sender, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    defaults = Defaults(origination_number=ORIGIN, language_code="en-US", voice_id="Joanna")
    event = {"DestinationPhoneNumber": DEST, "Content": {"CallInstructionsMessage": {"Text": "Hi"}}}

    with index.use(replace(sender, defaults=defaults)):
        index.handler(event, lambda_context)

    [sent] = voice_mock.sent_messages()
    assert sent.request["Content"] == {"CallInstructionsMessage": {"Text": "Hi"}}


def test_event_overrides_configuration_defaults(
    sender: Sender, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    voice_mock.sms_voice().create_configuration_set({"ConfigurationSetName": "calls"})
    voice_mock.sms_voice().create_configuration_set({"ConfigurationSetName": "other"})
    defaults = Defaults(
        origination_number=ORIGIN,
        caller_id="+12065550199",
        configuration_set_name="calls",
        language_code="en-US",
        voice_id="Joanna",
    )
    event = {
        "DestinationPhoneNumber": DEST,
        "OriginationPhoneNumber": "+12065550101",
        "CallerId": "+12065550102",
        "ConfigurationSetName": "other",
        "Content": {"PlainTextMessage": {"Text": "x", "LanguageCode": "de-DE", "VoiceId": "Hans"}},
    }

    with index.use(replace(sender, defaults=defaults)):
        index.handler(event, lambda_context)
        index.handler(plain("y"), lambda_context)

    first, second = (m.request for m in voice_mock.sent_messages())
    assert first == event
    assert second == {
        "DestinationPhoneNumber": DEST,
        "OriginationPhoneNumber": ORIGIN,
        "CallerId": "+12065550199",
        "ConfigurationSetName": "calls",
        "Content": {
            "PlainTextMessage": {"Text": "y", "LanguageCode": "en-US", "VoiceId": "Joanna"}
        },
    }


BAD_EVENTS: list[tuple[str, object, str]] = [
    ("not an object", ["a"], "event must be a JSON object, got an array"),
    ("unknown fields", plain(Extra=1, Zed=2), "event has unknown fields ['Extra', 'Zed']"),
    ("no destination", {"Content": {"PlainTextMessage": {"Text": "x"}}},
     "DestinationPhoneNumber is required"),
    ("destination not E.164", plain(DestinationPhoneNumber="2065550142"),
     "DestinationPhoneNumber must be in E.164 form (+ and 2 to 15 digits), got '******0142'"),
    ("origination not E.164", plain(OriginationPhoneNumber="+1 206 555 0100"),
     "OriginationPhoneNumber must be in E.164 form"),
    ("caller id not E.164", plain(CallerId="+0"), "CallerId must be in E.164 form"),
    ("trailing newline", plain(DestinationPhoneNumber=DEST + "\n"),
     "DestinationPhoneNumber must be in E.164 form"),
    ("number not a string", plain(DestinationPhoneNumber=12065550142),
     "DestinationPhoneNumber must be a string, got a number"),
    ("no content", {"DestinationPhoneNumber": DEST}, "Content is required"),
    ("two kinds", {"DestinationPhoneNumber": DEST, "Content": {
        "PlainTextMessage": {"Text": "a"}, "SSMLMessage": {"Text": "<speak>a</speak>"}}},
     "Content must hold exactly one of"),
    ("no kind", {"DestinationPhoneNumber": DEST, "Content": {}}, "Content must hold exactly one"),
    ("unknown kind", {"DestinationPhoneNumber": DEST, "Content": {"Video": {}}},
     "Content has unknown fields ['Video']"),
    ("empty text", plain(""), "Content.PlainTextMessage.Text must not be empty or blank"),
    ("blank text", plain(" \n\t "), "Content.PlainTextMessage.Text must not be empty or blank"),
    ("text too long", plain("a" * 3001),
     "Content.PlainTextMessage.Text must be at most 3000 characters, got 3001"),
    ("ssml too long", {"DestinationPhoneNumber": DEST, "Content": {"SSMLMessage": {
        "Text": "<speak>" + "<break/>" * 800 + "a</speak>"}}},
     "Content.SSMLMessage.Text must be at most 6000 characters including SSML markup"),
    ("ssml speaks too much", {"DestinationPhoneNumber": DEST, "Content": {"SSMLMessage": {
        "Text": "<speak>" + "a" * 3001 + "</speak>"}}},
     "Content.SSMLMessage.Text must have at most 3000 spoken characters, got 3001"),
    ("ssml malformed", {"DestinationPhoneNumber": DEST, "Content": {"SSMLMessage": {
        "Text": "<speak>unclosed"}}}, "Content.SSMLMessage.Text must be well-formed SSML"),
    ("ssml wrong root", {"DestinationPhoneNumber": DEST, "Content": {"SSMLMessage": {
        "Text": "<say>hi</say>"}}}, "Content.SSMLMessage.Text must have a <speak> root"),
    ("ssml doctype", {"DestinationPhoneNumber": DEST, "Content": {"SSMLMessage": {
        "Text": '<!DOCTYPE speak [<!ENTITY a "aaaa">]><speak>&a;</speak>'}}},
     "Content.SSMLMessage.Text must not contain DOCTYPE or ENTITY declarations"),
    ("language code", plain(Content={"PlainTextMessage": {"Text": "x", "LanguageCode": "EN_us"}}),
     "Content.PlainTextMessage.LanguageCode must be a language code such as en-US"),
    ("language code newline", plain(Content={"PlainTextMessage": {"Text": "x",
                                                                  "LanguageCode": "en-US\n"}}),
     "Content.PlainTextMessage.LanguageCode must be a language code such as en-US"),
    ("voice id", plain(Content={"PlainTextMessage": {"Text": "x", "VoiceId": "joanna!"}}),
     "Content.PlainTextMessage.VoiceId must be an Amazon Polly voice name"),
    ("voice for call instructions", plain(Content={"CallInstructionsMessage": {
        "Text": "x", "VoiceId": "Joanna"}}),
     "Content.CallInstructionsMessage has unknown fields ['VoiceId']"),
    ("configuration set name", plain(ConfigurationSetName="no spaces allowed"),
     "ConfigurationSetName must be 1-64 letters, digits, - or _"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("event", "message"), [(e, m) for _, e, m in BAD_EVENTS], ids=[n for n, _, _ in BAD_EVENTS]
)
def test_fails_validation_before_any_call(
    event: object, message: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    with pytest.raises(BadRequestException) as failure:
        index.handler(event, lambda_context)

    assert type(failure.value).__name__ == "BadRequestException"
    assert str(failure.value).startswith(message)
    assert str(failure.value).startswith(failure.value.field)
    assert voice_mock.calls("SendVoiceMessage") == []


def test_fails_without_an_origination_number_anywhere(
    sender: Sender, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    with (
        index.use(replace(sender, defaults=Defaults())),
        pytest.raises(BadRequestException, match=r"^OriginationPhoneNumber is required$"),
    ):
        index.handler(plain(), lambda_context)
    assert voice_mock.calls("SendVoiceMessage") == []


def test_fails_on_service_400_without_retrying(
    voice_mock: VoiceMock, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    voice_mock.fail_next("SendVoiceMessage", status=400, message="destination is blocked")

    with pytest.raises(BadRequestException, match="destination is blocked"):
        index.handler(plain(), lambda_context)

    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [400]
    assert retry_sleeps == []


def test_retries_throttling(
    sender: Sender, voice_mock: VoiceMock, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    voice_mock.fail_next("SendVoiceMessage", count=sender.max_attempts - 1, status=429)

    result = index.handler(plain(), lambda_context)

    assert result["MessageId"] == voice_mock.sent_messages()[0].message_id
    statuses = [c.status for c in voice_mock.calls("SendVoiceMessage")]
    assert statuses == [429] * (sender.max_attempts - 1) + [200]


def test_fails_after_bounded_throttling_and_names_the_daily_cap(
    sender: Sender, voice_mock: VoiceMock, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    voice_mock.fail_next("SendVoiceMessage", count=10, status=429)

    with pytest.raises(TooManyRequestsException) as failure:
        index.handler(plain(), lambda_context)

    message = str(failure.value)
    assert f"{sender.max_attempts} times in a row" in message
    assert "at most 5 voice messages to the same number in 24 hours" in message
    assert "+1******0142" in message
    assert DEST not in message
    assert len(voice_mock.calls("SendVoiceMessage")) == sender.max_attempts
    # Back-off is bounded: at most 2**(n-1) seconds before retry n.
    assert len(retry_sleeps) == sender.max_attempts - 1
    assert all(s <= 2**n for n, s in enumerate(retry_sleeps))


def test_real_daily_cap_surfaces_as_too_many_requests(
    voice_mock: VoiceMock, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    for _ in range(5):
        index.handler(plain(), lambda_context)

    with pytest.raises(TooManyRequestsException, match="per-recipient cap"):
        index.handler(plain(), lambda_context)
    assert len(voice_mock.sent_messages()) == 5


def test_fails_internal_error_as_outcome_unknown_without_a_retry(
    voice_mock: VoiceMock, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    voice_mock.fail_next("SendVoiceMessage", count=10, status=500)

    with pytest.raises(OutcomeUnknownException, match="failed while handling it"):
        index.handler(plain(), lambda_context)
    assert [c.status for c in voice_mock.calls("SendVoiceMessage")] == [500]


def test_logs_are_structured_masked_and_without_text(
    sender: Sender,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=sender.logger.name)
    secret_text = "Your one-time code is 482913"
    index.handler(plain(secret_text), lambda_context)
    voice_mock.fail_next("SendVoiceMessage", status=400)
    with pytest.raises(BadRequestException):
        index.handler(plain(secret_text), lambda_context)
    with pytest.raises(BadRequestException):
        index.handler(plain(DestinationPhoneNumber="2065550142"), lambda_context)

    records = [r for r in caplog.records if r.name == sender.logger.name]
    assert len(records) == 3
    dumped = json.dumps([{**r.__dict__, "msg": r.getMessage()} for r in records], default=str)
    for number in (DEST, ORIGIN, DEST[1:], "2065550142"):
        assert number not in dumped
    assert "482913" not in dumped
    sent = records[0]
    assert sent.getMessage() == "voice message sent"
    assert sent.__dict__["request_id"] == lambda_context.aws_request_id
    assert sent.__dict__["destination"] == "+1******0142"
    assert sent.__dict__["text_length"] == len(secret_text)
