"""VoiceMessageSender: a Lambda function that sends voice messages (Pinpoint SMS and Voice v1)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from aws_cdk import Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from voice_constructs._lambda import (
    HANDLER_RUNTIME,
    expiring_table,
    handler_function,
    role_with_logs,
)
from voice_constructs._powertools import powertools_layer
from voice_constructs._props import check_form
from voice_constructs._review import SQS_MANAGED_ENCRYPTION, acknowledge, skip_checkov
from voice_constructs.api import V2_VOICE_IDS, SmsVoiceApi

if TYPE_CHECKING:
    from voice_constructs.configuration_set import VoiceConfigurationSet

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2}(-[A-Z]{3})?)?$")
_VOICE_ID = re.compile(r"^[A-Z][A-Za-z]{1,31}$")
_CONFIGURATION_SET_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# v2 origination identities IAM can name: a phone number or a pool, by id or by ARN.
_V2_IDENTITY_ID = re.compile(r"^(phone|pool)-[0-9A-Za-z]{32}$")
_V2_IDENTITY_ARN = re.compile(
    r"^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:[0-9]{12}:(phone-number/phone|pool/pool)-[0-9A-Za-z]{32}$"
)
# Must match lambda_src/send_voice_message/index.py.
_CONNECT_TIMEOUT_SECONDS = 2
_READ_TIMEOUT_SECONDS = 5
_MAX_BACKOFF_SECONDS = 20
SEND_ACTION = "sms-voice:SendVoiceMessage"
# SQS redrives a message on its own only this many deliveries after the function's last one: a
# delivery that dies (crash, timeout) never leaves a message in the dead-letter queue unexplained.
REDRIVE_SLACK = 2
# The items the handler reads and writes one at a time (call ledger claims, pacing
# and recipient slots); transactions need no action of their own. No Scan, Query or batch calls.
STATE_TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
)
# Service quota for voice messages in production (the sandbox allows 5).
DEFAULT_CALLS_PER_MINUTE = 20
# The highest quota the sender paces for.
MAX_CALLS_PER_MINUTE = 6000
# Lambda's longest timeout: a queued message that may wait longer cannot work.
MAX_TIMEOUT_SECONDS = 900
DEFAULT_TIMEOUT_SECONDS = 30
MAX_BATCH_SIZE = 10


def max_attempts_for(timeout_seconds: int) -> int:
    """The most send attempts whose timeouts and back-off fit in ``timeout_seconds``.

    Each attempt may take connect + read timeout; botocore's standard mode waits at most
    ``min(2 ** (n - 1), 20)`` seconds before retry n. One second is kept for the handler itself.
    """
    budget = timeout_seconds - 1
    attempts, spent = 0, 0.0
    while True:
        cost = _CONNECT_TIMEOUT_SECONDS + _READ_TIMEOUT_SECONDS
        if attempts:
            cost += min(2 ** (attempts - 1), _MAX_BACKOFF_SECONDS)
        if spent + cost > budget:
            return attempts
        spent += cost
        attempts += 1


def queue_timeout_seconds(calls_per_minute: int, max_concurrency: int) -> int:
    """The default timeout with the queue: 30 s, or what one queued message may need.

    At a low quota a message may wait behind every concurrent invocation for its slot (5 calls
    a minute with 2 invocations: 31 s), so the timeout grows with it, up to Lambda's 15 minutes.
    """
    if not 1 <= calls_per_minute <= MAX_CALLS_PER_MINUTE or max_concurrency < 1:
        return DEFAULT_TIMEOUT_SECONDS  # the prop checks report these
    needed = math.ceil(seconds_per_queued_message(calls_per_minute, max_concurrency) + 1)
    return min(max(DEFAULT_TIMEOUT_SECONDS, needed), MAX_TIMEOUT_SECONDS)


def seconds_per_queued_message(calls_per_minute: int, max_concurrency: int) -> float:
    """Worst time one queued message takes: waiting for a free slot behind every concurrent
    invocation, then one attempt with its connect and read timeouts."""
    interval = 60 / calls_per_minute
    return max_concurrency * interval + _CONNECT_TIMEOUT_SECONDS + _READ_TIMEOUT_SECONDS


@dataclass(frozen=True)
class SenderOptions:
    """Options of the sender that ``PinpointVoice`` creates, as ``VoiceMessageSender`` takes them.

    Every field left at None keeps ``VoiceMessageSender``'s default. ``PinpointVoice`` sets the
    sender's ``origination_number``, ``caller_id``, ``default_voice_id``, ``enable_queue``,
    ``max_calls_per_minute``, ``configuration_set``, ``api`` and ``tracing`` itself.
    """

    configuration_set_name: str | None = None
    default_language_code: str | None = None
    memory_size: int | None = None
    timeout: Duration | None = None
    reserved_concurrent_executions: int | None = None
    log_retention: logs.RetentionDays | None = None
    architecture: lambda_.Architecture | None = None
    async_retry_attempts: int | None = None
    failure_queue: sqs.IQueue | None = None
    idempotency_window: Duration | None = None
    queue_batch_size: int | None = None
    queue_max_concurrency: int | None = None
    max_receive_count: int | None = None
    oldest_message_alarm_age: Duration | None = None
    powertools_layer: lambda_.ILayerVersion | None = None

    def given(self) -> dict[str, Any]:
        """The options that were set, as keyword arguments of ``VoiceMessageSender``."""
        return {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if getattr(self, field.name) is not None
        }


class VoiceMessageSender(Construct):
    """A Lambda function that places a phone call speaking a message.

    Invoke it with a SendVoiceMessage request body (``Content`` and ``DestinationPhoneNumber``,
    optionally ``OriginationPhoneNumber``, ``CallerId``, ``ConfigurationSetName``); it returns
    ``{"MessageId": ...}``. It validates before it calls, retries throttling and internal errors
    within its timeout, masks phone numbers in its logs, and sends failed asynchronous
    invocations to an encrypted SQS queue (``failure_queue``) so no message is dropped silently.

    IAM: ``sms-voice:SendVoiceMessage``, which the v1 API allows only on ``*``; with
    ``api=SmsVoiceApi.V2``, only on the origination identity's and the configuration set's ARNs.
    Item actions on its own state table (the call ledger, the quota, the recipient cap).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        origination_number: str,
        caller_id: str | None = None,
        configuration_set_name: str | None = None,
        configuration_set: VoiceConfigurationSet | None = None,
        default_language_code: str = "en-US",
        default_voice_id: str | None = None,
        memory_size: int = 256,
        timeout: Duration | None = None,
        reserved_concurrent_executions: int | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
        architecture: lambda_.Architecture | None = None,
        async_retry_attempts: int = 2,
        failure_queue: sqs.IQueue | None = None,
        max_calls_per_minute: int = DEFAULT_CALLS_PER_MINUTE,
        idempotency_window: Duration | None = None,
        enable_queue: bool = False,
        queue_batch_size: int | None = None,
        queue_max_concurrency: int = 2,
        max_receive_count: int = 5,
        oldest_message_alarm_age: Duration | None = None,
        powertools_layer: lambda_.ILayerVersion | None = None,
        api: SmsVoiceApi = SmsVoiceApi.V1,
        tracing: bool = True,
    ) -> None:
        """Create the function, its log group, role and failure queue.

        :param origination_number: The long code to call from, E.164 (``+12065550100``).
        :param caller_id: The number shown to the recipient. :default: - the service's choice
        :param configuration_set: A ``VoiceConfigurationSet`` the sender uses by default (its
            name, and the sender's sends wait for it to exist). :default: - none
        :param configuration_set_name: The name of an existing v1 configuration set instead.
            :default: - none
        :param default_language_code: Language when the event gives none. :default: "en-US"
        :param default_voice_id: Amazon Polly voice when the event gives none.
            :default: - the service's default voice for the language
        :param memory_size: MB of memory. :default: 256
        :param timeout: Function timeout; send retries are sized to fit in it.
            :default: - 30 seconds, or with ``enable_queue`` what one queued message may need at
            ``max_calls_per_minute`` (``queue_timeout_seconds``; 32 s at 5 a minute)
        :param reserved_concurrent_executions: Concurrency cap. :default: - unreserved
        :param log_retention: Retention of the function's log group.
            :default: RetentionDays.THREE_MONTHS
        :param architecture: :default: Architecture.ARM_64 (cheaper per ms for pure Python)
        :param async_retry_attempts: Retries of a failed asynchronous invocation (0-2). :default: 2
        :param failure_queue: Where failed asynchronous invocations go.
            :default: - a new SQS queue, encrypted, TLS only, 14 days retention
        :param max_calls_per_minute: The account's voice quota, enforced across concurrent
            invocations; calls to one origination number are also kept 1 second apart.
            :default: 20 (the production quota; the sandbox allows 5)
        :param idempotency_window: How long a repeated message (same ``IdempotencyKey``, or for
            a queued message without one, the same request) returns the first ``MessageId``
            instead of placing a call. :default: Duration.hours(24)
        :param enable_queue: Add ``queue``: an SQS queue the function drains at the quota's pace,
            with a dead-letter queue and alarms. :default: False
        :param queue_batch_size: Messages per invocation from the queue.
            :default: - as many as fit in ``timeout`` at the quota's pace, at most 10
        :param queue_max_concurrency: Most invocations draining the queue at once (2-1000).
            :default: 2
        :param max_receive_count: Deliveries of a queued message before the function moves it
            to the dead-letter queue with its reason. The queue's own redrive count is
            ``REDRIVE_SLACK`` more, so that a delivery killed before it could act (a crash, a
            timeout) still leaves the function a delivery in which to give the reason.
            :default: 5
        :param oldest_message_alarm_age: The age of the oldest queued message that raises
            ``oldest_message_alarm``. :default: Duration.hours(1) (1,200 calls at 20 a minute)
        :param powertools_layer: The Powertools for AWS Lambda (Python) layer.
            :default: - the public layer of version ``POWERTOOLS_VERSION`` for this runtime
        :param api: ``SmsVoiceApi.V2`` sends through AWS End User Messaging SMS and Voice v2.
            Then ``origination_number`` is a phone number or pool id or ARN (``phone-...``,
            ``pool-...``) and IAM allows sending from it, and with the configuration set, only.
            :default: SmsVoiceApi.V1
        :param tracing: X-Ray tracing; it needs ``xray:PutTraceSegments`` on ``*``.
            :default: True
        """
        super().__init__(scope, id)
        if configuration_set is not None:
            if configuration_set_name is not None:
                raise ValueError(
                    "configuration_set and configuration_set_name are mutually exclusive, got "
                    f"configuration_set_name={configuration_set_name!r} as well"
                )
            if configuration_set.api is not api:
                raise ValueError(
                    f"configuration_set was made for api={configuration_set.api}, but the sender "
                    f"uses api={api}; give both the same api"
                )
            configuration_set_name = configuration_set.configuration_set_name
        if api is SmsVoiceApi.V2:
            self._check_v2(origination_number, caller_id, default_voice_id)
        else:
            check_form("origination_number", origination_number, _E164, "an E.164 phone number")
            check_form("caller_id", caller_id, _E164, "an E.164 phone number")
        check_form(
            "configuration_set_name",
            configuration_set_name,
            _CONFIGURATION_SET_NAME,
            "1-64 letters, digits, - or _",
        )
        check_form(
            "default_language_code",
            default_language_code,
            _LANGUAGE_CODE,
            "a language code such as en-US",
        )
        check_form(
            "default_voice_id",
            default_voice_id,
            _VOICE_ID,
            "an Amazon Polly voice name such as Joanna",
        )
        if timeout is None:
            timeout = Duration.seconds(
                queue_timeout_seconds(max_calls_per_minute, queue_max_concurrency)
                if enable_queue
                else DEFAULT_TIMEOUT_SECONDS
            )
        timeout_seconds = timeout.to_seconds()
        attempts = max_attempts_for(int(timeout_seconds))
        if attempts < 1:
            raise ValueError(
                f"timeout must leave room for one send attempt (at least 8 seconds), got "
                f"{timeout_seconds:g} seconds"
            )
        if not 0 <= async_retry_attempts <= 2:
            raise ValueError(f"async_retry_attempts must be 0, 1 or 2, got {async_retry_attempts}")
        if isinstance(max_calls_per_minute, bool) or not (
            1 <= max_calls_per_minute <= MAX_CALLS_PER_MINUTE
        ):
            raise ValueError(
                f"max_calls_per_minute must be a whole number from 1 to {MAX_CALLS_PER_MINUTE}, "
                f"got {max_calls_per_minute!r}"
            )
        window = idempotency_window or Duration.hours(24)
        window_seconds = int(window.to_seconds())
        if not 60 <= window_seconds <= 7 * 24 * 3600:
            raise ValueError(
                f"idempotency_window must be between 1 minute and 7 days, got {window_seconds} "
                "seconds"
            )
        batch_size = self._batch_size(
            queue_batch_size,
            int(timeout_seconds),
            max_calls_per_minute,
            queue_max_concurrency,
            enable_queue=enable_queue,
        )
        if not 1 <= max_receive_count <= 1000:
            raise ValueError(
                f"max_receive_count must be between 1 and 1000, got {max_receive_count}"
            )

        self.failure_queue = failure_queue or self._failure_queue()
        role, self.log_group = role_with_logs(
            self,
            role_id="Role",
            logs_id="Logs",
            description="voice-constructs: sends voice messages",
            retention=log_retention,
        )
        self.state_table = self._state_table()
        environment = {
            "ORIGINATION_NUMBER": origination_number,
            "DEFAULT_LANGUAGE_CODE": default_language_code,
            "SEND_MAX_ATTEMPTS": str(attempts),
            "STATE_TABLE_NAME": self.state_table.table_name,
            "MAX_CALLS_PER_MINUTE": str(max_calls_per_minute),
            "IDEMPOTENCY_WINDOW_SECONDS": str(window_seconds),
        }
        optional = {
            "CALLER_ID": caller_id,
            "CONFIGURATION_SET_NAME": configuration_set_name,
            "DEFAULT_VOICE_ID": default_voice_id,
        }
        environment.update({k: v for k, v in optional.items() if v is not None})
        architecture = architecture or lambda_.Architecture.ARM_64
        layer = powertools_layer or _default_powertools_layer(self, architecture)
        self.function = handler_function(
            self,
            "Function",
            handler="send_voice_message.index.handler",
            role=role,
            log_group=self.log_group,
            architecture=architecture,
            layers=[layer],
            memory_size=memory_size,
            timeout=timeout,
            reserved_concurrent_executions=reserved_concurrent_executions,
            environment=environment,
            tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
            retry_attempts=async_retry_attempts,
            on_failure=destinations.SqsDestination(self.failure_queue),
            description=f"voice-constructs: sends a voice message (SMS and Voice API {api.value})",
        )
        self.api = api
        if api is SmsVoiceApi.V2:
            self.function.add_environment("SMS_VOICE_API", "v2")
            self.function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=[SEND_ACTION],
                    resources=self._v2_resources(
                        origination_number,
                        configuration_set_name,
                        configuration_set.configuration_set_arn if configuration_set else None,
                    ),
                )
            )
        else:
            self.function.add_to_role_policy(
                iam.PolicyStatement(actions=[SEND_ACTION], resources=["*"])
            )
        self.state_table.grant(role, *STATE_TABLE_ACTIONS)
        self._acknowledge(role, api, tracing, reserved_concurrent_executions)
        self.queue: sqs.Queue | None = None
        self.dead_letter_queue: sqs.Queue | None = None
        self.alarms: list[cloudwatch.Alarm] = []
        if enable_queue:
            self._add_queue(
                timeout,
                batch_size,
                queue_max_concurrency,
                max_receive_count,
                oldest_message_alarm_age or Duration.hours(1),
            )
        elif queue_batch_size is not None or oldest_message_alarm_age is not None:
            raise ValueError(
                "queue_batch_size and oldest_message_alarm_age configure the queue; "
                "set enable_queue=True to add it"
            )

    @staticmethod
    def _batch_size(
        requested: int | None,
        timeout_seconds: int,
        calls_per_minute: int,
        concurrency: int,
        *,
        enable_queue: bool,
    ) -> int:
        if not 2 <= concurrency <= 1000:
            raise ValueError(
                f"queue_max_concurrency must be between 2 and 1000 (Lambda's range for SQS), "
                f"got {concurrency}"
            )
        per_message = seconds_per_queued_message(calls_per_minute, concurrency)
        fits = int((timeout_seconds - 1) // per_message)
        if enable_queue and fits < 1:
            needed = math.ceil(per_message) + 1
            if needed > MAX_TIMEOUT_SECONDS:
                spare = MAX_TIMEOUT_SECONDS - 1 - _CONNECT_TIMEOUT_SECONDS - _READ_TIMEOUT_SECONDS
                most = int(spare // (60 / calls_per_minute))
                raise ValueError(
                    f"queue_max_concurrency of {concurrency} cannot work at {calls_per_minute} "
                    f"calls a minute: a queued message may wait {per_message:g} s for its slot, "
                    f"more than Lambda's {MAX_TIMEOUT_SECONDS} s; give at most {max(most, 2)}"
                )
            raise ValueError(
                f"timeout of {timeout_seconds} s is too short for the queue: at "
                f"{calls_per_minute} calls a minute with {concurrency} concurrent invocations, "
                f"one message may take {per_message:g} s; give at least {needed} seconds "
                "(or leave timeout out: it is then sized from the quota)"
            )
        if requested is None:
            return max(1, min(MAX_BATCH_SIZE, fits))
        if not 1 <= requested <= MAX_BATCH_SIZE:
            raise ValueError(
                f"queue_batch_size must be between 1 and {MAX_BATCH_SIZE}, got {requested}"
            )
        if requested > max(fits, 1):
            raise ValueError(
                f"queue_batch_size {requested} does not fit in the {timeout_seconds} s timeout: "
                f"at {calls_per_minute} calls a minute with {concurrency} concurrent "
                f"invocations, each message may take {per_message:g} s; lower the batch size "
                f"to {max(fits, 1)} or raise the timeout"
            )
        return requested

    def _state_table(self) -> dynamodb.Table:
        # Short-lived state only (call ledger claims, pacing, recipient slots), all expiring
        # through TTL within the idempotency window: deleting it with the stack loses nothing
        # a person needs.
        return expiring_table(
            self, "State", partition_key="id", removal_policy=RemovalPolicy.DESTROY
        )

    def _add_queue(
        self,
        timeout: Duration,
        batch_size: int,
        max_concurrency: int,
        max_receive_count: int,
        oldest_age: Duration,
    ) -> None:
        dead_letters = self._destination_queue(
            "DeadLetterQueue",
            "this queue is the dead-letter queue of the sender's queue, read by a person; "
            "each message carries its FailureReason attribute",
        )
        queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            # AWS's advice for a Lambda event source: six times the function's timeout.
            visibility_timeout=Duration.seconds(6 * timeout.to_seconds()),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dead_letters, max_receive_count=max_receive_count + REDRIVE_SLACK
            ),
        )
        self.queue_mapping = lambda_.EventSourceMapping(
            self,
            "QueueMapping",
            target=self.function,
            event_source_arn=queue.queue_arn,
            batch_size=batch_size,
            max_concurrency=max_concurrency,
            report_batch_item_failures=True,
        )
        queue.grant_consume_messages(self.function)
        skip_checkov(queue, "CKV_AWS_27", SQS_MANAGED_ENCRYPTION)
        acknowledge(
            self.queue_mapping,
            "Serverless-LambdaEventSourceMappingDestination",
            "Lambda offers on-failure destinations for stream and Kafka sources, not for SQS; "
            "failed messages go to the queue's dead-letter queue, with their reason when the "
            "handler puts them there",
        )
        dead_letters.grant_send_messages(self.function)
        self.function.add_environment("QUEUE_URL", queue.queue_url)
        self.function.add_environment("DEAD_LETTER_QUEUE_URL", dead_letters.queue_url)
        self.function.add_environment("MAX_RECEIVE_COUNT", str(max_receive_count))
        self.queue, self.dead_letter_queue = queue, dead_letters
        self.dead_letter_alarm = self._alarm(
            "DeadLetterAlarm",
            dead_letters.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            1,
            "voice messages are in the dead-letter queue; each says why",
        )
        self.errors_alarm = self._alarm(
            "ErrorsAlarm",
            self.function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
            1,
            "the voice message sender failed invocations",
        )
        self.oldest_message_alarm = self._alarm(
            "OldestMessageAlarm",
            queue.metric_approximate_age_of_oldest_message(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            oldest_age.to_seconds(),
            "queued voice messages wait longer than expected at the quota",
        )
        self.alarms = [self.dead_letter_alarm, self.errors_alarm, self.oldest_message_alarm]

    def _alarm(
        self, id: str, metric: cloudwatch.Metric, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        # One datapoint at or over the threshold alarms; no data (an idle queue) is fine.
        return metric.create_alarm(
            self,
            id,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )

    def grant_send_messages(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to queue voice messages (needs ``enable_queue=True``)."""
        if self.queue is None:
            raise ValueError("grant_send_messages needs the queue: set enable_queue=True")
        return self.queue.grant_send_messages(grantee)

    def _failure_queue(self) -> sqs.Queue:
        return self._destination_queue(
            "FailureQueue",
            "this queue is itself the destination of failed sends, read by a person; "
            "nothing consumes it, so there is nothing to redrive",
        )

    def _destination_queue(self, id: str, why_no_redrive: str) -> sqs.Queue:
        """A queue where failed messages end, for a person to read: encrypted, TLS only."""
        queue = sqs.Queue(
            self,
            id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        for rule in ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"):
            acknowledge(queue, rule, why_no_redrive)
        skip_checkov(queue, "CKV_AWS_27", SQS_MANAGED_ENCRYPTION)
        return queue

    @staticmethod
    def _check_v2(origination: str, caller_id: str | None, voice_id: str | None) -> None:
        if not Token.is_unresolved(origination) and not (
            _V2_IDENTITY_ID.fullmatch(origination) or _V2_IDENTITY_ARN.fullmatch(origination)
        ):
            raise ValueError(
                "origination_number must be a phone number or pool, by id (phone-..., pool-...) "
                f"or ARN, with api=SmsVoiceApi.V2 (IAM is scoped to it), got {origination!r}"
            )
        if caller_id is not None:
            raise ValueError(
                f"caller_id has no equivalent in the v2 API (recipients see the origination "
                f"identity), got {caller_id!r}"
            )
        if voice_id is not None and voice_id.upper() not in V2_VOICE_IDS:
            raise ValueError(
                f"default_voice_id must be one of the v2 API's voices, got {voice_id!r}"
            )

    def _v2_resources(
        self,
        origination: str,
        configuration_set_name: str | None,
        configuration_set_arn: str | None,
    ) -> list[str]:
        stack = Stack.of(self)
        if Token.is_unresolved(origination) or origination.startswith("arn:"):
            identity = origination
        else:
            kind = "phone-number" if origination.startswith("phone-") else "pool"
            identity = stack.format_arn(
                service="sms-voice", resource=kind, resource_name=origination
            )
        resources = [identity]
        if configuration_set_arn is not None:
            resources.append(configuration_set_arn)
        elif configuration_set_name is not None:
            resources.append(
                stack.format_arn(
                    service="sms-voice",
                    resource="configuration-set",
                    resource_name=configuration_set_name,
                )
            )
        return resources

    def _acknowledge(
        self, role: iam.Role, api: SmsVoiceApi, tracing: bool, reserved: int | None
    ) -> None:
        star_reason = None
        if api is SmsVoiceApi.V1:
            star_reason = (
                "sms-voice:SendVoiceMessage (SMS and Voice API v1) has no resource-level "
                "permissions, so IAM accepts only '*'; X-Ray's PutTraceSegments and "
                "PutTelemetryRecords have none either"
            )
        elif tracing:
            star_reason = (
                "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level "
                "permissions; sending is scoped to the origination identity and configuration set"
            )
        if star_reason is not None:
            acknowledge(role, "AwsSolutions-IAM5[Resource::*]", star_reason)
            # checkov reports the same statement on the policy resource that holds it.
            skip_checkov(role.node.find_child("DefaultPolicy"), "CKV_AWS_111", star_reason)
        if reserved is None:
            skip_checkov(
                self.function,
                "CKV_AWS_115",
                "the bulk path is capped by the queue's MaximumConcurrency and paced to the "
                "quota in the state table; reserving concurrency would take it from every other "
                "function of the account: set reserved_concurrent_executions to cap direct invokes",
            )
        if not tracing:
            acknowledge(
                self.function,
                "Serverless-LambdaTracing",
                "tracing=False: X-Ray would need xray:PutTraceSegments on '*', and this sender "
                "was asked to hold no IAM statement on '*'",
            )
        acknowledge(
            self.function,
            "Serverless-LambdaDLQ",
            "failed asynchronous invocations go to an on-failure destination (failure_queue), "
            "which records the request, the error and the response, unlike a dead-letter queue",
            checkov=["CKV_AWS_116"],
        )

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to invoke the sender (and so place calls)."""
        return self.function.grant_invoke(grantee)

    def metric_errors(self, **props: Any) -> cloudwatch.Metric:
        """Invocations that ended in an error (validation, throttling, service failures)."""
        return self.function.metric_errors(**props)

    def metric_throttles(self, **props: Any) -> cloudwatch.Metric:
        """Invocations Lambda throttled (reserved concurrency reached)."""
        return self.function.metric_throttles(**props)

    def metric_duration(self, **props: Any) -> cloudwatch.Metric:
        """How long each send took, retries included."""
        return self.function.metric_duration(**props)

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric:
        """How many sends were attempted."""
        return self.function.metric_invocations(**props)

    @property
    def function_arn(self) -> str:
        """The function's ARN."""
        return self.function.function_arn


def _default_powertools_layer(
    scope: Construct, architecture: lambda_.Architecture
) -> lambda_.ILayerVersion:
    return powertools_layer(scope, "PowertoolsLayer", HANDLER_RUNTIME, architecture)
