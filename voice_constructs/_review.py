"""Acknowledging review-gate findings that a construct knowingly produces."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge ``rule_id`` (a cdk-nag rule, or one finding of it) on ``scope`` only.

    The reason travels with the construct, so a user's own cdk-nag run shows why it was accepted.
    """
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
