"""`voice-constructs status` reports the voice spend limit of a v2 stack (DescribeSpendLimits).

Most tests stub the tool's v2 client with botocore's Stubber, for answers (and refusals) the
emulator does not give; the last reads the stateful v2 fake's own. A v1 stack's output is as it
was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from tests.cli.conftest import STACK, World
from tests.cli.test_cli import call, readme_permissions
from voice_constructs.cli import _exit

V2_SERVICE = "pinpoint-sms-voice-v2"
ACTION = "sms-voice:DescribeSpendLimits"
VOICE = {
    "Name": "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT",
    "EnforcedLimit": 250,
    "MaxLimit": 1000,
    "Overridden": True,
}
TEXT = {
    "Name": "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT",
    "EnforcedLimit": 1,
    "MaxLimit": 1,
    "Overridden": False,
}
LINE = (
    "Voice spend limit  250 USD a month enforced, at most 1000 USD (MaxLimit); overridden: yes "
    "(SetVoiceMessageSpendLimitOverride)"
)


@pytest.fixture
def spend(world_v2: World) -> Iterator[Stubber]:
    """The tool's v2 client, stubbed (its calls still recorded as IAM actions)."""
    client = world_v2.client(V2_SERVICE)

    def record(model: Any, **_: Any) -> None:
        # The stub answers at before-call, ahead of the world's own recorder.
        world_v2.actions.add(f"sms-voice:{model.name}")

    client.meta.events.register(f"before-parameter-build.{V2_SERVICE}", record)
    stubber = Stubber(client)
    original = world_v2.client
    world_v2.client = lambda service: client if service == V2_SERVICE else original(service)  # type: ignore[method-assign]
    with stubber:
        yield stubber


def answer(stubber: Stubber, *pages: list[dict[str, Any]]) -> None:
    for number, limits in enumerate(pages, 1):
        response: dict[str, Any] = {"SpendLimits": limits}
        expected: dict[str, Any] = {}
        if number < len(pages):
            response["NextToken"] = f"page-{number + 1}"
        if number > 1:
            expected["NextToken"] = f"page-{number}"
        stubber.add_response("describe_spend_limits", response, expected)


def refuse(stubber: Stubber, code: str, status: int, message: str = "") -> None:
    stubber.add_client_error(
        "describe_spend_limits",
        service_error_code=code,
        service_message=message,
        http_status_code=status,
    )


def placed_and_answered(world: World) -> str:
    message_id: str = call(world)["MessageId"]
    events = ("VOICE_INITIATED", "VOICE_COMPLETED")
    world.stack.deliver(world.stack.voice.emit_call_events(message_id, events))
    return message_id


# --- v2 ---------------------------------------------------------------------------------------


def test_status_of_a_v2_call_reports_the_voice_spend_limit(world_v2: World, spend: Stubber) -> None:
    message_id = placed_and_answered(world_v2)
    answer(spend, [TEXT, VOICE])

    assert world_v2.run("status", message_id, "--stack", STACK) == _exit.OK, world_v2.err.getvalue()

    lines = world_v2.out.getvalue().splitlines()
    assert lines[1].startswith("Status     COMPLETED_CALL (final)")
    assert lines[-1] == LINE
    spend.assert_no_pending_responses()


def test_status_json_of_a_v2_call_holds_the_spend_limit_as_the_api_names_it(
    world_v2: World, spend: Stubber
) -> None:
    message_id = placed_and_answered(world_v2)
    answer(spend, [VOICE])

    assert world_v2.run("status", message_id, "--stack", STACK, "--json") == _exit.OK
    result = json.loads(world_v2.out.getvalue())
    assert result["Status"] == "COMPLETED_CALL"
    assert result["VoiceSpendLimit"] == {"EnforcedLimit": 250, "MaxLimit": 1000, "Overridden": True}


def test_status_without_a_message_id_reports_only_the_spend_limit_over_every_page(
    world_v2: World, spend: Stubber
) -> None:
    answer(spend, [TEXT], [VOICE])

    assert world_v2.run("status", "--stack", STACK) == _exit.OK, world_v2.err.getvalue()
    assert world_v2.out.getvalue().splitlines() == [LINE]
    spend.assert_no_pending_responses()


def test_status_without_a_message_id_as_json(world_v2: World, spend: Stubber) -> None:
    answer(spend, [{**VOICE, "Overridden": False}])

    assert world_v2.run("status", "--stack", STACK, "--json") == _exit.OK
    assert json.loads(world_v2.out.getvalue()) == {
        "VoiceSpendLimit": {"EnforcedLimit": 250, "MaxLimit": 1000, "Overridden": False}
    }


