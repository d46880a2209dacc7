"""The contract between the constructs and the handlers: one definition of every shared name.

The handlers import this module; the constructs load it from the packaged runtime folder
(``voice_constructs._contract``), so a name, pattern or limit that both sides use is defined
here and nowhere else. Pure Python, standard library only: the constructs load it at synth time.
A contract test (``tests/infra/test_contract.py``) synthesizes every construct and checks that
each function gets exactly the environment its handler reads.
"""

from __future__ import annotations

from collections.abc import Sequence

# --- Environment variables, by the function that reads them -----------------------------------

ENV_LOG_LEVEL = "LOG_LEVEL"

# The sender (send_voice_message).
ENV_ORIGINATION_NUMBER = "ORIGINATION_NUMBER"
ENV_CALLER_ID = "CALLER_ID"
ENV_CONFIGURATION_SET_NAME = "CONFIGURATION_SET_NAME"
ENV_DEFAULT_LANGUAGE_CODE = "DEFAULT_LANGUAGE_CODE"
ENV_DEFAULT_VOICE_ID = "DEFAULT_VOICE_ID"
ENV_MAX_ATTEMPTS = "SEND_MAX_ATTEMPTS"
ENV_STATE_TABLE = "STATE_TABLE_NAME"
ENV_CALLS_PER_MINUTE = "MAX_CALLS_PER_MINUTE"
ENV_IDEMPOTENCY_WINDOW = "IDEMPOTENCY_WINDOW_SECONDS"
ENV_QUEUE_URL = "QUEUE_URL"
ENV_DEAD_LETTER_QUEUE_URL = "DEAD_LETTER_QUEUE_URL"
ENV_MAX_RECEIVES = "MAX_RECEIVE_COUNT"
ENV_API = "SMS_VOICE_API"
# The sender's own origination identities, comma-separated; pacing hands each message one of them.
ENV_ORIGINATION_IDENTITIES = "ORIGINATION_IDENTITIES"
# How many phone numbers each of those identities holds (a pool's numbers), in the same order:
# ``number_counts_value`` writes it, ``parse_number_counts`` reads it. Absent: one number each.
ENV_ORIGINATION_NUMBER_COUNTS = "ORIGINATION_NUMBER_COUNTS"
# The destination countries the sender may call (ISO 3166-1 alpha-2, comma-separated; or
# ANY_COUNTRY, or ORIGINATION_COUNTRIES), and with v2 the protect configuration every send names.
ENV_ALLOWED_COUNTRIES = "ALLOWED_COUNTRIES"
ENV_PROTECT_CONFIGURATION_ID = "PROTECT_CONFIGURATION_ID"
# The sender's cap on calls per UTC day (send_voice_message.daycap); absent: no cap.
ENV_CALLS_PER_DAY = "MAX_CALLS_PER_DAY"
SENDER_ENVIRONMENT = frozenset(
    {
        ENV_ALLOWED_COUNTRIES,
        ENV_PROTECT_CONFIGURATION_ID,
        ENV_ORIGINATION_NUMBER,
        ENV_ORIGINATION_IDENTITIES,
        ENV_ORIGINATION_NUMBER_COUNTS,
        ENV_CALLER_ID,
        ENV_CONFIGURATION_SET_NAME,
        ENV_DEFAULT_LANGUAGE_CODE,
        ENV_DEFAULT_VOICE_ID,
        ENV_MAX_ATTEMPTS,
        ENV_STATE_TABLE,
        ENV_CALLS_PER_MINUTE,
        ENV_CALLS_PER_DAY,
        ENV_IDEMPOTENCY_WINDOW,
        ENV_QUEUE_URL,
        ENV_DEAD_LETTER_QUEUE_URL,
        ENV_MAX_RECEIVES,
        ENV_API,
    }
)

# The call status tracker (call_status).
ENV_CALL_STATUS_TABLE = "CALL_STATUS_TABLE_NAME"
ENV_CALL_STATUS_RETENTION_DAYS = "CALL_STATUS_RETENTION_DAYS"
CALL_STATUS_ENVIRONMENT = frozenset({ENV_CALL_STATUS_TABLE, ENV_CALL_STATUS_RETENTION_DAYS})

# The custom resource handler reads no environment of the library's.
CUSTOM_RESOURCE_ENVIRONMENT: frozenset[str] = frozenset()

