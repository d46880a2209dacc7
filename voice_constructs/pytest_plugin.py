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
    """Moto's ``mock_aws`` with the voice channel and SMS and Voice (v1 and v2) fakes registered.

    As :func:`voice_constructs.testing.mock_voice`: for the test, a region (``us-east-1`` unless
    ``AWS_DEFAULT_REGION`` or ``AWS_REGION`` names one) and fake credentials when none are
    configured, so ``boto3.client("pinpoint-sms-voice")`` works on a machine with no AWS
    configuration; the environment is restored after the test.
    """
    from voice_constructs.testing import mock_voice

    with mock_voice() as mock:
        yield mock
