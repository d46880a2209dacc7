"""VoiceMessageSender: a Lambda function that sends voice messages (SMS and Voice v1 or v2)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from voice_constructs._bulk_queue import BulkQueue, destination_queue
from voice_constructs._contract import contract
from voice_constructs._interfaces import IVoiceConfigurationSet
from voice_constructs._lambda import (
    HANDLER_RUNTIME,
    expiring_table,
    handler_function,
    role_with_logs,
)
from voice_constructs._powertools import powertools_layer
from voice_constructs._sender_countries import check_allowed_countries, guard_destinations
from voice_constructs._sender_iam import SEND_ACTION, acknowledge_findings, allow_sending
from voice_constructs._sender_metrics import SenderGrantsAndMetrics
from voice_constructs._sender_options import MetricOptionsKwargs, SenderOptions
from voice_constructs._sender_origination import OriginationIdentity, resolve
from voice_constructs._sender_props import (
    check_configuration_set,
    check_props,
    deprecated_set,
    identity_props,
    origination_identities,
)
from voice_constructs._sizing import (
    DEFAULT_CALLS_PER_MINUTE,
    DEFAULT_TIMEOUT_SECONDS,
    MAX_BATCH_SIZE,
    MAX_CALLS_PER_MINUTE,
    MAX_TIMEOUT_SECONDS,
    REDRIVE_SLACK,
    Sizing,
    concurrency_for,
    identities_needed,
    max_attempts_for,
    queue_timeout_seconds,
    seconds_per_queued_message,
    size_sender,
)
from voice_constructs._spend_guard import guard_spend
from voice_constructs._tags import tag_component
from voice_constructs.api import SmsVoiceApi

# The sizing names stay importable from here, where they were defined before.
__all__ = [
    "DEFAULT_CALLS_PER_MINUTE",
    "DEFAULT_TIMEOUT_SECONDS",
    "MAX_BATCH_SIZE",
    "MAX_CALLS_PER_MINUTE",
    "MAX_TIMEOUT_SECONDS",
    "REDRIVE_SLACK",
    "SEND_ACTION",
    "STATE_TABLE_ACTIONS",
    "MetricOptionsKwargs",
    "SenderOptions",
    "VoiceMessageSender",
    "concurrency_for",
    "identities_needed",
    "max_attempts_for",
    "queue_timeout_seconds",
    "seconds_per_queued_message",
]

# The items the handler reads and writes one at a time (call ledger claims, pacing
# and recipient slots); transactions need no action of their own. No Scan, Query or batch calls.
STATE_TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
)


class VoiceMessageSender(SenderGrantsAndMetrics, Construct):
    """A Lambda function that places a phone call speaking a message.

    Invoke it with a SendVoiceMessage request body (``Content`` and ``DestinationPhoneNumber``,
    optionally ``OriginationPhoneNumber``, ``CallerId``, ``ConfigurationSetName``); it returns
    ``{"MessageId": ...}``. It validates before it calls, retries throttling and internal errors
    within its timeout, masks phone numbers in its logs, and sends failed asynchronous
    invocations to an encrypted SQS queue (``failure_queue``) so no message is dropped silently.

    With several ``origination_numbers``, pacing hands each message the one that can call
    soonest (an event may still name its own ``OriginationPhoneNumber``).

    It calls only ``allowed_countries`` (docs/sending.md, "Destination countries"); with v2, a
    protect configuration (``protect_configuration``) blocks every other country at the service.

    IAM: ``sms-voice:SendVoiceMessage``, which the v1 API allows only on ``*``; with
    ``api=SmsVoiceApi.V2``, only on the origination identities', the configuration set's and the
    protect configuration's ARNs.
    Item actions on its own state table (the call ledger, the quota, the recipient cap).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        origination_number: OriginationIdentity | None = None,
        origination_numbers: Sequence[OriginationIdentity] | None = None,
        caller_id: str | None = None,
        allowed_countries: Sequence[str] | None = None,
        configuration_set_name: str | None = None,
        configuration_set: IVoiceConfigurationSet | None = None,
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
        max_calls_per_day: int | None = None,
        calls_per_hour_alarm_threshold: int | None = None,
        alarm_topic: sns.ITopic | None = None,
        idempotency_window: Duration | None = None,
        enable_queue: bool = False,
        queue_batch_size: int | None = None,
        queue_max_concurrency: int | None = None,
        max_receive_count: int = 5,
        oldest_message_alarm_age: Duration | None = None,
        powertools_layer: lambda_.ILayerVersion | None = None,
        api: SmsVoiceApi = SmsVoiceApi.V1,
        tracing: bool = True,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """Create the function, its log group, role and failure queue.

        :param origination_number: The long code to call from, E.164 (``+12065550100``).
            Give this or ``origination_numbers``. :default: - ``origination_numbers``
        :param origination_numbers: The numbers to call from (with v2, phone numbers and pools:
            ``VoicePhoneNumber``, ``VoicePool``, imported ones, or ids or ARNs); with
            ``origination_number``, it must be one of them. Each number calls at most once a
            second, so a quota needs ``identities_needed(max_calls_per_minute)`` of them (25 for
            1,000 a minute); a ``VoicePool`` counts its numbers, a pool id or ARN string one.
            :default: - ``[origination_number]``
        :param caller_id: The number shown to the recipient. :default: - the service's choice
        :param allowed_countries: The countries the sender may call, ISO 3166-1 alpha-2
            (``["US", "CA"]``); it refuses any other destination, and one of no known country,
            before any claim, quota slot or call (toll fraud). ``[ANY_COUNTRY]`` allows every
            country. :default: - the origination numbers' countries, the narrowest list that
            does not surprise (with v2, those of its ``VoicePhoneNumber``/``VoicePool``
            constructs); required with v2 ids, ARNs or imports, whose countries are not known at
            synth time: a guess would block every call or allow an unchosen one
        :param configuration_set: The configuration set the sender uses by default: a
            ``VoiceConfigurationSet`` (the function is created after it), or an existing one
            (``VoiceConfigurationSet.from_configuration_set_name`` or ``..._arn``). With v2,
            IAM allows sending with this set only. :default: - none
        :param configuration_set_name: Deprecated: give ``configuration_set=VoiceConfigurationSet
            .from_configuration_set_name(scope, id, name, api=api)``. An existing set's name; it
            warns, and is removed in the next release. :default: - none
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
            invocations as the service sees the calls; calls from one origination number are
            also kept 1 second apart. Refused when the origination numbers cannot reach it.
            :default: 20 (the production quota; the sandbox allows 5)
        :param max_calls_per_day: Calls allowed per UTC day, all invocations. :default: - no cap
        :param calls_per_hour_alarm_threshold: Alarm past this many calls an hour. :default: - none
        :param alarm_topic: The SNS topic every alarm of the sender notifies. :default: - none
        :param idempotency_window: How long a repeated message (same ``IdempotencyKey``, or for
            a queued message without one, the same request) returns the first ``MessageId``
            instead of placing a call. :default: Duration.hours(24)
        :param enable_queue: Add ``queue``: an SQS queue the function drains at the quota's pace,
            with a dead-letter queue and alarms. :default: False
        :param queue_batch_size: Messages per invocation from the queue.
            :default: - as many as fit in ``timeout`` at the quota's pace, at most 10
        :param queue_max_concurrency: Most invocations draining the queue at once (2-1000).
            :default: - from the quota by Little's law (``concurrency_for``): 2 up to 106 calls
            a minute, 19 at 1,000, 57 at 3,000
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
        :param removal_policy: What ``cdk destroy`` does with the sender's queues (bulk, dead
            letters, failures: not one you gave), its state table and its log group, all alike.
            Kept by default: the dead letters and the records of calls whose outcome is unknown
            may be the only trace that someone was called. :default: RemovalPolicy.RETAIN
        """
        super().__init__(scope, id)
        self.api = api
        check_configuration_set(configuration_set, configuration_set_name, api)
        given = origination_identities(origination_number, origination_numbers)
        origination = resolve(api, given, identity_props(given))
        self.origination_identities = origination.names
        check_props(
            api,
            self.origination_identities,
            caller_id,
            configuration_set_name,
            default_language_code,
            default_voice_id,
        )
        self.allowed_countries = check_allowed_countries(
            allowed_countries, api, self.origination_identities, origination.countries
        )
        self.configuration_set = configuration_set
        if configuration_set_name is not None:
            self.configuration_set = deprecated_set(self, configuration_set_name, api)
        sizing = size_sender(
            timeout_seconds=None if timeout is None else timeout.to_seconds(),
            async_retry_attempts=async_retry_attempts,
            max_calls_per_minute=max_calls_per_minute,
            idempotency_window_seconds=(idempotency_window or Duration.hours(24)).to_seconds(),
            enable_queue=enable_queue,
            queue_batch_size=queue_batch_size,
            queue_max_concurrency=queue_max_concurrency,
            max_receive_count=max_receive_count,
            alarm_age_given=oldest_message_alarm_age is not None,
            identities=origination.phone_numbers,
            pooled=origination.pooled,
        )
        timeout = timeout or Duration.seconds(sizing.timeout_seconds)
        self.failure_queue = failure_queue or destination_queue(
            self,
            "FailureQueue",
            "this queue is itself the destination of failed sends, read by a person; "
            "nothing consumes it, so there is nothing to redrive",
        )
        role, self.log_group = role_with_logs(
            self,
            role_id="Role",
            logs_id="Logs",
            description="voice-constructs: sends voice messages",
            retention=log_retention,
        )
        # The call ledger (the records of unknown outcomes among them), pacing and recipient
        # slots, all expiring through TTL.
        self.state_table = expiring_table(
            self, "State", partition_key="id", removal_policy=removal_policy
        )
        architecture = architecture or lambda_.Architecture.ARM_64
        self.function = handler_function(
            self,
            "Function",
            handler=contract.SENDER_HANDLER,
            role=role,
            log_group=self.log_group,
            architecture=architecture,
            layers=[powertools_layer or _default_powertools_layer(self, architecture)],
            memory_size=memory_size,
            timeout=timeout,
            reserved_concurrent_executions=reserved_concurrent_executions,
            environment=self._environment(
                self.origination_identities,
                caller_id,
                default_language_code,
                default_voice_id,
                max_calls_per_minute,
                sizing,
            ),
            tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
            retry_attempts=async_retry_attempts,
            on_failure=destinations.SqsDestination(self.failure_queue),
            description=f"voice-constructs: sends a voice message (SMS and Voice API {api.value})",
        )
        self.protect_configuration = guard_destinations(
            self, self.function, api, self.allowed_countries
        )
        allow_sending(
            self.function,
            api,
            origination.resources,
            self.configuration_set,
            self.protect_configuration,
        )
        origination.add_number_counts(self.function)
        tag_component(self.function, contract.COMPONENT_SENDER, self)
        if failure_queue is None:
            tag_component(self.failure_queue, contract.COMPONENT_FAILURE_QUEUE, self)
        self.state_table.grant(role, *STATE_TABLE_ACTIONS)
        acknowledge_findings(self.function, role, api, tracing, reserved_concurrent_executions)
        self._add_queue(
            BulkQueue(
                self,
                self.function,
                timeout=timeout,
                batch_size=sizing.batch_size,
                max_concurrency=sizing.max_concurrency,
                max_receive_count=max_receive_count,
                oldest_age=oldest_message_alarm_age or Duration.hours(1),
            )
            if enable_queue
            else None
        )
        self.calls_per_hour_alarm = guard_spend(
            self, api, max_calls_per_day, calls_per_hour_alarm_threshold, alarm_topic
        )
        kept = [self.log_group, self.queue, self.dead_letter_queue]
        for resource in [*kept, None if failure_queue else self.failure_queue]:
            if resource is not None:
                resource.apply_removal_policy(removal_policy)

    def _environment(
        self,
        identities: list[str],
        caller_id: str | None,
        language_code: str,
        voice_id: str | None,
        calls_per_minute: int,
        sizing: Sizing,
    ) -> dict[str, str]:
        environment = {
            contract.ENV_ORIGINATION_NUMBER: identities[0],
            contract.ENV_ORIGINATION_IDENTITIES: ",".join(identities),
            contract.ENV_DEFAULT_LANGUAGE_CODE: language_code,
            contract.ENV_MAX_ATTEMPTS: str(sizing.max_attempts),
            contract.ENV_STATE_TABLE: self.state_table.table_name,
            contract.ENV_CALLS_PER_MINUTE: str(calls_per_minute),
            contract.ENV_IDEMPOTENCY_WINDOW: str(sizing.window_seconds),
        }
        optional = {
            contract.ENV_CALLER_ID: caller_id,
            contract.ENV_CONFIGURATION_SET_NAME: (
                None
                if self.configuration_set is None
                else self.configuration_set.configuration_set_name
            ),
            contract.ENV_DEFAULT_VOICE_ID: voice_id,
        }
        environment.update({k: v for k, v in optional.items() if v is not None})
        return environment

    def _add_queue(self, bulk: BulkQueue | None) -> None:
        self.queue: sqs.Queue | None = None
        self.dead_letter_queue: sqs.Queue | None = None
        self.alarms: list[cloudwatch.Alarm] = []
        if bulk is not None:
            self.queue, self.dead_letter_queue = bulk.queue, bulk.dead_letter_queue
            tag_component(self.queue, contract.COMPONENT_BULK_QUEUE, self)
            tag_component(self.dead_letter_queue, contract.COMPONENT_DEAD_LETTER_QUEUE, self)
            self.queue_mapping = bulk.mapping
            self.dead_letter_alarm = bulk.dead_letter_alarm
            self.errors_alarm = bulk.errors_alarm
            self.oldest_message_alarm = bulk.oldest_message_alarm
            self.alarms = bulk.alarms


def _default_powertools_layer(
    scope: Construct, architecture: lambda_.Architecture
) -> lambda_.ILayerVersion:
    return powertools_layer(scope, "PowertoolsLayer", HANDLER_RUNTIME, architecture)
