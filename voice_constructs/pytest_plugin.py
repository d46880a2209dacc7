"""pytest plugin (entry point ``pytest11``): the ``voice_mock`` fixture.

It imports moto only when a test asks for the fixture, so installing voice-constructs without the
``testing`` extra never breaks a user's test run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from voice_constructs.testing import VoiceMock


@pytest.fixture
def voice_mock() -> Iterator[VoiceMock]:
    """moto's ``mock_aws`` with the voice channel and SMS and Voice fakes registered."""
    from voice_constructs.testing import mock_voice

    with mock_voice() as mock:
        yield mock
