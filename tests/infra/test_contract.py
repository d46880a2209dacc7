"""The contract between constructs and handlers: every environment key a function gets is one its
handler reads, and every key a handler reads is one a construct can give it.

What a handler reads is found in its source (every ``ENV_*`` name of ``vc_common.contract`` it
uses); what a function gets, in synthesized templates of every construct with every option.
Renaming a variable on one side only fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template
from vc_common import contract

import app as sample
from tests.conftest import ROOT, cdk_context
from voice_constructs import (
    PinpointVoice,
    SenderOptions,
    SmsVoiceApi,
    VoiceConfigurationSet,
    VoiceMessageSender,
    VoicePool,
)

LAMBDA_SRC = ROOT / "lambda_src"
# The package each handler's code lives in (and the shared helpers it may read through).
PACKAGES = {
    contract.SENDER_HANDLER: "send_voice_message",
    contract.CALL_STATUS_HANDLER: "call_status",
    contract.CUSTOM_RESOURCE_HANDLER: "custom_resource",
}
# The custom resource handler imports the resource handlers it dispatches to.
ALSO_READ_BY = {contract.CUSTOM_RESOURCE_HANDLER: ("voice_channel", "configuration_set")}
ENV_NAMES = {
    name: value
    for name, value in vars(contract).items()
    if name.startswith("ENV_") and isinstance(value, str)
}


def names_read(package: str, root: Path = LAMBDA_SRC) -> set[str]:
    """The environment variables a package's code names through the contract."""
    found = set()
    for path in sorted((root / package).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if isinstance(name, str) and name in ENV_NAMES:
                found.add(ENV_NAMES[name])
    return found


@pytest.fixture(scope="module")
def environments() -> dict[str, set[str]]:
    """Every environment key each handler's functions get, over every variant and option."""
    app = cdk.App(context=cdk_context())
    stacks: list[cdk.Stack] = [sample.build(app)]
    for name, context in {
        "Lean": {"queue": "false"},
        "V2": {"api": "v2", "pinpoint": "false", "allowedCountries": "US"},
    }.items():
        stage = cdk.Stage(app, name)
        for key, value in context.items():
            stage.node.set_context(key, value)
        stacks.append(sample.build(stage))  # type: ignore[arg-type]
    full = cdk.Stack(app, "AllOptions")
    PinpointVoice(
        full,
        "Voice",
        origination_number="+12065550100",
        caller_id="+12065550111",
        default_voice_id="Joanna",
        enable_queue=True,
        track_call_status=True,
        max_calls_per_day=1000,
        sender_options=SenderOptions(
            default_language_code="en-GB", failure_queue=sqs.Queue(full, "Failures")
        ),
    )
    VoiceMessageSender(
        full,
        "Named",
        origination_number="+12065550100",
        configuration_set=VoiceConfigurationSet.from_configuration_set_name(
            full, "Existing", "existing-set"
        ),
    )
    VoiceMessageSender(
        full,
        "Pooled",
        api=SmsVoiceApi.V2,
        origination_numbers=[
            VoicePool.from_pool_id(full, "Pool", "pool-" + "0" * 32, phone_number_count=2)
        ],
        allowed_countries=["US"],
    )
    stacks.append(full)
    found: dict[str, set[str]] = {handler: set() for handler in PACKAGES}
    for stack in stacks:
        template: dict[str, Any] = Template.from_stack(stack).to_json()
        for resource in template["Resources"].values():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            properties = resource["Properties"]
            handler = properties.get("Handler")
            if handler in found:
                found[handler] |= set(properties.get("Environment", {}).get("Variables", {}))
    return found


@pytest.mark.parametrize("handler", PACKAGES)
def test_every_key_a_function_gets_is_one_its_handler_reads(
    environments: dict[str, set[str]], handler: str
) -> None:
    read = names_read(PACKAGES[handler])
    for package in ALSO_READ_BY.get(handler, ()):
        read |= names_read(package)

    assert environments[handler] - read == set()


@pytest.mark.parametrize("handler", PACKAGES)
def test_every_key_a_handler_reads_is_one_a_construct_gives(
    environments: dict[str, set[str]], handler: str
) -> None:
    read = names_read(PACKAGES[handler]) - {contract.ENV_LOG_LEVEL}

    assert read - environments[handler] == set()
    assert read == contract.ENVIRONMENT_BY_HANDLER[handler]


def test_fails_to_miss_a_name_the_handler_reads(tmp_path: Path) -> None:
    assert ENV_NAMES["ENV_QUEUE_URL"] == "QUEUE_URL"
    source = (
        "import os\nfrom vc_common.contract import ENV_QUEUE_URL\nos.environ.get(ENV_QUEUE_URL)\n"
    )
    tree = ast.parse(source)
    names = {getattr(n, "id", None) for n in ast.walk(tree)}
    assert "ENV_QUEUE_URL" in names


def test_the_constructs_load_the_handlers_contract_file() -> None:
    from voice_constructs._contract import contract as loaded

    assert Path(loaded.__file__ or "").resolve() == (LAMBDA_SRC / "vc_common" / "contract.py")
    assert loaded.SENDER_ENVIRONMENT == contract.SENDER_ENVIRONMENT


def test_api_names_match_the_constructs_enum() -> None:
    assert {api.value for api in SmsVoiceApi} == set(contract.SERVICE_BY_API)


def _imported_packages(package: str, ours: set[str]) -> set[str]:
    """The packages of lambda_src that ``package``'s modules import by name."""
    found: set[str] = set()
    for path in (ROOT / "lambda_src" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found & ours


@pytest.mark.parametrize("handler", sorted(contract.PACKAGES_BY_HANDLER))
def test_each_function_asset_holds_every_package_its_handler_imports(handler: str) -> None:
    from custom_resource import index as custom_resource

    ours = {path.name for path in (ROOT / "lambda_src").iterdir() if path.is_dir()}
    packages = set(contract.PACKAGES_BY_HANDLER[handler])
    assert handler.split(".")[0] in packages
    needed = {handler.split(".")[0]}
    # The custom resource handler imports its resource types' modules by name, at run time.
    if handler == contract.CUSTOM_RESOURCE_HANDLER:
        needed |= {module.split(".")[0] for module in custom_resource._HANDLERS.values()}
    seen: set[str] = set()
    while needed - seen:
        package = (needed - seen).pop()
        seen.add(package)
        needed |= _imported_packages(package, ours)
    assert needed == packages
