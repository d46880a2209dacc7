"""CallStatusTracker: the latest status of every call, from a configuration set or EventBridge."""

from __future__ import annotations

import enum

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
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
# EventBridge's own maximums: a Lambda target that cannot be invoked (throttled, for example)
# is retried for a day before its event goes to the dead-letter queue. Late events are harmless,
# since a call's status only moves forward.
RULE_RETRY_ATTEMPTS = 185
RULE_MAX_EVENT_AGE = Duration.hours(24)


class CallEventSource(enum.Enum):
    """Where a ``CallStatusTracker`` gets the service's call events from.

    ``CONFIGURATION_SET``: an SNS topic (with its own KMS key) that a configuration set's event
    destination (``tracker.destination``) publishes to. Works with both APIs; the sender must
    name the configuration set in its sends.

    ``EVENTBRIDGE``: a rule on the account's default event bus for the events AWS End User
    Messaging SMS and Voice (v2) publishes there, best effort, for every voice message: no
    configuration set, topic or key. AWS documents these events for the v2 API only.
    """

    CONFIGURATION_SET = "configuration-set"
    EVENTBRIDGE = "eventbridge"


class CallStatusTracker(Construct):
    """Keeps, per ``MessageId``, the furthest status a call reached and when each event came.

    A small function writes the service's call events to a DynamoDB table keyed by
    ``MessageId``. Out-of-order events never move a call backwards: a late ``RINGING`` does not
    overwrite ``COMPLETED_CALL``. Items expire after ``retention``. ``grant_read`` is for
    whoever looks statuses up. The events come in one of two ways (``event_source``):

    - ``CallEventSource.CONFIGURATION_SET`` (the default): an SNS topic, encrypted with its own
      KMS key which the SMS and Voice service may use; add ``destination`` to a
      ``VoiceConfigurationSet`` that the sender uses.
    - ``CallEventSource.EVENTBRIDGE`` (v2 senders only): an EventBridge rule on the account's
      default event bus, matching source ``aws.sms-voice`` and detail-type ``Voice Message
      Delivery Status Updated``. The rule sees every v2 voice event of the account and region,
      whichever sender or configuration set placed the call, so the table holds the status of
      every v2 call made there (and two trackers each record all of them). AWS delivers these
      events best effort. There is no ``destination``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        event_source: CallEventSource = CallEventSource.CONFIGURATION_SET,
        retention: Duration | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        tracing: bool = True,
    ) -> None:
        """Create the function, the table, and the topic or the rule that feeds them.

        :param event_source: Where the call events come from: a configuration set's SNS
            destination, or EventBridge's default bus (v2 senders only).
            :default: CallEventSource.CONFIGURATION_SET
        :param retention: How long a call's status is kept. :default: Duration.days(30)
        :param removal_policy: Of the status table. :default: RemovalPolicy.DESTROY (the
            statuses are operational data that expire anyway)
        :param tracing: X-Ray tracing (needs ``xray:PutTraceSegments`` on ``*``). :default: True
        """
        super().__init__(scope, id)
        if not isinstance(event_source, CallEventSource):
            raise ValueError(
                "event_source must be CallEventSource.CONFIGURATION_SET or "
                f"CallEventSource.EVENTBRIDGE, got {event_source!r}"
            )
        retention = retention or Duration.days(30)
        # In seconds: to_days() refuses a fraction with a jsii error instead of a clear one.
        days = retention.to_seconds() / 86400
        if not 1 <= days <= 365 or days != int(days):
            raise ValueError(f"retention must be whole days between 1 and 365, got {days:g} days")
        self.event_source = event_source
        # Exactly one of the two is set, as event_source says.
        self.topic: sns.Topic | None = None
        self.rule: events.Rule | None = None
        if event_source is CallEventSource.CONFIGURATION_SET:
            self.topic = self._topic()
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
        if self.topic is not None:
            self.topic.add_subscription(
                subscriptions.LambdaSubscription(
                    self.function, dead_letter_queue=self.failed_events
                )
            )
        else:
            self.rule = self._rule()
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
        invoker = "SNS" if self.topic is not None else "EventBridge"
        skip_checkov(
            self.function,
            "CKV_AWS_115",
            f"invoked by {invoker} once per call event, each invocation a few milliseconds; "
            "reserving concurrency would take it from every other function of the account",
        )

    def _topic(self) -> sns.Topic:
        """The SNS topic a configuration set publishes to, encrypted with a key of its own."""
        key = kms.Key(
            self,
            "TopicKey",
            enable_key_rotation=True,
            description="voice-constructs: encrypts call events on their SNS topic",
            removal_policy=RemovalPolicy.DESTROY,
        )
        # The service publishes encrypted messages, so it needs the key's data-key actions.
        key.grant(service_principal(), "kms:GenerateDataKey*", "kms:Decrypt")
        return sns.Topic(
            self,
            "Topic",
            master_key=key,
            enforce_ssl=True,
            display_name="voice-constructs call events",
        )

    def _rule(self) -> events.Rule:
        """The default bus's rule for the v2 voice events, invoking the function."""
        return events.Rule(
            self,
            "Rule",
            description="voice-constructs: every v2 voice message status change of the account",
            event_pattern=events.EventPattern(
                source=[contract.EVENTBRIDGE_SOURCE],
                detail_type=[contract.EVENTBRIDGE_VOICE_DETAIL_TYPE],
            ),
            targets=[
                targets.LambdaFunction(
                    self.function,
                    dead_letter_queue=self.failed_events,
                    retry_attempts=RULE_RETRY_ATTEMPTS,
                    max_event_age=RULE_MAX_EVENT_AGE,
                )
            ],
        )

    @property
    def destination(self) -> EventDestination:
        """An SNS event destination, for a ``VoiceConfigurationSet``, that feeds this tracker.

        Raises:
            ValueError: the tracker gets its events from EventBridge, so it has no topic.
        """
        if self.topic is None:
            raise ValueError(
                "destination is an SNS destination for a configuration set, and this tracker "
                "was made with event_source=CallEventSource.EVENTBRIDGE: it has no topic and "
                "needs no configuration set, since its rule already receives every v2 voice "
                "event of the account; use CallEventSource.CONFIGURATION_SET for a destination"
            )
        return EventDestination.sns(self.topic, name="CallStatus")

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to look up a call's status by ``MessageId`` (``GetItem`` only)."""
        return self.table.grant(grantee, *READ_ACTIONS)
