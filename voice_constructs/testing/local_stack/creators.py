"""Creators of the data and messaging resources: queues, tables, topics, keys, logs, roles, rules.

Each takes the template's properties as CloudFormation does (names generated when not given,
CloudFormation's tags added) and makes the resource in moto's service through boto3, in process.
"""

from __future__ import annotations

import json
from typing import Any

from voice_constructs.testing.local_stack.deployment import Creator, Deployment
from voice_constructs.testing.local_stack.template import Created, is_true

# A queue's properties that are its attributes (CloudFormation's names are SQS's).
_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)
_QUEUE_POLICIES = ("RedrivePolicy", "RedriveAllowPolicy")
# A table's properties that CreateTable takes as they are.
_TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "TableClass",
    "DeletionProtectionEnabled",
)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def queue(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::SQS::Queue``: its attributes, its redrive policy; Ref is its URL."""
    resolved = deployment.resolve(props)
    fifo = is_true(resolved.get("FifoQueue", ""))
    name = resolved.get("QueueName") or deployment.physical_name(
        logical_id, 80, suffix=".fifo" if fifo else ""
    )
    attributes = {k: _text(resolved[k]) for k in _QUEUE_ATTRIBUTES if k in resolved}
    for key in _QUEUE_POLICIES:
        if key in resolved:
            policy = resolved[key]
            attributes[key] = policy if isinstance(policy, str) else json.dumps(policy)
    sqs = deployment.client("sqs")
    url = sqs.create_queue(
        QueueName=name, Attributes=attributes, tags=deployment.tags(logical_id, props)
    )["QueueUrl"]
    arn = deployment.arn("sqs", name)
    return Created(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})


def table(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::DynamoDB::Table``: keys, indexes, billing, TTL, backups; Ref is its name."""
    resolved = deployment.resolve(props)
    name = resolved.get("TableName") or deployment.physical_name(logical_id, 255)
    request = {k: resolved[k] for k in _TABLE_PROPERTIES if k in resolved}
    if "SSESpecification" in resolved:
        sse = resolved["SSESpecification"]
        request["SSESpecification"] = {
            "Enabled": is_true(sse.get("SSEEnabled", False)),
            **({"SSEType": sse["SSEType"]} if "SSEType" in sse else {}),
        }
    tags = deployment.tags(logical_id, props)
    dynamodb = deployment.client("dynamodb")
    described = dynamodb.create_table(
        TableName=name, Tags=[{"Key": k, "Value": v} for k, v in tags.items()], **request
    )["TableDescription"]
    ttl = resolved.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "AttributeName": ttl["AttributeName"],
                "Enabled": is_true(ttl.get("Enabled", True)),
            },
        )
    recovery = resolved.get("PointInTimeRecoverySpecification") or {}
    if is_true(recovery.get("PointInTimeRecoveryEnabled", False)):
        dynamodb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    attributes = {"Arn": described["TableArn"]}
    if "LatestStreamArn" in described:
        attributes["StreamArn"] = described["LatestStreamArn"]
    expires = f", items expire by {ttl['AttributeName']}" if ttl else ""
    return Created(name, attributes, f"{name}{expires}")


