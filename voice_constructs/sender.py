"""VoiceMessageSender: a Lambda function that sends voice messages (Pinpoint SMS and Voice v1)."""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from voice_constructs._assets import handler_code
from voice_constructs._lambda import HANDLER_RUNTIME
from voice_constructs._props import check_form
from voice_constructs._review import acknowledge

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2}(-[A-Z]{3})?)?$")
_VOICE_ID = re.compile(r"^[A-Z][A-Za-z]{1,31}$")
_CONFIGURATION_SET_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Must match lambda_src/send_voice_message/index.py.
_CONNECT_TIMEOUT_SECONDS = 2
_READ_TIMEOUT_SECONDS = 5
_MAX_BACKOFF_SECONDS = 20
SEND_ACTION = "sms-voice:SendVoiceMessage"


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


class VoiceMessageSender(Construct):
    """A Lambda function that places a phone call speaking a message.

    Invoke it with a SendVoiceMessage request body (``Content`` and ``DestinationPhoneNumber``,
    optionally ``OriginationPhoneNumber``, ``CallerId``, ``ConfigurationSetName``); it returns
    ``{"MessageId": ...}``. It validates before it calls, retries throttling and internal errors
    within its timeout, masks phone numbers in its logs, and sends failed asynchronous
    invocations to an encrypted SQS queue (``failure_queue``) so no message is dropped silently.

    IAM: ``sms-voice:SendVoiceMessage``, which the v1 API allows only on ``*``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        origination_number: str,
        caller_id: str | None = None,
        configuration_set_name: str | None = None,
        default_language_code: str = "en-US",
        default_voice_id: str | None = None,
        memory_size: int = 256,
        timeout: Duration | None = None,
        reserved_concurrent_executions: int | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
        architecture: lambda_.Architecture | None = None,
        async_retry_attempts: int = 2,
        failure_queue: sqs.IQueue | None = None,
    ) -> None:
        """Create the function, its log group, role and failure queue.

        :param origination_number: The long code to call from, E.164 (``+12065550100``).
        :param caller_id: The number shown to the recipient. :default: - the service's choice
        :param configuration_set_name: A v1 configuration set for call events.
            :default: - none
        :param default_language_code: Language when the event gives none. :default: "en-US"
        :param default_voice_id: Amazon Polly voice when the event gives none.
            :default: - the service's default voice for the language
        :param memory_size: MB of memory. :default: 256
        :param timeout: Function timeout; send retries are sized to fit in it.
            :default: Duration.seconds(30)
        :param reserved_concurrent_executions: Concurrency cap. :default: - unreserved
        :param log_retention: Retention of the function's log group.
            :default: RetentionDays.THREE_MONTHS
        :param architecture: :default: Architecture.ARM_64 (cheaper per ms for pure Python)
        :param async_retry_attempts: Retries of a failed asynchronous invocation (0-2). :default: 2
        :param failure_queue: Where failed asynchronous invocations go.
            :default: - a new SQS queue, encrypted, TLS only, 14 days retention
        """
        super().__init__(scope, id)
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
        timeout = timeout or Duration.seconds(30)
        timeout_seconds = timeout.to_seconds()
        attempts = max_attempts_for(int(timeout_seconds))
        if attempts < 1:
            raise ValueError(
                f"timeout must leave room for one send attempt (at least 8 seconds), got "
                f"{timeout_seconds:g} seconds"
            )
        if not 0 <= async_retry_attempts <= 2:
            raise ValueError(f"async_retry_attempts must be 0, 1 or 2, got {async_retry_attempts}")

        self.failure_queue = failure_queue or self._failure_queue()
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention)
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="voice-constructs: sends voice messages",
        )
        self.log_group.grant_write(role)
        environment = {
            "ORIGINATION_NUMBER": origination_number,
            "DEFAULT_LANGUAGE_CODE": default_language_code,
            "SEND_MAX_ATTEMPTS": str(attempts),
        }
        optional = {
            "CALLER_ID": caller_id,
            "CONFIGURATION_SET_NAME": configuration_set_name,
            "DEFAULT_VOICE_ID": default_voice_id,
        }
        environment.update({k: v for k, v in optional.items() if v is not None})
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=HANDLER_RUNTIME,
            architecture=architecture or lambda_.Architecture.ARM_64,
            handler="send_voice_message.index.handler",
            code=handler_code(),
            role=role,
            memory_size=memory_size,
            timeout=timeout,
            reserved_concurrent_executions=reserved_concurrent_executions,
            environment=environment,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            retry_attempts=async_retry_attempts,
            on_failure=destinations.SqsDestination(self.failure_queue),
            description="voice-constructs: sends a voice message (SMS and Voice API v1)",
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=[SEND_ACTION], resources=["*"])
        )
        self._acknowledge(role)

    def _failure_queue(self) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            "FailureQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        for rule in ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"):
            acknowledge(
                queue,
                rule,
                "this queue is itself the destination of failed sends, read by a person; "
                "nothing consumes it, so there is nothing to redrive",
            )
        return queue

    def _acknowledge(self, role: iam.Role) -> None:
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "sms-voice:SendVoiceMessage (SMS and Voice API v1) has no resource-level "
            "permissions, so IAM accepts only '*'; X-Ray's PutTraceSegments and "
            "PutTelemetryRecords have none either",
        )
        acknowledge(
            self.function,
            "Serverless-LambdaDLQ",
            "failed asynchronous invocations go to an on-failure destination (failure_queue), "
            "which records the request, the error and the response, unlike a dead-letter queue",
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
