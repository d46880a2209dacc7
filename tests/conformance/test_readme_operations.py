"""The README lists the operations the emulator serves as the fakes define them."""

from __future__ import annotations

import pytest

from tests.conformance import readme_operations
from voice_constructs.testing import (
    SMS_VOICE_OPERATIONS,
    SMS_VOICE_V2_OPERATIONS,
    VOICE_CHANNEL_OPERATIONS,
)


def test_readme_lists_the_fakes_operations() -> None:
    readme = readme_operations.PAGE.read_text()
    assert readme_operations.section(readme) == readme_operations.table(), (
        "README's operations list is stale: run `python -m tests.conformance.readme_operations`"
    )


def test_the_table_names_every_operation_once_per_service_that_has_it() -> None:
    table = readme_operations.table()
    services = (VOICE_CHANNEL_OPERATIONS, SMS_VOICE_OPERATIONS, SMS_VOICE_V2_OPERATIONS)
    for operation in {*VOICE_CHANNEL_OPERATIONS, *SMS_VOICE_OPERATIONS, *SMS_VOICE_V2_OPERATIONS}:
        having = sum(operation in operations for operations in services)
        assert table.count(f"`{operation}`") == having, operation
    # v1 and v2 both have SendVoiceMessage, CreateConfigurationSet and DeleteConfigurationSet.
    assert table.count("`SendVoiceMessage`") == 2
    assert "`update-voice-channel`" in table
    assert "`set-voice-message-spend-limit-override`" in table


def test_fails_to_rewrite_a_readme_without_markers() -> None:
    with pytest.raises(ValueError, match="emulator-operations:start"):
        readme_operations.rewrite("# no markers\n")
