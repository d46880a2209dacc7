"""Property-based test: generated bad (and good) events against the sender handler.

Every event must end in a BadRequestException that names a field, with no call placed, or in
exactly one valid send. No other exception type is allowed.
"""

from __future__ import annotations

import itertools
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from send_voice_message import index
from send_voice_message.validation import CONTENT_KINDS, BadRequestException, Defaults

from tests.conftest import LambdaContext
from voice_constructs.testing import VoiceMock

EXAMPLES = 10_000

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
phones = st.one_of(
    st.from_regex(r"\+[1-9][0-9]{1,14}", fullmatch=True),
    st.from_regex(r"\+?[0-9 ()+-]{0,18}", fullmatch=True),
    st.text(max_size=16),
    scalars,
)
ssml = st.one_of(
    st.builds(lambda body: f"<speak>{body}</speak>", st.text(max_size=30)),
    st.builds(
        lambda body: f"<speak>{body}</speak>",
        st.text(alphabet="ab <>/&;\r\n", max_size=40),
    ),
    st.text(alphabet="<>/speak!DOCTYPEENTITY&;\"' \n\r", max_size=60),
    st.just('<!DOCTYPE speak [<!ENTITY x "y">]><speak>&x;</speak>'),
    st.builds(lambda n: "<speak>" + "a" * n + "</speak>", st.integers(2990, 3010)),
)
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\n\t "]),
    st.builds(lambda n: "a" * n, st.integers(2995, 3005)),
    ssml,
    scalars,
)
languages = st.one_of(
    st.sampled_from(["en-US", "arb", "cmn-CN", "EN", "en_US", "", "en-us"]), scalars
)
voices = st.one_of(st.sampled_from(["Joanna", "Lea", "joanna", "J", "Joanna1", ""]), scalars)
messages = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={"Text": texts, "LanguageCode": languages, "VoiceId": voices, "Tone": scalars},
    ),
    scalars,
    st.lists(scalars, max_size=2),
)
contents = st.one_of(
    st.dictionaries(st.sampled_from([*CONTENT_KINDS, "Video"]), messages, max_size=3),
    scalars,
)
e164 = st.from_regex(r"\+[1-9][0-9]{1,14}", fullmatch=True)
valid_events = st.fixed_dictionaries(
    {
        "DestinationPhoneNumber": e164,
        "OriginationPhoneNumber": e164,
        "Content": st.one_of(
            st.builds(
                lambda text: {"PlainTextMessage": {"Text": text}},
                st.text(min_size=1, max_size=40).filter(str.strip),
            ),
            st.builds(
                lambda text: {"SSMLMessage": {"Text": f"<speak>{text}</speak>"}},
                st.text(alphabet="abc .,!?", min_size=1, max_size=40).filter(str.strip),
            ),
        ),
    },
    optional={"CallerId": e164, "ConfigurationSetName": st.just("calls")},
)
mutations = st.fixed_dictionaries(
    {},
    optional={
        "DestinationPhoneNumber": phones,
        "OriginationPhoneNumber": phones,
        "CallerId": phones,
        "ConfigurationSetName": st.one_of(st.sampled_from(["calls", "bad name", ""]), scalars),
        "Content": contents,
        "Priority": scalars,
    },
)
events = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    mutations,
    # A valid event with some fields replaced by generated ones (often none: a valid send).
    st.builds(lambda valid, changes: {**valid, **changes}, valid_events, mutations),
)


@pytest.fixture
def sender(voice_mock: VoiceMock) -> VoiceMock:
    index.set_client(boto3.client("pinpoint-sms-voice", config=index.CONFIG))
    # Half the events rely on the configured origination number, half must give their own.
    index.set_defaults(Defaults(language_code="en-US"))
    backend = voice_mock.sms_voice()
    backend.create_configuration_set({"ConfigurationSetName": "calls"})
    # A day passes between sends, so the per-recipient cap never turns a valid send into a 429.
    backend.clock = itertools.count(0, 86_400).__next__
    return voice_mock


def test_every_event_is_a_named_bad_request_or_one_valid_send(
    sender: VoiceMock, lambda_context: LambdaContext
) -> None:
    tried = {"events": 0, "sent": 0, "rejected": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(event=events)
    def check(event: Any) -> None:
        tried["events"] += 1
        before = len(sender.calls("SendVoiceMessage"))
        sent_before = len(sender.sent_messages())
        rejection: BadRequestException | None = None
        try:
            result = index.handler(event, lambda_context)
        except BadRequestException as error:
            rejection = error
        if rejection is not None:
            assert type(rejection).__name__ == "BadRequestException"
            assert rejection.field
            assert str(rejection).startswith(rejection.field + " ")
            calls = sender.calls("SendVoiceMessage")[before:]
            # Either our validation refused it (no request at all), or the service did with a
            # 400 that placed no call (e.g. a well-formed but unknown configuration set name).
            assert [c.status for c in calls] in ([], [400]), "an invalid event was sent"
            assert len(sender.sent_messages()) == sent_before
            tried["rejected"] += 1
            return
        calls = sender.calls("SendVoiceMessage")
        assert len(calls) == before + 1
        assert calls[-1].status == 200
        assert result == {"MessageId": sender.sent_messages()[-1].message_id}
        tried["sent"] += 1

    check()
    print(f"generated events tried: {tried}")
    assert tried["events"] >= EXAMPLES
    assert tried["sent"] > 0, "the generator should also produce valid sends"
