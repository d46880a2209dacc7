"""The AWS CLI v1 (from PyPI, in .venv-awscli: it pins its own botocore) against the emulator.

Each voice operation the emulator serves, with valid input (the CLI parses the answer into its
JSON output) and invalid input (the CLI names the service's error), and injected faults, which
the CLI's botocore retries and then reports as the service's error (the CLI: awscli.py). v2's
resources beyond SendVoiceMessage: test_aws_cli_v2.py.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import pytest

from tests.conformance.awscli import Cli
from tests.conformance.conftest import FROM, TO, Control, adopt_as_the_page_says
from tests.docs import page

pytestmark = pytest.mark.conformance

TOPIC = "arn:aws:sns:us-east-1:123456789012:voice-events"


def _json(value: Any) -> str:
    return json.dumps(value)


def _message(to: str = TO, **extra: Any) -> str:
    body = {
        "DestinationPhoneNumber": to,
        "OriginationPhoneNumber": FROM,
        "Content": {"PlainTextMessage": {"Text": "Hello from the CLI", "VoiceId": "Joanna"}},
        **extra,
    }
    return _json(body)


def _destination(enabled: bool) -> str:
    return _json(
        {
            "Enabled": enabled,
            "MatchingEventTypes": ["INITIATED_CALL", "COMPLETED_CALL"],
            "SnsDestination": {"TopicArn": TOPIC},
        }
    )


def test_the_cli_is_v1_with_its_own_botocore(aws: Cli) -> None:
    version = aws.run("--version")
    assert version.stdout.startswith("aws-cli/1."), version.stdout + version.stderr


def test_v1_send_voice_message(aws: Cli, control: Control) -> None:
    aws.ok("pinpoint-sms-voice", "create-configuration-set", "--configuration-set-name", "cli")
    sent = aws.ok(
        "pinpoint-sms-voice",
        "send-voice-message",
        "--cli-input-json",
        _message(ConfigurationSetName="cli"),
    )
    [record] = control.sent("v1")
    assert record["message_id"] == sent["MessageId"]
    assert record["request"]["Content"]["PlainTextMessage"]["Text"] == "Hello from the CLI"


def test_fails_v1_send_voice_message_not_e164(aws: Cli, control: Control) -> None:
    code = aws.error(
        "pinpoint-sms-voice", "send-voice-message", "--cli-input-json", _message("12345")
    )
    assert code == "BadRequestException"
    assert control.sent("v1") == []


def test_fails_v1_send_voice_message_unknown_configuration_set(aws: Cli, control: Control) -> None:
    code = aws.error(
        "pinpoint-sms-voice",
        "send-voice-message",
        "--cli-input-json",
        _message(ConfigurationSetName="missing"),
    )
    assert code == "BadRequestException"


def test_v1_configuration_set_operations(aws: Cli, control: Control) -> None:
    v1 = ("pinpoint-sms-voice",)
    named = ("--configuration-set-name", "cli-set")
    assert aws.ok(*v1, "create-configuration-set", *named) == {}
    assert aws.ok(*v1, "list-configuration-sets")["ConfigurationSets"] == ["cli-set"]
    assert (
        aws.ok(
            *v1,
            "create-configuration-set-event-destination",
            *named,
            "--event-destination-name",
            "sns",
            "--event-destination",
            _destination(True),
        )
        == {}
    )
    assert (
        aws.ok(
            *v1,
            "update-configuration-set-event-destination",
            *named,
            "--event-destination-name",
            "sns",
            "--event-destination",
            _destination(False),
        )
        == {}
    )
    [destination] = aws.ok(*v1, "get-configuration-set-event-destinations", *named)[
        "EventDestinations"
    ]
    assert destination["Name"] == "sns"
    assert destination["Enabled"] is False
    assert destination["SnsDestination"] == {"TopicArn": TOPIC}
    assert (
        aws.ok(
            *v1,
            "delete-configuration-set-event-destination",
            *named,
            "--event-destination-name",
            "sns",
        )
        == {}
    )
    assert aws.ok(*v1, "delete-configuration-set", *named) == {}
    assert aws.ok(*v1, "list-configuration-sets")["ConfigurationSets"] == []


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (
            ("create-configuration-set", "--configuration-set-name", "not a name!"),
            "BadRequestException",
        ),
        (
            ("create-configuration-set", "--configuration-set-name", "taken"),
            "AlreadyExistsException",
        ),
        (("list-configuration-sets", "--next-token", "not-issued"), "BadRequestException"),
        (("delete-configuration-set", "--configuration-set-name", "missing"), "NotFoundException"),
        (
            (
                "create-configuration-set-event-destination",
                "--configuration-set-name",
                "missing",
                "--event-destination-name",
                "sns",
                "--event-destination",
                _destination(True),
            ),
            "NotFoundException",
        ),
        (
            (
                "create-configuration-set-event-destination",
                "--configuration-set-name",
                "taken",
                "--event-destination-name",
                "none",
                "--event-destination",
                _json({"Enabled": True, "MatchingEventTypes": ["RINGING"]}),
            ),
            "BadRequestException",
        ),
        (
            ("get-configuration-set-event-destinations", "--configuration-set-name", "missing"),
            "NotFoundException",
        ),
        (
            (
                "update-configuration-set-event-destination",
                "--configuration-set-name",
                "taken",
                "--event-destination-name",
                "missing",
                "--event-destination",
                _destination(True),
            ),
            "NotFoundException",
        ),
        (
            (
                "delete-configuration-set-event-destination",
                "--configuration-set-name",
                "taken",
                "--event-destination-name",
                "missing",
            ),
            "NotFoundException",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else value[0],
)
def test_fails_v1_configuration_set_operation(
    aws: Cli, control: Control, args: tuple[str, ...], code: str
) -> None:
    aws.ok("pinpoint-sms-voice", "create-configuration-set", "--configuration-set-name", "taken")
    assert aws.error("pinpoint-sms-voice", *args) == code


def test_v2_send_voice_message(aws: Cli, control: Control) -> None:
    sent = aws.ok(
        "pinpoint-sms-voice-v2",
        "send-voice-message",
        "--destination-phone-number",
        TO,
        "--origination-identity",
        FROM,
        "--message-body",
        "Hello from the CLI",
        "--voice-id",
        "JOANNA",
        "--context",
        "ticket=42",
    )
    [record] = control.sent("v2")
    assert record["message_id"] == sent["MessageId"]
    assert record["request"]["Context"] == {"ticket": "42"}


@pytest.mark.parametrize(
    "args",
    [
        ("--destination-phone-number", "12345", "--message-body", "x"),
        ("--destination-phone-number", TO, "--message-body", "x", "--voice-id", "HAL"),
        # The CLI itself checks the model's lengths (6,000); TEXT is held to 3,000 by the service.
        ("--destination-phone-number", TO, "--message-body", "x" * 3001),
    ],
    ids=["not-e164", "unknown-voice", "long-text"],
)
def test_fails_v2_send_voice_message(aws: Cli, control: Control, args: tuple[str, ...]) -> None:
    code = aws.error(
        "pinpoint-sms-voice-v2", "send-voice-message", "--origination-identity", FROM, *args
    )
    assert code == "ValidationException"
    assert control.sent("v2") == []


def test_voice_channel_operations(aws: Cli, control: Control) -> None:
    app = aws.ok("pinpoint", "create-app", "--create-application-request", "Name=cli")
    application = app["ApplicationResponse"]["Id"]
    updated = aws.ok(
        "pinpoint",
        "update-voice-channel",
        "--application-id",
        application,
        "--voice-channel-request",
        "Enabled=true",
    )["VoiceChannelResponse"]
    assert (updated["ApplicationId"], updated["Enabled"], updated["Version"]) == (
        application,
        True,
        1,
    )
    got = aws.ok("pinpoint", "get-voice-channel", "--application-id", application)
    assert got["VoiceChannelResponse"] == updated
    deleted = aws.ok("pinpoint", "delete-voice-channel", "--application-id", application)
    assert deleted["VoiceChannelResponse"]["ApplicationId"] == application
    assert control.get(f"channel?application_id={application}")["channel"] is None


@pytest.mark.parametrize(
    "operation", ["get-voice-channel", "delete-voice-channel", "update-voice-channel"]
)
def test_fails_voice_channel_operation_unknown_application(
    aws: Cli, control: Control, operation: str
) -> None:
    extra = ("--voice-channel-request", "Enabled=true") if operation.startswith("update") else ()
    assert (
        aws.error("pinpoint", operation, "--application-id", "0" * 32, *extra)
        == "NotFoundException"
    )


@pytest.mark.parametrize(
    ("api", "operation", "args", "status", "code"),
    [
        (
            "v1",
            "SendVoiceMessage",
            ("pinpoint-sms-voice", "send-voice-message"),
            429,
            "TooManyRequestsException",
        ),
        (
            "v1",
            "SendVoiceMessage",
            ("pinpoint-sms-voice", "send-voice-message"),
            500,
            "InternalServiceErrorException",
        ),
        (
            "v2",
            "SendVoiceMessage",
            ("pinpoint-sms-voice-v2", "send-voice-message"),
            429,
            "ThrottlingException",
        ),
        (
            "v2",
            "SendVoiceMessage",
            ("pinpoint-sms-voice-v2", "send-voice-message"),
            500,
            "InternalServerException",
        ),
        (
            "v1",
            "ListConfigurationSets",
            ("pinpoint-sms-voice", "list-configuration-sets"),
            429,
            "TooManyRequestsException",
        ),
        (
            "v1",
            "GetVoiceChannel",
            ("pinpoint", "get-voice-channel"),
            500,
            "InternalServerErrorException",
        ),
    ],
    ids=lambda value: str(value) if not isinstance(value, tuple) else value[1],
)
def test_injected_fault_is_retried_then_surfaces(
    aws: Cli,
    control: Control,
    api: str,
    operation: str,
    args: tuple[str, ...],
    status: int,
    code: str,
) -> None:
    call = [*args, *_inputs(aws, api, operation)]
    control.post("fail-next", {"operation": operation, "api": api, "status": status, "count": 1})
    aws.ok(*call, attempts=2)
    control.post("fail-next", {"operation": operation, "api": api, "status": status, "count": 2})
    run = aws.run(*call, attempts=2)
    assert run.returncode == 255, run.stderr
    # botocore names an error it retried: "(reached max retries: 1)".
    expected = f"An error occurred ({code}) when calling the {operation} operation"
    assert f"{expected} (reached max retries: 1)" in run.stderr
    statuses = [c["status"] for c in control.get(f"calls?operation={operation}&api={api}")["calls"]]
    assert statuses[-4:] == [status, 200, status, status]


def _inputs(aws: Cli, api: str, operation: str) -> list[str]:
    """Valid input for one operation of the fault tests."""
    if operation == "GetVoiceChannel":
        app = aws.ok("pinpoint", "create-app", "--create-application-request", "Name=faults")
        application = app["ApplicationResponse"]["Id"]
        aws.ok(
            "pinpoint",
            "update-voice-channel",
            "--application-id",
            application,
            "--voice-channel-request",
            "Enabled=true",
        )
        return ["--application-id", application]
    if operation == "SendVoiceMessage" and api == "v1":
        return ["--cli-input-json", _message()]
    if operation == "SendVoiceMessage":
        return [
            "--destination-phone-number",
            TO,
            "--origination-identity",
            FROM,
            "--message-body",
            "retried",
        ]
    return []


def test_injected_timeout_after_accept_is_a_read_timeout(aws: Cli, control: Control) -> None:
    control.post(
        "time-out-next", {"operation": "SendVoiceMessage", "api": "v2", "after_accept": True}
    )
    run = aws.run(
        "pinpoint-sms-voice-v2",
        "send-voice-message",
        "--destination-phone-number",
        TO,
        "--origination-identity",
        FROM,
        "--message-body",
        "timeout",
        read_timeout=1,
    )
    assert run.returncode == 255, run.stderr
    assert "Read timeout on endpoint URL" in run.stderr
    assert len(control.sent("v2")) == 1


def test_the_readme_cli_example_sends_a_message(aws: Cli, control: Control) -> None:
    readme = page("emulator.md").read_text()
    [command] = re.findall(r"^aws --endpoint-url .*?(?<!\\)\n", readme, re.DOTALL | re.MULTILINE)
    args = shlex.split(command.replace("\\\n", " "))
    assert args[:3] == ["aws", "--endpoint-url", "http://127.0.0.1:4566"]
    adopt_as_the_page_says(control)
    aws.ok(*args[3:])
    [sent] = control.sent("v2")
    assert sent["request"]["MessageBody"] == "Your order has shipped."