# The handler entry points, and the environment each reads (besides LOG_LEVEL).
SENDER_HANDLER = "send_voice_message.index.handler"
CALL_STATUS_HANDLER = "call_status.index.handler"
CUSTOM_RESOURCE_HANDLER = "custom_resource.index.on_event"
ENVIRONMENT_BY_HANDLER = {
    SENDER_HANDLER: SENDER_ENVIRONMENT,
    CALL_STATUS_HANDLER: CALL_STATUS_ENVIRONMENT,
    CUSTOM_RESOURCE_HANDLER: CUSTOM_RESOURCE_ENVIRONMENT,
}
# The packages of lambda_src each handler imports: its function's code asset holds these only.
PACKAGES_BY_HANDLER = {
    SENDER_HANDLER: ("send_voice_message", "vc_common"),
    CALL_STATUS_HANDLER: ("call_status", "vc_common"),
    CUSTOM_RESOURCE_HANDLER: (
        "custom_resource",
        "voice_channel",
        "configuration_set",
        "vc_common",
    ),
}

# --- APIs -----------------------------------------------------------------------------------

API_V1, API_V2 = "v1", "v2"
SERVICE_BY_API = {API_V1: "pinpoint-sms-voice", API_V2: "pinpoint-sms-voice-v2"}
# The service principal that delivers call events and assumes the delivery role.
SERVICE_PRINCIPAL = "sms-voice.amazonaws.com"

# --- Custom resource types ------------------------------------------------------------------

VOICE_CHANNEL_TYPE = "Custom::PinpointVoiceChannel"
CONFIGURATION_SET_TYPE = "Custom::VoiceConfigurationSet"

# --- Forms (regular expressions for ``re.fullmatch``) -----------------------------------------

# E.164: "+", a country digit, and 1 to 14 more digits.
E164 = r"\+[1-9][0-9]{1,14}"
# Amazon Polly's forms: "en-US", "cmn-CN", or a bare language such as "arb".
LANGUAGE_CODE = r"[a-z]{2,3}(-[A-Z]{2}(-[A-Z]{3})?)?"
VOICE_ID = r"[A-Z][A-Za-z]{1,31}"
# v1 configuration set and destination names.
CONFIGURATION_SET_NAME = r"[A-Za-z0-9_-]{1,64}"
CONFIGURATION_SET_NAME_FORM = "1-64 letters, digits, - or _"
# A generated configuration set name: the prefix, "-", and this many hexadecimal digits.
NAME_SUFFIX_LENGTH = 8
NAME_PREFIX_MAX = 64 - 1 - NAME_SUFFIX_LENGTH
# v2 origination identities: a phone number or pool, by id or ARN.
V2_IDENTITY_ID = r"(phone|pool)-[0-9A-Za-z]{32}"
V2_IDENTITY_ARN = (
    r"arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:[0-9]{12}:(phone-number/phone|pool/pool)-[0-9A-Za-z]{32}"
)

# allowed_countries' one value that lets the sender call every country (never its default).
ANY_COUNTRY = "*"
# ALLOWED_COUNTRIES' value when the construct could not read the origination numbers' countries
# at synth time (a token): the handler takes the countries of its ORIGINATION_IDENTITIES.
ORIGINATION_COUNTRIES = "origination"

# --- Limits of the service that both sides (and the fakes) enforce -----------------------

# At most this many voice messages to one recipient in 24 hours (the service's documented cap).
CALLS_PER_RECIPIENT_PER_DAY = 5
# Text lengths: spoken characters, and characters with SSML markup (what the sender checks
# before it calls; the fakes refuse the same).
MAX_SPOKEN_CHARACTERS = 3000
MAX_SSML_CHARACTERS = 6000
# How long the bulk queue and its dead-letter queue each keep a message.
QUEUE_RETENTION_DAYS = 14
# Time for a person to redrive a dead letter after the copy it came from: a copy redriven on the
# dead-letter queue's last day still finds the record of its message.
REDRIVE_MARGIN_DAYS = 1
# How long the ledger keeps the record of a queued message (sent, unknown or dead-lettered) after
# its last write: the bulk queue's and the dead-letter queue's retention and the margin, so that
# no copy of the message (a redelivery, a dead letter, a redriven copy) outlives its record.
QUEUED_RECORD_DAYS = 2 * QUEUE_RETENTION_DAYS + REDRIVE_MARGIN_DAYS
# Why the bulk path gave a message up: the FailureType attribute of its dead letter. The sender
# spells these where it raises and decides (send_voice_message.errors and .bulk); the command-line
# tool offers them as `queue redrive --type` (a test keeps the two lists equal).
# outcome_unknown: the call may have been placed; every other one placed no call.
DEAD_LETTER_FAILURE_TYPES = (
    "invalid",
    "access_denied",
    "rejected",
    "recipient_cap",
    "daily_cap",
    "quota_exceeded",
    "country_blocked",
    "retries_exhausted",
    "duplicate",
    "outcome_unknown",
)
# A queued message's identity, carried on every copy the library makes of it (its dead letters,
# their redriven copies): the SQS MessageId of the first message in the bulk queue.
LINEAGE_ATTRIBUTE = "SourceMessageId"

