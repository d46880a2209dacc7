"""The sender handler against both SMS and Voice APIs (v1 and v2), with the project's moto fakes.

Behaviour both APIs share runs once per API (the ``sender`` fixture is parametrized); v2's own
mapping, options and errors, and v1's refusal of the v2-only fields, have their own tests.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

import pytest
from send_voice_message import index
from send_voice_message.errors import (
    AccessDeniedException,
    OutcomeUnknownException,
    ServiceException,
    ServiceQuotaExceededException,
    TooManyRequestsException,
)
from send_voice_message.request import V2, Api, Message, api_named
from send_voice_message.sender import DEFAULT_MAX_ATTEMPTS, Sender
from send_voice_message.validation import BadRequestException, Defaults

from tests.conftest import LambdaContext
from tests.handlers.conftest import RecordingClock, make_sender
from voice_constructs.testing import RecordedCall, SentVoiceMessage, VoiceMock

ORIGIN = "+12065550100"
OTHER_ORIGIN = "+12065550101"
DEST = "+12065550142"
DEFAULTS = Defaults(origination_number=ORIGIN, language_code="en-US")
HEX32 = "0123456789abcdef" * 2
SEND = "SendVoiceMessage"


@dataclass
class Handler:
    """The handler wired to one API (its sender), and what that API's fake saw."""

    api: str
    mock: VoiceMock
    sender: Sender

    def use(self, **changes: Any) -> AbstractContextManager[Sender]:
        """The handler on this sender with ``changes`` (defaults, ...), inside a ``with``."""
        return index.use(replace(self.sender, **changes))

    def sent(self) -> list[SentVoiceMessage]:
        """What the fake of the active API accepted (v2 dry runs excluded)."""
        return self.mock.sent_messages(api=self.api)

    def calls(self) -> list[RecordedCall]:
        """Every SendVoiceMessage request the fake of the active API received."""
        return self.mock.calls(SEND, api=self.api)

    def statuses(self) -> list[int]:
        return [call.status for call in self.calls()]

    def fail_next(self, count: int = 1, **kwargs: Any) -> None:
        self.mock.fail_next(SEND, count, api=self.api, **kwargs)


def sent_text(request: dict[str, Any], api: str) -> str:
    """The words a recorded request carries, in either API's shape."""
    if api == "v2":
        text: str = request["MessageBody"]
        return text
    [kind] = request["Content"]
    text = request["Content"][kind]["Text"]
    return text


def hold_v2_resources(mock: VoiceMock) -> None:
    """What the v2 tests send from and name, held by the account (the v2 fake refuses the rest)."""
    for identity in (ORIGIN, OTHER_ORIGIN, f"phone-{HEX32}"):
        mock.adopt_phone_number(identity)
    mock.adopt_pool(f"pool-{HEX32}")
    for protect in ("pc-0123456789abcdef", "pc-0123"):
        mock.adopt_protect_configuration(protect)


def use_api(api: str, mock: VoiceMock, clock: RecordingClock) -> Iterator[Handler]:
    """The handler on a sender of ``api`` (no state table, sleeps recorded) for one test."""
    if api == "v2":
        hold_v2_resources(mock)
    sender = make_sender(clock=clock, api=api_named(api), defaults=DEFAULTS)
    with index.use(sender):
        yield Handler(api, mock, sender)


@pytest.fixture(params=["v1", "v2"])
def sender(
    request: pytest.FixtureRequest, voice_mock: VoiceMock, recording_clock: RecordingClock
) -> Iterator[Handler]:
    yield from use_api(request.param, voice_mock, recording_clock)


@pytest.fixture
def v2(voice_mock: VoiceMock, recording_clock: RecordingClock) -> Iterator[Handler]:
    yield from use_api("v2", voice_mock, recording_clock)


@pytest.fixture
def v1(voice_mock: VoiceMock, recording_clock: RecordingClock) -> Iterator[Handler]:
    yield from use_api("v1", voice_mock, recording_clock)


def plain(text: str = "Your order has shipped.", **extra: Any) -> dict[str, Any]:
    return {
        "DestinationPhoneNumber": DEST,
        "Content": {"PlainTextMessage": {"Text": text}},
        **extra,
    }


def ssml(text: str, **message: Any) -> dict[str, Any]:
    return {"DestinationPhoneNumber": DEST, "Content": {"SSMLMessage": {"Text": text, **message}}}


