"""Review gates that can fail: a finding nobody acknowledged fails synth, and the review tool
runs every gate itself and says which ran, so it never passes a gate that did not run.

aws-cdk-lib's lower bound in pyproject.toml rests on this test: on 2.257 cdk-nag's plugins error
out and synth succeeds; on 2.258 to 2.261 a violation is reported and synth still succeeds.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs

from app import add_review_gates
from voice_constructs import review


def a_queue_with_no_dead_letter_queue(acknowledged: bool, outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir)
    stack = cdk.Stack(app, "Gates")
    queue = sqs.Queue(stack, "Plain", enforce_ssl=True)
    if acknowledged:
        for rule in ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"):
            cdk.Validations.of(queue).acknowledge(
                cdk.Acknowledgment(id=rule, reason="a test of the gates: nothing is redriven")
            )
    return app


def test_fails_synth_on_a_finding_nobody_acknowledged() -> None:
    app = a_queue_with_no_dead_letter_queue(acknowledged=False)
    add_review_gates(app)

    with pytest.raises(Exception, match="AwsSolutions-SQS3") as raised:
        app.synth()
    assert "Serverless-SQSRedrivePolicy" in str(raised.value)


def test_synth_passes_once_the_finding_is_acknowledged() -> None:
    app = a_queue_with_no_dead_letter_queue(acknowledged=True)
    add_review_gates(app)

    assembly = app.synth()

    assert assembly.get_stack_by_name("Gates").template["Resources"]


@pytest.fixture(scope="module")
def unregistered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The assembly of an app that never registered cdk-nag, with a finding nobody acknowledged."""
    outdir = tmp_path_factory.mktemp("unregistered")
    a_queue_with_no_dead_letter_queue(acknowledged=False, outdir=str(outdir)).synth()
    return outdir


@pytest.fixture(scope="module")
def acknowledged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("acknowledged")
    a_queue_with_no_dead_letter_queue(acknowledged=True, outdir=str(outdir)).synth()
    return outdir


def test_review_runs_cdk_nag_on_an_app_that_never_registered_it(unregistered: Path) -> None:
    out = io.StringIO()

    status = review.summarize(unregistered, out=out)

    text = out.getvalue()
    assert status == 1
    assert "OPEN AwsSolutions-SQS3 Gates/Plain/Resource" in text
    assert "OPEN Serverless-SQSRedrivePolicy Gates/Plain/Resource" in text
    assert "cdk-nag AwsSolutions ran; cdk-nag Serverless ran" in text
    assert text.rstrip().endswith("Review gates: FAILED")


def test_review_honours_the_apps_acknowledgements_and_names_each_gate(acknowledged: Path) -> None:
    out = io.StringIO()

    status = review.summarize(acknowledged, out=out)

    text = out.getvalue()
    assert status == 0, text
    assert "cdk-nag AwsSolutions: 0 open, 1 acknowledged in the app" in text
    assert (
        "Gates of Gates.template.json: cfn-lint ran; cdk-nag AwsSolutions ran; cdk-nag "
        "Serverless ran; checkov not run (--checkov PATH runs it)"
    ) in text
    assert text.rstrip().endswith("Review gates: passed")


def test_fails_when_cdk_nag_is_not_installed(
    acknowledged: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cdk_nag", None)  # import cdk_nag raises ImportError
    out = io.StringIO()

    status = review.summarize(acknowledged, out=out)

    assert status == 1
    assert "cdk-nag: NOT RUN (cdk_nag is missing): pip install 'voice-constructs[review]'" in (
        out.getvalue()
    )


def test_fails_when_checkov_was_asked_for_and_did_not_run(acknowledged: Path) -> None:
    out = io.StringIO()

    status = review.summarize(acknowledged, out=out, checkov_executable="/nonexistent/checkov")

    assert status == 1
    assert "checkov: NOT RUN" in out.getvalue()
    assert "checkov NOT RUN" in out.getvalue()
