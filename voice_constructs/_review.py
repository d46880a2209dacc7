"""Acknowledging review-gate findings that a construct knowingly produces.

cdk-nag's acknowledgements travel with the construct (``Validations.of``); checkov's travel in
the template itself, as ``Metadata.checkov.skip`` of the resource, each with its reason, which
is where checkov (and a reviewer reading the template) looks for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct

# What checkov's checks on these resources ask for, and why the library does otherwise. One
# source for every resource of a kind; the README's table is checked against the templates.
SQS_MANAGED_ENCRYPTION = (
    "encrypted at rest with SSE-SQS (SqsManagedSseEnabled), which checkov does not recognise; a "
    "customer managed key would add a key policy that every producer must also be granted"
)
LOGS_ENCRYPTION = (
    "CloudWatch Logs encrypts every log group at rest with keys it manages; these logs hold "
    "masked phone numbers and never message text, so a customer managed key adds cost only"
)
TABLE_ENCRYPTION = (
    "encrypted at rest with the AWS managed key (aws/dynamodb); the items hold hashes of phone "
    "numbers and keys and call statuses, never message text"
)
NO_VPC = (
    "the function calls only public AWS APIs (SMS and Voice, DynamoDB, SQS, Pinpoint); a VPC "
    "would add NAT gateways or endpoints and protect nothing more"
)
ENVIRONMENT_ENCRYPTION = (
    "the environment holds resource names and settings, no secrets; Lambda encrypts it at rest "
    "with an AWS managed key"
)


def acknowledge(
    scope: IConstruct, rule_id: str, reason: str, *, checkov: Iterable[str] = ()
) -> None:
    """Acknowledge ``rule_id`` (a cdk-nag rule, or one finding of it) on ``scope`` only.

    The reason travels with the construct, so a user's own cdk-nag run shows why it was accepted.
    ``checkov`` names checkov's checks for the same concern: they are skipped on ``scope``'s
    CloudFormation resource with the same reason.
    """
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
    for check in checkov:
        skip_checkov(scope, check, reason)


def skip_checkov(scope: IConstruct, check_id: str, reason: str) -> None:
    """Skip checkov's ``check_id`` on ``scope``'s CloudFormation resource, with ``reason``."""
    resource = scope if isinstance(scope, CfnResource) else scope.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{scope.node.path} has no CloudFormation resource to skip {check_id} on")
    existing: Any = resource.get_metadata("checkov") or {}
    skips = [s for s in existing.get("skip", []) if s.get("id") != check_id]
    skips.append({"id": check_id, "comment": reason})
    resource.add_metadata("checkov", {"skip": sorted(skips, key=lambda s: str(s["id"]))})
