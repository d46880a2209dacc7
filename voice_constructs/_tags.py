"""The tags by which ``voice-constructs`` (the command-line tool) finds a stack's parts.

Each tagged resource carries its stack's name (``voice-constructs:stack``, resolved by
CloudFormation from ``AWS::StackName``), the part it is (``voice-constructs:component``) and the
path of the construct that owns it (``voice-constructs:construct``). One ``tag:GetResources``
call then finds every part of a deployed stack.
"""

from __future__ import annotations

import re

from aws_cdk import Aws, Stack, Tags
from constructs import Construct, IConstruct

from voice_constructs._contract import contract

# The characters a tag value may hold, and its length (the Resource Groups Tagging API's rule).
_NOT_ALLOWED = re.compile(r"[^\w\s+=.:/@-]")
_MAX_VALUE = 256


def construct_tag(owner: Construct) -> str:
    """The construct tag: ``owner``'s path in its stack, kept to what a tag value allows."""
    path = owner.node.path.removeprefix(Stack.of(owner).node.path + "/")
    return _NOT_ALLOWED.sub("_", path)[:_MAX_VALUE]


def tag_component(resource: IConstruct, component: str, owner: Construct) -> None:
    """Tag ``resource`` as ``component`` of the construct ``owner``."""
    Tags.of(resource).add(contract.TAG_STACK, Aws.STACK_NAME)
    Tags.of(resource).add(contract.TAG_COMPONENT, component)
    Tags.of(resource).add(contract.TAG_CONSTRUCT, construct_tag(owner))
