"""The fakes validate every operation's input against botocore's service model (issue 15, item 2).

The checks come from the model (voice_constructs.testing.validation), so these tests hold the
derivation to the model and show that each kind of constraint is enforced through the wire, with
the service's own error naming the member. Clients skip botocore's own parameter validation, as
another SDK or a raw HTTP request would.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import Shape

from voice_constructs.testing import ServiceError, VoiceMock
from voice_constructs.testing import validation as derived
from voice_constructs.testing.pinpoint_voice.models import MODEL as PINPOINT_MODEL
from voice_constructs.testing.pinpoint_voice.responses import VOICE_CHANNEL_OPERATIONS
from voice_constructs.testing.sms_voice.models import MODEL as V1_MODEL
from voice_constructs.testing.sms_voice.responses import SMS_VOICE_OPERATIONS
from voice_constructs.testing.sms_voice_v2.models import MODEL as V2_MODEL
from voice_constructs.testing.sms_voice_v2.responses import SMS_VOICE_V2_OPERATIONS

REGION = "us-east-1"
ORIGIN = "+12065550100"
DESTINATION = "+12065550142"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:voice-events"
UNCHECKED = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, parameter_validation=False
)

FAKES = [
    pytest.param(V1_MODEL, SMS_VOICE_OPERATIONS, id="pinpoint-sms-voice"),
    pytest.param(V2_MODEL, SMS_VOICE_V2_OPERATIONS, id="pinpoint-sms-voice-v2"),
    pytest.param(PINPOINT_MODEL, VOICE_CHANNEL_OPERATIONS, id="pinpoint-voice-channel"),
]


def client(service: str) -> BaseClient:
    return boto3.client(service, region_name=REGION, config=UNCHECKED)  # type: ignore[call-overload,no-any-return]


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


# --- The derivation is the model's ---------------------------------------------------------------


def model_counts(service: str, operations: tuple[str, ...]) -> tuple[int, Counter[str]]:
    """Members and constraints of the operations' inputs, read from the model independently."""
    model = botocore.session.get_session().get_service_model(service)
    members = 0
    kinds: Counter[str] = Counter()

    def walk(shape: Shape, stack: tuple[str, ...]) -> None:
        nonlocal members
        if shape.name in stack:
            return
        if shape.type_name == "structure":
            children = [(m, n in shape.required_members) for n, m in shape.members.items()]  # type: ignore[attr-defined]
        elif shape.type_name == "list":
            children = [(shape.member, False)]  # type: ignore[attr-defined]
        elif shape.type_name == "map":
            children = [(shape.key, False), (shape.value, False)]  # type: ignore[attr-defined]
        else:
            children = []
        for child, required in children:
            members += 1
            kinds["type"] += 1
            kinds["required"] += required
            kinds["enum"] += bool(getattr(child, "enum", None))
            for constraint in ("min", "max", "pattern"):
                kinds[constraint] += constraint in child.metadata
            walk(child, (*stack, shape.name))

    for operation in operations:
        shape = model.operation_model(operation).input_shape
        if shape is not None:
            walk(shape, ())
    return members, kinds


@pytest.mark.parametrize(("validator", "operations"), FAKES)
def test_the_derived_checks_are_the_models(
    validator: derived.ModelValidator, operations: tuple[str, ...]
) -> None:
    counts = validator.counts(operations)
    members, kinds = model_counts(validator.service_name, operations)

    assert counts.operations == len(operations)
    assert counts.members == members
    assert counts.by_kind == {kind: kinds[kind] for kind in derived.CONSTRAINT_KINDS}
    assert counts.constraints == sum(kinds.values())
    # Every member has at least its type checked.
    assert counts.by_kind["type"] == counts.members > 0


def test_every_kind_of_constraint_is_derived_for_v2() -> None:
    counts = V2_MODEL.counts(SMS_VOICE_V2_OPERATIONS)

    assert all(counts.by_kind[kind] > 0 for kind in derived.CONSTRAINT_KINDS), counts.by_kind


