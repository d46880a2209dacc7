"""``voice-constructs emulate --app``: what it refuses in one line, and what it prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conformance.test_emulate_command import _emulate
from voice_constructs.cli import main
from voice_constructs.cli._exit import REFUSED, USAGE

ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}


def _template(path: Path, template: dict[str, object]) -> Path:
    path.write_text(json.dumps(template))
    return path


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        ("missing", "does not exist: run cdk synth first, or give its --output"),
        ("empty-dir", "has no manifest.json: give a cloud assembly directory"),
        ("not-json.json", "cannot read it as JSON"),
        ("no-resources.json", "not a CloudFormation template (no Resources)"),
    ],
)
def test_fails_an_app_that_is_no_assembly_naming_it(
    tmp_path: Path, app: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty-dir").mkdir()
    (tmp_path / "not-json.json").write_text("{")
    _template(tmp_path / "no-resources.json", {"Outputs": {}})

    assert main(["emulate", "--port", "0", "--app", str(tmp_path / app)]) == USAGE
    error = capsys.readouterr().err
    assert error.startswith(f"voice-constructs: --app: {tmp_path / app}")
    assert expected in error
    assert error.count("\n") == 1


def test_fails_a_stack_the_assembly_does_not_have(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = _template(tmp_path / "Queues.template.json", {"Resources": {}})

    assert main(["emulate", "--port", "0", "--app", str(template), "--stack", "Other"]) == USAGE
    assert "no stack 'Other'" in capsys.readouterr().err


def test_fails_to_start_a_stack_whose_function_cannot_be_set_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.13",
            "Handler": "nowhere.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Environment": {"Variables": {"SHARED": {"Fn::ImportValue": "Shared"}}},
        },
    }
    template = {"Resources": {"Role": ROLE, "Sender": function}}
    path = _template(tmp_path / "Broken.template.json", template)

    assert main(["emulate", "--port", "0", "--app", str(path)]) == REFUSED
    error = capsys.readouterr().err
    assert error.startswith("voice-constructs: stack Broken: its functions cannot run: Sender: ")
    assert "Fn::ImportValue" in error


def test_the_startup_output_escapes_what_the_template_says(tmp_path: Path) -> None:
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}},
        "Outputs": {"Title": {"Value": "\x1b]0;retitled\x07\u202eevil"}},
    }
    path = _template(tmp_path / "Escaped.template.json", template)
    with _emulate(tmp_path, "--app", str(path)) as running:
        lines = running.lines(11)

    text = "".join(lines)
    assert "    Title = \\x1b]0;retitled\\x07\\u202eevil\n" in text
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert lines[3].startswith("stack Escaped (")
    assert lines[3].endswith("): no voice sender, region us-east-1\n")
    assert any("not AWS: functions run in-process" in line for line in lines)
