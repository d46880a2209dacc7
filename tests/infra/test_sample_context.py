"""The sample app's context is checked up front, and every quota synthesizes (issue: first hour)."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as sample
from tests.conftest import ROOT, cdk_context
from tests.docs import page
from tests.infra.templates import sender_function
from voice_constructs import PinpointVoice, SenderOptions, VoiceMessageSender
from voice_constructs.sender import (
    MAX_CALLS_PER_MINUTE,
    queue_timeout_seconds,
    seconds_per_queued_message,
)

ORIGINATION = "+12065550100"

BAD_CONTEXT = {
    "maxCallsPerMinute=abc": (
        {"maxCallsPerMinute": "abc"},
        "-c maxCallsPerMinute=abc: must be a whole number of calls a minute from 1 to 6,000",
    ),
    "maxCallsPerMinute=0": (
        {"maxCallsPerMinute": "0"},
        "-c maxCallsPerMinute=0: must be a whole number of calls a minute from 1 to 6,000",
    ),
    "maxCallsPerMinute=-5": ({"maxCallsPerMinute": "-5"}, "-c maxCallsPerMinute=-5: must be"),
    "maxCallsPerMinute=6001": ({"maxCallsPerMinute": 6001}, "-c maxCallsPerMinute=6001: must be"),
    "api=v3": ({"api": "v3"}, "-c api=v3: must be v1 or v2"),
    "queue=no": ({"queue": "no"}, "-c queue=no: must be true or false"),
    "trackCallStatus=1": ({"trackCallStatus": "1"}, "-c trackCallStatus=1: must be true or false"),
    "pinpoint=off": ({"pinpoint": "off"}, "-c pinpoint=off: must be true or false"),
    "tracing=yes": ({"tracing": "yes"}, "-c tracing=yes: must be true or false"),
    "stackName": ({"stackName": "1 bad name"}, "-c stackName=1 bad name: must be a letter"),
    "pinpoint=maybe": ({"pinpoint": "maybe"}, "-c pinpoint=maybe: must be true or false"),
    "allowedCountries not a list of strings": (
        {"allowedCountries": ["US", 5]},
        "-c allowedCountries=['US', 5]: must be ISO 3166-1 alpha-2 codes, comma-separated (US,CA), "
        "or * for all",
    ),
    "maxCallsPerDay=0": (
        {"maxCallsPerDay": "0"},
        "-c maxCallsPerDay=0: must be a whole number of calls a UTC day, at least 1",
    ),
    "maxCallsPerDay=lots": ({"maxCallsPerDay": "lots"}, "-c maxCallsPerDay=lots: must be"),
    "maxCallsPerDay=1.5": ({"maxCallsPerDay": 1.5}, "-c maxCallsPerDay=1.5: must be"),
    "callsPerHourAlarm=-1": (
        {"callsPerHourAlarm": "-1"},
        "-c callsPerHourAlarm=-1: must be a whole number of calls in an hour, at least 1",
    ),
}
# Numbers the context gives badly: each refusal names the key and the number's position, and
# shows the number masked.
BAD_NUMBERS = {
    "not E.164": (
        {"originationNumbers": "+12065550100,2065550101"},
        "-c originationNumbers: number 2 of 2, ******0101, must be an E.164 phone number "
        "(+ and 2 to 15 digits)",
    ),
    "the earlier key": (
        {"originationNumber": "+12065550100, 2065550101"},
        "-c originationNumber: number 2 of 2, ******0101, must be an E.164 phone number "
        "(+ and 2 to 15 digits)",
    ),
    "empty": (
        {"originationNumbers": "+12065550100,,+12065550101"},
        "-c originationNumbers: number 2 of 3 is empty",
    ),
    "repeated": (
        {"originationNumbers": ["+12065550100", "+12065550101", "+12065550100"]},
        "-c originationNumbers: number 3 of 3, +1******0100, repeats number 1",
    ),
    "E.164 with v2": (
        {"api": "v2", "originationNumbers": "+12065550100"},
        "-c originationNumbers: number 1 of 1, +1******0100, must be a phone number or pool, by "
        "id (phone-..., pool-...) or ARN, with -c api=v2",
    ),
    "both keys": (
        {"originationNumber": "+12065550100", "originationNumbers": "+12065550101"},
        "-c originationNumber and -c originationNumbers are one setting (originationNumber is "
        "its earlier name): give the numbers once, in -c originationNumbers",
    ),
    "not a list of strings": (
        {"originationNumbers": ["+12065550100", 5]},
        "-c originationNumbers=+1******0100,*: must be the numbers to call from",
    ),
    "caller id not E.164": (
        {"callerId": "2065550100"},
        "-c callerId=******0100: must be an E.164 phone number (+ and 2 to 15 digits)",
    ),
    "caller id with v2": (
        {"api": "v2", "callerId": "+12065550100"},
        "-c callerId=+1******0100: has no equivalent with -c api=v2 (recipients see the "
        "origination identity)",
    ),
}


@pytest.mark.parametrize(("context", "message"), BAD_CONTEXT.values(), ids=BAD_CONTEXT.keys())
def test_fails_bad_context_value_naming_its_key(context: dict[str, Any], message: str) -> None:
    with pytest.raises(sample.ContextError) as failure:
        sample.read_settings(context)

    assert str(failure.value).startswith(message)
    assert "\n" not in str(failure.value)


@pytest.mark.parametrize(("context", "message"), BAD_NUMBERS.values(), ids=BAD_NUMBERS.keys())
def test_fails_a_bad_number_naming_its_key_and_position_masked(
    context: dict[str, Any], message: str
) -> None:
    with pytest.raises(sample.ContextError) as failure:
        sample.read_settings(context)

    assert str(failure.value).startswith(message)
    assert "2065550100" not in str(failure.value)
    assert "2065550101" not in str(failure.value)


@pytest.mark.parametrize("key", ["originationNumbers", "originationNumber"])
def test_origination_numbers_take_a_comma_separated_list_under_either_key(key: str) -> None:
    settings = sample.read_settings({key: "+12065550100, +12065550101"})

    assert settings.origination_numbers == ("+12065550100", "+12065550101")


@pytest.mark.parametrize(
    ("value", "countries"),
    [("US,CA", ("US", "CA")), (" JM , US", ("JM", "US")), (["GB"], ("GB",)), ("*", ("*",))],
)
def test_allowed_countries_take_a_comma_separated_list(
    value: object, countries: tuple[str]
) -> None:
    assert sample.read_settings({"allowedCountries": value}).allowed_countries == countries


def test_without_allowed_countries_v1_leaves_the_origination_numbers_countries() -> None:
    assert sample.read_settings({}).allowed_countries is None


# The construct checks each country; its refusal names the -c key and the position.
COUNTRY_REFUSALS = {
    "v2 without, with own numbers": (
        {"api": "v2", "originationNumbers": "phone-0123456789abcdef0123456789abcdef"},
        "-c allowedCountries is required with api=SmsVoiceApi.V2 unless every origination "
        "identity is a VoicePhoneNumber or VoicePool of the app",
    ),
    "lower case": (
        {"allowedCountries": "US,us"},
        "-c allowedCountries[1] must be an ISO 3166-1 alpha-2 country code in upper case ('US'), "
        "got 'us'",
    ),
    "repeated": (
        {"allowedCountries": ["US", "CA", "US"]},
        "-c allowedCountries[2] repeats allowed_countries[0], got 'US'",
    ),
    "any and more": ({"allowedCountries": "*,US"}, "-c allowedCountries holds ANY_COUNTRY ('*')"),
}


@pytest.mark.parametrize(
    ("context", "message"), COUNTRY_REFUSALS.values(), ids=COUNTRY_REFUSALS.keys()
)
def test_fails_bad_countries_naming_the_context_key(context: dict[str, Any], message: str) -> None:
    app = cdk.App(context={**cdk_context(), **context})
    with pytest.raises(sample.ContextError) as failure:
        sample.build(app)

    assert failure.value.key == "allowedCountries"
    assert str(failure.value).startswith(message)


def test_v2_with_its_fictional_placeholders_calls_the_us_and_v1_its_numbers_countries() -> None:
    assert sample.read_settings({"api": "v2"}).allowed_countries == ("US",)
    assert sample.read_settings({"api": "v2", "allowedCountries": "CA"}).allowed_countries == (
        "CA",
    )
    # v1: the construct's default, from the numbers.
    assert sample.read_settings({}).allowed_countries is None


def test_without_numbers_the_placeholders_are_as_many_as_the_quota_needs() -> None:
    assert sample.read_settings({}).origination_numbers == (sample.DEFAULT_ORIGINATION_NUMBER,)
    assert len(sample.read_settings({"maxCallsPerMinute": "1000"}).origination_numbers) == 25
    v2 = sample.read_settings({"api": "v2", "allowedCountries": "US"}).origination_numbers
    assert v2 == (sample.DEFAULT_V2_ORIGINATION,)


@pytest.mark.parametrize("key", ["originationNumbers", "originationNumber"])
def test_fails_a_quota_the_given_numbers_cannot_reach_naming_the_c_keys(key: str) -> None:
    app = cdk.App(context={key: "+12065550100", "maxCallsPerMinute": "1000"})
    with pytest.raises(sample.ContextError) as failure:
        sample.build(app)

    assert failure.value.key == "maxCallsPerMinute"
    assert str(failure.value) == (
        "-c maxCallsPerMinute of 1000 needs at least 25 origination numbers (one call a second "
        "each, 0.5 s apart more for the service's latency), got 1: give 24 more in "
        f"-c {key}, or lower -c maxCallsPerMinute to 40"
    )


APPLICATION_CONFLICTS = {
    "adopt without Pinpoint": (
        {"pinpoint": "false", "applicationId": "0123456789abcdef0123456789abcdef"},
        "-c applicationId names a Pinpoint application, and -c pinpoint=false leaves Pinpoint "
        "out: give one or the other",
    ),
    "name without Pinpoint": (
        {"pinpoint": "false", "applicationName": "calls"},
        "-c applicationName names a Pinpoint application, and -c pinpoint=false leaves Pinpoint "
        "out: give one or the other",
    ),
    "adopt and name": (
        {"applicationName": "calls", "applicationId": "0123456789abcdef0123456789abcdef"},
        "-c applicationId and -c applicationName: give one, applicationId to adopt an existing "
        "application or applicationName to create one, not both",
    ),
}


@pytest.mark.parametrize(
    ("context", "message"), APPLICATION_CONFLICTS.values(), ids=APPLICATION_CONFLICTS.keys()
)
def test_fails_application_keys_that_conflict_naming_the_c_keys(
    context: dict[str, Any], message: str
) -> None:
    with pytest.raises(sample.ContextError) as failure:
        sample.build(cdk.App(context=context))

    assert str(failure.value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("false", False), ("TRUE", True), (True, True), (False, False)],
)
def test_flags_accept_true_and_false_only(value: object, expected: bool) -> None:
    assert sample.read_settings({"queue": value}).enable_queue is expected


def test_defaults_without_context() -> None:
    settings = sample.read_settings({})

    assert (settings.enable_queue, settings.track_call_status, settings.application) == (
        True,
        True,
        True,
    )
    assert settings.max_calls_per_minute == 20
    assert settings.spend_guard == {"max_calls_per_day": None, "sender_options": SenderOptions()}
    assert settings.tracing is True
    assert sample.read_settings({"api": "v2", "allowedCountries": "US"}).tracing is False


def test_every_context_key_is_in_the_sample_apps_page() -> None:
    readme = page("sample-app.md").read_text()
    missing = [key for key in sample.CONTEXT if f"`{key}`" not in readme]
    assert missing == []


SYNTH_REFUSALS = {
    "maxCallsPerMinute=abc": (
        {"maxCallsPerMinute": "abc"},
        "app.py: -c maxCallsPerMinute=abc: must be a whole number of calls a minute from 1 to "
        "6,000",
    ),
    "originationNumbers": (
        {"originationNumbers": "+12065550100,2065550101"},
        "app.py: -c originationNumbers: number 2 of 2, ******0101, must be an E.164 phone "
        "number (+ and 2 to 15 digits)",
    ),
}


@pytest.mark.parametrize(("context", "line"), SYNTH_REFUSALS.values(), ids=SYNTH_REFUSALS.keys())
def test_fails_synth_with_one_line_on_stderr_and_status_2(
    tmp_path: Any, context: dict[str, str], line: str
) -> None:
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({**cdk_context(), **context}),
        "CDK_OUTDIR": str(tmp_path),
    }
    run = subprocess.run(  # noqa: S603 - this repository's own app, no input
        [sys.executable, str(ROOT / "app.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    ours = [line for line in run.stderr.splitlines() if line.startswith("app.py:")]
    assert run.returncode == 2
    assert ours == [line]
    assert "Traceback" not in run.stderr
    assert "2065550101" not in run.stderr


# --- Every quota synthesizes ------------------------------------------------------------------


@pytest.fixture(scope="module")
def quotas() -> dict[str, Template]:
    app = cdk.App(context=cdk_context())
    for quota in (1, 5, 20, 1000, MAX_CALLS_PER_MINUTE):
        stage = cdk.Stage(app, f"Quota{quota}")
        stage.node.set_context("maxCallsPerMinute", str(quota))
        sample.build(stage)  # type: ignore[arg-type]
    guarded = cdk.Stage(app, "Guarded")
    guarded.node.set_context("maxCallsPerDay", "700")
    guarded.node.set_context("callsPerHourAlarm", 90)
    sample.build(guarded)  # type: ignore[arg-type]
    options = cdk.Stack(app, "Options")
    PinpointVoice(
        options,
        "Voice",
        origination_number=ORIGINATION,
        enable_queue=True,
        sender_options=SenderOptions(memory_size=512, timeout=cdk.Duration.seconds(90)),
    )
    assembly = app.synth()
    templates = {"options": Template.from_stack(options)}
    for quota in (1, 5, 20, 1000, MAX_CALLS_PER_MINUTE):
        stage_assembly = assembly.get_nested_assembly(f"assembly-Quota{quota}")
        [stack] = stage_assembly.stacks
        templates[str(quota)] = Template.from_json(stack.template)
    [stack] = assembly.get_nested_assembly("assembly-Guarded").stacks
    templates["guarded"] = Template.from_json(stack.template)
    return templates


@pytest.mark.parametrize("quota", [1, 5, 20, 1000, MAX_CALLS_PER_MINUTE])
def test_sample_synthesizes_at_every_quota_with_a_timeout_that_holds_a_message(
    quotas: dict[str, Template], quota: int
) -> None:
    _, function = sender_function(quotas[str(quota)])

    per_message = seconds_per_queued_message(quota, 2)
    assert function["Timeout"] == queue_timeout_seconds(quota, 2)
    assert function["Timeout"] >= per_message + 1
    assert function["Environment"]["Variables"]["MAX_CALLS_PER_MINUTE"] == str(quota)


def test_the_spend_guards_keys_reach_the_sender(quotas: dict[str, Template]) -> None:
    _, function = sender_function(quotas["guarded"])
    assert function["Environment"]["Variables"]["MAX_CALLS_PER_DAY"] == "700"
    quotas["guarded"].has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "CallsPlaced", "Threshold": 90, "Period": 3600}
    )
    _, default = sender_function(quotas["20"])
    assert "MAX_CALLS_PER_DAY" not in default["Environment"]["Variables"]


def test_sandbox_quota_gets_a_timeout_of_32_seconds() -> None:
    assert queue_timeout_seconds(5, 2) == 32
    assert queue_timeout_seconds(20, 2) == 30
    assert queue_timeout_seconds(1, 2) == 128


def test_pinpoint_voice_passes_sender_options(quotas: dict[str, Template]) -> None:
    _, function = sender_function(quotas["options"])

    assert (function["MemorySize"], function["Timeout"]) == (512, 90)


def test_every_sender_option_reaches_the_sender_from_pinpoint_voice() -> None:
    sender = set(inspect.signature(VoiceMessageSender.__init__).parameters) - {
        "self",
        "scope",
        "id",
    }
    pinpoint = set(inspect.signature(PinpointVoice.__init__).parameters)
    options = set(SenderOptions.__dataclass_fields__)
    # configuration_set: PinpointVoice's own prop of the same name feeds the sender.
    assert sender - pinpoint - options == set()


def _sender_stack(**props: Any) -> None:
    VoiceMessageSender(cdk.Stack(cdk.App()), "Sender", origination_number=ORIGINATION, **props)


@pytest.mark.parametrize("quota", [0, -1, MAX_CALLS_PER_MINUTE + 1])
def test_fails_zero_and_negative_quotas_the_same_way_everywhere(quota: int) -> None:
    message = f"max_calls_per_minute must be a whole number from 1 to 6000, got {quota}"
    with pytest.raises(ValueError, match=message):
        _sender_stack(max_calls_per_minute=quota)
    with pytest.raises(ValueError, match=message):
        PinpointVoice(
            cdk.Stack(cdk.App()),
            "Voice",
            origination_number=ORIGINATION,
            max_calls_per_minute=quota,
        )


def test_fails_a_concurrency_no_timeout_can_hold_with_the_fix() -> None:
    with pytest.raises(ValueError, match="queue_max_concurrency of 100 cannot work at 1 calls"):
        _sender_stack(max_calls_per_minute=1, enable_queue=True, queue_max_concurrency=100)


def test_fails_a_given_timeout_too_short_for_the_quota_with_the_fix() -> None:
    with pytest.raises(ValueError, match="give at least 32 seconds"):
        _sender_stack(max_calls_per_minute=5, enable_queue=True, timeout=cdk.Duration.seconds(30))