def test_every_faked_operation_is_validated(
    voice_mock: VoiceMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    validated: list[tuple[str, str]] = []
    original = derived.ModelValidator.validate

    def recording(self: derived.ModelValidator, operation: str, *args: Any, **kwargs: Any) -> None:
        validated.append((self.service_name, operation))
        original(self, operation, *args, **kwargs)

    monkeypatch.setattr(derived.ModelValidator, "validate", recording)
    v1 = client("pinpoint-sms-voice")
    v1.create_configuration_set(ConfigurationSetName="alerts")
    v1.list_configuration_sets()
    destination = {"MatchingEventTypes": ["FAILED"], "SnsDestination": {"TopicArn": TOPIC_ARN}}
    v1.create_configuration_set_event_destination(
        ConfigurationSetName="alerts", EventDestinationName="sns", EventDestination=destination
    )
    v1.get_configuration_set_event_destinations(ConfigurationSetName="alerts")
    v1.update_configuration_set_event_destination(
        ConfigurationSetName="alerts", EventDestinationName="sns", EventDestination=destination
    )
    v1.send_voice_message(
        OriginationPhoneNumber=ORIGIN,
        DestinationPhoneNumber=DESTINATION,
        Content={"PlainTextMessage": {"Text": "hello"}},
    )
    v1.delete_configuration_set_event_destination(
        ConfigurationSetName="alerts", EventDestinationName="sns"
    )
    v1.delete_configuration_set(ConfigurationSetName="alerts")
    exercise_every_v2_operation(client("pinpoint-sms-voice-v2"))
    app = client("pinpoint").create_app(CreateApplicationRequest={"Name": "a"})
    app_id = app["ApplicationResponse"]["Id"]
    pinpoint = client("pinpoint")
    pinpoint.update_voice_channel(ApplicationId=app_id, VoiceChannelRequest={"Enabled": True})
    pinpoint.get_voice_channel(ApplicationId=app_id)
    pinpoint.delete_voice_channel(ApplicationId=app_id)

    expected = {
        *(("pinpoint-sms-voice", op) for op in SMS_VOICE_OPERATIONS),
        *(("pinpoint-sms-voice-v2", op) for op in SMS_VOICE_V2_OPERATIONS),
        *(("pinpoint", op) for op in VOICE_CHANNEL_OPERATIONS),
    }
    assert set(validated) == expected


def exercise_every_v2_operation(v2: BaseClient) -> None:
    """Each faked v2 operation once, valid, in an order that leaves nothing behind."""
    requested = {
        "IsoCountryCode": "US",
        "MessageType": "TRANSACTIONAL",
        "NumberCapabilities": ["SMS", "VOICE"],
        "NumberType": "LONG_CODE",
    }
    first = v2.request_phone_number(**requested)["PhoneNumberId"]
    v2.update_phone_number(PhoneNumberId=first, DeletionProtectionEnabled=False)
    v2.describe_phone_numbers(PhoneNumberIds=[first])
    pool = v2.create_pool(
        OriginationIdentity=first, IsoCountryCode="US", MessageType="TRANSACTIONAL"
    )["PoolId"]
    second = v2.request_phone_number(**requested)["PhoneNumberId"]
    v2.associate_origination_identity(PoolId=pool, OriginationIdentity=second, IsoCountryCode="US")
    v2.list_pool_origination_identities(PoolId=pool)
    v2.describe_pools(PoolIds=[pool])
    v2.create_configuration_set(ConfigurationSetName="alerts")
    sns = {"TopicArn": TOPIC_ARN}
    v2.create_event_destination(
        ConfigurationSetName="alerts",
        EventDestinationName="sns",
        MatchingEventTypes=["VOICE_ALL"],
        SnsDestination=sns,
    )
    v2.update_event_destination(
        ConfigurationSetName="alerts", EventDestinationName="sns", Enabled=False
    )
    v2.describe_configuration_sets(ConfigurationSetNames=["alerts"])
    protect = v2.create_protect_configuration()["ProtectConfigurationId"]
    v2.update_protect_configuration_country_rule_set(
        ProtectConfigurationId=protect,
        NumberCapability="VOICE",
        CountryRuleSetUpdates={"CU": {"ProtectStatus": "BLOCK"}},
    )
    v2.get_protect_configuration_country_rule_set(
        ProtectConfigurationId=protect, NumberCapability="VOICE"
    )
    v2.describe_protect_configurations(ProtectConfigurationIds=[protect])
    v2.send_voice_message(
        OriginationIdentity=pool,
        DestinationPhoneNumber=DESTINATION,
        MessageBody="hello",
        ConfigurationSetName="alerts",
        ProtectConfigurationId=protect,
    )
    v2.describe_spend_limits()
    v2.set_voice_message_spend_limit_override(MonthlyLimit=1)
    v2.delete_voice_message_spend_limit_override()
    v2.delete_event_destination(ConfigurationSetName="alerts", EventDestinationName="sns")
    v2.delete_configuration_set(ConfigurationSetName="alerts")
    v2.delete_protect_configuration(ProtectConfigurationId=protect)
    v2.disassociate_origination_identity(
        PoolId=pool, OriginationIdentity=second, IsoCountryCode="US"
    )
    v2.delete_pool(PoolId=pool)
    for number in (first, second):
        v2.release_phone_number(PhoneNumberId=number)


def test_importing_the_fakes_loads_no_service_model() -> None:
    code = (
        "import voice_constructs.testing\n"
        "from voice_constructs.testing import validation\n"
        "from voice_constructs.testing.sms_voice_v2.models import MODEL\n"
        "print(validation.service_model.cache_info().currsize, end=' ')\n"
        "MODEL.counts(('SendVoiceMessage',)); MODEL.counts(('SendVoiceMessage',))\n"
        "print(validation.service_model.cache_info().currsize)\n"
    )
    run = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )

    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["0", "1"]


