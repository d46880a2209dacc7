"""The call-event emitter: a call's lifecycle, delivered where the service delivers it.

A message sent through the v1 fake: its configuration set's destinations. An SNS destination gets
a message published in moto's SNS whose body is the event JSON, a CloudWatch Logs one a log event,
a Firehose one a record.

A message sent through the v2 fake: the account's default EventBridge bus, as AWS End User
Messaging SMS and Voice v2 puts every voice delivery status change there (source
``aws.sms-voice``, detail-type ``Voice Message Delivery Status Updated``). Each event is put on
moto's default bus with ``events.put_events``, so moto matches its rules' patterns and delivers to
their targets (SQS, CloudWatch Logs, other buses). What moto does that the service does not, and
how the fake lives with it:

- moto lets any caller put an ``aws.`` source (EventBridge refuses that to anyone but AWS), which
  is how the fake speaks for the service;
- moto's SQS and Logs targets get the envelope without its ``account`` member (moto's default
  input template lacks it); the envelope the fake returns is the whole one a rule's target
  receives from EventBridge, ``account`` included;
- moto invokes no Lambda target, and its ``put_events`` raises when a rule has one; the fake
  then delivers through moto's own rule delivery to the other targets and names the Lambda
  targets of the matching rules in ``EmittedCallEvent.undelivered``, for the test to invoke;
- moto delivers to a rule whether it is enabled or not, and so does the fake.

:meth:`VoiceMock.emit_call_events` is the entry point for both.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from voice_constructs._contract import contract
from voice_constructs.testing._moto import default_bus_rules, rule_matches, send_to_targets

if TYPE_CHECKING:
    from voice_constructs.testing.models import SentVoiceMessage
    from voice_constructs.testing.sms_voice.models import SmsVoiceBackend
    from voice_constructs.testing.sms_voice_v2.models import SmsVoiceV2Backend

EVENT_TYPES = contract.CALL_EVENT_TYPES
FINAL_EVENT_TYPES = frozenset({"COMPLETED_CALL", "BUSY", "FAILED", "NO_ANSWER"})
ANSWERED_CALL = ("INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL")

# v2's names for the same events, and its own: the call expired before it was placed.
V2_EVENT_TYPES = (*contract.V2_EVENT_TYPES.values(), contract.V2_TTL_EXPIRED[0])
V2_FINAL_EVENT_TYPES = frozenset(
    {contract.V2_EVENT_TYPES[name] for name in FINAL_EVENT_TYPES} | {contract.V2_TTL_EXPIRED[0]}
)
V2_ANSWERED_CALL = tuple(contract.V2_EVENT_TYPES[name] for name in ANSWERED_CALL)
DEFAULT_EVENT_BUS = "default"
EVENTBRIDGE = "eventbridge"


@dataclass(frozen=True)
class EmittedCallEvent:
    """One call event the fake delivered.

    For a v1 message: to an event destination of its configuration set (``kind`` ``"sns"``,
    ``"logs"`` or ``"firehose"``); ``event`` is the event record. For a v2 message: to the default
    EventBridge bus (``kind`` ``"eventbridge"``, ``destination`` ``"default"``, ``target_arn``
    the bus's ARN, ``delivery_id`` the event id); ``event`` is the whole envelope a rule's target
    receives, the record in its ``detail``.
    """

    destination: str
    kind: str
    target_arn: str
    event: dict[str, Any]
    delivery_id: str | None
    #: Targets of the rules that matched which moto cannot deliver to (a Lambda function's
    #: ARN, for EventBridge): the test hands them ``event`` itself. Empty for v1.
    undelivered: tuple[str, ...] = ()

    @property
    def detail(self) -> dict[str, Any]:
        """The event record: the envelope's ``detail`` for EventBridge, else ``event`` itself."""
        if self.kind == EVENTBRIDGE:
            detail: dict[str, Any] = self.event["detail"]
            return detail
        return self.event


_MESSAGE_ID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def quoted_id(message_id: object) -> str:
    """``message_id`` quoted when it has a message id's form (a UUID), else only its kind.

    What a test passes by mistake (a phone number, a request body) never reaches the message.
    """
    if isinstance(message_id, str) and _MESSAGE_ID.fullmatch(message_id):
        return repr(message_id)
    return f"<not a UUID: {type(message_id).__name__} of {len(str(message_id))} characters>"


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
        raise ValueError(f"message_id {quoted_id(message_id)} was not sent through this fake (v1)")
    name = sent.request.get("ConfigurationSetName")
    config = backend.configuration_sets.get(str(name)) if name else None
    if config is None:
        raise ValueError(
            f"message {quoted_id(message_id)} was sent without an existing configuration set"
        )
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


def emit_eventbridge_events(
    backend: SmsVoiceV2Backend,
    message_id: str,
    events: tuple[str, ...],
    *,
    start_ms: int | None,
    step_ms: int,
) -> list[EmittedCallEvent]:
    """Put the events of a message the v2 fake sent on moto's default EventBridge bus.

    A dry run places no call, so its events are none. See :meth:`VoiceMock.emit_call_events`.
    """
    unknown = [event for event in events if event not in V2_EVENT_TYPES]
    if unknown:
        raise ValueError(f"v2 events must be among {list(V2_EVENT_TYPES)}, got {unknown}")
    sent = next((m for m in backend.sent if m.message_id == message_id), None)
    if sent is None:
        if any(m.message_id == message_id for m in backend.dry_runs):
            return []
        raise ValueError(f"message_id {quoted_id(message_id)} was not sent through this fake (v2)")
    start = int(backend.clock() * 1000) if start_ms is None else start_ms
    return [
        put_on_default_bus(sent, v2_event_record(sent, event_type, start + index * step_ms))
        for index, event_type in enumerate(events)
    ]


def v2_event_record(sent: SentVoiceMessage, event_type: str, at_ms: int) -> dict[str, Any]:
    """The ``detail`` of one v2 voice event: a configuration-set event record, v2's names."""
    record: dict[str, Any] = {
        "eventType": event_type,
        "eventVersion": "1.0",
        "eventTimestamp": at_ms,
        "isFinal": event_type in V2_FINAL_EVENT_TYPES,
        # The number that placed the call (a pool's, whose turn it was); the identity as the
        # request named it only where the fake knows no number.
        "originationPhoneNumber": sent.origination_phone_number
        or sent.request["OriginationIdentity"],
        "destinationPhoneNumber": sent.request["DestinationPhoneNumber"],
        "messageId": sent.message_id,
        "messageRequestTimestamp": int(sent.at * 1000),
    }
    if sent.request.get("ConfigurationSetName"):
        record["configurationSetName"] = sent.request["ConfigurationSetName"]
    return record


def put_on_default_bus(sent: SentVoiceMessage, record: dict[str, Any]) -> EmittedCallEvent:
    """Put one event on moto's default bus; return its envelope and the targets moto cannot reach.

    boto3's ``events.put_events`` does it, inside moto's mock, unless a rule on the bus has a
    target moto's EventBridge cannot deliver to (a Lambda function: moto's ``put_events`` then
    raises ``NotImplementedError`` and the rules after it get nothing). Then the fake hands the
    event to each matching rule's other targets through moto's own delivery
    (``Rule.send_to_targets``, as ``put_events`` does) and reports the ones it skipped in
    ``undelivered``, for the test to hand them the envelope.
    """
    when = datetime.fromtimestamp(record["eventTimestamp"] / 1000, UTC)
    if _rules_with_unreachable_targets(sent):
        envelope = _envelope(sent, record, when, str(uuid.uuid4()))
        undelivered = _deliver_through_moto(sent, envelope, when)
    else:
        envelope = _envelope(sent, record, when, _put_events(sent, record, when))
        undelivered = ()
    bus_arn = (
        ":".join(("arn", _partition(sent.region), "events", sent.region, sent.account_id))
        + f":event-bus/{DEFAULT_EVENT_BUS}"
    )
    return EmittedCallEvent(
        DEFAULT_EVENT_BUS, EVENTBRIDGE, bus_arn, envelope, envelope["id"], undelivered
    )


def _put_events(sent: SentVoiceMessage, record: dict[str, Any], when: datetime) -> str:
    # boto3 inside moto's mock: moto matches the default bus's rules and delivers to their targets.
    import boto3

    answer = boto3.client("events", region_name=sent.region).put_events(
        Entries=[
            {
                "Source": contract.EVENTBRIDGE_SOURCE,
                "DetailType": contract.EVENTBRIDGE_VOICE_DETAIL_TYPE,
                "Detail": json.dumps(record),
                "Time": when,
                "Resources": [],
            }
        ]
    )
    entry = answer["Entries"][0]
    if "EventId" not in entry:
        raise ValueError(f"EventBridge refused the event: {entry.get('ErrorMessage')}")
    event_id: str = entry["EventId"]
    return event_id


def _envelope(
    sent: SentVoiceMessage, record: dict[str, Any], when: datetime, event_id: str
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": contract.EVENTBRIDGE_VOICE_DETAIL_TYPE,
        "source": contract.EVENTBRIDGE_SOURCE,
        "account": sent.account_id,
        # EventBridge's envelope has the time to the second.
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": sent.region,
        "resources": [],
        "detail": record,
    }


def _moto_delivers(arn: str) -> bool:
    # The targets moto.events.models.Rule.send_to_targets serves: queues, log groups, archives,
    # buses and API destinations; it raises for any other.
    service = arn.split(":", 3)[2] if arn.count(":") >= 3 else ""
    return service in ("sqs", "logs", "events")


def _partition(region: str) -> str:
    """The ARN partition of a region (``aws``, ``aws-cn``, ``aws-us-gov``, ...)."""
    import botocore.session
    from botocore.exceptions import UnknownRegionError

    try:
        return str(botocore.session.get_session().get_partition_for_region(region))
    except UnknownRegionError:
        # A region botocore does not know yet (moto serves any name): the commercial partition.
        return "aws"


def _rules_with_unreachable_targets(sent: SentVoiceMessage) -> bool:
    return any(
        not _moto_delivers(target["Arn"])
        for rule in default_bus_rules(sent.account_id, sent.region)
        for target in rule.targets
    )


def _deliver_through_moto(
    sent: SentVoiceMessage, envelope: dict[str, Any], when: datetime
) -> tuple[str, ...]:
    """Deliver to what moto can reach of each matching rule; return the targets it cannot."""
    # The event as moto's put_events builds it for its rules (its time a number, which moto's
    # SQS and Logs delivery turn into the envelope's string).
    message = {**envelope, "time": when.timestamp(), "ingestion-time": time.time()}
    skipped: list[str] = []
    for rule in default_bus_rules(sent.account_id, sent.region):
        if not rule_matches(rule, message):
            continue
        arns = [target["Arn"] for target in rule.targets]
        skipped += [arn for arn in arns if not _moto_delivers(arn)]
        send_to_targets(rule, {arn for arn in arns if _moto_delivers(arn)}, message)
    return tuple(skipped)
