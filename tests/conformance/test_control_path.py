"""The control path (``/_voice_constructs/``) over HTTP: its routes, and one check per parameter.

Every parameter is checked alike on every route that takes it, and a refusal is a JSON 400 that
names it (voice_constructs.testing._control).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conformance.conftest import Control, raw_request
from tests.docs import page
from voice_constructs.testing._control import PARAMETERS, regions
from voice_constructs.testing._control import Control as Routes
from voice_constructs.testing._moto import DEFAULT_ACCOUNT_ID
from voice_constructs.testing.core import VoiceMock
from voice_constructs.testing.server import (
    OPERATIONS,
    TOKEN_HEADER,
    Emulator,
    ParameterError,
    serve,
)

# A value each parameter's check refuses (text, so that a query string can carry it too, except
# where the parameter is only ever in a JSON body).
REFUSED: dict[str, Any] = {
    "api": "v3",
    "region": "mars-1",
    "account_id": "42",
    "operation": "",
    "application_id": "",
    "message_id": "",
    "count": 0,
    "status": 200,
    "code": "not a code",
    "message": 7,
    "after_accept": "yes",
    "events": "RINGING",
    "start_ms": -1,
    "step_ms": "2",
    "identity": "",
    "name": "",
    "phone_number": "12065550100",
    "phone_numbers": "phone-0123",
    "iso_country_code": "usa",
    "capabilities": ["FAX"],
    "message_type": "transactional",
    "country_rule_set": {"VOICE": {"usa": "ALLOW"}},
}
ROUTES = Routes(VoiceMock(region="us-east-1")).routes().values()
# Every (route, parameter) pair: the same check wherever the parameter is taken.
TAKEN = [
    pytest.param(route.method, route.path, name, id=f"{route.path or 'index'}-{name}")
    for route in ROUTES
    for name in (*route.required, *route.optional)
]


def _refusal(answer: tuple[int, Any], name: str) -> str:
    status, body = answer
    assert status == 400, body
    assert body["parameter"] == name, body
    error: str = body["error"]
    assert error.startswith(f"{name}: "), error
    return error


def _ask(control: Control, method: str, path: str, values: dict[str, Any]) -> tuple[int, Any]:
    if method == "GET":
        return control.request("GET", f"{path}?{urlencode(values)}")
    return control.request(method, path, values)


def test_every_parameter_has_one_check() -> None:
    assert {name for _, _, name in (p.values for p in TAKEN)} == set(PARAMETERS) == set(REFUSED)


@pytest.mark.parametrize(("method", "path", "name"), TAKEN)
def test_fails_a_refused_value_naming_its_parameter_on_every_route(
    control: Control, method: str, path: str, name: str
) -> None:
    _refusal(_ask(control, method, path, {name: REFUSED[name]}), name)


@pytest.mark.parametrize("path", ["sent", "calls?operation=SendVoiceMessage"])
def test_fails_an_api_that_is_not_v1_or_v2(control: Control, path: str) -> None:
    # GET /sent answered v1's messages to api=v3.
    status, answer = control.request("GET", f"{path}&api=v3" if "?" in path else f"{path}?api=v3")
    assert _refusal((status, answer), "api") == "api: must be 'v1' or 'v2', got 'v3'"


def test_fails_a_region_the_fakes_do_not_serve(control: Control) -> None:
    # It answered {"error": "'mars-1'"}: moto's KeyError.
    error = _refusal(control.request("GET", "sent?region=mars-1"), "region")
    assert error.startswith("region: 'mars-1' is not a region the fakes serve")
    assert "us-east-1" in error
    assert "did you mean" not in error
    assert _refusal(control.request("GET", "sent?region=US-EAST-1"), "region").endswith(
        "; did you mean 'us-east-1'?"
    )
    assert control.get("sent?region=eu-west-1") == {"messages": []}


def test_the_regions_are_those_moto_holds_the_fakes_in() -> None:
    # botocore's, as moto's BackendDict lists them: the fakes have state in each, none elsewhere.
    from voice_constructs.testing.sms_voice_v2.models import sms_voice_v2_backends

    account = sms_voice_v2_backends[DEFAULT_ACCOUNT_ID]
    assert "us-east-1" in regions()
    assert all(account[region].region_name == region for region in regions())
    with pytest.raises(KeyError):
        account["mars-1"]


@pytest.mark.parametrize(
    ("method", "path", "values", "name"),
    [
        ("GET", "sent", {"apii": "v2"}, "apii"),
        ("POST", "reset", {"everything": True}, "everything"),
        ("POST", "fail-next", {"operation": "SendVoiceMessage", "statsu": 500}, "statsu"),
    ],
    ids=["query", "body-of-none", "body"],
)
def test_fails_a_parameter_the_route_does_not_take(
    control: Control, method: str, path: str, values: dict[str, Any], name: str
) -> None:
    error = _refusal(_ask(control, method, path, values), name)
    assert f"not a parameter of {method} /_voice_constructs/{path}" in error


def test_fails_a_query_parameter_given_twice(control: Control) -> None:
    error = _refusal(control.request("GET", "sent?api=v1&api=v2"), "api")
    assert error == "api: given 2 times; give it once"


@pytest.mark.parametrize(
    ("values", "name", "problem"),
    [
        ({"operation": "GetVoiceChannel", "api": "v2"}, "operation", "not an operation the v2"),
        ({"operation": "sendVoiceMessage"}, "operation", "did you mean 'SendVoiceMessage'?"),
        ({"operation": "SendVoiceMessage", "status": 418}, "status", "add code"),
        ({}, "operation", "is required by POST /_voice_constructs/fail-next"),
    ],
    ids=["operation-of-the-other-api", "operation-case", "status-without-a-name", "required"],
)
def test_fails_a_fault_the_api_cannot_give(
    control: Control, values: dict[str, Any], name: str, problem: str
) -> None:
    assert problem in _refusal(control.request("POST", "fail-next", values), name)


def test_a_status_without_a_name_of_its_own_is_queued_with_a_code(control: Control) -> None:
    values = {"operation": "SendVoiceMessage", "status": 418, "code": "TeapotException"}
    assert control.post("fail-next", values) == {"queued": 1}


def test_fails_an_emulator_in_a_region_the_fakes_do_not_serve() -> None:
    with (
        pytest.raises(ParameterError, match=r"^region: 'mars-1' is not a region"),
        serve(region="mars-1"),
    ):
        pass


def test_index_lists_the_operations_the_control_paths_and_their_parameters(
    control: Control,
) -> None:
    index = control.get("")
    assert index["operations"] == {k: list(v) for k, v in OPERATIONS.items()}
    assert "POST /_voice_constructs/fail-next" in index["control"]
    assert index["parameters"]["GET /_voice_constructs/calls"] == {
        "required": ["operation"],
        "optional": ["api", "account_id", "region"],
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "nothing", None, 404),
        ("GET", "fail-next", None, 405),
        ("POST", "fail-next", {}, 400),
        ("POST", "fail-next", {"operation": "PlaceCall"}, 400),
        ("POST", "fail-next", {"operation": "SendVoiceMessage", "count": 0}, 400),
        ("POST", "fail-next", ["SendVoiceMessage"], 400),
        ("GET", "calls", None, 400),
        ("POST", "emit-call-events", {"message_id": "never-sent"}, 400),
    ],
    ids=["unknown", "method", "no-op", "unknown-op", "count", "not-object", "calls", "emit"],
)
def test_fails_a_refused_control_request(
    control: Control, method: str, path: str, body: Any, status: int
) -> None:
    got, answer = control.request(method, path, body)
    assert got == status
    assert answer["error"]


def test_fails_a_control_body_that_is_not_json(emulator: Emulator) -> None:
    headers = {TOKEN_HEADER: emulator.token, "Content-Type": "application/json"}
    status, _, answer = raw_request(
        emulator, "POST", "/_voice_constructs/fail-next", b"{not json", headers
    )
    assert status == 400
    assert "not JSON" in json.loads(answer)["error"]


@pytest.mark.parametrize("path", ["fail-next", "time-out-next"])
@pytest.mark.parametrize("count", [1001, 10**6, "5", True])
def test_fails_a_count_over_the_cap(control: Control, path: str, count: Any) -> None:
    status, answer = control.request(
        "POST", path, {"operation": "SendVoiceMessage", "count": count}
    )
    assert _refusal((status, answer), "count") == (
        f"count: must be a whole number from 1 to 1000, got {count!r}"
    )


def test_a_count_of_1000_is_queued(control: Control) -> None:
    assert control.post("fail-next", {"operation": "SendVoiceMessage", "count": 1000}) == {
        "queued": 1000
    }


# --- Declaring v2 resources made elsewhere ---------------------------------------------------

HEX32 = "0123456789abcdef" * 2


def _v2(emulator: Emulator) -> Any:
    import boto3

    return boto3.client(
        "pinpoint-sms-voice-v2",
        endpoint_url=emulator.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_adopted_identities_send_and_unknown_ones_do_not(
    emulator: Emulator, control: Control
) -> None:
    v2 = _v2(emulator)
    message = {"DestinationPhoneNumber": "+12065550142", "MessageBody": "hello"}
    with pytest.raises(v2.exceptions.ResourceNotFoundException):
        v2.send_voice_message(OriginationIdentity=f"phone-{HEX32}", **message)

    number = control.post("adopt-phone-number", {"identity": f"phone-{HEX32}"})["phone_number"]
    pool = control.post(
        "adopt-pool", {"identity": f"pool-{HEX32}", "phone_numbers": ["+12065550100"]}
    )["pool"]
    control.post("adopt-configuration-set", {"name": "calls"})
    protect = control.post(
        "adopt-protect-configuration",
        {"identity": "pc-1", "country_rule_set": {"VOICE": {"CU": "BLOCK"}}},
    )["protect_configuration"]
    for identity in (f"phone-{HEX32}", f"pool-{HEX32}"):
        v2.send_voice_message(
            OriginationIdentity=identity,
            ConfigurationSetName="calls",
            ProtectConfigurationId="pc-1",
            **message,
        )

    assert number["PhoneNumberId"] == f"phone-{HEX32}"
    assert [i["PhoneNumber"] for i in pool["OriginationIdentities"]] == ["+12065550100"]
    assert protect["CountryRuleSets"] == {"VOICE": {"CU": "BLOCK"}}
    sent = control.sent("v2")
    assert [m["origination_phone_number"] for m in sent] == [
        number["PhoneNumber"],
        "+12065550100",
    ]


@pytest.mark.parametrize(
    ("path", "body", "name"),
    [
        ("adopt-phone-number", {"identity": f"pool-{HEX32}"}, "identity"),
        ("adopt-phone-number", {"identity": "+44123456789", "iso_country_code": "GB"}, None),
        (
            "adopt-pool",
            {"identity": f"pool-{HEX32}", "phone_numbers": ["phone-x"]},
            "phone_numbers",
        ),
        (
            "adopt-phone-number",
            {"identity": f"arn:aws:sms-voice:us-east-1:{DEFAULT_ACCOUNT_ID}:pool/pool-{HEX32}"},
            "identity",
        ),
        (
            "adopt-phone-number",
            {
                "identity": f"arn:aws:sms-voice:us-east-1:{DEFAULT_ACCOUNT_ID}:phone-number/"
                f"phone-{HEX32}",
                "region": "eu-west-1",
            },
            "region",
        ),
    ],
    ids=[
        "pool-as-number",
        "a-number-of-gb",
        "unknown-member",
        "pool-arn-as-number",
        "other-region",
    ],
)
def test_an_adoption_the_fake_cannot_hold_names_its_parameter(
    control: Control, path: str, body: dict[str, Any], name: str | None
) -> None:
    answer = control.request("POST", path, body)
    if name is None:
        assert answer[0] == 200, answer
        return
    _refusal(answer, name)


def test_a_refused_phone_number_is_masked(control: Control) -> None:
    error = _refusal(
        control.request(
            "POST", "adopt-phone-number", {"identity": "x", "phone_number": "12065550100"}
        ),
        "phone_number",
    )
    assert "12065550100" not in error
    assert error.endswith("got *******0100")


def test_the_pages_adopt_requests_are_accepted(control: Control) -> None:
    # docs/emulator.md's control-path lines, as printed: each declares what it says it does.
    page_text = page("emulator.md").read_text()
    requests = re.findall(r"\$E/(adopt-[a-z-]+) -d '(\{[^']*\})'", page_text)
    assert {path for path, _ in requests} == {
        "adopt-phone-number",
        "adopt-pool",
        "adopt-configuration-set",
        "adopt-protect-configuration",
    }
    for path, body in requests:
        status, answer = control.request("POST", path, json.loads(body))
        assert status == 200, (path, answer)
