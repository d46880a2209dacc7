"""Figures the README and docs/ state about the handlers, held against the code that sets them."""

from __future__ import annotations

import re

from configuration_set import index as config_set
from send_voice_message import ledger

from tests.docs import pages
from voice_constructs._provider import HANDLER_TIMEOUT
from voice_constructs.sender import REDRIVE_SLACK

README = "\n".join(p.read_text() for p in pages())


def test_readme_states_the_custom_resource_worst_case_and_timeout() -> None:
    worst = config_set.worst_case_seconds("Update")
    policy = config_set.RETRY

    assert f"takes at most {worst:.0f} s" in README
    assert f"timeout\nof {HANDLER_TIMEOUT.to_minutes():.0f} minutes" in README
    assert (
        f"({policy.attempts} attempts, {policy.connect_timeout:.0f} s connect and "
        f"{policy.read_timeout:.0f} s read timeouts"
    ) in README.replace("\n", " ")


def test_readme_states_the_lease_margin_and_the_redrive_slack() -> None:
    flat = re.sub(r"\s+", " ", README)

    assert f"plus {ledger.LEASE_MARGIN_SECONDS:.0f} s for clock differences" in flat
    assert f"redrive count is {REDRIVE_SLACK} above `max_receive_count`" in flat
    assert f"(after {ledger.WRITE_ATTEMPTS} tries)" in flat