# --- Both APIs ---------------------------------------------------------------------------------


def test_module_is_switched_to_the_fixture_api(sender: Handler) -> None:
    assert sender.api == index.current().api.name
    assert sender.sent() == []
    assert sender.calls() == []


def test_sends_plain_text_with_configured_defaults(
    sender: Handler, lambda_context: LambdaContext
) -> None:
    result = index.handler(plain(), lambda_context)

    [sent] = sender.sent()
    assert result == {"MessageId": sent.message_id}
    assert sent_text(sent.request, sender.api) == "Your order has shipped."
    if sender.api == "v1":
        assert sent.request == {
            "DestinationPhoneNumber": DEST,
            "OriginationPhoneNumber": ORIGIN,
            "Content": {
                "PlainTextMessage": {"Text": "Your order has shipped.", "LanguageCode": "en-US"}
            },
        }
    else:
        # v2 has no LanguageCode: the configured default is dropped.
        assert sent.request == {
            "DestinationPhoneNumber": DEST,
            "OriginationIdentity": ORIGIN,
            "MessageBody": "Your order has shipped.",
            "MessageBodyTextType": "TEXT",
        }


def test_sends_plain_text_with_voice(sender: Handler, lambda_context: LambdaContext) -> None:
    event = plain(Content={"PlainTextMessage": {"Text": "Hi", "VoiceId": "Joanna"}})

    index.handler(event, lambda_context)

    [sent] = sender.sent()
    if sender.api == "v1":
        assert sent.request["Content"] == {
            "PlainTextMessage": {"Text": "Hi", "VoiceId": "Joanna", "LanguageCode": "en-US"}
        }
    else:
        assert sent.request["VoiceId"] == "JOANNA"
        assert sent.request["MessageBodyTextType"] == "TEXT"
        assert "LanguageCode" not in json.dumps(sent.request)


def test_sends_ssml_with_line_breaks_normalised(
    sender: Handler, lambda_context: LambdaContext
) -> None:
    event = ssml(
        "<speak>\r\nHello,\n<break time='1s'/>\rworld</speak>",
        VoiceId="Matthew",
        LanguageCode="en-GB",
    )

    index.handler(event, lambda_context)

    [sent] = sender.sent()
    normalised = "<speak> Hello, <break time='1s'/> world</speak>"
    assert sent_text(sent.request, sender.api) == normalised
    if sender.api == "v1":
        assert sent.request["Content"] == {
            "SSMLMessage": {"Text": normalised, "LanguageCode": "en-GB", "VoiceId": "Matthew"}
        }
    else:
        assert sent.request == {
            "DestinationPhoneNumber": DEST,
            "OriginationIdentity": ORIGIN,
            "MessageBody": normalised,
            "MessageBodyTextType": "SSML",
            "VoiceId": "MATTHEW",
        }