# --- Each kind of constraint, enforced on the wire -----------------------------------------------


def v2_request(**extra: Any) -> dict[str, Any]:
    return {
        "DestinationPhoneNumber": DESTINATION,
        "OriginationIdentity": ORIGIN,
        "MessageBody": "hello",
        **extra,
    }


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        pytest.param(
            {"DestinationPhoneNumber": DESTINATION}, "OriginationIdentity", "is required",
            id="required",
        ),
        pytest.param(
            v2_request(OriginationIdentity=None), "OriginationIdentity", "is required",
            id="required-null",
        ),
        pytest.param(
            v2_request(MessageBody=42), "MessageBody", "must be a string", id="type-string",
        ),
        pytest.param(
            v2_request(TimeToLive="60"), "TimeToLive", "must be an integer", id="type-integer",
        ),
        pytest.param(
            v2_request(TimeToLive=60.5), "TimeToLive", "must be an integer", id="type-fraction",
        ),
        pytest.param(
            v2_request(TimeToLive=True), "TimeToLive", "must be an integer", id="type-bool-int",
        ),
        pytest.param(
            v2_request(DryRun="yes"), "DryRun", "must be true or false", id="type-boolean",
        ),
        pytest.param(
            v2_request(MessageBodyTextType="HTML"), "MessageBodyTextType",
            "must be one of 'TEXT', 'SSML'", id="enum-listed",
        ),
        pytest.param(
            v2_request(VoiceId="Joanna"), "VoiceId",
            "must be one of the 59 values of VoiceId; did you mean 'JOANNA'?", id="enum-case",
        ),
        pytest.param(
            v2_request(VoiceId="JOANA"), "VoiceId",
            "must be one of the 59 values of VoiceId; did you mean 'JOANNA'?", id="enum-near",
        ),
        pytest.param(
            v2_request(VoiceId="NOBODY"), "VoiceId", "must be one of the 59 values of VoiceId",
            id="enum-far",
        ),
        pytest.param(
            v2_request(OriginationIdentity=""), "OriginationIdentity",
            "must be 1-256 characters, got 0", id="min-length",
        ),
        pytest.param(
            v2_request(ConfigurationSetName="c" * 257), "ConfigurationSetName",
            "must be 1-256 characters, got 257", id="max-length",
        ),
        pytest.param(
            v2_request(TimeToLive=4), "TimeToLive", "must be between 5 and 259200",
            id="range-low",
        ),
        pytest.param(
            v2_request(TimeToLive=259_201), "TimeToLive", "must be between 5 and 259200",
            id="range-high",
        ),
        pytest.param(
            v2_request(Context={str(n): "v" for n in range(6)}), "Context",
            "must have 0-5 entries, got 6", id="map-size",
        ),
        pytest.param(
            v2_request(ProtectConfigurationId="has space"), "ProtectConfigurationId",
            "must match [A-Za-z0-9_:/-]+", id="pattern",
        ),
        pytest.param(
            v2_request(MaxPricePerMinute="1.2.3"), "MaxPricePerMinute",
            r"must match [0-9]{0,2}\.[0-9]{1,5}", id="pattern-whole-value",
        ),
        pytest.param(
            v2_request(Context={"order id": "42"}), "Context", r"keys must match \S+",
            id="map-key-pattern",
        ),
        pytest.param(
            v2_request(Context={"k" * 101: "42"}), "Context",
            "keys must be 1-100 characters, got 101", id="map-key-length",
        ),
        pytest.param(
            v2_request(Context={"order": " 42"}), "Context",
            r"values must match (?!\s)^[\s\S]+(?<!\s)", id="map-value-pattern",
        ),
        pytest.param(
            v2_request(Context={"order": 42}), "Context", "values must be a string",
            id="map-value-type",
        ),
    ],
)  # fmt: skip
def test_fails_v2_requests_the_model_refuses(
    voice_mock: VoiceMock, body: dict[str, Any], field: str, problem: str
) -> None:
    v2 = client("pinpoint-sms-voice-v2")
    with pytest.raises(v2.exceptions.ValidationException) as excinfo:
        v2.send_voice_message(**body)

    response: Any = excinfo.value.response
    assert error_of(excinfo) == ("ValidationException", f"{field}: {problem}")
    assert response["Reason"] == "FIELD_VALIDATION_FAILED"
    assert response["Fields"] == [{"Name": field, "Message": problem}]
    assert voice_mock.sent_messages(api="v2") == []


