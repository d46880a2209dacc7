"""The call-event emitter: a call's lifecycle, delivered to its configuration set's destinations.

An SNS destination gets a message published in moto's SNS whose body is the event JSON, a
CloudWatch Logs one a log event, a Firehose one a record: what the service sends, so a consumer
of the events can be tested against moto. :meth:`VoiceMock.emit_call_events` is the entry point.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voice_constructs._contract import contract

if TYPE_CHECKING:
    from voice_constructs.testing.sms_voice.models import SmsVoiceBackend

EVENT_TYPES = contract.CALL_EVENT_TYPES
FINAL_EVENT_TYPES = frozenset({"COMPLETED_CALL", "BUSY", "FAILED", "NO_ANSWER"})
ANSWERED_CALL = ("INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL")


@dataclass(frozen=True)
class EmittedCallEvent:
    """One call event the fake delivered to an event destination of a configuration set."""

    destination: str
    kind: str
    target_arn: str
    event: dict[str, Any]
    delivery_id: str | None


def emit_call_events(
    backend: SmsVoiceBackend,
    message_id: str,
    events: tuple[str, ...],
    *,
    start_ms: int | None,
    step_ms: int,
) -> list[EmittedCallEvent]:
    """Deliver the events of a message ``backend`` sent; see :meth:`VoiceMock.emit_call_events`."""
    sent = next((m for m in backend.sent if m.message_id == message_id), None)
    if sent is None:
        raise ValueError(f"message_id {message_id!r} was not sent through this fake")
    name = sent.request.get("ConfigurationSetName")
    config = backend.configuration_sets.get(str(name)) if name else None
    if config is None:
        raise ValueError(f"message {message_id!r} was sent without an existing configuration set")
    unknown = [event for event in events if event not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"events must be among {list(EVENT_TYPES)}, got {unknown}")
    start = int(backend.clock() * 1000) if start_ms is None else start_ms
    delivered: list[EmittedCallEvent] = []
    for index, event_type in enumerate(events):
        event = {
            "eventType": event_type,
            "eventVersion": "1.0",
            "eventTimestamp": start + index * step_ms,
            "isFinal": event_type in FINAL_EVENT_TYPES,
            "originationPhoneNumber": sent.request["OriginationPhoneNumber"],
            "destinationPhoneNumber": sent.request["DestinationPhoneNumber"],
            "messageId": message_id,
            "configurationSetName": config.name,
        }
        for dest_name, dest in config.destinations.items():
            if dest["Enabled"] and event_type in dest["MatchingEventTypes"]:
                delivered.append(deliver(dest_name, dest, event, sent.region))
    return delivered


def deliver(
    name: str, dest: dict[str, Any], event: dict[str, Any], region: str
) -> EmittedCallEvent:
    """Deliver one event to one destination, through boto3 into moto's SNS, Logs or Firehose."""
    # boto3 inside moto's mock: the event lands in moto's own SNS, Logs or Firehose state.
    import boto3

    body = json.dumps(event)
    if "SnsDestination" in dest:
        arn = dest["SnsDestination"]["TopicArn"]
        response = boto3.client("sns", region_name=region).publish(TopicArn=arn, Message=body)
        return EmittedCallEvent(name, "sns", arn, event, response["MessageId"])
    if "CloudWatchLogsDestination" in dest:
        arn = dest["CloudWatchLogsDestination"]["LogGroupArn"]
        group = arn.split(":log-group:", 1)[1].removesuffix(":*")
        logs = boto3.client("logs", region_name=region)
        streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="voice")
        if not streams["logStreams"]:
            logs.create_log_stream(logGroupName=group, logStreamName="voice-events")
        put = logs.put_log_events(
            logGroupName=group,
            logStreamName="voice-events",
            logEvents=[{"timestamp": event["eventTimestamp"], "message": body}],
        )
        if put.get("rejectedLogEventsInfo"):
            # CloudWatch Logs keeps only events from 14 days ago to 2 hours ahead.
            raise ValueError(
                f"CloudWatch Logs rejected the event at {event['eventTimestamp']} ms "
                f"({put['rejectedLogEventsInfo']}); give emit_call_events a start_ms near now"
            )
        return EmittedCallEvent(name, "logs", arn, event, None)
    arn = dest["KinesisFirehoseDestination"]["DeliveryStreamArn"]
    stream = arn.rsplit("/", 1)[1]
    response = boto3.client("firehose", region_name=region).put_record(
        DeliveryStreamName=stream, Record={"Data": body.encode()}
    )
    return EmittedCallEvent(name, "firehose", arn, event, response["RecordId"])
