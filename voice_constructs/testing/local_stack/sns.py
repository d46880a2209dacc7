"""The event SNS hands a subscribed Lambda function: one record per message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def sns_event(
    subscription_arn: str,
    topic_arn: str,
    message: str,
    message_id: str,
    subject: str | None,
    attributes: dict[str, Any] | None,
) -> dict[str, Any]:
    """SNS's Lambda event for one message (unsigned: the emulator has no signing key)."""
    region = topic_arn.split(":")[3]
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": datetime.now(UTC)
                    .isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z"),
                    "SignatureVersion": "1",
                    "Signature": "",
                    "SigningCertUrl": "",
                    "UnsubscribeUrl": (
                        f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
                        f"&SubscriptionArn={subscription_arn}"
                    ),
                    "MessageAttributes": {
                        name: {"Type": value.get("Type", "String"), "Value": value.get("Value")}
                        for name, value in (attributes or {}).items()
                    },
                },
            }
        ]
    }
