"""The configuration set custom resource handler, against moto with the project's voice fakes."""

from __future__ import annotations

import copy
import logging
import re
import types
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from configuration_set import index as config_set

from tests.conftest import LambdaContext
from tests.handlers.conftest import SIM_START, RecordingClock, SimClock
from voice_constructs._provider import HANDLER_TIMEOUT
from voice_constructs.testing import VoiceMock

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
SET_NAME = "voice-events"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:voice-call-events"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/voice-events-delivery"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/voice/call-events"
STREAM_ARN = f"arn:aws:firehose:{REGION}:{ACCOUNT_ID}:deliverystream/voice-call-events"
ALL_EVENTS = sorted(config_set.EVENT_TYPES)
RESPONSE_URL = (
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
    "arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/Sample/0000"
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAFAKEFAKEFAKE"
    "&X-Amz-Signature=SECRETSIGNATURE0123456789abcdef"
)
WRITES = (
    "CreateConfigurationSetEventDestination",
    "UpdateConfigurationSetEventDestination",
    "DeleteConfigurationSetEventDestination",
)


@pytest.fixture
def sleeps(voice_mock: VoiceMock, retry_sleeps: list[float]) -> list[float]:
    """The handler's pauses between destination writes, recorded instead of slept."""
    recorded: list[float] = []
    # A client created under the mock, as the container creates it at start-up: one attempt per
    # call, the handler's own retries doing the rest.
    client = boto3.client("pinpoint-sms-voice", config=config_set.RETRY.config())
    config_set.set_client(client, clock=RecordingClock(recorded))
    return recorded


def sns(name: str = "Sns", **extra: Any) -> dict[str, Any]:
    return {"Name": name, "Enabled": "true", "SnsDestination": {"TopicArn": TOPIC_ARN}, **extra}


def logs(name: str = "Logs", **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Enabled": "true",
        "CloudWatchLogsDestination": {"IamRoleArn": ROLE_ARN, "LogGroupArn": LOG_GROUP_ARN},
        **extra,
    }


def firehose(name: str = "Firehose", **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Enabled": "true",
        "KinesisFirehoseDestination": {"DeliveryStreamArn": STREAM_ARN, "IamRoleArn": ROLE_ARN},
        **extra,
    }