def test_event_overrides_origination_and_configuration_set(
    sender: Handler, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    # Both fakes check that configuration sets exist.
    for name in ("calls", "other"):
        voice_mock.sms_voice().create_configuration_set({"ConfigurationSetName": name})
        voice_mock.adopt_configuration_set(name)
    defaults = Defaults(
        origination_number=ORIGIN, configuration_set_name="calls", language_code="en-US"
    )
    other_origin = OTHER_ORIGIN

    with sender.use(defaults=defaults):
        index.handler(
            plain("x", OriginationPhoneNumber=other_origin, ConfigurationSetName="other"),
            lambda_context,
        )
        index.handler(plain("y"), lambda_context)

    first, second = (m.request for m in sender.sent())
    origin_field = "OriginationPhoneNumber" if sender.api == "v1" else "OriginationIdentity"
    assert (first[origin_field], first["ConfigurationSetName"]) == (other_origin, "other")
    assert (second[origin_field], second["ConfigurationSetName"]) == (ORIGIN, "calls")
    assert [sent_text(first, sender.api), sent_text(second, sender.api)] == ["x", "y"]


BAD_EVENTS: list[tuple[str, object, str, str]] = [
    ("bad destination", plain(DestinationPhoneNumber="2065550142"), "DestinationPhoneNumber",
     "DestinationPhoneNumber must be in E.164 form (+ and 2 to 15 digits), got '******0142'"),
    ("empty text", plain(""), "Content.PlainTextMessage.Text",
     "Content.PlainTextMessage.Text must not be empty or blank"),
    ("two kinds", {"DestinationPhoneNumber": DEST, "Content": {
        "PlainTextMessage": {"Text": "a"}, "SSMLMessage": {"Text": "<speak>a</speak>"}}},
     "Content", "Content must hold exactly one of"),
    ("unknown field", plain(Extra=1), "event", "event has unknown fields ['Extra']"),
    ("unknown message field", plain(Content={"PlainTextMessage": {"Text": "a", "Tone": "x"}}),
     "Content.PlainTextMessage", "Content.PlainTextMessage has unknown fields ['Tone']"),
    ("not an object", ["a"], "event", "event must be a JSON object, got an array"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("event", "field", "message"),
    [(e, f, m) for _, e, f, m in BAD_EVENTS],
    ids=[n for n, *_ in BAD_EVENTS],
)
def test_fails_validation_before_any_call(
    event: object, field: str, message: str, sender: Handler, lambda_context: LambdaContext
) -> None:
    with pytest.raises(BadRequestException) as failure:
        index.handler(event, lambda_context)

    assert failure.value.field == field
    assert str(failure.value).startswith(message)
    assert "2065550142" not in str(failure.value)
    assert sender.calls() == []


def test_retries_throttling_then_sends(
    sender: Handler, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    # v1 answers TooManyRequestsException, v2 ThrottlingException.
    sender.fail_next(index.current().max_attempts - 1, status=429)

    result = index.handler(plain(), lambda_context)

    [sent] = sender.sent()
    assert result == {"MessageId": sent.message_id}
    assert sender.statuses() == [429] * (index.current().max_attempts - 1) + [200]
    assert len(retry_sleeps) == index.current().max_attempts - 1


def test_retries_a_connect_timeout_then_sends(
    sender: Handler, voice_mock: VoiceMock, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    voice_mock.time_out_next(SEND, after_accept=False, api=sender.api)

    result = index.handler(plain(), lambda_context)

    [sent] = sender.sent()
    assert result == {"MessageId": sent.message_id}
    assert sender.statuses() == [200]
    assert len(retry_sleeps) == 1


def test_fails_after_bounded_throttling(
    sender: Handler, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    sender.fail_next(10, status=429)

    with pytest.raises(TooManyRequestsException) as failure:
        index.handler(plain(), lambda_context)

    message = str(failure.value)
    assert f"{index.current().max_attempts} times in a row" in message
    assert "+1******0142" in message
    assert DEST not in message
    if sender.api == "v1":
        assert "at most 5 voice messages to the same number in 24 hours" in message
    assert sender.statuses() == [429] * index.current().max_attempts
    assert sender.sent() == []
    assert len(retry_sleeps) == index.current().max_attempts - 1
    assert all(s <= 2**n for n, s in enumerate(retry_sleeps))


def test_fails_internal_error_as_outcome_unknown_without_a_retry(
    sender: Handler, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    # v1 answers InternalServiceErrorException, v2 InternalServerException: the service may
    # have dialled before it failed, so the request is not sent again.
    sender.fail_next(10, status=500)

    with pytest.raises(OutcomeUnknownException, match="failed while handling it"):
        index.handler(plain(), lambda_context)

    assert sender.statuses() == [500]
    assert retry_sleeps == []


def test_fails_on_service_400_without_retrying(
    sender: Handler, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    # v1's BadRequestException, v2's ValidationException (here without Fields).
    sender.fail_next(status=400, message="destination is blocked")

    with pytest.raises(BadRequestException, match="destination is blocked") as failure:
        index.handler(plain(), lambda_context)

    assert type(failure.value) is BadRequestException
    assert failure.value.field == "request"
    assert sender.statuses() == [400]
    assert sender.sent() == []
    assert retry_sleeps == []


def test_fails_on_access_denied_without_retrying(
    sender: Handler, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    sender.fail_next(status=403, code="AccessDeniedException", message="not authorized")

    with pytest.raises(AccessDeniedException, match="lacks sms-voice:SendVoiceMessage"):
        index.handler(plain(), lambda_context)

    assert sender.statuses() == [403]
    assert sender.sent() == []
    assert retry_sleeps == []


def test_fails_on_read_timeout_after_accept_as_outcome_unknown(
    sender: Handler, voice_mock: VoiceMock, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    voice_mock.time_out_next(SEND, api=sender.api)

    with pytest.raises(OutcomeUnknownException, match="not retried"):
        index.handler(plain(), lambda_context)

    # The service acted once; the handler never asked again.
    assert len(sender.sent()) == 1
    assert sender.statuses() == [200]
    assert retry_sleeps == []


def test_logs_are_structured_masked_and_without_text(
    sender: Handler, lambda_context: LambdaContext, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=index.current().logger.name)
    secret_text = "Your one-time code is 482913"
    index.handler(plain(secret_text), lambda_context)
    sender.fail_next(status=400)
    with pytest.raises(BadRequestException):
        index.handler(plain(secret_text), lambda_context)
    with pytest.raises(BadRequestException):
        index.handler(plain(secret_text, DestinationPhoneNumber="2065550142"), lambda_context)
    with pytest.raises(BadRequestException):
        index.handler(plain(secret_text, OriginationPhoneNumber="12065550100"), lambda_context)

    records = [r for r in caplog.records if r.name == index.current().logger.name]
    assert [r.getMessage() for r in records] == [
        "voice message sent",
        "voice message not sent",
        "rejected invalid request",
        "rejected invalid request",
    ]
    dumped = json.dumps([{**r.__dict__, "msg": r.getMessage()} for r in records], default=str)
    for number in (DEST, ORIGIN, DEST[1:], ORIGIN[1:], "2065550142"):
        assert number not in dumped
    assert "482913" not in dumped
    assert "one-time code" not in dumped
    sent = records[0]
    assert sent.__dict__["api"] == sender.api
    assert sent.__dict__["request_id"] == lambda_context.aws_request_id
    assert sent.__dict__["destination"] == "+1******0142"
    assert sent.__dict__["origination"] == "+1******0100"
    assert sent.__dict__["text_length"] == len(secret_text)
    assert records[3].__dict__["field"] == "OriginationPhoneNumber"


# --- v2 only -----------------------------------------------------------------------------------

IDENTITIES = [
    ("e164", ORIGIN),
    ("phone id", f"phone-{HEX32}"),
    ("pool id", f"pool-{HEX32}"),
    ("phone arn", f"arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-{HEX32}"),
    ("pool arn", f"arn:aws:sms-voice:us-east-1:123456789012:pool/pool-{HEX32}"),
]


@pytest.mark.parametrize("identity", [i for _, i in IDENTITIES], ids=[n for n, _ in IDENTITIES])
def test_v2_sends_origination_identity(
    identity: str, v2: Handler, lambda_context: LambdaContext
) -> None:
    index.handler(plain(OriginationPhoneNumber=identity), lambda_context)

    [sent] = v2.sent()
    assert sent.request["OriginationIdentity"] == identity
    assert "OriginationPhoneNumber" not in sent.request


BAD_IDENTITIES = [
    ("no plus", "12065550100"),
    ("spaces", "+1 206 555 0100"),
    ("short phone id", f"phone-{HEX32[:31]}"),
    ("long pool id", f"pool-{HEX32}0"),
    ("sender id", f"sender-id-{HEX32}"),
    ("arn kind mismatch", f"arn:aws:sms-voice:us-east-1:123456789012:phone-number/pool-{HEX32}"),
    ("arn short account", f"arn:aws:sms-voice:us-east-1:12345678901:pool/pool-{HEX32}"),
    ("arn other service", f"arn:aws:sns:us-east-1:123456789012:pool/pool-{HEX32}"),
    ("empty", ""),
]


@pytest.mark.parametrize(
    "value", [v for _, v in BAD_IDENTITIES], ids=[n for n, _ in BAD_IDENTITIES]
)
def test_fails_v2_on_other_origination_forms(
    value: str, v2: Handler, lambda_context: LambdaContext
) -> None:
    with pytest.raises(BadRequestException) as failure:
        index.handler(plain(OriginationPhoneNumber=value), lambda_context)

    assert failure.value.field == "OriginationPhoneNumber"
    assert str(failure.value).startswith("OriginationPhoneNumber must be an E.164 number")
    if value:
        assert value not in str(failure.value)
    assert "2065550100" not in str(failure.value)
    assert v2.calls() == []


def test_fails_v2_on_a_non_string_origination(v2: Handler, lambda_context: LambdaContext) -> None:
    with pytest.raises(BadRequestException, match=r"^OriginationPhoneNumber must be a string"):
        index.handler(plain(OriginationPhoneNumber=12065550100), lambda_context)
    assert v2.calls() == []


def test_fails_v2_without_an_origination_anywhere(
    v2: Handler, lambda_context: LambdaContext
) -> None:
    with (
        v2.use(defaults=Defaults()),
        pytest.raises(BadRequestException, match=r"^OriginationPhoneNumber is required$"),
    ):
        index.handler(plain(), lambda_context)
    assert v2.calls() == []


def test_v2_dry_run_is_answered_and_places_no_call(
    v2: Handler, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    result = index.handler(plain(DryRun=True), lambda_context)

    [dry_run] = voice_mock.sms_voice_v2().dry_runs
    assert result == {"MessageId": dry_run.message_id, "DryRun": True}
    assert dry_run.request["DryRun"] is True
    assert v2.sent() == []
    assert v2.statuses() == [200]


def test_v2_dry_run_false_is_a_real_send(
    v2: Handler, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    result = index.handler(plain(DryRun=False), lambda_context)

    [sent] = v2.sent()
    assert result == {"MessageId": sent.message_id}
    assert voice_mock.sms_voice_v2().dry_runs == []


CONTEXT_5 = {f"key-{n}": f"value {n}" for n in range(5)}
GOOD_OPTIONS: list[tuple[str, str, object]] = [
    ("ttl min", "TimeToLive", 5),
    ("ttl max", "TimeToLive", 259_200),
    ("price", "MaxPricePerMinute", "0.10"),
    ("price short", "MaxPricePerMinute", ".5"),
    ("context one", "Context", {"order": "42"}),
    ("context five", "Context", CONTEXT_5),
    ("protect id", "ProtectConfigurationId", "pc-0123456789abcdef"),
    ("protect arn", "ProtectConfigurationId",
     "arn:aws:sms-voice:us-east-1:123456789012:protect-configuration/pc-0123"),
    ("feedback on", "MessageFeedbackEnabled", True),
    ("feedback off", "MessageFeedbackEnabled", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"), [(f, v) for _, f, v in GOOD_OPTIONS], ids=[n for n, *_ in GOOD_OPTIONS]
)
def test_v2_passes_options_through(
    field: str, value: object, v2: Handler, lambda_context: LambdaContext
) -> None:
    result = index.handler(plain(**{field: value}), lambda_context)

    [sent] = v2.sent()
    assert result == {"MessageId": sent.message_id}
    assert sent.request[field] == value


BAD_OPTIONS: list[tuple[str, str, object, str, str]] = [
    ("ttl too short", "TimeToLive", 4, "TimeToLive", "must be between 5 and 259200 seconds"),
    ("ttl too long", "TimeToLive", 259_201, "TimeToLive", "must be between 5 and 259200"),
    ("ttl string", "TimeToLive", "60", "TimeToLive", "must be a whole number of seconds"),
    ("ttl boolean", "TimeToLive", True, "TimeToLive", "must be a whole number of seconds"),
    ("ttl float", "TimeToLive", 60.0, "TimeToLive", "must be a whole number of seconds"),
    ("price number", "MaxPricePerMinute", 0.1, "MaxPricePerMinute", 'must be a price such as'),
    ("price words", "MaxPricePerMinute", "abc", "MaxPricePerMinute", "must be a price such as"),
    ("price too big", "MaxPricePerMinute", "123.4", "MaxPricePerMinute", "must be a price"),
    ("price integer", "MaxPricePerMinute", "1", "MaxPricePerMinute", "must be a price"),
    ("context six", "Context", {f"k{n}": "v" for n in range(6)}, "Context",
     "must have at most 5 entries, got 6"),
    ("context key space", "Context", {"order id": "42"}, "Context",
     "keys must be 1-100 characters without spaces"),
    ("context empty key", "Context", {"": "42"}, "Context", "keys must be 1-100 characters"),
    ("context padded value", "Context", {"order": " 42"}, "Context.order",
     "must be a string of 1-800 characters without leading or trailing spaces"),
    ("context empty value", "Context", {"order": ""}, "Context.order", "must be a string"),
    ("context number value", "Context", {"order": 42}, "Context.order", "must be a string"),
    ("context list", "Context", ["order"], "Context", "must be an object of string values"),
    ("protect spaces", "ProtectConfigurationId", "pc 1", "ProtectConfigurationId",
     "must be a protect configuration id or ARN"),
    ("protect number", "ProtectConfigurationId", 1, "ProtectConfigurationId",
     "must be a protect configuration id or ARN"),
    ("feedback yes", "MessageFeedbackEnabled", "yes", "MessageFeedbackEnabled",
     "must be true or false"),
    ("dry run string", "DryRun", "true", "DryRun", "must be true or false"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("option", "value", "field", "message"),
    [(o, v, f, m) for _, o, v, f, m in BAD_OPTIONS],
    ids=[n for n, *_ in BAD_OPTIONS],
)
def test_fails_v2_on_invalid_options_before_any_call(
    option: str,
    value: object,
    field: str,
    message: str,
    v2: Handler,
    voice_mock: VoiceMock,
    lambda_context: LambdaContext,
) -> None:
    with pytest.raises(BadRequestException) as failure:
        index.handler(plain(**{option: value}), lambda_context)

    assert failure.value.field == field
    assert str(failure.value).startswith(f"{field} {message}")
    assert v2.calls() == []
    assert voice_mock.sms_voice_v2().dry_runs == []


def test_fails_v2_on_call_instructions(v2: Handler, lambda_context: LambdaContext) -> None:
    event = {"DestinationPhoneNumber": DEST, "Content": {"CallInstructionsMessage": {"Text": "Hi"}}}

    with pytest.raises(BadRequestException) as failure:
        index.handler(event, lambda_context)

    assert failure.value.field == "Content.CallInstructionsMessage"
    assert str(failure.value).startswith(
        "Content.CallInstructionsMessage has no equivalent in the v2 API"
    )
    assert "PlainTextMessage or SSMLMessage" in str(failure.value)
    assert v2.calls() == []


@pytest.mark.parametrize("where", ["event", "defaults"])
def test_fails_v2_on_caller_id(where: str, v2: Handler, lambda_context: LambdaContext) -> None:
    event = plain()
    defaults = DEFAULTS
    if where == "event":
        event["CallerId"] = "+12065550199"
    else:
        defaults = Defaults(
            origination_number=ORIGIN, caller_id="+12065550199", language_code="en-US"
        )

    with v2.use(defaults=defaults), pytest.raises(BadRequestException) as failure:
        index.handler(event, lambda_context)

    assert failure.value.field == "CallerId"
    assert str(failure.value).startswith("CallerId has no equivalent in the v2 API")
    assert "2065550199" not in str(failure.value)
    assert v2.calls() == []


@pytest.mark.parametrize("kind", ["PlainTextMessage", "SSMLMessage"])
def test_fails_v2_on_a_voice_v2_lacks(
    kind: str, v2: Handler, lambda_context: LambdaContext
) -> None:
    text = "Hi" if kind == "PlainTextMessage" else "<speak>Hi</speak>"
    event = {"DestinationPhoneNumber": DEST, "Content": {kind: {"Text": text, "VoiceId": "Aditi"}}}

    with pytest.raises(BadRequestException) as failure:
        index.handler(event, lambda_context)

    assert failure.value.field == f"Content.{kind}.VoiceId"
    assert str(failure.value) == (
        f"Content.{kind}.VoiceId must be one of the v2 API's voices, got 'Aditi'"
    )
    assert v2.calls() == []


def test_fails_v2_on_a_default_voice_v2_lacks(v2: Handler, lambda_context: LambdaContext) -> None:
    with (
        v2.use(defaults=Defaults(origination_number=ORIGIN, voice_id="Aditi")),
        pytest.raises(BadRequestException) as failure,
    ):
        index.handler(plain(), lambda_context)

    assert failure.value.field == "Content.PlainTextMessage.VoiceId"
    assert v2.calls() == []


def test_v2_upper_cases_the_default_voice(v2: Handler, lambda_context: LambdaContext) -> None:
    with v2.use(defaults=Defaults(origination_number=ORIGIN, voice_id="Joanna")):
        index.handler(plain(), lambda_context)

    [sent] = v2.sent()
    assert sent.request["VoiceId"] == "JOANNA"


V2_ERRORS: list[tuple[str, int, type[Exception], int, str]] = [
    ("validation", 400, BadRequestException, 1,
     r"^request was rejected by the service: injected fault$"),
    ("service quota", 402, ServiceQuotaExceededException, 1,
     r"^a service quota is used up: injected fault$"),
    ("access denied", 403, AccessDeniedException, 1,
     r"^access denied: the function's role lacks sms-voice:SendVoiceMessage"),
    ("resource not found", 404, BadRequestException, 1,
     r"^request names a resource that does not exist: injected fault$"),
    ("conflict", 409, ServiceException, 1, r"^ConflictException: injected fault$"),
    ("throttling", 429, TooManyRequestsException, DEFAULT_MAX_ATTEMPTS,
     r"^the service throttled the call to \+1\*+0142 3 times in a row"),
    # A 5xx may come after the call was placed: never retried, reported as unknown.
    ("internal", 500, OutcomeUnknownException, 1,
     r"^the request was sent but the service failed while handling it \(InternalServerExc"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "error", "attempts", "message"),
    [(s, e, a, m) for _, s, e, a, m in V2_ERRORS],
    ids=[n for n, *_ in V2_ERRORS],
)
def test_fails_v2_with_each_service_error_mapped(
    status: int,
    error: type[Exception],
    attempts: int,
    message: str,
    v2: Handler,
    lambda_context: LambdaContext,
    retry_sleeps: list[float],
) -> None:
    v2.fail_next(10, status=status)

    with pytest.raises(error, match=message) as failure:
        index.handler(plain(), lambda_context)

    assert type(failure.value) is error
    if isinstance(failure.value, BadRequestException):
        # fail_next sets neither Fields nor ResourceType, so the field is the whole request.
        assert failure.value.field == "request"
    assert DEST not in str(failure.value)
    assert v2.statuses() == [status] * attempts
    assert len(retry_sleeps) == attempts - 1
    assert v2.sent() == []


def test_fails_v2_with_validation_exception_code(
    v2: Handler, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    v2.fail_next(status=400, code="ValidationException", message="Invalid destination")

    with pytest.raises(BadRequestException, match="Invalid destination") as failure:
        index.handler(plain(), lambda_context)

    assert failure.value.field == "request"
    assert v2.statuses() == [400]
    assert retry_sleeps == []


def test_fails_v2_naming_the_field_of_a_real_validation_error(
    v2: Handler, lambda_context: LambdaContext, retry_sleeps: list[float]
) -> None:
    # The handler refuses a Context key with a space itself, so its local check is skipped here
    # to get the fake's own ValidationException (Reason and Fields included) to the mapping.
    request = {**V2.shape(Message.from_event(plain()), DEFAULTS), "Context": {"order id": "42"}}
    unchecked = Api(V2.name, lambda fields, defaults: request)

    with v2.use(api=unchecked), pytest.raises(BadRequestException) as failure:
        index.handler(plain(), lambda_context)

    assert failure.value.field == "Context"
    message = str(failure.value)
    assert message.startswith("Context was rejected by the service (FIELD_VALIDATION_FAILED)")
    # The fake's check is botocore's model's: ContextKey's pattern.
    assert "Context: keys must match \\S+" in message
    assert v2.statuses() == [400]
    assert v2.sent() == []
    assert retry_sleeps == []


def test_fails_v2_locally_on_an_arn_with_non_ascii_account_digits(
    v2: Handler, lambda_context: LambdaContext
) -> None:
    arabic_indic_digits = "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662"
    arn = f"arn:aws:sms-voice:us-east-1:{arabic_indic_digits}:pool/pool-{HEX32}"

    with pytest.raises(BadRequestException) as failure:
        index.handler(plain(OriginationPhoneNumber=arn), lambda_context)

    assert failure.value.field == "OriginationPhoneNumber"
    assert v2.calls() == []


# --- v1 only -----------------------------------------------------------------------------------

V2_ONLY: list[tuple[str, object]] = [
    ("DryRun", True),
    ("DryRun", False),
    ("TimeToLive", 60),
    ("MaxPricePerMinute", "0.10"),
    ("Context", {"order": "42"}),
    ("ProtectConfigurationId", "pc-0123456789abcdef"),
    ("MessageFeedbackEnabled", True),
]


@pytest.mark.parametrize(("field", "value"), V2_ONLY, ids=[f"{f}={v}" for f, v in V2_ONLY])
def test_fails_v1_on_v2_only_fields(
    field: str, value: object, v1: Handler, lambda_context: LambdaContext
) -> None:
    with pytest.raises(BadRequestException) as failure:
        index.handler(plain(**{field: value}), lambda_context)

    assert failure.value.field == field
    assert str(failure.value) == (
        f"{field} needs the v2 API: create the sender with api=SmsVoiceApi.V2"
    )
    assert v1.calls() == []