# --- The sender's client --------------------------------------------------------------------

# Worst case of one attempt: connecting, then waiting for the answer. The construct sizes the
# attempts (SEND_MAX_ATTEMPTS) so that all of them, and their back-off, fit in the timeout.
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5
MAX_BACKOFF_SECONDS = 20

# --- Pacing (send_voice_message.pacing) and the sizing that follows from it ----------------

# How far apart two calls' journeys from their reserved instant to the service may differ
# (service latency 150-600 ms, Lambda's wake-up, clock skew between hosts). Pacing spaces calls
# by this much more, so that the limits hold as the service sees the calls, not only as reserved.
LATENCY_SPREAD_SECONDS = 0.5
# The service's limit per origination phone number: one call a second.
SECONDS_PER_CALL_PER_NUMBER = 1.0
# One pacing item takes at most this many reservations a minute; above it, the account's
# slots are spread over several items (shards) so that no item is hot.
CALLS_PER_MINUTE_PER_PACING_SHARD = 600
# The time one queued message holds an invocation once its slot comes (the call's latency,
# the ledger's and recipient cap's writes): the per-call latency sizing assumes (Little's law).
SECONDS_PER_CALL = 0.75
# Concurrency beyond what Little's law gives, for the latency's spread and the poller's gaps.
CONCURRENCY_HEADROOM = 1.5


def slot_interval_us(calls_per_minute: int) -> int:
    """Microseconds between call slots: ``calls_per_minute + 1`` span over 60 s plus the spread.

    So no closed 60-second window at the service holds more than the quota, whatever each
    call's latency within the spread; rounding costs one microsecond a slot.
    """
    return round((60 + LATENCY_SPREAD_SECONDS) * 1_000_000) // calls_per_minute + 1


def number_spacing_us() -> int:
    """Microseconds between two calls from one number: its one second, plus the spread."""
    return round((SECONDS_PER_CALL_PER_NUMBER + LATENCY_SPREAD_SECONDS) * 1_000_000)


