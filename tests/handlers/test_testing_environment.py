"""mock_voice() and the voice_mock fixture work on a machine with no AWS configuration at all.

They give their scope a region and fake credentials, drop a profile that does not exist, and put
the environment back as it was. The first tests prove it in a fresh interpreter whose environment
holds no AWS_* variable and whose HOME is empty (the project's own conftest sets AWS variables for
this process); the rest pin each rule down in this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import boto3
import pytest

from voice_constructs.testing import mock_voice
from voice_constructs.testing._moto import user_config

DESTINATION = "+12065550142"
# The README's example, verbatim: it must pass without any AWS configuration.
README_EXAMPLE = """\
import boto3


def test_calls_the_customer(voice_mock):
    boto3.client("pinpoint-sms-voice").send_voice_message(
        DestinationPhoneNumber="+12065550142",
        OriginationPhoneNumber="+12065550100",
        Content={"PlainTextMessage": {"Text": "Your order has shipped.", "VoiceId": "Joanna"}},
    )
    [sent] = voice_mock.sent_messages()
    assert sent.request["DestinationPhoneNumber"] == "+12065550142"
"""
# What else the generated test file checks: the environment before, inside and after the fixture.
FIXTURE_CHECKS = """

import os


def aws_variables():
    return {name: value for name, value in os.environ.items() if name.startswith("AWS_")}


def test_0_starts_without_aws_configuration():
    assert aws_variables() == {}


def test_fixture_gives_a_region_and_credentials(voice_mock):
    assert os.environ["AWS_DEFAULT_REGION"] == os.environ["AWS_REGION"] == "us-east-1"
    assert voice_mock.region == "us-east-1"
    assert os.environ["AWS_ACCESS_KEY_ID"]
    voice_mock.adopt_phone_number("+12065550100")
    v2 = boto3.client("pinpoint-sms-voice-v2")
    v2.send_voice_message(
        DestinationPhoneNumber="+12065550142",
        OriginationIdentity="+12065550100",
        MessageBody="Your order has shipped.",
    )
    assert len(voice_mock.sent_messages(api="v2")) == 1


def test_zz_the_environment_is_restored_after_the_fixture():
    assert aws_variables() == {}
"""
MOCK_VOICE_SCRIPT = """\
import json, os, sys
import boto3
from voice_constructs.testing import mock_voice

def aws_variables():
    return {name: value for name, value in os.environ.items() if name.startswith("AWS_")}

before = aws_variables()
region = sys.argv[1] or None
with mock_voice(region=region) as mock:
    inside = aws_variables()
    response = boto3.client("pinpoint-sms-voice").send_voice_message(
        DestinationPhoneNumber="+12065550142",
        OriginationPhoneNumber="+12065550100",
        Content={"PlainTextMessage": {"Text": "Your order has shipped."}},
    )
    [sent] = mock.sent_messages()
    assert sent.message_id == response["MessageId"]
print(json.dumps({
    "before": before, "inside": inside, "after": aws_variables(), "region": mock.region,
    "sent_region": sent.region,
}))
"""


def bare_environment(home: Path, **aws: str) -> dict[str, str]:
    """This process's environment without any AWS_* variable (nor pytest's), HOME empty."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "PYTEST_", "BOTO_"))
    }
    home.mkdir(exist_ok=True)
    env["HOME"] = str(home)
    env.update(aws)
    return env


def run_mock_voice(tmp_path: Path, region: str = "", **aws: str) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", MOCK_VOICE_SCRIPT, region],
        env=bare_environment(tmp_path / "home", **aws),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome


def test_mock_voice_works_without_any_aws_configuration(tmp_path: Path) -> None:
    outcome = run_mock_voice(tmp_path)

    assert outcome["before"] == {}
    assert outcome["region"] == outcome["sent_region"] == "us-east-1"
    inside = outcome["inside"]
    assert inside["AWS_DEFAULT_REGION"] == inside["AWS_REGION"] == "us-east-1"
    assert inside["AWS_ACCESS_KEY_ID"]
    assert inside["AWS_SECRET_ACCESS_KEY"]
    # Every variable the scope set is gone again.
    assert outcome["after"] == {}


def test_mock_voice_keeps_the_configured_region_and_drops_a_missing_profile(
    tmp_path: Path,
) -> None:
    outcome = run_mock_voice(tmp_path, AWS_REGION="eu-west-1", AWS_PROFILE="nowhere")

    assert outcome["region"] == outcome["sent_region"] == "eu-west-1"
    inside = outcome["inside"]
    assert inside["AWS_DEFAULT_REGION"] == inside["AWS_REGION"] == "eu-west-1"
    assert "AWS_PROFILE" not in inside
    assert outcome["after"] == {"AWS_REGION": "eu-west-1", "AWS_PROFILE": "nowhere"}


