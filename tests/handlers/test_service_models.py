"""The lists the code keeps of the services' enums agree with botocore's service models."""

from __future__ import annotations

import botocore.session
from call_status import index as tracker
from configuration_set import index as config_set
from send_voice_message.v2 import VOICE_IDS

from voice_constructs.api import V2_VOICE_IDS

SESSION = botocore.session.get_session()


def enum(service: str, shape: str) -> list[str]:
    values: list[str] = SESSION.get_service_model(service).shape_for(shape).enum
    return values


def test_v2_voices_are_the_models_in_the_handler_and_the_constructs() -> None:
    voices = set(enum("pinpoint-sms-voice-v2", "VoiceId"))
    assert voices == VOICE_IDS
    assert voices == V2_VOICE_IDS


def test_v1_call_events_are_the_models() -> None:
    events = enum("pinpoint-sms-voice", "EventType")
    assert list(config_set.EVENT_TYPES) == events
    assert set(tracker.RANKS) == {*events, "TTL_EXPIRED"}


def test_every_v2_voice_event_has_a_tracked_status() -> None:
    v2_events = {e for e in enum("pinpoint-sms-voice-v2", "EventType") if e.startswith("VOICE_")}
    # VOICE_ALL is a filter for destinations, not an event a call reports.
    assert set(tracker.V2_NAMES) == v2_events - {"VOICE_ALL"}
    assert set(tracker.V2_NAMES.values()) <= set(tracker.RANKS)