def identities_needed(calls_per_minute: int) -> int:
    """The fewest origination numbers that reach ``calls_per_minute`` at one call a second each.

    Pacing hands the slots to the numbers in turn (a pool's numbers each take a turn), so each
    is ``N`` slots apart: ``N`` must make that at least a second plus the spread.
    """
    return -(-number_spacing_us() // slot_interval_us(calls_per_minute))


def number_counts_value(counts: Sequence[int]) -> str | None:
    """``ENV_ORIGINATION_NUMBER_COUNTS``'s value for identities holding ``counts`` numbers each.

    None (the variable is left out) when every identity is one number.
    """
    if all(count == 1 for count in counts):
        return None
    return ",".join(str(count) for count in counts)


def parse_number_counts(value: str | None, identities: int) -> tuple[int, ...]:
    """How many numbers each of ``identities`` origination identities holds, from the variable.

    Raises ``ValueError`` naming the variable when it is not one whole number (at least 1) for
    each identity.
    """
    if value is None or not value.strip():
        return (1,) * identities
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != identities or not all(part.isdecimal() and int(part) >= 1 for part in parts):
        raise ValueError(
            f"{ENV_ORIGINATION_NUMBER_COUNTS} must give a whole number of at least 1 for each of "
            f"the {identities} origination identities, comma-separated, got {value[:40]!r}"
        )
    return tuple(int(part) for part in parts)


# --- Metrics (embedded metric format lines in the handlers' logs: vc_common.metrics) -------

METRICS_NAMESPACE = "VoiceConstructs"
# Every metric has one dimension: the name of the function that wrote it.
METRICS_DIMENSION = "FunctionName"
# A call the service accepted (it answered with a MessageId; a dry run is none).
METRIC_CALLS_PLACED = "CallsPlaced"

# --- Call events ----------------------------------------------------------------------------

# botocore's pinpoint-sms-voice model, EventType: what a v1 configuration set can deliver.
CALL_EVENT_TYPES = (
    "INITIATED_CALL",
    "RINGING",
    "ANSWERED",
    "COMPLETED_CALL",
    "BUSY",
    "FAILED",
    "NO_ANSWER",
)
# The same events under their v2 names (botocore's pinpoint-sms-voice-v2 model, EventType).
V2_EVENT_TYPES = {
    "INITIATED_CALL": "VOICE_INITIATED",
    "RINGING": "VOICE_RINGING",
    "ANSWERED": "VOICE_ANSWERED",
    "COMPLETED_CALL": "VOICE_COMPLETED",
    "BUSY": "VOICE_BUSY",
    "FAILED": "VOICE_FAILED",
    "NO_ANSWER": "VOICE_NO_ANSWER",
}
# v2 only: the call was never placed because its TimeToLive ran out.
V2_TTL_EXPIRED = ("VOICE_TTL_EXPIRED", "TTL_EXPIRED")

# The call status table's items (CallStatusTracker): one per MessageId.
CALL_STATUS_KEY = "MessageId"
CALL_STATUS = "Status"  # the furthest state the call reached, e.g. "ANSWERED"
CALL_STATUS_AT = "StatusAt"  # when it got there (ISO 8601, milliseconds, UTC)
CALL_STATUS_IS_FINAL = "IsFinal"


def call_event_seen_attribute(event_type: str) -> str:
    """The attribute holding when an event was first seen: ``RINGING`` -> ``RingingAt``."""
    return "".join(part.capitalize() for part in event_type.split("_")) + "At"


# --- v2 voices ------------------------------------------------------------------------------

# botocore's pinpoint-sms-voice-v2 model, VoiceId enum (a test holds this to the model).
V2_VOICE_IDS = frozenset(
    [
        "AMY",
        "ASTRID",
        "BIANCA",
        "BRIAN",
        "CAMILA",
        "CARLA",
        "CARMEN",
        "CELINE",
        "CHANTAL",
        "CONCHITA",
        "CRISTIANO",
        "DORA",
        "EMMA",
        "ENRIQUE",
        "EWA",
        "FILIZ",
        "GERAINT",
        "GIORGIO",
        "GWYNETH",
        "HANS",
        "INES",
        "IVY",
        "JACEK",
        "JAN",
        "JOANNA",
        "JOEY",
        "JUSTIN",
        "KARL",
        "KENDRA",
        "KIMBERLY",
        "LEA",
        "LIV",
        "LOTTE",
        "LUCIA",
        "LUPE",
        "MADS",
        "MAJA",
        "MARLENE",
        "MATHIEU",
        "MATTHEW",
        "MAXIM",
        "MIA",
        "MIGUEL",
        "MIZUKI",
        "NAJA",
        "NICOLE",
        "PENELOPE",
        "RAVEENA",
        "RICARDO",
        "RUBEN",
        "RUSSELL",
        "SALLI",
        "SEOYEON",
        "TAKUMI",
        "TATYANA",
        "VICKI",
        "VITORIA",
        "ZEINA",
        "ZHIYU",
    ]
)

# --- Call events through EventBridge (v2) ---------------------------------------------------

# AWS End User Messaging SMS and Voice puts every voice delivery status change on the account's
# default event bus (best effort), the ``detail`` shaped like a configuration set's event.
EVENTBRIDGE_SOURCE = "aws.sms-voice"
EVENTBRIDGE_VOICE_DETAIL_TYPE = "Voice Message Delivery Status Updated"

# --- Resource tags: how the command-line tool finds a deployed stack's parts ----------------

# The stack's name (the template's own AWS::StackName: CloudFormation's automatic
# aws:cloudformation:stack-name tag reaches some resource types only).
TAG_STACK = "voice-constructs:stack"
# Which part of the library a resource is, and the path of the construct that owns it.
TAG_COMPONENT = "voice-constructs:component"
TAG_CONSTRUCT = "voice-constructs:construct"
COMPONENT_SENDER = "sender"
COMPONENT_BULK_QUEUE = "bulk-queue"
COMPONENT_DEAD_LETTER_QUEUE = "dead-letter-queue"
COMPONENT_FAILURE_QUEUE = "failure-queue"
COMPONENT_CALL_STATUS_TABLE = "call-status-table"
# The API a sender uses (``v1``, ``v2``), on its function: the tool reads v2's spend limits.
TAG_API = "voice-constructs:api"
