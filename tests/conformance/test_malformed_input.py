"""Each faked API answers input it cannot read with an error of its own service model.

A request that is not UTF-8, not JSON, nested too deeply, not a JSON object, or that names no
operation of the fake, sent over HTTP to each API: the error name must be one of the error shapes
of that API's model in botocore (v2, JSON 1.0: ``ValidationException``; v1 and Pinpoint, REST-JSON:
``BadRequestException``, ``NotFoundException``, ``MethodNotAllowedException``), its body only
that shape's members, its status the shape's, and botocore's parser must read the same name.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.parsers import create_parser

from tests.conformance.conftest import raw_request, signed_as
from voice_constructs.testing.server import Emulator
from voice_constructs.testing.validation import service_model

V2 = {
    **signed_as("sms-voice"),
    "X-Amz-Target": "PinpointSMSVoiceV2.SendVoiceMessage",
    "Content-Type": "application/x-amz-json-1.0",
}
V1 = {**signed_as("sms-voice"), "Content-Type": "application/json"}
PINPOINT = {**signed_as("mobiletargeting"), "Content-Type": "application/json"}
BODIES = {
    "not-json": b"{not json",
    "not-an-object": b'["SendVoiceMessage"]',
    "too-deep": b"[" * 100_000,
    "not-utf-8": b"\xff\xfe{}",
}
CHANNEL = "/v1/apps/0123456789abcdef0123456789abcdef/channels/voice"
MESSAGE = "/v1/sms-voice/voice/message"
CASES = [
    *(
        pytest.param("pinpoint-sms-voice-v2", "POST", "/", V2, body, id=f"v2-{name}")
        for name, body in BODIES.items()
    ),
    pytest.param(
        "pinpoint-sms-voice-v2",
        "POST",
        "/",
        {k: v for k, v in V2.items() if k != "X-Amz-Target"},
        b"{}",
        id="v2-no-target",
    ),
    pytest.param(
        "pinpoint-sms-voice-v2",
        "POST",
        "/",
        {**V2, "X-Amz-Target": "PinpointSMSVoiceV2.PlaceCall"},
        b"{}",
        id="v2-unknown-operation",
    ),
    pytest.param(
        "pinpoint-sms-voice-v2",
        "POST",
        "/",
        {**V2, "X-Amz-Target": "PinpointSMSVoice.SendVoiceMessage"},
        b"{}",
        id="v2-other-prefix",
    ),
    *(
        pytest.param("pinpoint-sms-voice", "POST", MESSAGE, V1, body, id=f"v1-{name}")
        for name, body in BODIES.items()
    ),
    pytest.param("pinpoint-sms-voice", "GET", "/v1/sms-voice/nothing", V1, None, id="v1-path"),
    pytest.param("pinpoint-sms-voice", "PATCH", MESSAGE, V1, b"{}", id="v1-method"),
    *(
        pytest.param("pinpoint", "PUT", CHANNEL, PINPOINT, body, id=f"pinpoint-{name}")
        for name, body in BODIES.items()
    ),
    pytest.param("pinpoint", "POST", CHANNEL, PINPOINT, b"{}", id="pinpoint-method"),
]


@pytest.mark.parametrize(("service", "method", "path", "headers", "body"), CASES)
def test_malformed_input_gets_an_error_of_the_apis_own_model(
    emulator: Emulator,
    service: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
) -> None:
    status, answer_headers, answer = raw_request(emulator, method, path, body, headers)
    model = service_model(service)
    shapes = {shape.name: shape for shape in model.error_shapes}
    code = answer_headers["x-amzn-ErrorType"]
    assert code in shapes, (code, answer)
    shape = shapes[code]
    assert status == shape.metadata.get("error", {}).get("httpStatusCode", 400)
    parsed: dict[str, Any] = json.loads(answer)
    assert parsed.get("__type", code) == code
    assert set(parsed) - {"__type"} <= set(shape.members), parsed
    for name, value in parsed.items():
        enum = getattr(shape.members.get(name), "enum", None)
        assert not enum or value in enum, (name, value)
    # What a client makes of it: botocore's parser for the API's protocol reads the same name.
    headers_read = {name.lower(): value for name, value in answer_headers.items()}
    response = {"status_code": status, "headers": headers_read, "body": answer}
    error = create_parser(model.protocol).parse(response, None)["Error"]
    assert error["Code"] == code


@pytest.mark.parametrize("name", list(BODIES))
def test_v2_cannot_parse_is_its_validation_exception(emulator: Emulator, name: str) -> None:
    # It answered BadRequestException, v1's error name, which v2's model lacks.
    _, _, answer = raw_request(emulator, "POST", "/", BODIES[name], V2)
    parsed = json.loads(answer)
    assert (parsed["__type"], parsed["Reason"]) == ("ValidationException", "CANNOT_PARSE")
