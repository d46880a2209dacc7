"""CallStatusTracker: the latest status of every call, from a configuration set's SNS events."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from voice_constructs._contract import contract
from voice_constructs._lambda import expiring_table, handler_function, role_with_logs
from voice_constructs._review import SQS_MANAGED_ENCRYPTION, acknowledge, skip_checkov
from voice_constructs._tags import tag_component
from voice_constructs.configuration_set import EventDestination, service_principal

READ_ACTIONS = ("dynamodb:GetItem",)


class CallStatusTracker(Construct):
    """Keeps, per ``MessageId``, the furthest status a call reached and when each event came.

    An SNS topic (encrypted with its own KMS key, which the SMS and Voice service may use) feeds
    a small function that writes to a DynamoDB table keyed by ``MessageId``. Out-of-order events
    never move a call backwards: a late ``RINGING`` does not overwrite ``COMPLETED_CALL``. Items
    expire after ``retention``. Use ``destination`` in a ``VoiceConfigurationSet``, and
    ``grant_read`` for whoever looks statuses up.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        retention: Duration | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        tracing: bool = True,
    ) -> None:
        """Create the topic, the function and the table.

        :param retention: How long a call's status is kept. :default: Duration.days(30)
        :param removal_policy: Of the status table. :default: RemovalPolicy.DESTROY (the
            statuses are operational data that expire anyway)
        :param tracing: X-Ray tracing (needs ``xray:PutTraceSegments`` on ``*``). :default: True
        """
        super().__init__(scope, id)
        retention = retention or Duration.days(30)
        # In seconds: to_days() refuses a fraction with a jsii error instead of a clear one.
        days = retention.to_seconds() / 86400
        if not 1 <= days <= 365 or days != int(days):
            raise ValueError(f"retention must be whole days between 1 and 365, got {days:g} days")
        key = kms.Key(
            self,
            "TopicKey",
            enable_key_rotation=True,
            description="voice-constructs: encrypts call events on their SNS topic",
            removal_policy=RemovalPolicy.DESTROY,
        )
        # The service publishes encrypted messages, so it needs the key's data-key actions.
        key.grant(service_principal(), "kms:GenerateDataKey*", "kms:Decrypt")
        self.topic = sns.Topic(
            self,
            "Topic",
            master_key=key,
            enforce_ssl=True,
            display_name="voice-constructs call events",
        )
        self.table = expiring_table(
            self, "Table", partition_key=contract.CALL_STATUS_KEY, removal_policy=removal_policy
        )
        tag_component(self.table, contract.COMPONENT_CALL_STATUS_TABLE, self)
        self.failed_events = sqs.Queue(
            self,
            "FailedEvents",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(contract.QUEUE_RETENTION_DAYS),
        )
        for rule in ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"):
            acknowledge(
                self.failed_events,
                rule,
                "this queue is itself where undeliverable call events end, read by a person",
            )
        skip_checkov(self.failed_events, "CKV_AWS_27", SQS_MANAGED_ENCRYPTION)
        role, self.log_group = role_with_logs(
            self,
            role_id="Role",
            logs_id="Logs",
            description="voice-constructs: records call statuses",
        )
        self.function = handler_function(
            self,
            "Function",
            handler=contract.CALL_STATUS_HANDLER,
            role=role,
            log_group=self.log_group,
            memory_size=256,
            timeout=Duration.seconds(30),
            environment={
                contract.ENV_CALL_STATUS_TABLE: self.table.table_name,
                contract.ENV_CALL_STATUS_RETENTION_DAYS: str(int(days)),
            },
            tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
            retry_attempts=2,
            on_failure=destinations.SqsDestination(self.failed_events),
            description="voice-constructs: records the status of each call",
        )
        self.table.grant(role, "dynamodb:UpdateItem")
        self.topic.add_subscription(
            subscriptions.LambdaSubscription(self.function, dead_letter_queue=self.failed_events)
        )
        if tracing:
            acknowledge(
                role,
                "AwsSolutions-IAM5[Resource::*]",
                "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level "
                "permissions",
            )
        else:
            acknowledge(
                self.function,
                "Serverless-LambdaTracing",
                "tracing=False: X-Ray would need xray:PutTraceSegments on '*', and this tracker "
                "was asked to hold no IAM statement on '*'",
            )
        acknowledge(
            self.function,
            "Serverless-LambdaDLQ",
            "failed asynchronous invocations go to an on-failure destination (failed_events), "
            "which keeps the event, the error and the response, unlike a dead-letter queue",
            checkov=["CKV_AWS_116"],
        )
        skip_checkov(
            self.function,
            "CKV_AWS_115",
            "invoked by SNS once per call event, each invocation a few milliseconds; reserving "
            "concurrency would take it from every other function of the account",
        )

    @property
    def destination(self) -> EventDestination:
        """An SNS event destination, for a ``VoiceConfigurationSet``, that feeds this tracker."""
        return EventDestination.sns(self.topic, name="CallStatus")

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to look up a call's status by ``MessageId`` (``GetItem`` only)."""
        return self.table.grant(grantee, *READ_ACTIONS)