def topic(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::SNS::Topic``; Ref is its ARN."""
    resolved = deployment.resolve(props)
    fifo = is_true(resolved.get("FifoTopic", ""))
    name = resolved.get("TopicName") or deployment.physical_name(
        logical_id, 256, suffix=".fifo" if fifo else ""
    )
    keys = ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication")
    attributes = {k: _text(resolved[k]) for k in keys if k in resolved}
    arn = deployment.client("sns").create_topic(
        Name=name, Attributes=attributes, Tags=deployment.tag_list(logical_id, props)
    )["TopicArn"]
    return Created(arn, {"TopicArn": arn, "TopicName": name})


def subscription(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::SNS::Subscription``: a ``lambda`` one delivers to the local function."""
    resolved = deployment.resolve(props)
    attributes = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in resolved.items()
        if key in ("FilterPolicy", "FilterPolicyScope", "RedrivePolicy", "RawMessageDelivery")
    }
    arn = deployment.client("sns").subscribe(
        TopicArn=resolved["TopicArn"],
        Protocol=resolved["Protocol"],
        Endpoint=resolved["Endpoint"],
        Attributes={k: _text(v) for k, v in attributes.items()},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    target = str(resolved["Endpoint"]).rsplit(":", 1)[-1]
    detail = f"{resolved['TopicArn'].rsplit(':', 1)[1]} -> {resolved['Protocol']} {target}"
    return Created(arn, {}, detail)


def key(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::KMS::Key``; Ref is its key id."""
    resolved = deployment.resolve(props)
    request: dict[str, Any] = {
        k: resolved[k] for k in ("Description", "KeyUsage", "KeySpec") if k in resolved
    }
    if "KeyPolicy" in resolved:
        policy = resolved["KeyPolicy"]
        request["Policy"] = policy if isinstance(policy, str) else json.dumps(policy)
    tags = deployment.tags(logical_id, props)
    metadata = deployment.client("kms").create_key(
        Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()], **request
    )["KeyMetadata"]
    return Created(metadata["KeyId"], {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]})


def log_group(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::Logs::LogGroup``, with its retention; Ref is its name."""
    resolved = deployment.resolve(props)
    name = resolved.get("LogGroupName") or deployment.physical_name(logical_id, 512)
    logs = deployment.client("logs")
    logs.create_log_group(logGroupName=name, tags=deployment.tags(logical_id, props))
    if "RetentionInDays" in resolved:
        logs.put_retention_policy(
            logGroupName=name, retentionInDays=int(resolved["RetentionInDays"])
        )
    return Created(name, {"Arn": deployment.arn("logs", f"log-group:{name}:*")})


def role(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::IAM::Role`` (its policies are not enforced); Ref is its name."""
    resolved = deployment.resolve(props)
    name = resolved.get("RoleName") or deployment.physical_name(logical_id, 64)
    trust = resolved.get("AssumeRolePolicyDocument") or {}
    request: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": trust if isinstance(trust, str) else json.dumps(trust),
        "Path": resolved.get("Path", "/"),
        "Tags": deployment.tag_list(logical_id, props),
    }
    if "Description" in resolved:
        request["Description"] = resolved["Description"]
    created = deployment.client("iam").create_role(**request)["Role"]
    return Created(
        name, {"Arn": created["Arn"], "RoleId": created["RoleId"]}, f"{name} (not enforced)"
    )


def pinpoint_app(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::Pinpoint::App``; Ref is its application id."""
    resolved = deployment.resolve(props)
    tags = deployment.tags(logical_id, props)
    app = deployment.client("pinpoint").create_app(
        CreateApplicationRequest={"Name": resolved["Name"], "tags": tags}
    )["ApplicationResponse"]
    return Created(app["Id"], {"Arn": app["Arn"]}, f"{resolved['Name']} ({app['Id']})")


def rule(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::Events::Rule`` and its targets; a Lambda target gets its events from the emulator."""
    resolved = deployment.resolve(props)
    name = resolved.get("Name") or deployment.physical_name(logical_id, 64)
    bus = str(resolved.get("EventBusName", "default")).rsplit("/", 1)[-1]
    request: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": resolved.get("State")}
    if "EventPattern" in resolved:
        pattern = resolved["EventPattern"]
        request["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    if "ScheduleExpression" in resolved:
        request["ScheduleExpression"] = resolved["ScheduleExpression"]
        deployment.notes.append(f"{logical_id}: its schedule is not run locally")
    events = deployment.client("events")
    tags = deployment.tag_list(logical_id, props)
    arn = events.put_rule(**{k: v for k, v in request.items() if v is not None}, Tags=tags)[
        "RuleArn"
    ]
    targets = resolved.get("Targets") or []
    if targets:
        events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
    shown = ", ".join(str(t["Arn"]).rsplit(":", 1)[-1] for t in targets) or "no target"
    return Created(
        name if bus == "default" else f"{bus}|{name}", {"Arn": arn}, f"{name} -> {shown}"
    )


CREATORS: dict[str, Creator] = {
    "AWS::SQS::Queue": queue,
    "AWS::DynamoDB::Table": table,
    "AWS::SNS::Topic": topic,
    "AWS::SNS::Subscription": subscription,
    "AWS::KMS::Key": key,
    "AWS::Logs::LogGroup": log_group,
    "AWS::IAM::Role": role,
    "AWS::Pinpoint::App": pinpoint_app,
    "AWS::Events::Rule": rule,
}