def event(
    request_type: str,
    destinations: list[dict[str, Any]],
    name: str = SET_NAME,
    physical_id: str | None = None,
    old: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A CloudFormation event as the provider framework hands it to the handler."""
    data: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:framework-onEvent",
        "ResponseURL": RESPONSE_URL,
        "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/Sample/0000",
        "RequestId": "11111111-1111-4111-8111-111111111111",
        "LogicalResourceId": "VoiceConfigurationSet",
        "ResourceType": "Custom::VoiceConfigurationSet",
        "ResourceProperties": {
            "ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:framework-onEvent",
            "ConfigurationSetName": name,
            "EventDestinations": copy.deepcopy(destinations),
        },
    }
    if request_type != "Create":
        data["PhysicalResourceId"] = name if physical_id is None else physical_id
    if request_type == "Update":
        data["OldResourceProperties"] = old or {"ConfigurationSetName": data["PhysicalResourceId"]}
    return data


def stored(voice_mock: VoiceMock, name: str = SET_NAME) -> dict[str, dict[str, Any]]:
    """The destinations the fake holds for a set, event types sorted."""
    destinations = voice_mock.sms_voice().configuration_sets[name].destinations
    return {
        dest: {**value, "MatchingEventTypes": sorted(value["MatchingEventTypes"])}
        for dest, value in destinations.items()
    }


def writes(voice_mock: VoiceMock) -> list[tuple[str, str]]:
    """Every destination write the fake received, as (operation, destination name)."""
    calls = [call for op in WRITES for call in voice_mock.calls(op)]
    calls.sort(key=lambda call: call.at)
    result = []
    for call in calls:
        dest = call.body.get("EventDestinationName")
        result.append((call.operation, dest if dest is not None else "?"))
    return result


def write_counts(voice_mock: VoiceMock) -> dict[str, int]:
    return {op: len(voice_mock.calls(op)) for op in WRITES}


def create(
    destinations: list[dict[str, Any]], context: LambdaContext, name: str = SET_NAME
) -> dict[str, Any]:
    return config_set.on_event(event("Create", destinations, name=name), context)


# --- Create ---------------------------------------------------------------------------------


def test_create_with_sns_logs_and_firehose_destinations(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    result = create([sns(), logs(), firehose()], lambda_context)

    assert result == {"PhysicalResourceId": SET_NAME, "Data": {"ConfigurationSetName": SET_NAME}}
    assert stored(voice_mock) == {
        "Sns": {
            "Enabled": True,
            "MatchingEventTypes": ALL_EVENTS,
            "SnsDestination": {"TopicArn": TOPIC_ARN},
        },
        "Logs": {
            "Enabled": True,
            "MatchingEventTypes": ALL_EVENTS,
            "CloudWatchLogsDestination": {"IamRoleArn": ROLE_ARN, "LogGroupArn": LOG_GROUP_ARN},
        },
        "Firehose": {
            "Enabled": True,
            "MatchingEventTypes": ALL_EVENTS,
            "KinesisFirehoseDestination": {"DeliveryStreamArn": STREAM_ARN, "IamRoleArn": ROLE_ARN},
        },
    }
    assert [c.body for c in voice_mock.calls("CreateConfigurationSet")] == [
        {"ConfigurationSetName": SET_NAME}
    ]
    assert [op for op, _ in writes(voice_mock)] == ["CreateConfigurationSetEventDestination"] * 3
    # Three writes: two pauses of the documented interval, none before the first.
    assert sleeps == [1.0, 1.0]


def test_create_without_destinations_makes_only_the_set(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    props = event("Create", [])
    del props["ResourceProperties"]["EventDestinations"]

    result = config_set.on_event(props, lambda_context)

    assert result["PhysicalResourceId"] == SET_NAME
    assert stored(voice_mock) == {}
    assert writes(voice_mock) == []
    assert sleeps == []


def test_create_keeps_chosen_event_types_and_boolean_enabled(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create(
        [sns(Enabled=True, MatchingEventTypes=["NO_ANSWER", "COMPLETED_CALL", "BUSY", "FAILED"])],
        lambda_context,
    )

    assert stored(voice_mock)["Sns"]["MatchingEventTypes"] == [
        "BUSY",
        "COMPLETED_CALL",
        "FAILED",
        "NO_ANSWER",
    ]
    assert stored(voice_mock)["Sns"]["Enabled"] is True
    assert sleeps == []


@pytest.mark.parametrize("enabled", ["false", "False", False])
def test_create_a_disabled_destination(
    enabled: object, voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns(Enabled=enabled), logs()], lambda_context)

    assert stored(voice_mock)["Sns"]["Enabled"] is False
    assert stored(voice_mock)["Logs"]["Enabled"] is True
    assert sleeps == [1.0]


def test_fails_create_when_the_set_already_exists(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    boto3.client("pinpoint-sms-voice").create_configuration_set(ConfigurationSetName=SET_NAME)

    with pytest.raises(config_set.ConfigurationSetError, match="already exists") as failure:
        create([sns()], lambda_context)

    assert SET_NAME in str(failure.value)
    assert failure.value.__cause__ is None
    assert writes(voice_mock) == []
    assert stored(voice_mock) == {}


# --- Update ---------------------------------------------------------------------------------


def test_update_of_event_types_updates_in_place(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns(), logs()], lambda_context)
    before = write_counts(voice_mock)
    sleeps.clear()

    changed = sns(MatchingEventTypes=["COMPLETED_CALL", "FAILED"])
    result = config_set.on_event(event("Update", [changed, logs()]), lambda_context)

    assert result == {"PhysicalResourceId": SET_NAME, "Data": {"ConfigurationSetName": SET_NAME}}
    after = write_counts(voice_mock)
    assert after["UpdateConfigurationSetEventDestination"] == 1
    assert (
        after["CreateConfigurationSetEventDestination"]
        == before["CreateConfigurationSetEventDestination"]
    )
    assert after["DeleteConfigurationSetEventDestination"] == 0
    update = voice_mock.calls("UpdateConfigurationSetEventDestination")[0]
    assert update.status == 200
    assert sorted(update.body["EventDestination"]["MatchingEventTypes"]) == [
        "COMPLETED_CALL",
        "FAILED",
    ]
    assert stored(voice_mock)["Sns"]["MatchingEventTypes"] == ["COMPLETED_CALL", "FAILED"]
    assert stored(voice_mock)["Logs"]["MatchingEventTypes"] == ALL_EVENTS
    assert sleeps == []
    # Still the same set: no new one created, none deleted.
    assert len(voice_mock.calls("CreateConfigurationSet")) == 1
    assert voice_mock.calls("DeleteConfigurationSet") == []


def test_update_adds_and_removes_destinations_as_a_diff(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns(), logs()], lambda_context)
    voice_mock.sms_voice().calls.clear()
    sleeps.clear()

    config_set.on_event(event("Update", [sns(), firehose()]), lambda_context)

    assert sorted(writes(voice_mock)) == [
        ("CreateConfigurationSetEventDestination", "Firehose"),
        ("DeleteConfigurationSetEventDestination", "?"),
    ]
    [deleted] = voice_mock.calls("DeleteConfigurationSetEventDestination")
    assert deleted.status == 200
    assert set(stored(voice_mock)) == {"Sns", "Firehose"}
    assert voice_mock.calls("UpdateConfigurationSetEventDestination") == []
    assert sleeps == [1.0]


def test_update_disables_a_destination(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns(), logs()], lambda_context)
    voice_mock.sms_voice().calls.clear()
    sleeps.clear()

    config_set.on_event(event("Update", [sns(Enabled="false"), logs()]), lambda_context)

    assert writes(voice_mock) == [("UpdateConfigurationSetEventDestination", "?")]
    assert stored(voice_mock)["Sns"]["Enabled"] is False
    assert stored(voice_mock)["Logs"]["Enabled"] is True
    assert sleeps == []


def test_update_changes_the_destination_kind_in_place(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns(name="Events")], lambda_context)
    voice_mock.sms_voice().calls.clear()

    config_set.on_event(event("Update", [logs(name="Events")]), lambda_context)

    assert writes(voice_mock) == [("UpdateConfigurationSetEventDestination", "?")]
    assert stored(voice_mock)["Events"] == {
        "Enabled": True,
        "MatchingEventTypes": ALL_EVENTS,
        "CloudWatchLogsDestination": {"IamRoleArn": ROLE_ARN, "LogGroupArn": LOG_GROUP_ARN},
    }


def test_unchanged_update_makes_no_writes(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    # Event types in another order, and Enabled as a bool instead of "true": still unchanged.
    create([sns(MatchingEventTypes=["RINGING", "ANSWERED"]), logs(), firehose()], lambda_context)
    voice_mock.sms_voice().calls.clear()
    sleeps.clear()

    same = [sns(MatchingEventTypes=["ANSWERED", "RINGING"], Enabled=True), logs(), firehose()]
    result = config_set.on_event(event("Update", same), lambda_context)

    assert result["PhysicalResourceId"] == SET_NAME
    assert writes(voice_mock) == []
    assert [c.status for c in voice_mock.calls("GetConfigurationSetEventDestinations")] == [200]
    assert sleeps == []


def test_update_to_a_new_name_creates_a_new_set_and_leaves_the_old_until_delete(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns(), logs()], lambda_context)
    old = stored(voice_mock)
    sleeps.clear()

    rename = event("Update", [sns()], name="voice-events-v2", physical_id=SET_NAME)
    result = config_set.on_event(rename, lambda_context)

    assert result == {
        "PhysicalResourceId": "voice-events-v2",
        "Data": {"ConfigurationSetName": "voice-events-v2"},
    }
    sets = voice_mock.sms_voice().configuration_sets
    assert set(sets) == {SET_NAME, "voice-events-v2"}
    assert stored(voice_mock, "voice-events-v2") == {
        "Sns": {
            "Enabled": True,
            "MatchingEventTypes": ALL_EVENTS,
            "SnsDestination": {"TopicArn": TOPIC_ARN},
        }
    }
    assert stored(voice_mock) == old  # the old set is untouched
    assert voice_mock.calls("DeleteConfigurationSetEventDestination") == []
    assert voice_mock.calls("DeleteConfigurationSet") == []
    assert sleeps == []

    # CloudFormation's clean-up: Delete with the old physical id and the new properties.
    cleanup = event("Delete", [sns()], name="voice-events-v2", physical_id=SET_NAME)
    config_set.on_event(cleanup, lambda_context)

    assert set(sets) == {"voice-events-v2"}


def test_update_recreates_a_set_deleted_out_of_band(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    # The set is gone (deleted by hand): the update, or a rollback to the old properties, makes
    # it again rather than failing into UPDATE_ROLLBACK_FAILED.
    result = config_set.on_event(event("Update", [sns(), logs()]), lambda_context)

    assert result["PhysicalResourceId"] == SET_NAME
    assert sorted(stored(voice_mock)) == ["Logs", "Sns"]
    assert len(voice_mock.calls("CreateConfigurationSet")) == 1


# --- Delete ---------------------------------------------------------------------------------


def test_delete_removes_the_set(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns(), logs()], lambda_context)

    result = config_set.on_event(event("Delete", [sns(), logs()]), lambda_context)

    assert result == {"PhysicalResourceId": SET_NAME}
    assert SET_NAME not in voice_mock.sms_voice().configuration_sets
    assert [c.status for c in voice_mock.calls("DeleteConfigurationSet")] == [200]


def test_delete_twice_succeeds(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns()], lambda_context)
    config_set.on_event(event("Delete", [sns()]), lambda_context)

    result = config_set.on_event(event("Delete", [sns()]), lambda_context)

    assert result == {"PhysicalResourceId": SET_NAME}
    assert [c.status for c in voice_mock.calls("DeleteConfigurationSet")] == [200, 404]


@pytest.mark.parametrize(
    "physical_id",
    ["AWSCDK::CustomResourceProviderFramework::CREATE_FAILED", "", "name with spaces"],
)
def test_delete_with_a_physical_id_that_is_not_a_name_makes_no_call(
    physical_id: str, voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    result = config_set.on_event(event("Delete", [sns()], physical_id=physical_id), lambda_context)

    assert result == {"PhysicalResourceId": physical_id}
    assert voice_mock.sms_voice().calls == []


def test_fails_delete_on_a_service_fault(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns()], lambda_context)
    voice_mock.fail_next("DeleteConfigurationSet", status=400, message="set is in use")

    with pytest.raises(config_set.ConfigurationSetError) as failure:
        config_set.on_event(event("Delete", [sns()]), lambda_context)

    assert str(failure.value) == (
        "DeleteConfigurationSet failed for 'voice-events': BadRequestException: set is in use"
    )
    assert SET_NAME in voice_mock.sms_voice().configuration_sets


# --- Validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        (
            {"Name": "Sns", "SnsDestination": {"TopicArn": "voice-call-events"}},
            "EventDestinations[1] (Sns).SnsDestination.TopicArn must be an SNS topic ARN, "
            "got 'voice-call-events'",
        ),
        (
            {
                "Name": "Logs",
                "CloudWatchLogsDestination": {
                    "IamRoleArn": ROLE_ARN,
                    "LogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:/voice/call-events",
                },
            },
            "EventDestinations[1] (Logs).CloudWatchLogsDestination.LogGroupArn must be a "
            "CloudWatch Logs log group ARN, "
            f"got 'arn:aws:logs:{REGION}:{ACCOUNT_ID}:/voice/call-events'",
        ),
        (
            {
                "Name": "Logs",
                "CloudWatchLogsDestination": {
                    "IamRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:user/deployer",
                    "LogGroupArn": LOG_GROUP_ARN,
                },
            },
            "EventDestinations[1] (Logs).CloudWatchLogsDestination.IamRoleArn must be an IAM "
            f"role ARN, got 'arn:aws:iam::{ACCOUNT_ID}:user/deployer'",
        ),
        (
            {
                "Name": "Firehose",
                "KinesisFirehoseDestination": {
                    "DeliveryStreamArn": f"arn:aws:kinesis:{REGION}:{ACCOUNT_ID}:stream/events",
                    "IamRoleArn": ROLE_ARN,
                },
            },
            "EventDestinations[1] (Firehose).KinesisFirehoseDestination.DeliveryStreamArn must "
            "be a Kinesis Data Firehose delivery stream ARN, "
            f"got 'arn:aws:kinesis:{REGION}:{ACCOUNT_ID}:stream/events'",
        ),
        (
            {
                "Name": "Firehose",
                "KinesisFirehoseDestination": {
                    "DeliveryStreamArn": STREAM_ARN,
                    "IamRoleArn": "voice-events-delivery",
                },
            },
            "EventDestinations[1] (Firehose).KinesisFirehoseDestination.IamRoleArn must be an "
            "IAM role ARN, got 'voice-events-delivery'",
        ),
        (
            {"Name": "Sns", "SnsDestination": {}},
            "EventDestinations[1] (Sns) must have exactly one of "
            "['CloudWatchLogsDestination', 'KinesisFirehoseDestination', 'SnsDestination']",
        ),
        (
            {"Name": "Sns", "SnsDestination": {"Arn": TOPIC_ARN}},
            "EventDestinations[1] (Sns).SnsDestination.TopicArn must be an SNS topic ARN, got None",
        ),
    ],
    ids=[
        "topic",
        "log-group",
        "logs-role",
        "delivery-stream",
        "firehose-role",
        "empty",
        "missing-topic",
    ],
)
def test_fails_for_a_bad_destination_arn_without_creating_the_set(
    destination: dict[str, Any],
    message: str,
    voice_mock: VoiceMock,
    sleeps: list[float],
    lambda_context: LambdaContext,
) -> None:
    with pytest.raises(config_set.ConfigurationSetError) as failure:
        create([logs(name="Good"), destination], lambda_context)

    assert str(failure.value) == message
    assert voice_mock.sms_voice().configuration_sets == {}
    assert voice_mock.sms_voice().calls == []


@pytest.mark.parametrize(
    ("destinations", "message"),
    [
        (
            [sns(name=f"Sns{i}") for i in range(11)],
            "EventDestinations may hold at most 10 destinations, got 11",
        ),
        (
            [sns(name="Events"), logs(name="Events")],
            "EventDestinations[1].Name 'Events' is used twice",
        ),
        (
            [sns(MatchingEventTypes=["RINGING", "TEXT_DELIVERED"])],
            "EventDestinations[0] (Sns).MatchingEventTypes must be among "
            f"{list(config_set.EVENT_TYPES)}, got ['TEXT_DELIVERED']",
        ),
        (
            [sns(MatchingEventTypes="RINGING")],
            "EventDestinations[0] (Sns).MatchingEventTypes must be among "
            f"{list(config_set.EVENT_TYPES)}, got 'RINGING'",
        ),
        (
            [sns(Enabled="yes")],
            "EventDestinations[0] (Sns).Enabled must be true or false, got 'yes'",
        ),
        (
            [{**sns(), "CloudWatchLogsDestination": logs()["CloudWatchLogsDestination"]}],
            "EventDestinations[0] (Sns) must have exactly one of "
            "['CloudWatchLogsDestination', 'KinesisFirehoseDestination', 'SnsDestination']",
        ),
        (
            [sns(name="call events")],
            "EventDestinations[0].Name must be 1-64 letters, digits, - or _, got 'call events'",
        ),
        ("Sns", "EventDestinations must be a list"),
    ],
    ids=[
        "eleven",
        "duplicate-name",
        "unknown-event-type",
        "event-types-not-a-list",
        "enabled",
        "two-kinds",
        "bad-name",
        "not-a-list",
    ],
)
def test_fails_for_bad_destinations_without_creating_the_set(
    destinations: Any,
    message: str,
    voice_mock: VoiceMock,
    sleeps: list[float],
    lambda_context: LambdaContext,
) -> None:
    with pytest.raises(config_set.ConfigurationSetError) as failure:
        create(destinations, lambda_context)

    assert str(failure.value) == message
    assert voice_mock.sms_voice().configuration_sets == {}
    assert voice_mock.sms_voice().calls == []


def test_ten_destinations_are_allowed(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns(name=f"Sns{i}") for i in range(10)], lambda_context)

    assert len(stored(voice_mock)) == 10
    assert sleeps == [1.0] * 9


@pytest.mark.parametrize("name", ["", "voice events", "x" * 65, None])
def test_fails_for_a_bad_set_name(
    name: object, voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    props = event("Create", [sns()])
    props["ResourceProperties"]["ConfigurationSetName"] = name

    with pytest.raises(
        config_set.ConfigurationSetError,
        match=r"^ConfigurationSetName must be 1-64 letters, digits, - or _, got ",
    ):
        config_set.on_event(props, lambda_context)
    assert voice_mock.sms_voice().calls == []


def test_fails_for_an_unknown_request_type(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    with pytest.raises(
        config_set.ConfigurationSetError, match=r"^unsupported RequestType 'Replace'$"
    ):
        config_set.on_event(event("Replace", [sns()]), lambda_context)


# --- Service faults -------------------------------------------------------------------------


def test_fails_when_the_service_rejects_a_destination_write(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    voice_mock.fail_next(
        "CreateConfigurationSetEventDestination", status=400, message="topic policy denies"
    )

    with pytest.raises(config_set.ConfigurationSetError) as failure:
        create([sns(), logs()], lambda_context)

    assert str(failure.value) == (
        "CreateConfigurationSetEventDestination failed for 'voice-events/Sns': "
        "BadRequestException: topic policy denies"
    )
    assert failure.value.__cause__ is None
    # It stops at the first failed write.
    assert [c.status for c in voice_mock.calls("CreateConfigurationSetEventDestination")] == [400]


def test_fails_with_a_permission_hint_on_access_denied(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    voice_mock.fail_next(
        "CreateConfigurationSet", status=403, code="AccessDeniedException", message="denied"
    )

    with pytest.raises(config_set.ConfigurationSetError) as failure:
        create([sns()], lambda_context)

    assert str(failure.value) == (
        "CreateConfigurationSet failed for 'voice-events': AccessDeniedException: denied; "
        "the handler's role lacks this permission (an SCP or permissions boundary?)"
    )


def test_fails_create_cleanly_so_a_retry_can_succeed(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    voice_mock.fail_next("CreateConfigurationSetEventDestination", status=400)
    with pytest.raises(config_set.ConfigurationSetError):
        create([sns()], lambda_context)
    # The rollback's Delete carries the provider's marker id, which the handler skips.
    config_set.on_event(
        event(
            "Delete", [sns()], physical_id="AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
        ),
        lambda_context,
    )

    # The next deployment, after the cause is fixed, creates the same set again.
    result = create([sns()], lambda_context)

    assert result["PhysicalResourceId"] == SET_NAME


# --- Generated names: an unanswered create, adopted only with proof ---------------------------


def generated(request_id: str = "11111111-1111-4111-8111-111111111111") -> dict[str, Any]:
    data = event("Create", [sns()])
    data["RequestId"] = request_id
    props = data["ResourceProperties"]
    props["NamePrefix"] = props.pop("ConfigurationSetName")
    return data


def test_create_adopts_the_set_its_own_unanswered_attempt_made(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    voice_mock.time_out_next("CreateConfigurationSet")  # made, and the answer lost

    result = config_set.on_event(generated(), lambda_context)

    name = result["PhysicalResourceId"]
    assert re.fullmatch(rf"{SET_NAME}-[0-9a-f]{{{config_set.SUFFIX_LENGTH}}}", name)
    assert [c.status for c in voice_mock.calls("CreateConfigurationSet")] == [200, 409]
    assert sorted(stored(voice_mock, name)) == ["Sns"]


def test_each_create_request_gets_a_name_of_its_own(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    first = config_set.on_event(generated("request-1"), lambda_context)
    # The first deployment failed after its set was made; the next one never meets that set.
    second = config_set.on_event(generated("request-2"), lambda_context)
    again = config_set.on_event(generated("request-2"), lambda_context)

    assert first["PhysicalResourceId"] != second["PhysicalResourceId"]
    assert again == second


def test_update_keeps_a_generated_name(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    name = config_set.on_event(generated(), lambda_context)["PhysicalResourceId"]
    update = generated("request-2")
    update.update(RequestType="Update", PhysicalResourceId=name)
    update["ResourceProperties"]["EventDestinations"] = [logs()]

    result = config_set.on_event(update, lambda_context)

    assert result["PhysicalResourceId"] == name
    assert sorted(stored(voice_mock, name)) == ["Logs"]


def test_create_of_a_named_set_adopts_the_set_its_own_unanswered_attempt_made(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    # Named by the user: absent before this request, then made by its unanswered attempt.
    voice_mock.time_out_next("CreateConfigurationSet")

    result = create([sns()], lambda_context)

    assert result["PhysicalResourceId"] == SET_NAME
    assert [c.status for c in voice_mock.calls("CreateConfigurationSet")] == [200, 409]
    assert sorted(stored(voice_mock, SET_NAME)) == ["Sns"]
    assert voice_mock.calls("DeleteConfigurationSet") == []


def test_rename_adopts_the_new_set_its_own_unanswered_attempt_made(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    create([sns()], lambda_context)
    voice_mock.time_out_next("CreateConfigurationSet")
    update = event("Update", [sns()], name="renamed", physical_id=SET_NAME)

    result = config_set.on_event(update, lambda_context)

    assert result["PhysicalResourceId"] == "renamed"
    assert sorted(stored(voice_mock, "renamed")) == ["Sns"]


def test_fails_create_of_a_named_set_that_was_there_before_and_leaves_it_alone(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    # Made by someone else, before this request: nothing proves whose it is.
    boto3.client("pinpoint-sms-voice").create_configuration_set(ConfigurationSetName=SET_NAME)

    with pytest.raises(
        config_set.ConfigurationSetError,
        match=(
            "it was there before this request.*aws pinpoint-sms-voice delete-configuration-set "
            f"--configuration-set-name {SET_NAME}"
        ),
    ):
        create([sns()], lambda_context)

    assert SET_NAME in voice_mock.sms_voice().configuration_sets
    assert voice_mock.calls("DeleteConfigurationSet") == []
    # Only the create above: the handler looked, found the set, and made nothing.
    assert [c.status for c in voice_mock.calls("CreateConfigurationSet")] == [200]
    assert write_counts(voice_mock)["CreateConfigurationSetEventDestination"] == 0


def test_rollback_of_an_adopted_named_set_removes_it(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    # Adopted after a lost answer, then a destination fails for good: the create removes what
    # it made, so the next deployment does not meet it.
    voice_mock.time_out_next("CreateConfigurationSet")
    voice_mock.fail_next(
        "CreateConfigurationSetEventDestination", status=400, code="BadRequestException"
    )

    with pytest.raises(config_set.ConfigurationSetError):
        create([sns()], lambda_context)

    assert SET_NAME not in voice_mock.sms_voice().configuration_sets
    again = create([sns()], lambda_context)
    assert again["PhysicalResourceId"] == SET_NAME


def test_destination_create_after_its_own_unanswered_attempt_makes_it_as_wanted(
    voice_mock: VoiceMock, sleeps: list[float], lambda_context: LambdaContext
) -> None:
    voice_mock.time_out_next("CreateConfigurationSetEventDestination")

    create([sns()], lambda_context)

    assert write_counts(voice_mock) == {
        "CreateConfigurationSetEventDestination": 2,
        "UpdateConfigurationSetEventDestination": 1,
        "DeleteConfigurationSetEventDestination": 0,
    }
    assert sorted(stored(voice_mock)) == ["Sns"]


# --- Worst case: every call uses all its attempts, on the simulated clock ---------------------


class SlowestClient:
    """Every call times out until its last attempt; creates of destinations meet themselves.

    The set is there from the start with ``exists``; otherwise from its create on.
    """

    def __init__(
        self, clock: SimClock, existing: list[dict[str, Any]], *, exists: bool = True
    ) -> None:
        self.clock = clock
        self.existing = existing
        self.exists = exists
        self.tries: Counter[str] = Counter()
        self.meta = types.SimpleNamespace(region_name=REGION)

    def __getattr__(self, operation: str) -> Any:
        policy = config_set.RETRY

        def call(**request: Any) -> Any:
            self.tries[operation] += 1
            self.clock.sleep(policy.attempt_seconds)
            if self.tries[operation] % policy.attempts:
                raise ReadTimeoutError(endpoint_url="https://sms-voice.example")
            if operation == "create_configuration_set_event_destination":
                raise ClientError(
                    {"Error": {"Code": "AlreadyExistsException", "Message": "exists"}}, operation
                )
            if operation == "get_configuration_set_event_destinations":
                if not self.exists:
                    raise ClientError(
                        {"Error": {"Code": "NotFoundException", "Message": "no set"}}, operation
                    )
                return {"EventDestinations": self.existing}
            if operation == "create_configuration_set":
                self.exists = True
            return {}

        return call


class TimedContext(LambdaContext):
    """A context whose remaining time runs on the simulated clock."""

    def __init__(self, clock: SimClock, seconds: float) -> None:
        super().__init__()
        self.clock, self.ends = clock, clock.now() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.ends - self.clock.now()) * 1000)


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_worst_case_of_every_request_fits_the_handler_timeout(request_type: str) -> None:
    clock = SimClock()
    held = [
        {"Name": f"Old{n}", "Enabled": True, "MatchingEventTypes": ["BUSY"], **sns()}
        for n in range(config_set.MAX_DESTINATIONS)
    ]
    slow = SlowestClient(clock, held, exists=request_type != "Create")
    config_set.set_client(slow, clock=clock)  # type: ignore[arg-type]
    wanted = [sns(f"New{n}") for n in range(config_set.MAX_DESTINATIONS)]

    config_set.on_event(
        event(request_type, wanted), TimedContext(clock, HANDLER_TIMEOUT.to_seconds())
    )

    took = clock.now() - SIM_START
    worst = config_set.worst_case_seconds(request_type)
    assert sum(slow.tries.values()) >= 3 * (1 if request_type == "Delete" else 21)
    assert took <= worst
    assert worst + config_set.SAFETY_SECONDS <= HANDLER_TIMEOUT.to_seconds()


def test_fails_when_the_deadline_comes_before_the_service_could_answer() -> None:
    clock = SimClock()
    slow = SlowestClient(clock, [], exists=False)
    config_set.set_client(slow, clock=clock)  # type: ignore[arg-type]
    context = TimedContext(clock, config_set.SAFETY_SECONDS + 30)

    with pytest.raises(config_set.ConfigurationSetError, match="run out of time"):
        config_set.on_event(event("Create", [sns(f"D{n}") for n in range(10)]), context)
    assert clock.now() - SIM_START <= 30


# --- Logging --------------------------------------------------------------------------------


def test_never_logs_the_response_url(
    voice_mock: VoiceMock,
    sleeps: list[float],
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=config_set.LOGGER.name)
    create([sns(), logs()], lambda_context)
    config_set.on_event(event("Update", [sns()]), lambda_context)
    config_set.on_event(event("Delete", [sns()]), lambda_context)

    ours = [r for r in caplog.records if r.name == config_set.LOGGER.name]
    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in ours)
    assert len(ours) >= 6, "the handler should log its steps"
    assert SET_NAME in logged
    assert "SECRETSIGNATURE" not in logged
    assert "AKIAFAKEFAKEFAKE" not in logged
    assert "ResponseURL" not in logged
    assert "cloudformation-custom-resource-response" not in logged


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_fails_with_a_clear_error_when_the_service_cannot_be_reached(
    request_type: str, voice_mock: VoiceMock, lambda_context: LambdaContext
) -> None:
    clock = SimClock()

    class Unreachable:
        meta = types.SimpleNamespace(region_name=REGION)

        def __getattr__(self, operation: str) -> Any:
            def call(**request: Any) -> Any:
                if operation == "create_configuration_set" and request_type == "Create":
                    raise ClientError({"Error": {"Code": "AlreadyExistsException"}}, operation)
                raise EndpointConnectionError(endpoint_url="https://sms-voice.example")

            return call

    config_set.set_client(Unreachable(), clock=clock)  # type: ignore[arg-type]
    data = generated() if request_type == "Create" else event("Update", [sns()])

    with pytest.raises(config_set.ConfigurationSetError, match="could not reach"):
        config_set.on_event(data, TimedContext(clock, 600))
