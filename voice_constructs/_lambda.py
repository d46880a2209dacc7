"""Settings and building blocks every Lambda function of the library shares."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from voice_constructs._assets import handler_code
from voice_constructs._review import (
    ENVIRONMENT_ENCRYPTION,
    LOGS_ENCRYPTION,
    NO_VPC,
    TABLE_ENCRYPTION,
    skip_checkov,
)

# The newest Python runtime Lambda and aws-cdk-lib offer. The handlers use nothing newer than
# Python 3.11, so the test suite exercises them on the local interpreter too.
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14


def role_with_logs(
    scope: Construct,
    *,
    role_id: str,
    logs_id: str,
    description: str,
    retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
) -> tuple[iam.Role, logs.LogGroup]:
    """A function's own role and log group.

    The role may write to that log group and no other, and has no managed policy (unlike CDK's
    default role with AWSLambdaBasicExecutionRole).
    """
    log_group = logs.LogGroup(scope, logs_id, retention=retention)
    skip_checkov(log_group, "CKV_AWS_158", LOGS_ENCRYPTION)
    role = iam.Role(
        scope,
        role_id,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=description,
    )
    log_group.grant_write(role)
    return role, log_group


def handler_function(
    scope: Construct,
    id: str,
    *,
    handler: str,
    role: iam.IRole,
    log_group: logs.ILogGroup,
    **options: Any,
) -> lambda_.Function:
    """A function running ``handler`` from an asset of the packages that handler imports.

    On the shared runtime, ARM64 unless ``architecture`` says otherwise, logging JSON to
    ``log_group``.
    """
    options.setdefault("architecture", lambda_.Architecture.ARM_64)
    function = lambda_.Function(
        scope,
        id,
        runtime=HANDLER_RUNTIME,
        handler=handler,
        code=handler_code(handler),
        role=role,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        **options,
    )
    skip_checkov(function, "CKV_AWS_117", NO_VPC)
    skip_checkov(function, "CKV_AWS_173", ENVIRONMENT_ENCRYPTION)
    return function


def expiring_table(
    scope: Construct, id: str, *, partition_key: str, removal_policy: RemovalPolicy
) -> dynamodb.Table:
    """An on-demand table whose items expire through the ``expiration`` attribute (TTL).

    Encrypted with the AWS managed key, and with point-in-time recovery.
    """
    table = dynamodb.Table(
        scope,
        id,
        partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        time_to_live_attribute="expiration",
        removal_policy=removal_policy,
    )
    skip_checkov(table, "CKV_AWS_119", TABLE_ENCRYPTION)
    return table
