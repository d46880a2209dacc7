"""The fence between the two SMS and Voice APIs in IAM.

v1 (``pinpoint-sms-voice``) and v2 (AWS End User Messaging SMS and Voice) share the ``sms-voice``
action prefix, and even action names (``SendVoiceMessage``, ``CreateConfigurationSet``). v1's
actions have no resource-level permissions, so a v1 grant is on ``*``, and ``*`` also covers
every v2 resource: a v1 sender could send from any v2 number or pool of the account, and the
custom resource provider could delete any v2 configuration set.

The fence is an explicit deny of every ``sms-voice`` action on every ``sms-voice`` resource ARN
(``arn:<partition>:sms-voice:*:*:*``: phone numbers, pools, sender ids, configuration sets,
protect configurations, and any type v2 adds). A v1 request names no resource (IAM evaluates it
against ``*``, which that ARN pattern does not match), so it is untouched; every v2 request
names one of these resources, so it is refused, whatever else allows it.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

V2_ACTIONS = "sms-voice:*"


def v2_resources(scope: IConstruct) -> str:
    """Every ``sms-voice`` resource ARN, in any region and account, of ``scope``'s partition."""
    return Stack.of(scope).format_arn(
        service="sms-voice",
        region="*",
        account="*",
        resource="*",
        arn_format=ArnFormat.NO_RESOURCE_NAME,
    )


def deny_v2(grantee: iam.IGrantable, scope: IConstruct) -> None:
    """Deny ``grantee`` every v2 resource: what its v1 grants on ``*`` would otherwise reach."""
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            effect=iam.Effect.DENY, actions=[V2_ACTIONS], resources=[v2_resources(scope)]
        )
    )
