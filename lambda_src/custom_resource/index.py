"""One entry point for every custom resource of the library, dispatched by ``ResourceType``.

A stack needs one provider (two Lambda functions) for all of them, not one per resource type.
Each handler module is imported on first use, so a voice channel never loads the SMS and Voice
client, nor a configuration set the Pinpoint one.
"""

from __future__ import annotations

import importlib
from typing import Any

from vc_common import contract

VOICE_CHANNEL = contract.VOICE_CHANNEL_TYPE
CONFIGURATION_SET = contract.CONFIGURATION_SET_TYPE
_HANDLERS = {
    VOICE_CHANNEL: "voice_channel.index",
    CONFIGURATION_SET: "configuration_set.index",
}


class UnknownResourceTypeError(Exception):
    """The event names a resource type this provider does not serve."""


def on_event(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Hand the CloudFormation event to the handler of its resource type."""
    resource_type = event.get("ResourceType")
    module_name = _HANDLERS.get(str(resource_type))
    if module_name is None:
        raise UnknownResourceTypeError(
            f"ResourceType must be one of {sorted(_HANDLERS)}, got {resource_type!r}"
        )
    module = importlib.import_module(module_name)
    result: dict[str, Any] = module.on_event(event, context)
    return result
