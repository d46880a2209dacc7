"""The template's intrinsic functions, resolved as CloudFormation resolves them, or refused."""

from __future__ import annotations

from typing import Any

import pytest

from voice_constructs.testing.local_stack.template import (
    Created,
    Resolver,
    UnresolvedError,
    creation_order,
    references,
)

PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::StackName": "S"}
TEMPLATE: dict[str, Any] = {
    "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
    "Conditions": {
        "IsDev": {"Fn::Equals": [{"Ref": "Env"}, "dev"]},
        "IsProd": {"Fn::Not": [{"Condition": "IsDev"}]},
        "Either": {"Fn::Or": [{"Condition": "IsDev"}, {"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "IsDev"}, {"Condition": "IsProd"}]},
    },
    "Mappings": {"Sizes": {"dev": {"Memory": "128"}}},
    "Resources": {
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Table": {"Type": "AWS::DynamoDB::Table", "DependsOn": "Queue"},
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Environment": {"Variables": {"T": {"Ref": "Table"}}}},
        },
        "Missing": {"Type": "AWS::SMSVOICE::ProtectConfiguration"},
    },
}


@pytest.fixture
def resolver() -> Resolver:
    def parameter(name: str, definition: dict[str, Any]) -> Any:
        return definition["Default"]

    made = Resolver(TEMPLATE, PSEUDO, parameter, missing=lambda i: f"{i} is not emulated")
    made.created["Queue"] = Created("https://q", {"Arn": "arn:aws:sqs:us-east-1:1:q"})
    made.created["Table"] = Created("table-1", {"Arn": "arn:table"})
    return made


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Queue"}, "https://q"),
        ({"Ref": "AWS::Region"}, "us-east-1"),
        ({"Ref": "Env"}, "dev"),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:aws:sqs:us-east-1:1:q"),
        ({"Fn::GetAtt": "Queue.Arn"}, "arn:aws:sqs:us-east-1:1:q"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Table"}, "c"]]}, "a-table-1-c"),
        ({"Fn::Sub": "${AWS::StackName}-${Table}-${Queue.Arn}-${!Literal}"}, None),
        ({"Fn::Sub": ["x-${Name}", {"Name": {"Ref": "Env"}}]}, "x-dev"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "b"),
        ({"Fn::If": ["IsDev", "yes", "no"]}, "yes"),
        ({"Fn::If": ["Both", "yes", {"Ref": "AWS::NoValue"}]}, {}),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Memory"]}, "128"),
        ({"Fn::GetAZs": ""}, ["us-east-1a", "us-east-1b", "us-east-1c"]),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::ToJsonString": {"a": [1]}}, '{"a":[1]}'),
        ({"Fn::Length": [1, 2, 3]}, 3),
    ],
)
def test_intrinsic_functions_resolve(resolver: Resolver, value: Any, expected: Any) -> None:
    if expected is None:
        expected = "S-table-1-arn:aws:sqs:us-east-1:1:q-${Literal}"
    resolved = resolver.resolve({"Key": value})
    assert resolved == ({"Key": expected} if expected != {} else {})


def test_no_value_drops_members_of_objects_and_lists(resolver: Resolver) -> None:
    value = {"A": {"Ref": "AWS::NoValue"}, "B": ["x", {"Ref": "AWS::NoValue"}]}
    assert resolver.resolve(value) == {"B": ["x"]}


def test_conditions_evaluate(resolver: Resolver) -> None:
    assert resolver.condition("IsDev") is True
    assert resolver.condition("IsProd") is False
    assert resolver.condition("Either") is True
    assert resolver.condition("Both") is False


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"Fn::ImportValue": "Shared"}, "Fn::ImportValue"),
        ({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, "Fn::Cidr"),
        ({"Ref": "Missing"}, "Missing is not emulated"),
        ({"Fn::GetAtt": ["Queue", "Nope"]}, "Fn::GetAtt Queue.Nope (emulated attributes: Arn)"),
        ({"Ref": "Nowhere"}, "Nowhere is no resource or parameter"),
        ({"Fn::Select": [5, ["a"]]}, "Fn::Select index 5"),
        ({"Fn::Join": ["-", "not a list"]}, "Fn::Join takes a list"),
    ],
)
def test_fails_on_what_the_emulator_cannot_resolve_naming_it(
    resolver: Resolver, value: Any, named: str
) -> None:
    with pytest.raises(UnresolvedError, match=named.replace("(", r"\(").replace(")", r"\)")):
        resolver.resolve(value)


def test_references_are_found_without_resolving() -> None:
    value = {
        "A": {"Ref": "Queue"},
        "B": {"Fn::GetAtt": "Table.Arn"},
        "C": {"Fn::Sub": ["${Local}-${Function.Arn}-${!Skip}", {"Local": {"Ref": "Env"}}]},
    }
    assert references(value) == {"Queue", "Table", "Function", "Env"}


def test_creation_order_puts_what_is_needed_first() -> None:
    resources = {
        "Function": TEMPLATE["Resources"]["Function"],
        "Table": TEMPLATE["Resources"]["Table"],
        "Queue": TEMPLATE["Resources"]["Queue"],
    }
    assert creation_order(resources) == ["Queue", "Table", "Function"]