def test_v2_accepts_the_models_limits(voice_mock: VoiceMock) -> None:
    voice_mock.adopt_phone_number(ORIGIN)
    voice_mock.adopt_configuration_set("c" * 64)
    body = v2_request(
        TimeToLive=5,
        Context={str(n): "v" * 800 for n in range(5)},
        ConfigurationSetName="c" * 64,
        MaxPricePerMinute="12.34567",
        MessageBodyTextType="SSML",
        VoiceId="JOANNA",
        DryRun=False,
        MessageFeedbackEnabled=True,
    )
    client("pinpoint-sms-voice-v2").send_voice_message(**body)

    assert [m.request for m in voice_mock.sent_messages(api="v2")] == [body]


def test_v2_takes_a_configuration_set_of_the_models_longest_and_looks_it_up(
    voice_mock: VoiceMock,
) -> None:
    # 256 characters pass the model (a name or an ARN); no set has so long a name or ARN.
    voice_mock.adopt_phone_number(ORIGIN)
    v2 = client("pinpoint-sms-voice-v2")
    with pytest.raises(v2.exceptions.ResourceNotFoundException) as excinfo:
        v2.send_voice_message(**v2_request(ConfigurationSetName="c" * 256))

    assert excinfo.value.response["ResourceType"] == "configuration-set"
    assert voice_mock.sent_messages(api="v2") == []


def test_fails_a_number_out_of_range_without_quoting_it(voice_mock: VoiceMock) -> None:
    with pytest.raises(ClientError) as excinfo:
        client("pinpoint-sms-voice-v2").send_voice_message(**v2_request(TimeToLive=12065550142))

    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "TimeToLive" in message
    assert "0142" not in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            {"PlainTextMessage": {"Text": "hello", "VoiceId": 5}},
            "Content.PlainTextMessage.VoiceId must be a string", id="nested-type",
        ),
    ],
)  # fmt: skip
def test_fails_v1_sends_the_model_refuses(
    voice_mock: VoiceMock, content: object, message: str
) -> None:
    v1 = client("pinpoint-sms-voice")
    with pytest.raises(v1.exceptions.BadRequestException) as excinfo:
        v1.send_voice_message(
            OriginationPhoneNumber=ORIGIN, DestinationPhoneNumber=DESTINATION, Content=content
        )

    assert error_of(excinfo) == ("BadRequestException", message)
    assert voice_mock.sent_messages() == []


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        pytest.param(
            {"Enabled": "yes", "MatchingEventTypes": ["FAILED"],
             "SnsDestination": {"TopicArn": TOPIC_ARN}},
            "EventDestination.Enabled must be true or false", id="boolean",
        ),
        pytest.param(
            {"MatchingEventTypes": ["FAILED", "failed"], "SnsDestination": {"TopicArn": TOPIC_ARN}},
            "EventDestination.MatchingEventTypes[1] must be one of 'INITIATED_CALL', 'RINGING', "
            "'ANSWERED', 'COMPLETED_CALL', 'BUSY', 'FAILED', 'NO_ANSWER'; did you mean 'FAILED'?",
            id="list-item-enum",
        ),
        pytest.param(
            {"MatchingEventTypes": ["FAILED"], "SnsDestination": {"TopicArn": 7}},
            "EventDestination.SnsDestination.TopicArn must be a string", id="nested-string",
        ),
    ],
)  # fmt: skip
def test_fails_v1_event_destinations_the_model_refuses(
    voice_mock: VoiceMock, destination: dict[str, Any], message: str
) -> None:
    v1 = client("pinpoint-sms-voice")
    v1.create_configuration_set(ConfigurationSetName="alerts")
    with pytest.raises(v1.exceptions.BadRequestException) as excinfo:
        v1.create_configuration_set_event_destination(
            ConfigurationSetName="alerts", EventDestinationName="bad", EventDestination=destination
        )

    assert error_of(excinfo) == ("BadRequestException", message)
    assert voice_mock.sms_voice().configuration_sets["alerts"].destinations == {}


