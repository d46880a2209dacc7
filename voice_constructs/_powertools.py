"""Powertools for AWS Lambda (Python), from its public Lambda layer, at one pinned version."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct

# The tests install this same version (pyproject.toml), and a test checks they agree.
POWERTOOLS_VERSION = "3.37.0"


def powertools_parameter_name(runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> str:
    """The public SSM parameter that holds the layer ARN for this runtime, CPU and version.

    Powertools publishes one per region, e.g.
    ``/aws/service/powertools/python/arm64/python3.14/3.37.0``, so CloudFormation resolves the
    layer ARN of the deploying region at deploy time and no table of regional ARNs is needed.
    """
    cpu = "arm64" if architecture.name == lambda_.Architecture.ARM_64.name else "x86_64"
    return f"/aws/service/powertools/python/{cpu}/{runtime.name}/{POWERTOOLS_VERSION}"


def powertools_layer(
    scope: Construct, id: str, runtime: lambda_.Runtime, architecture: lambda_.Architecture
) -> lambda_.ILayerVersion:
    """The Powertools layer for ``runtime`` and ``architecture`` in the deploying region."""
    arn = ssm.StringParameter.value_for_string_parameter(
        scope, powertools_parameter_name(runtime, architecture)
    )
    return lambda_.LayerVersion.from_layer_version_arn(scope, id, arn)
