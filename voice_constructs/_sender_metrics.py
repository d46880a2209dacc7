"""The sender's grants and metrics, the CDK way (``grant_invoke``, ``metric_errors``, ...)."""

from __future__ import annotations

from typing import Unpack

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from voice_constructs._sender_options import MetricOptionsKwargs
from voice_constructs._spend_guard import calls_placed


class SenderGrantsAndMetrics:
    """``VoiceMessageSender``'s grants and metrics, on its ``function`` and ``queue``."""

    function: lambda_.Function
    queue: sqs.Queue | None

    def grant_send_messages(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to queue voice messages (needs ``enable_queue=True``)."""
        if self.queue is None:
            raise ValueError("grant_send_messages needs the queue: set enable_queue=True")
        return self.queue.grant_send_messages(grantee)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to invoke the sender (and so place calls)."""
        return self.function.grant_invoke(grantee)

    def metric_errors(self, **options: Unpack[MetricOptionsKwargs]) -> cloudwatch.Metric:
        """Invocations that ended in an error (validation, throttling, service failures).

        :param options: ``cloudwatch.MetricOptions``' fields. :default: - the sum over 5 minutes
        """
        return self.function.metric_errors(**options)

    def metric_throttles(self, **options: Unpack[MetricOptionsKwargs]) -> cloudwatch.Metric:
        """Invocations Lambda throttled (reserved concurrency reached).

        :param options: ``cloudwatch.MetricOptions``' fields. :default: - the sum over 5 minutes
        """
        return self.function.metric_throttles(**options)

    def metric_duration(self, **options: Unpack[MetricOptionsKwargs]) -> cloudwatch.Metric:
        """How long each send took, retries included.

        :param options: ``cloudwatch.MetricOptions``' fields. :default: - the average over 5 minutes
        """
        return self.function.metric_duration(**options)

    def metric_invocations(self, **options: Unpack[MetricOptionsKwargs]) -> cloudwatch.Metric:
        """How many sends were attempted.

        :param options: ``cloudwatch.MetricOptions``' fields. :default: - the sum over 5 minutes
        """
        return self.function.metric_invocations(**options)

    @property
    def function_arn(self) -> str:
        """The function's ARN."""
        return self.function.function_arn

    def metric_calls_placed(self, **options: Unpack[MetricOptionsKwargs]) -> cloudwatch.Metric:
        """Calls the service accepted (dry runs are none).

        :param options: ``cloudwatch.MetricOptions``' fields. :default: - the sum over 5 minutes
        """
        return calls_placed(self.function, **options)