def test_a_refused_spend_limit_is_one_line_and_the_calls_status_still_shows(
    world_v2: World, spend: Stubber
) -> None:
    message_id = placed_and_answered(world_v2)
    refuse(spend, "AccessDeniedException", 403, "User is not authorized to perform this action")

    assert world_v2.run("status", message_id, "--stack", STACK) == _exit.OK
    lines = world_v2.out.getvalue().splitlines()
    assert lines[1].startswith("Status     COMPLETED_CALL (final)")
    assert lines[-1] == (
        "Voice spend limit  not read: AccessDeniedException: User is not authorized to perform "
        "this action (the caller needs sms-voice:DescribeSpendLimits)"
    )
    assert "Traceback" not in world_v2.err.getvalue()


def test_fails_status_without_a_message_id_when_the_spend_limit_is_refused(
    world_v2: World, spend: Stubber
) -> None:
    refuse(spend, "AccessDeniedException", 403)

    assert world_v2.run("status", "--stack", STACK) == _exit.REFUSED
    assert world_v2.out.getvalue() == ""
    assert world_v2.err.getvalue().strip().splitlines() == [
        "voice-constructs: reading the voice spend limit: AccessDeniedException (the caller "
        "needs sms-voice:DescribeSpendLimits)"
    ]


@pytest.mark.parametrize(
    ("failure", "line"),
    [
        (("InternalServerException", 500, "try again"), "InternalServerException: try again"),
        (("ThrottlingException", 400, "Rate exceeded"), "ThrottlingException: Rate exceeded"),
        ("no connection", "Could not connect to the endpoint URL"),
        ("no voice limit", "the answer lists no VOICE_MESSAGE_MONTHLY_SPEND_LIMIT"),
    ],
    ids=["5xx", "throttled", "unreachable", "no voice limit"],
)
def test_any_other_failure_to_read_the_spend_limit_is_one_line(
    world_v2: World, spend: Stubber, failure: Any, line: str
) -> None:
    message_id = placed_and_answered(world_v2)
    if failure == "no connection":
        spend.deactivate()

        def unreachable(**_: Any) -> None:
            raise EndpointConnectionError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com")

        world_v2.client(V2_SERVICE).meta.events.register(f"before-send.{V2_SERVICE}", unreachable)
    elif failure == "no voice limit":
        answer(spend, [TEXT])
    else:
        refuse(spend, *failure)

    assert world_v2.run("status", message_id, "--stack", STACK) == _exit.OK
    shown = world_v2.out.getvalue().splitlines()[-1]
    assert shown.startswith("Voice spend limit  not read: ")
    assert line in shown


def test_the_cli_page_names_the_action_a_v2_status_adds(world_v2: World, spend: Stubber) -> None:
    message_id = placed_and_answered(world_v2)
    answer(spend, [VOICE])

    assert world_v2.run("status", message_id, "--stack", STACK) == _exit.OK

    assert world_v2.actions == readme_permissions()["status"] | {ACTION}
    from tests.docs import page

    [row] = [r for r in page("cli.md").read_text().splitlines() if r.startswith("| `status` |")]
    assert f"`{ACTION}`" in row.split("|")[3]


# --- v1: as it was ----------------------------------------------------------------------------


def test_status_of_a_v1_call_shows_no_spend_limit_and_asks_for_nothing_more(world: World) -> None:
    message_id = call(world)["MessageId"]
    world.stack.deliver(world.stack.voice.emit_call_events(message_id, ("INITIATED_CALL", "BUSY")))

    assert world.run("status", message_id, "--stack", STACK) == _exit.OK
    lines = world.out.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == [
        "MessageId",
        "Status",
        "History",
        "INITIATED_CALL",
        "BUSY",
    ]
    assert world.actions == {"tag:GetResources", "dynamodb:GetItem"}
    assert world.run("status", message_id, "--stack", STACK, "--json") == _exit.OK
    assert "VoiceSpendLimit" not in json.loads(world.out.getvalue())


def test_fails_status_without_a_message_id_on_a_v1_stack(world: World) -> None:
    assert world.run("status", "--stack", STACK) == _exit.USAGE
    assert world.err.getvalue().strip() == (
        f"voice-constructs: status needs a MESSAGE_ID: stack {STACK} has no v2 sender, and only "
        "v2 has a spend limit to show (DescribeSpendLimits)"
    )
    assert world.actions == {"tag:GetResources"}


def test_status_reads_the_emulators_spend_limit_without_a_stub(world_v2: World) -> None:
    # The stateful v2 fake answers DescribeSpendLimits as a new account ($1 a month each), and
    # remembers an override (SetVoiceMessageSpendLimitOverride) the way the service does.
    world_v2.client(V2_SERVICE).set_voice_message_spend_limit_override(MonthlyLimit=1)

    assert world_v2.run("status", "--stack", STACK) == _exit.OK, world_v2.err.getvalue()

    line = world_v2.out.getvalue().splitlines()[-1]
    assert line.startswith("Voice spend limit  1 USD a month enforced, at most 1 USD (MaxLimit)")
    assert line.endswith("overridden: yes (SetVoiceMessageSpendLimitOverride)")