def test_fails_a_voice_channel_update_the_model_refuses(voice_mock: VoiceMock) -> None:
    pinpoint = client("pinpoint")
    app_id = pinpoint.create_app(CreateApplicationRequest={"Name": "a"})["ApplicationResponse"][
        "Id"
    ]

    with pytest.raises(pinpoint.exceptions.BadRequestException) as excinfo:
        pinpoint.update_voice_channel(ApplicationId=app_id, VoiceChannelRequest={"Enabled": 1})

    assert error_of(excinfo) == (
        "BadRequestException",
        "VoiceChannelRequest.Enabled must be true or false",
    )
    assert voice_mock.voice_channel(app_id) is None


# --- Shapes botocore cannot put on the wire (its serializer needs the right type) ---------------


SET_PATH = {"ConfigurationSetName": "alerts"}


@pytest.mark.parametrize(
    ("validator", "operation", "body", "path", "message"),
    [
        pytest.param(
            V2_MODEL, "SendVoiceMessage", v2_request(Context=["a"]), {},
            "Context: must be an object (a map)", id="v2-map",
        ),
        pytest.param(
            V1_MODEL, "SendVoiceMessage", {"Content": "hello"}, {}, "Content must be an object",
            id="v1-structure",
        ),
        pytest.param(
            V1_MODEL, "SendVoiceMessage", {"Content": {"SSMLMessage": "<speak>hi</speak>"}}, {},
            "Content.SSMLMessage must be an object", id="v1-nested-structure",
        ),
        pytest.param(
            V1_MODEL, "CreateConfigurationSetEventDestination",
            {"EventDestination": {"MatchingEventTypes": "FAILED"}}, SET_PATH,
            "EventDestination.MatchingEventTypes must be a list", id="v1-list",
        ),
        pytest.param(
            V1_MODEL, "CreateConfigurationSetEventDestination",
            {"EventDestination": {"MatchingEventTypes": ["FAILED"]}}, {},
            "ConfigurationSetName is required", id="v1-uri-label-required",
        ),
        pytest.param(
            PINPOINT_MODEL, "GetVoiceChannel", {}, {}, "ApplicationId is required",
            id="pinpoint-uri-label-required",
        ),
    ],
)  # fmt: skip
def test_fails_shapes_of_the_wrong_type(
    validator: derived.ModelValidator,
    operation: str,
    body: dict[str, Any],
    path: dict[str, str],
    message: str,
) -> None:
    with pytest.raises(ServiceError) as excinfo:
        validator.validate(operation, body, path=path)

    assert excinfo.value.message == message
    assert excinfo.value.status == 400
    expected = "ValidationException" if validator is V2_MODEL else "BadRequestException"
    assert excinfo.value.code == expected


def test_fails_null_items_and_map_values() -> None:
    with pytest.raises(ServiceError) as excinfo:
        V2_MODEL.validate("SendVoiceMessage", v2_request(Context={"order": None}))
    assert excinfo.value.message == "Context: values must not be null"

    with pytest.raises(ServiceError) as excinfo:
        V1_MODEL.validate(
            "CreateConfigurationSetEventDestination",
            {"EventDestination": {"MatchingEventTypes": ["FAILED", None]}},
            path=SET_PATH,
        )
    assert excinfo.value.message == "EventDestination.MatchingEventTypes[1] must not be null"


def test_patterns_read_whitespace_as_java_does() -> None:
    # Java's \s is ASCII whitespace: a value padded with a no-break space passes ContextValue's
    # pattern, one padded with a tab does not.
    V2_MODEL.validate("SendVoiceMessage", v2_request(Context={"order": "\u00a042"}))
    with pytest.raises(ServiceError, match="values must match"):
        V2_MODEL.validate("SendVoiceMessage", v2_request(Context={"order": "\t42"}))


def test_members_the_model_does_not_know_are_ignored() -> None:
    V2_MODEL.validate("SendVoiceMessage", v2_request(UnknownMember={"any": ["thing"]}))


def test_uri_labels_are_read_from_the_path() -> None:
    PINPOINT_MODEL.validate("UpdateVoiceChannel", {"Enabled": True}, path={"application-id": "a"})
    with pytest.raises(ServiceError) as excinfo:
        # The body's member of that name is not where the model puts the label.
        PINPOINT_MODEL.validate("UpdateVoiceChannel", {"ApplicationId": "a"})
    assert excinfo.value.message == "ApplicationId is required"
