"""The sender's bulk queue: its dead-letter queue, the event source mapping and the alarms.

Internal to ``VoiceMessageSender``. ``BulkQueue`` builds its resources in the sender's own scope
rather than as a construct of its own: a construct would add a level to every path
(``Sender/Queue`` would become ``Sender/BulkQueue/Queue``), which renames the logical ids and so
replaces the queues, and moves the resources in the ``aws:cdk:path`` metadata that the
architecture diagram groups by (an id of ``Default`` keeps the logical ids, not the paths).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from voice_constructs._contract import contract
from voice_constructs._review import SQS_MANAGED_ENCRYPTION, acknowledge, skip_checkov
from voice_constructs._sizing import REDRIVE_SLACK, VISIBILITY_TIMEOUTS


def destination_queue(scope: Construct, id: str, why_no_redrive: str) -> sqs.Queue:
    """A queue where failed messages end, for a person to read: encrypted, TLS only, 14 days.

    :param why_no_redrive: Why the queue has no dead-letter queue of its own (the reason of the
        review gates' acknowledgements).
    """
    queue = sqs.Queue(
        scope,
        id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(contract.QUEUE_RETENTION_DAYS),
    )
    for rule in ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"):
        acknowledge(queue, rule, why_no_redrive)
    skip_checkov(queue, "CKV_AWS_27", SQS_MANAGED_ENCRYPTION)
    return queue


class BulkQueue:
    """The queue ``function`` drains at the quota's pace, its dead-letter queue and three alarms.

    Created in ``scope`` (the sender), so their construct paths are the sender's.
    """

    def __init__(
        self,
        scope: Construct,
        function: lambda_.Function,
        *,
        timeout: Duration,
        batch_size: int,
        max_concurrency: int,
        max_receive_count: int,
        oldest_age: Duration,
    ) -> None:
        self.dead_letter_queue = destination_queue(
            scope,
            "DeadLetterQueue",
            "this queue is the dead-letter queue of the sender's queue, read by a person; "
            "each message carries its FailureReason attribute",
        )
        self.queue = sqs.Queue(
            scope,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(contract.QUEUE_RETENTION_DAYS),
            # AWS's advice for a Lambda event source: six times the function's timeout.
            visibility_timeout=Duration.seconds(VISIBILITY_TIMEOUTS * timeout.to_seconds()),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=max_receive_count + REDRIVE_SLACK
            ),
        )
        self.mapping = lambda_.EventSourceMapping(
            scope,
            "QueueMapping",
            target=function,
            event_source_arn=self.queue.queue_arn,
            batch_size=batch_size,
            max_concurrency=max_concurrency,
            report_batch_item_failures=True,
        )
        self._connect(function, max_receive_count)
        self.dead_letter_alarm = _alarm(
            scope,
            "DeadLetterAlarm",
            self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            1,
            "voice messages are in the dead-letter queue; each says why",
        )
        self.errors_alarm = _alarm(
            scope,
            "ErrorsAlarm",
            function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
            1,
            "the voice message sender failed invocations",
        )
        self.oldest_message_alarm = _alarm(
            scope,
            "OldestMessageAlarm",
            self.queue.metric_approximate_age_of_oldest_message(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            oldest_age.to_seconds(),
            "queued voice messages wait longer than expected at the quota",
        )
        self.alarms = [self.dead_letter_alarm, self.errors_alarm, self.oldest_message_alarm]

    def _connect(self, function: lambda_.Function, max_receive_count: int) -> None:
        """Let the function consume the queue and dead-letter to it, and tell it both URLs."""
        self.queue.grant_consume_messages(function)
        skip_checkov(self.queue, "CKV_AWS_27", SQS_MANAGED_ENCRYPTION)
        acknowledge(
            self.mapping,
            "Serverless-LambdaEventSourceMappingDestination",
            "Lambda offers on-failure destinations for stream and Kafka sources, not for SQS; "
            "failed messages go to the queue's dead-letter queue, with their reason when the "
            "handler puts them there",
        )
        self.dead_letter_queue.grant_send_messages(function)
        function.add_environment(contract.ENV_QUEUE_URL, self.queue.queue_url)
        function.add_environment(
            contract.ENV_DEAD_LETTER_QUEUE_URL, self.dead_letter_queue.queue_url
        )
        function.add_environment(contract.ENV_MAX_RECEIVES, str(max_receive_count))


def _alarm(
    scope: Construct, id: str, metric: cloudwatch.Metric, threshold: float, description: str
) -> cloudwatch.Alarm:
    # One datapoint at or over the threshold alarms; no data (an idle queue) is fine.
    return metric.create_alarm(
        scope,
        id,
        threshold=threshold,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_description=description,
    )