def test_mock_voice_uses_the_region_it_is_given(tmp_path: Path) -> None:
    outcome = run_mock_voice(
        tmp_path, "ap-southeast-2", AWS_DEFAULT_REGION="eu-west-1", AWS_REGION="eu-west-1"
    )

    assert outcome["region"] == outcome["sent_region"] == "ap-southeast-2"
    assert outcome["inside"]["AWS_DEFAULT_REGION"] == "ap-southeast-2"
    assert outcome["inside"]["AWS_REGION"] == "ap-southeast-2"
    assert outcome["after"] == {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1"}


def test_the_fixture_and_the_readme_example_work_without_any_aws_configuration(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_readme_example.py").write_text(README_EXAMPLE + FIXTURE_CHECKS)
    registered = any(
        ep.value == "voice_constructs.pytest_plugin" for ep in entry_points(group="pytest11")
    )
    plugin = [] if registered else ["-p", "voice_constructs.pytest_plugin"]

    result = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin, "--rootdir",
         str(project), "test_readme_example.py"],
        env=bare_environment(tmp_path / "home"),
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


# --- Each rule, in this process ------------------------------------------------------------------


@pytest.fixture
def no_aws_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No AWS_* variable, and shared config and credentials files that do not exist yet."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    return tmp_path


@pytest.fixture
def moto_credentials_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's own fake credentials switched off (its ``core.mock_credentials`` option)."""
    monkeypatch.setitem(user_config["core"], "mock_credentials", False)


def send() -> None:
    boto3.client("pinpoint-sms-voice").send_voice_message(
        DestinationPhoneNumber=DESTINATION,
        OriginationPhoneNumber="+12065550100",
        Content={"PlainTextMessage": {"Text": "Hello."}},
    )


def test_mock_voice_restores_the_exact_environment(
    no_aws_configuration: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nowhere")
    monkeypatch.setenv("AWS_REGION", "")
    before = dict(os.environ)

    with mock_voice() as mock:
        assert os.environ["AWS_DEFAULT_REGION"] == os.environ["AWS_REGION"] == "us-east-1"
        assert "AWS_PROFILE" not in os.environ
        send()
        assert mock.sent_messages()[0].region == "us-east-1"

    # An empty AWS_REGION is empty again, and the unknown profile is back.
    assert dict(os.environ) == before


def test_mock_voice_restores_the_environment_when_the_test_fails(
    no_aws_configuration: Path,
) -> None:
    before = dict(os.environ)
    inside: list[str] = []

    def failing_test() -> None:
        with mock_voice():
            inside.append(os.environ["AWS_DEFAULT_REGION"])
            raise RuntimeError("the test failed")

    with pytest.raises(RuntimeError, match="the test failed"):
        failing_test()

    assert inside == ["us-east-1"]
    assert dict(os.environ) == before


def test_mock_voice_leaves_credentials_to_moto(no_aws_configuration: Path) -> None:
    # moto 5's mock_aws sets its own fake key and secret for its scope: the scope adds nothing
    # (no session token), and both are gone afterwards.
    with mock_voice():
        assert os.environ["AWS_ACCESS_KEY_ID"] == "FOOBARKEY"
        assert os.environ["AWS_SECRET_ACCESS_KEY"] == "FOOBARSECRET"
        assert "AWS_SESSION_TOKEN" not in os.environ
        send()

    assert "AWS_ACCESS_KEY_ID" not in os.environ
    assert "AWS_SECRET_ACCESS_KEY" not in os.environ


def test_mock_voice_sets_fake_credentials_when_moto_does_not(
    no_aws_configuration: Path, moto_credentials_off: None
) -> None:
    before = dict(os.environ)

    with mock_voice() as mock:
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
        assert os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"
        assert os.environ["AWS_SESSION_TOKEN"] == "testing"
        send()
        assert len(mock.sent_messages()) == 1

    assert dict(os.environ) == before


def test_mock_voice_keeps_credentials_of_the_active_profile(
    no_aws_configuration: Path, moto_credentials_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    (no_aws_configuration / "credentials").write_text(
        "[work]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = secret\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "work")

    with mock_voice():
        assert os.environ["AWS_PROFILE"] == "work"
        assert "AWS_ACCESS_KEY_ID" not in os.environ
        credentials = boto3.Session().get_credentials()
        assert credentials is not None
        assert credentials.access_key == "AKIDFROMPROFILE"
        send()

    assert os.environ["AWS_PROFILE"] == "work"


def test_mock_voice_keeps_credentials_from_the_environment(
    no_aws_configuration: Path, moto_credentials_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")

    with mock_voice():
        assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIDFROMENV"
        assert "AWS_SESSION_TOKEN" not in os.environ
        send()


def test_mock_voice_keeps_a_profile_that_exists(
    no_aws_configuration: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (no_aws_configuration / "config").write_text("[profile work]\nregion = eu-central-1\n")
    monkeypatch.setenv("AWS_PROFILE", "work")

    with mock_voice() as mock:
        assert os.environ["AWS_PROFILE"] == "work"
        # The environment's region wins over the profile's, so clients and the mock agree.
        assert os.environ["AWS_DEFAULT_REGION"] == mock.region == "us-east-1"
        send()
        assert len(mock.sent_messages()) == 1


def test_mock_voice_follows_aws_region_alone(
    no_aws_configuration: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")

    with mock_voice() as mock:
        assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"
        send()
        assert mock.region == "eu-west-1"
        assert mock.sent_messages()[0].region == "eu-west-1"

    assert "AWS_DEFAULT_REGION" not in os.environ
    assert os.environ["AWS_REGION"] == "eu-west-1"
