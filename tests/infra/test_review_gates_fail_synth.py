"""A finding that nobody acknowledged fails synth: the review gates can fail, not just report.

aws-cdk-lib's lower bound in pyproject.toml rests on this test: on 2.257 cdk-nag's plugins error
out and synth succeeds; on 2.258 to 2.261 a violation is reported and synth still succeeds.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs

from app import add_review_gates


def a_queue_with_no_dead_letter_queue(acknowledged: bool) -> cdk.App:
    app = cdk.App()
    stack = cdk.Stack(app, "Gates")
    queue = sqs.Queue(stack, "Plain", enforce_ssl=True)
    if acknowledged:
        for rule in ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"):
            cdk.Validations.of(queue).acknowledge(
                cdk.Acknowledgment(id=rule, reason="a test of the gates: nothing is redriven")
            )
    add_review_gates(app)
    return app


def test_fails_synth_on_a_finding_nobody_acknowledged() -> None:
    app = a_queue_with_no_dead_letter_queue(acknowledged=False)

    with pytest.raises(Exception, match="AwsSolutions-SQS3") as raised:
        app.synth()
    assert "Serverless-SQSRedrivePolicy" in str(raised.value)


def test_synth_passes_once_the_finding_is_acknowledged() -> None:
    app = a_queue_with_no_dead_letter_queue(acknowledged=True)

    assembly = app.synth()

    assert assembly.get_stack_by_name("Gates").template["Resources"]
