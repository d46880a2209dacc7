"""Property-based test: generated bad (and good) events against the sender handler.

The same events run against both APIs (v1 and v2). Every event must end in a
BadRequestException that names a field, with no call placed (or a single service 400 that sent
nothing), or in exactly one valid send (a v2 dry run counts as one, and places no call). No other
exception type is allowed.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from send_voice_message import index
from send_voice_message.request import api_named
from send_voice_message.validation import CONTENT_KINDS, BadRequestException, Defaults

from tests.conftest import LambdaContext
from tests.depth import scale
from tests.handlers.conftest import RecordingClock, make_sender
from voice_constructs.testing import VoiceMock

# Per API: a fast pass in `make test`, at least 10,000 events per API in `make test-deep`.
EXAMPLES = scale(400, 10_000)
APIS = {"v1": "pinpoint-sms-voice", "v2": "pinpoint-sms-voice-v2"}
HEX32 = "0123456789abcdef" * 2

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
voices = st.one_of(
    st.sampled_from(["Joanna", "Lea", "joanna", "J", "Joanna1", "", "JOANNA", "Aditi"]), scalars
)
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
# v2's origination identities: phone number and pool ids and ARNs, well formed or nearly.
identities = st.one_of(
    st.sampled_from(
        [
            f"phone-{HEX32}",
            f"pool-{HEX32}",
            f"arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-{HEX32}",
            f"arn:aws:sms-voice:us-east-1:123456789012:pool/pool-{HEX32}",
        ]
    ),
    st.from_regex(r"(phone|pool|sender-id)-[0-9A-Za-z]{30,33}", fullmatch=True),
    st.from_regex(
        r"arn:aws:sms-voice:us-east-1:[0-9]{11,12}:(phone-number|pool)/(phone|pool)-[0-9a-f]{32}",
        fullmatch=True,
    ),
)
# The v2-only options, valid and not (v1 refuses every one of them).
v2_options = st.fixed_dictionaries(
    {},
    optional={
        "DryRun": st.one_of(st.booleans(), scalars),
        "TimeToLive": st.one_of(
            st.sampled_from([4, 5, 259_200, 259_201]), st.integers(0, 300_000), scalars
        ),
        "MaxPricePerMinute": st.one_of(
            st.sampled_from(["0.10", ".5", "99.99999", "123.4", "1", "abc", "0.123456"]),
            st.from_regex(r"[0-9]{0,3}\.?[0-9]{0,6}", fullmatch=True),
            scalars,
        ),
        "Context": st.one_of(
            st.dictionaries(
                st.one_of(st.text(max_size=8), st.sampled_from(["a b", "", "k"])),
                st.one_of(st.text(max_size=8), st.sampled_from([" v", "v ", "v"]), scalars),
                max_size=7,
            ),
            scalars,
        ),
        "ProtectConfigurationId": st.one_of(
            st.sampled_from(["pc-0123456789abcdef", "bad id", ""]), scalars
        ),
        "MessageFeedbackEnabled": st.one_of(st.booleans(), scalars),
    },
)
valid_v2_options = st.fixed_dictionaries(
    {},
    optional={
        "DryRun": st.booleans(),
        "TimeToLive": st.integers(5, 259_200),
        "MaxPricePerMinute": st.from_regex(r"[0-9]{0,2}\.[0-9]{1,5}", fullmatch=True),
        "Context": st.dictionaries(
            st.from_regex(r"[!-~]{1,10}", fullmatch=True),
            st.from_regex(r"[!-~]([ !-~]{0,8}[!-~])?", fullmatch=True),
            max_size=5,
        ),
        "ProtectConfigurationId": st.just("pc-0123456789abcdef"),
        "MessageFeedbackEnabled": st.booleans(),
    },
)
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
# What a v2 sender takes: no CallerId, any origination identity, v2's voices and options.
valid_v2_events = st.builds(
    lambda base, options: {**base, **options},
    st.fixed_dictionaries(
        {
            "DestinationPhoneNumber": e164,
            "OriginationPhoneNumber": st.one_of(e164, identities),
            "Content": st.one_of(
                st.builds(
                    lambda text, voice: {"PlainTextMessage": {"Text": text, **voice}},
                    st.text(min_size=1, max_size=40).filter(str.strip),
                    st.sampled_from([{}, {"VoiceId": "Joanna"}, {"VoiceId": "MATTHEW"}]),
                ),
                st.builds(
                    lambda text: {"SSMLMessage": {"Text": f"<speak>{text}</speak>"}},
                    st.text(alphabet="abc .,!?", min_size=1, max_size=40).filter(str.strip),
                ),
            ),
        },
        optional={"ConfigurationSetName": st.just("calls")},
    ),
    valid_v2_options,
)
mutations = st.fixed_dictionaries(
    {},
    optional={
        "DestinationPhoneNumber": phones,
        "OriginationPhoneNumber": st.one_of(phones, identities),
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
    # A valid v2 event with some fields replaced (and v2 options added) by generated ones.
    st.builds(
        lambda valid, options, changes: {**valid, **options, **changes},
        valid_v2_events,
        st.one_of(st.just({}), v2_options),
        st.one_of(st.just({}), mutations),
    ),
)


@pytest.fixture(params=list(APIS))
def api(
    request: pytest.FixtureRequest, voice_mock: VoiceMock, recording_clock: RecordingClock
) -> Iterator[str]:
    api: str = request.param
    # Half the events rely on the configured origination number, half must give their own.
    sender = make_sender(
        clock=recording_clock, api=api_named(api), defaults=Defaults(language_code="en-US")
    )
    backend = voice_mock.sms_voice()
    backend.create_configuration_set({"ConfigurationSetName": "calls"})
    # The v2 account holds the set and the protect configuration the valid events name.
    voice_mock.adopt_configuration_set("calls")
    voice_mock.adopt_protect_configuration("pc-0123456789abcdef")
    # A day passes between sends, so the per-recipient cap never turns a valid send into a 429.
    backend.clock = itertools.count(0, 86_400).__next__
    with index.use(sender):
        yield api


def hold_origination(mock: VoiceMock, event: Any) -> None:
    """The v2 account holds the number or pool an event sends from (the fake refuses others).

    An identity no account can hold (malformed, an ARN of another kind) stays unknown: the
    sender or the service refuses the event, as the test expects of it.
    """
    origin = event.get("OriginationPhoneNumber") if isinstance(event, dict) else None
    if isinstance(origin, str):
        with contextlib.suppress(ValueError):
            mock.adopt_origination_identity(origin)


def accepted(mock: VoiceMock, api: str) -> list[Any]:
    """Every message the fake of ``api`` accepted: sends and (v2) dry runs."""
    if api == "v2":
        return [*mock.sent_messages(api="v2"), *mock.sms_voice_v2().dry_runs]
    return mock.sent_messages()


@pytest.mark.deep
def test_every_event_is_a_named_bad_request_or_one_valid_send(
    api: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    assert api == index.current().api.name
    sender = voice_mock
    tried = {"events": 0, "sent": 0, "dry_runs": 0, "rejected": 0, "service_400": 0}

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
        if api == "v2":
            hold_origination(sender, event)
        before = len(sender.calls("SendVoiceMessage", api=api))
        sent_before = len(sender.sent_messages(api=api))
        accepted_before = len(accepted(sender, api))
        rejection: BadRequestException | None = None
        try:
            result = index.handler(event, lambda_context)
        except BadRequestException as error:
            rejection = error
        if rejection is not None:
            assert type(rejection).__name__ == "BadRequestException"
            assert rejection.field
            assert str(rejection).startswith(rejection.field + " ")
            calls = sender.calls("SendVoiceMessage", api=api)[before:]
            # Either our validation refused it (no request at all), or the service did with a
            # 400 that placed no call (e.g. a well-formed but unknown configuration set name).
            assert [c.status for c in calls] in ([], [400]), "an invalid event was sent"
            assert len(accepted(sender, api)) == accepted_before
            tried["rejected"] += 1
            tried["service_400"] += len(calls)
            return
        calls = sender.calls("SendVoiceMessage", api=api)
        assert len(calls) == before + 1
        assert calls[-1].status == 200
        assert len(accepted(sender, api)) == accepted_before + 1
        if api == "v2" and event.get("DryRun") is True:
            # A dry run is answered like a send and places no call.
            assert len(sender.sent_messages(api=api)) == sent_before
            dry_run = sender.sms_voice_v2().dry_runs[-1]
            assert result == {"MessageId": dry_run.message_id, "DryRun": True}
            tried["dry_runs"] += 1
            return
        assert len(sender.sent_messages(api=api)) == sent_before + 1
        assert result == {"MessageId": sender.sent_messages(api=api)[-1].message_id}
        tried["sent"] += 1

    check()
    print(f"generated events tried ({api}): {tried}")
    assert tried["events"] >= EXAMPLES
    assert tried["sent"] > 0, "the generator should also produce valid sends"
    if api == "v2":
        assert tried["dry_runs"] > 0, "the generator should also produce v2 dry runs"
