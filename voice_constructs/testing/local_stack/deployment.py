"""One stack created in the emulator: the creators registry, and what each resource became.

A creator makes one resource type in the emulator's services, from the template's properties,
and returns what ``Ref`` and ``Fn::GetAtt`` give for it. :func:`deploy` runs them in dependency
order. A type that has no effect here (IAM policies, which nothing enforces) is listed as such;
a type without a creator, or a resource that needs something not emulated, is listed as "not
emulated" with the reason, and what refers to it is not emulated either.

The registry is a plain mapping, type to creator, so a new type is one function and one entry
(``creators.CREATORS``, ``lambdas.CREATORS``; :func:`voice_constructs.testing.local_stack.stack.
creators` merges them).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voice_constructs.testing.local_stack.template import (
    Created,
    Resolver,
    UnresolvedError,
    creation_order,
)

if TYPE_CHECKING:
    from voice_constructs.testing.local_stack.assembly import StackTemplate
    from voice_constructs.testing.local_stack.functions import Functions
    from voice_constructs.testing.local_stack.poller import Mapping as QueueMapping

CREATED, NO_EFFECT, NOT_EMULATED = "created", "no effect", "not emulated"
#: Types accepted without an effect here, and why.
NO_EFFECT_TYPES = {
    "AWS::IAM::Policy": "IAM is not enforced locally",
    "AWS::IAM::ManagedPolicy": "IAM is not enforced locally",
    "AWS::SQS::QueuePolicy": "resource policies are not enforced locally",
    "AWS::SNS::TopicPolicy": "resource policies are not enforced locally",
    "AWS::Lambda::Permission": "resource policies are not enforced locally",
    "AWS::CloudWatch::Alarm": "no metrics are published locally, so an alarm never changes state",
    "AWS::CDK::Metadata": "CDK's version reporting",
}
# The tags CloudFormation adds to what it creates.
STACK_NAME_TAG = "aws:cloudformation:stack-name"
LOGICAL_ID_TAG = "aws:cloudformation:logical-id"
STACK_ID_TAG = "aws:cloudformation:stack-id"


class StackError(Exception):
    """The stack cannot run: a function it needs could not be created (the message says why)."""


@dataclass(frozen=True)
class Entry:
    """What became of one resource of the template."""

    logical_id: str
    type: str
    status: str
    detail: str = ""


@dataclass
class Deployment:
    """The context a creator works in: the stack, its resolver, clients, what was made."""

    stack: StackTemplate
    region: str
    account: str
    client: Callable[[str], Any]
    functions: Functions
    entries: list[Entry] = field(default_factory=list)
    mappings: list[QueueMapping] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The names of the functions it created.
    function_names: list[str] = field(default_factory=list)
    #: Layer ARNs the emulator knows, and what stands for each locally.
    layers: dict[str, str] = field(default_factory=dict)
    parameters: Callable[[Deployment, str, dict[str, Any]], Any] | None = None
    resolver: Resolver = field(init=False)
    stack_id: str = field(init=False)

    def __post_init__(self) -> None:
        """The stack's id and its resolver."""
        self.stack_id = (
            f"arn:{self.partition}:cloudformation:{self.region}:{self.account}:stack/"
            f"{self.stack.name}/{uuid.uuid5(uuid.NAMESPACE_URL, self.stack.name)}"
        )
        pseudo: dict[str, Any] = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": self.stack.name,
            "AWS::StackId": self.stack_id,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com",
            "AWS::NotificationARNs": [],
        }
        self.resolver = Resolver(
            self.stack.template,
            pseudo,
            lambda name, definition: self._parameter(name, definition),
            missing=self._missing,
        )

    @property
    def partition(self) -> str:
        """The region's ARN partition."""
        if self.region.startswith("cn-"):
            return "aws-cn"
        return "aws-us-gov" if self.region.startswith("us-gov-") else "aws"

    def resource(self, logical_id: str) -> dict[str, Any]:
        """The template's definition of ``logical_id``."""
        resource: dict[str, Any] = self.stack.template["Resources"][logical_id]
        return resource

    def resolve(self, value: Any) -> Any:
        """``value`` with its intrinsic functions resolved."""
        return self.resolver.resolve(value)

    def physical_name(self, logical_id: str, limit: int, *, suffix: str = "") -> str:
        """A name as CloudFormation makes one: ``stack-logicalId-SUFFIX``, within ``limit``.

        The suffix is stable (from the stack and logical id), so a restart gives the same names.
        """
        tail = hashlib.sha256(f"{self.stack.name}/{logical_id}".encode()).hexdigest()[:12].upper()
        room = limit - len(tail) - len(suffix) - 2
        stack, logical = self.stack.name, logical_id
        if len(stack) + len(logical) > room:
            stack = stack[: max(1, room // 2)]
            logical = logical[: max(1, room - len(stack))]
        return f"{stack}-{logical}-{tail}{suffix}"

    def tags(self, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
        """The resource's tags (a list of Key/Value or a map), with CloudFormation's own."""
        given = self.resolve(props.get("Tags") or [])
        tags = (
            {str(t["Key"]): str(t["Value"]) for t in given}
            if isinstance(given, list)
            else {str(k): str(v) for k, v in given.items()}
        )
        tags.update(
            {
                STACK_NAME_TAG: self.stack.name,
                LOGICAL_ID_TAG: logical_id,
                STACK_ID_TAG: self.stack_id,
            }
        )
        return tags

    def tag_list(self, logical_id: str, props: dict[str, Any]) -> list[dict[str, str]]:
        """:meth:`tags` in the ``[{"Key": ..., "Value": ...}]`` form most AWS APIs take."""
        return [{"Key": k, "Value": v} for k, v in self.tags(logical_id, props).items()]

    def arn(self, service: str, resource: str) -> str:
        """An ARN of this stack's region and account."""
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def _parameter(self, name: str, definition: dict[str, Any]) -> Any:
        if self.parameters is None:
            raise UnresolvedError(f"parameter {name}")
        return self.parameters(self, name, definition)

    def _missing(self, logical_id: str) -> str:
        for entry in self.entries:
            if entry.logical_id == logical_id:
                return f"it needs {logical_id} ({entry.type}), which is {entry.status}"
        resource = self.resource(logical_id)
        return f"it needs {logical_id} ({resource.get('Type')}), which is not created yet"


Creator = Callable[[Deployment, str, dict[str, Any]], Created]


def deploy(deployment: Deployment, creators: Mapping[str, Creator]) -> None:
    """Create every resource of the stack that has a creator, in dependency order.

    Raises StackError when a Python function could not be created: the stack cannot run.
    """
    resources = deployment.stack.template["Resources"]
    resolver = deployment.resolver
    for logical_id in creation_order(resources):
        resource = resources[logical_id]
        kind = str(resource.get("Type", ""))
        try:
            condition = resource.get("Condition")
            if condition is not None and not resolver.condition(str(condition)):
                deployment.entries.append(Entry(logical_id, kind, "skipped", f"{condition} false"))
                continue
            if kind in NO_EFFECT_TYPES:
                resolver.created[logical_id] = Created(logical_id)
                deployment.entries.append(Entry(logical_id, kind, NO_EFFECT, NO_EFFECT_TYPES[kind]))
                continue
            creator = creators.get(kind) or (
                creators.get("Custom::*") if kind.startswith("Custom::") else None
            )
            if creator is None:
                deployment.entries.append(
                    Entry(logical_id, kind, NOT_EMULATED, "the emulator has no creator for it")
                )
                continue
            created = creator(deployment, logical_id, resource.get("Properties") or {})
        except UnresolvedError as error:
            deployment.entries.append(Entry(logical_id, kind, NOT_EMULATED, str(error)))
            continue
        except Exception as error:  # a service's refusal: the resource is not emulated
            detail = f"{type(error).__name__}: {error}"
            deployment.entries.append(Entry(logical_id, kind, NOT_EMULATED, detail))
            continue
        resolver.created[logical_id] = created
        deployment.entries.append(Entry(logical_id, kind, CREATED, created.detail or created.ref))
    _check_functions(deployment)


def _check_functions(deployment: Deployment) -> None:
    """A Python function that could not be created stops the stack: its callers need it."""
    failed = [
        entry
        for entry in deployment.entries
        if entry.type == "AWS::Lambda::Function"
        and entry.status == NOT_EMULATED
        and str(deployment.resource(entry.logical_id).get("Properties", {}).get("Runtime", ""))
        .lower()
        .startswith("python")
    ]
    if failed:
        reasons = "; ".join(f"{e.logical_id}: {e.detail}" for e in failed)
        raise StackError(f"stack {deployment.stack.name}: its functions cannot run: {reasons}")


def outputs(deployment: Deployment) -> dict[str, str]:
    """The template's outputs, resolved (an unresolved one says why)."""
    resolved: dict[str, str] = {}
    for name, output in (deployment.stack.template.get("Outputs") or {}).items():
        try:
            condition = output.get("Condition")
            if condition is not None and not deployment.resolver.condition(str(condition)):
                continue
            resolved[name] = str(deployment.resolve(output.get("Value")))
        except UnresolvedError as error:
            resolved[name] = f"(not emulated: {error})"
    return resolved
