"""A synthesized stack "deployed" into moto, its handlers run in-process: the CLI's world.

:class:`MotoStack` creates, under an active ``mock_voice`` scope, what the command-line tool and
the call loop touch: the template's DynamoDB tables, SQS queues, SNS topics and Pinpoint
applications, with the template's tags and CloudFormation's stack-name tag; the custom resources
by running the library's own custom resource handler; the sender as a moto Lambda function
(tagged, so the tool finds it), whose invokes run the real handler in-process with the
environment the template gives it (moto cannot run Lambda code without Docker); a v2 sender's
origination identities and configuration set, made outside the stack, are declared to the v2
fake. Call events
the fakes emit reach the tracker's handler as SNS or EventBridge would deliver them, when the
template subscribes it.
"""

from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from call_status import index as tracker_index
from send_voice_message import index as sender_index
from send_voice_message.sender import Sender

from tests.conftest import LambdaContext
from voice_constructs._contract import contract
from voice_constructs.testing import EmittedCallEvent, VoiceMock

ACCOUNT = "123456789012"


class SimClock:
    """The one simulated clock of the stack: its handlers, the fakes, and the tool's waits."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.time = start

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time += max(seconds, 0.0)


class UnresolvedError(Exception):
    """The template refers to something the harness does not create."""


@dataclass
class Resource:
    """A created resource: what Ref gives and its attributes."""

    ref: str
    attributes: dict[str, str]


class MotoStack:
    """One synthesized stack, created in moto; see the module's docstring."""

    def __init__(self, template: dict[str, Any], stack_name: str, voice: VoiceMock) -> None:
        self.template = template
        self.stack_name = stack_name
        self.voice = voice
        self.region = voice.region
        self.created: dict[str, Resource] = {}
        self.functions: dict[str, dict[str, str]] = {}  # function name -> environment
        self.handlers: dict[str, str] = {}  # function name -> handler
        self.tracker_events: list[dict[str, Any]] = []
        self.clock = SimClock()
        voice.sms_voice().clock = self.clock.now
        voice.sms_voice_v2().clock = self.clock.now
        self._deploy()

    # --- deploy -----------------------------------------------------------------------------

    def _resources(self, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical_id, resource in self.template["Resources"].items():
            if resource["Type"] in types:
                yield logical_id, resource.get("Properties", {})

    def _deploy(self) -> None:
        for logical_id, props in self._resources("AWS::Pinpoint::App"):
            app = boto3.client("pinpoint").create_app(
                CreateApplicationRequest={"Name": props["Name"]}
            )
            self.created[logical_id] = Resource(app["ApplicationResponse"]["Id"], {})
        for logical_id, _props in self._resources("AWS::SNS::Topic"):
            arn = boto3.client("sns").create_topic(Name=self._name(logical_id))["TopicArn"]
            self.created[logical_id] = Resource(arn, {"TopicArn": arn})
        for logical_id, props in self._resources("AWS::DynamoDB::Table"):
            self._table(logical_id, props)
        # Dead-letter queues first: a queue's redrive policy names its dead-letter queue.
        queues = sorted(self._resources("AWS::SQS::Queue"), key=lambda q: "RedrivePolicy" in q[1])
        for logical_id, props in queues:
            self._queue(logical_id, props)
        for logical_id, props in self._resources(
            contract.CONFIGURATION_SET_TYPE, contract.VOICE_CHANNEL_TYPE
        ):
            self._custom_resource(logical_id, self.template["Resources"][logical_id]["Type"], props)
        for logical_id, props in self._resources("AWS::SMSVOICE::ProtectConfiguration"):
            # The v2 fake holds it, with its country rules, as CloudFormation would have made it.
            protect_id = f"protect-{uuid.uuid5(uuid.NAMESPACE_URL, logical_id).hex}"
            arn = f"arn:aws:sms-voice:{self.region}:{ACCOUNT}:protect-configuration/{protect_id}"
            rules = {
                capability: {rule["CountryCode"]: rule["ProtectStatus"] for rule in listed}
                for capability, listed in props.get("CountryRuleSet", {}).items()
            }
            self.voice.adopt_protect_configuration(protect_id, country_rule_set=rules)
            self.created[logical_id] = Resource(
                protect_id, {"ProtectConfigurationId": protect_id, "Arn": arn}
            )
        for logical_id, props in self._resources("AWS::Lambda::Function"):
            if props.get("Handler") in (contract.SENDER_HANDLER, contract.CALL_STATUS_HANDLER):
                self._function(logical_id, props)

    def _name(self, logical_id: str) -> str:
        return f"{self.stack_name}-{logical_id}"[:80]

    def _tags(self, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
        tags = {tag["Key"]: self.resolve(tag["Value"]) for tag in props.get("Tags", [])}
        if isinstance(props.get("Tags"), dict):
            tags = {k: self.resolve(v) for k, v in props["Tags"].items()}
        # What CloudFormation adds to every taggable resource it creates.
        tags["aws:cloudformation:stack-name"] = self.stack_name
        tags["aws:cloudformation:logical-id"] = logical_id
        return tags

    def _table(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id)
        table = boto3.client("dynamodb").create_table(
            TableName=name,
            KeySchema=props["KeySchema"],
            AttributeDefinitions=props["AttributeDefinitions"],
            BillingMode="PAY_PER_REQUEST",
            Tags=[{"Key": k, "Value": v} for k, v in self._tags(logical_id, props).items()],
        )["TableDescription"]
        self.created[logical_id] = Resource(name, {"Arn": table["TableArn"]})

    def _queue(self, logical_id: str, props: dict[str, Any]) -> None:
        sqs = boto3.client("sqs")
        attributes = {
            key: str(props[key])
            for key in ("VisibilityTimeout", "MessageRetentionPeriod")
            if key in props
        }
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(self.resolve(props["RedrivePolicy"]))
        url = sqs.create_queue(
            QueueName=self._name(logical_id),
            Attributes=attributes,
            tags=self._tags(logical_id, props),
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.created[logical_id] = Resource(
            url, {"Arn": arn, "QueueName": self._name(logical_id), "QueueUrl": url}
        )

    def _custom_resource(self, logical_id: str, resource_type: str, props: dict[str, Any]) -> None:
        """Create it with the library's own custom resource handler, as CloudFormation would."""
        from configuration_set import index as configuration_set
        from custom_resource import index as custom_resource
        from voice_channel import index as voice_channel

        # Clients of this moto scope: another test may have left its own in the handlers.
        configuration_set.set_client(boto3.client("pinpoint-sms-voice"))
        voice_channel.set_client(boto3.client("pinpoint"))
        properties = {k: self.resolve(v) for k, v in props.items() if k != "ServiceToken"}
        result = custom_resource.on_event(
            {
                "RequestType": "Create",
                "ResourceType": resource_type,
                "LogicalResourceId": logical_id,
                "StackId": f"arn:aws:cloudformation:{self.region}:{ACCOUNT}:stack/"
                f"{self.stack_name}/{uuid.uuid4()}",
                "RequestId": str(uuid.uuid4()),
                "ResourceProperties": properties,
            },
            LambdaContext(),
        )
        self.created[logical_id] = Resource(
            str(result.get("PhysicalResourceId")), dict(result.get("Data") or {})
        )

    def _function(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id)
        environment = {
            key: str(self.resolve(value))
            for key, value in props.get("Environment", {}).get("Variables", {}).items()
        }
        role = boto3.client("iam").create_role(
            RoleName=name[:64],
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("index.py", "# runs in-process in the tests\n")
        arn = boto3.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler=props["Handler"],
            Code={"ZipFile": archive.getvalue()},
            Environment={"Variables": environment},
            Tags=self._tags(logical_id, props),
        )["FunctionArn"]
        self.created[logical_id] = Resource(name, {"Arn": arn})
        self.functions[name] = environment
        self.handlers[name] = props["Handler"]
        if environment.get(contract.ENV_API) == contract.API_V2:
            self._hold_v2_resources(environment)

    def _hold_v2_resources(self, environment: dict[str, str]) -> None:
        """The v2 account holds what the sender sends from and names, as the app assumes."""
        identities = environment.get(contract.ENV_ORIGINATION_IDENTITIES, "").split(",")
        for identity in {*identities, environment.get(contract.ENV_ORIGINATION_NUMBER, "")}:
            if identity:
                self.voice.adopt_origination_identity(identity)
        if environment.get(contract.ENV_CONFIGURATION_SET_NAME):
            self.voice.adopt_configuration_set(environment[contract.ENV_CONFIGURATION_SET_NAME])

    def resolve(self, value: Any) -> Any:
        """``value`` with Ref and Fn::GetAtt to created resources replaced by their values."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            if value["Ref"] == "AWS::Region":
                return self.region
            if value["Ref"] == "AWS::AccountId":
                return ACCOUNT
            if value["Ref"] == "AWS::StackName":
                return self.stack_name
            return self._created(value["Ref"]).ref
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            attributes = self._created(logical_id).attributes
            if attribute not in attributes:
                raise UnresolvedError(f"{logical_id}.{attribute}")
            return attributes[attribute]
        return {key: self.resolve(item) for key, item in value.items()}

    def _created(self, logical_id: str) -> Resource:
        if logical_id not in self.created:
            raise UnresolvedError(f"{logical_id} is not created by the harness")
        return self.created[logical_id]

    # --- run --------------------------------------------------------------------------------

    def function_named(self, handler: str) -> str:
        """The name of the (one) function with ``handler``."""
        names = [name for name, h in self.handlers.items() if h == handler]
        assert len(names) == 1, names
        return names[0]

    def invoke(self, function_name: str, payload: bytes) -> dict[str, Any]:
        """What Lambda's Invoke answers, the handler run in-process."""
        name = (
            function_name.rsplit(":", 1)[-1] if function_name.startswith("arn:") else function_name
        )
        if self.handlers.get(name) != contract.SENDER_HANDLER:
            raise AssertionError(f"the tool invoked {function_name}, which is not the sender")
        context = LambdaContext(aws_request_id=str(uuid.uuid4()), function_name=name)
        with sender_index.use(Sender.from_environment(self.functions[name], clock=self.clock)):
            try:
                result = sender_index.handler(json.loads(payload), context)
            except Exception as error:
                body = {"errorType": type(error).__name__, "errorMessage": str(error)}
                return {
                    "StatusCode": 200,
                    "FunctionError": "Unhandled",
                    "Payload": io.BytesIO(json.dumps(body).encode()),
                }
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}

    def poll_queue(self) -> dict[str, Any]:
        """One poll of the sender's event source mapping: receive, invoke, delete successes."""
        sqs = boto3.client("sqs")
        ((_logical_id, props),) = self._resources("AWS::Lambda::EventSourceMapping")
        queue_arn = self.resolve(props["EventSourceArn"])
        url = next(r.ref for r in self.created.values() if r.attributes.get("Arn") == queue_arn)
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, int(props.get("BatchSize", 10))),
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        records = [_sqs_record(message, queue_arn, self.region) for message in messages]
        name = self.resolve(props["FunctionName"])
        context = LambdaContext(aws_request_id=str(uuid.uuid4()), function_name=name)
        with sender_index.use(Sender.from_environment(self.functions[name], clock=self.clock)):
            result: dict[str, Any] = sender_index.handler({"Records": records}, context)
        failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return result

    def deliver(self, emitted: list[EmittedCallEvent]) -> int:
        """Hand emitted call events to the tracker, as the template's subscription would."""
        delivered = 0
        for event in emitted:
            records = self._tracker_input(event)
            if records is None:
                continue
            tracker = self.function_named(contract.CALL_STATUS_HANDLER)
            with _environment(self.functions[tracker]):
                tracker_index.set_client(boto3.client("dynamodb"))
                tracker_index.handler(records, LambdaContext())
            self.tracker_events.append(records)
            delivered += 1
        return delivered

    def _tracker_input(self, emitted: EmittedCallEvent) -> dict[str, Any] | None:
        """The tracker's event for ``emitted``, or None when nothing routes it there."""
        if emitted.kind == "sns" and self._subscribed(emitted.target_arn):
            return {
                "Records": [
                    {
                        "EventSource": "aws:sns",
                        "Sns": {
                            "TopicArn": emitted.target_arn,
                            "Message": json.dumps(emitted.event),
                        },
                    }
                ]
            }
        if emitted.kind == "eventbridge" and self._rule_matches(emitted.event):
            return emitted.event
        return None

    def _subscribed(self, topic_arn: str) -> bool:
        return any(
            props.get("Protocol") == "lambda" and self.resolve(props["TopicArn"]) == topic_arn
            for _, props in self._resources("AWS::SNS::Subscription")
        )

    def _rule_matches(self, envelope: dict[str, Any]) -> bool:
        """Whether a rule of the template matches (its pattern lists exact values)."""
        for _, props in self._resources("AWS::Events::Rule"):
            pattern = props.get("EventPattern", {})
            if all(envelope.get(key) in values for key, values in pattern.items()):
                return True
        return False


def _sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A received message as Lambda's SQS event source hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message["Attributes"],
        "messageAttributes": {
            name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class LocalLambda:
    """A Lambda client whose ``invoke`` runs the stack's handler in-process (no Docker)."""

    def __init__(self, stack: MotoStack) -> None:
        self._stack = stack
        self.invocations: list[dict[str, Any]] = []
        self.on_invoke: Callable[[], None] | None = None

    def invoke(self, *, FunctionName: str, Payload: bytes, **_: Any) -> dict[str, Any]:  # noqa: N803
        self.invocations.append(json.loads(Payload))
        if self.on_invoke is not None:
            self.on_invoke()
        return self._stack.invoke(FunctionName, Payload)
