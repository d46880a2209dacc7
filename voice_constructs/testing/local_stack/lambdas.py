"""Creators of the Lambda resources, custom resources, and the template's parameters.

Functions, event source mappings, asynchronous invocation settings, custom resources, and the
parameters CDK adds (the Powertools layer's SSM parameter, the legacy asset parameters).

A Python function is created in moto's Lambda (with a stub package: moto only names it, so that
``ListFunctions``, tags and ``Invoke`` find it) and registered with the emulator's runner, which
runs its handler from its code asset. A function of another runtime is created the same way and
not run. A custom resource runs its handler in-process as the CDK provider framework would: the
framework (a Node.js function) is not run; the Python ``onEvent`` function it names is invoked
with CloudFormation's ``Create`` event, and its ``PhysicalResourceId`` and ``Data`` are what
``Ref`` and ``Fn::GetAtt`` give.
"""

from __future__ import annotations

import importlib.metadata
import io
import re
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

from voice_constructs._source import lambda_source_dir
from voice_constructs.testing.local_stack.deployment import Creator, Deployment
from voice_constructs.testing.local_stack.functions import FunctionConfig
from voice_constructs.testing.local_stack.poller import DEFAULT_CONCURRENCY, Mapping
from voice_constructs.testing.local_stack.template import Created, UnresolvedError

POWERTOOLS_PACKAGE = "aws-lambda-powertools"
_POWERTOOLS_PARAMETER = re.compile(
    r"/aws/service/powertools/python/(?P<arch>[^/]+)/(?P<runtime>[^/]+)/(?P<version>[^/]+)"
)
_ASSET_PARAMETER = re.compile(r"AssetParameters([0-9a-f]{64})(S3Bucket|S3VersionKey|ArtifactHash)")
_FRAMEWORK_ON_EVENT = "USER_ON_EVENT_FUNCTION_ARN"
_FRAMEWORK_IS_COMPLETE = "USER_IS_COMPLETE_FUNCTION_ARN"
_IS_COMPLETE_ATTEMPTS = 30


def parameter(deployment: Deployment, name: str, definition: dict[str, Any]) -> Any:
    """A template parameter: its default, or what stands for a public SSM parameter locally."""
    kind = str(definition.get("Type", "String"))
    default = definition.get("Default")
    asset = _ASSET_PARAMETER.fullmatch(name)
    if asset:
        digest, part = asset.groups()
        return {
            "S3Bucket": "local-assets",
            "S3VersionKey": f"{digest}.zip||",
            "ArtifactHash": digest,
        }[part]
    if kind.startswith("AWS::SSM::Parameter::Value<"):
        path = str(default)
        powertools = _POWERTOOLS_PARAMETER.fullmatch(path)
        if powertools:
            runtime = powertools["runtime"].replace(".", "")
            layer = deployment.arn(
                "lambda", f"layer:AWSLambdaPowertoolsPythonV3-{runtime}-{powertools['arch']}:0"
            ).replace(f":{deployment.account}:", ":017000801446:")
            deployment.layers[layer] = powertools["version"]
            return layer
        try:
            return deployment.client("ssm").get_parameter(Name=path)["Parameter"]["Value"]
        except Exception:
            raise UnresolvedError(
                f"parameter {name}: the SSM parameter {path} is not in the emulator"
            ) from None
    if default is None:
        raise UnresolvedError(f"parameter {name} has no default")
    if kind.startswith("List<") or kind == "CommaDelimitedList":
        return [item.strip() for item in str(default).split(",")]
    return str(default)


def function(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::Lambda::Function``: in moto, and registered with the runner; Ref is its name."""
    resolved = deployment.resolve(props)
    name = resolved.get("FunctionName") or deployment.physical_name(logical_id, 64)
    runtime = str(resolved.get("Runtime", ""))
    handler = str(resolved.get("Handler", ""))
    environment = {
        str(k): str(v)
        for k, v in ((resolved.get("Environment") or {}).get("Variables") or {}).items()
    }
    code, not_run = _code(deployment, logical_id, resolved, runtime, handler)
    arn = deployment.arn("lambda", f"function:{name}")
    reserved = resolved.get("ReservedConcurrentExecutions")
    dead_letter = (resolved.get("DeadLetterConfig") or {}).get("TargetArn")
    log_group = (resolved.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{name}"
    config = FunctionConfig(
        name=name,
        arn=arn,
        handler=handler,
        runtime=runtime,
        code=code,
        environment=environment,
        timeout=float(resolved.get("Timeout", 3)),
        memory=int(resolved.get("MemorySize", 128)),
        reserved=None if reserved is None else int(reserved),
        log_group=str(log_group),
        not_run=not_run,
        dead_letter=dead_letter,
    )
    _create_in_moto(deployment, logical_id, props, config, resolved)
    deployment.functions.add(config)
    deployment.function_names.append(name)
    if not_run:
        return Created(name, {"Arn": arn}, f"{name}: not run ({not_run})")
    layers = _layers(deployment, resolved.get("Layers") or [])
    reservation = f", reserved concurrency {config.reserved}" if config.reserved else ""
    detail = (
        f"{name}: {handler}, runs in-process ({deployment.functions.python} here, the template's "
        f"{runtime}), timeout {config.timeout:g} s, {config.memory} MB{reservation}{layers}"
    )
    return Created(name, {"Arn": arn}, detail)


def _code(
    deployment: Deployment, logical_id: str, resolved: dict[str, Any], runtime: str, handler: str
) -> tuple[Path | None, str | None]:
    """Where the function's code is, or why it is not run."""
    if not runtime.startswith("python"):
        return None, f"runtime {runtime or 'none'}: the emulator runs Python functions only"
    module = handler.rpartition(".")[0].replace(".", "/")
    inline = (resolved.get("Code") or {}).get("ZipFile")
    if isinstance(inline, str):
        directory = Path(tempfile.mkdtemp(prefix=f"vc-{logical_id}-"))
        (directory / f"{module}.py").write_text(inline, encoding="utf-8")
        return directory, None
    metadata = deployment.resource(logical_id).get("Metadata") or {}
    asset = metadata.get("aws:asset:path")
    candidates = [deployment.stack.directory / str(asset)] if asset else []
    candidates.append(lambda_source_dir())
    for directory in candidates:
        if (directory / f"{module}.py").is_file() or (directory / module / "__init__.py").is_file():
            if directory != candidates[0]:
                deployment.notes.append(
                    f"{logical_id}: its code asset is not here; it runs this installation's "
                    f"handler code ({directory})"
                )
            return directory, None
    return None, f"its handler {handler} is in no code asset here ({asset or 'no asset'})"


def _create_in_moto(
    deployment: Deployment,
    logical_id: str,
    props: dict[str, Any],
    config: FunctionConfig,
    resolved: dict[str, Any],
) -> None:
    stub = io.BytesIO()
    with zipfile.ZipFile(stub, "w") as archive:
        archive.writestr("README.txt", "voice-constructs emulate runs this function in-process\n")
    request: dict[str, Any] = {
        "FunctionName": config.name,
        "Runtime": config.runtime or "python3.13",
        "Role": resolved["Role"],
        "Handler": config.handler or "index.handler",
        "Code": {"ZipFile": stub.getvalue()},
        "Environment": {"Variables": config.environment},
        "Timeout": int(config.timeout),
        "MemorySize": config.memory,
        "Tags": deployment.tags(logical_id, props),
    }
    for key in ("Description", "Architectures"):
        if key in resolved:
            request[key] = resolved[key]
    lambda_ = deployment.client("lambda")
    lambda_.create_function(**request)
    if config.reserved is not None:
        lambda_.put_function_concurrency(
            FunctionName=config.name, ReservedConcurrentExecutions=config.reserved
        )


def _layers(deployment: Deployment, layers: list[Any]) -> str:
    """What stands for each layer locally, for the startup output."""
    shown: list[str] = []
    for arn in layers:
        version = deployment.layers.get(str(arn))
        if version is None:
            shown.append(f"layer {arn}: not emulated (its code is not here)")
            continue
        try:
            installed = importlib.metadata.version(POWERTOOLS_PACKAGE)
        except importlib.metadata.PackageNotFoundError:
            shown.append(
                f"Powertools {version} layer: not installed here (pip install "
                f"'{POWERTOOLS_PACKAGE}=={version}'; the bulk path needs it)"
            )
            continue
        same = "" if installed == version else f", not the layer's {version}"
        shown.append(f"Powertools layer: the installed {POWERTOOLS_PACKAGE} {installed}{same}")
    return "".join(f"; {text}" for text in shown)


def invoke_config(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::Lambda::EventInvokeConfig``: retries and destinations of asynchronous invocations."""
    resolved = deployment.resolve(props)
    target = deployment.functions.find(str(resolved["FunctionName"]))
    if target is None:
        raise UnresolvedError(f"its function {resolved['FunctionName']} is not emulated")
    target.retries = int(resolved.get("MaximumRetryAttempts", 2))
    destinations = resolved.get("DestinationConfig") or {}
    target.on_success = (destinations.get("OnSuccess") or {}).get("Destination")
    target.on_failure = (destinations.get("OnFailure") or {}).get("Destination")
    failure = f", on failure to {target.on_failure.rsplit(':', 1)[-1]}" if target.on_failure else ""
    detail = f"{target.name}: {target.retries} retries{failure}"
    return Created(f"{target.name}|$LATEST", {}, detail)


def event_source_mapping(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """``AWS::Lambda::EventSourceMapping`` from SQS: polled by the emulator; Ref is its UUID."""
    resolved = deployment.resolve(props)
    source = str(resolved.get("EventSourceArn", ""))
    if ":sqs:" not in source:
        raise UnresolvedError(f"its source {source or 'none'}: the emulator polls SQS queues only")
    target = deployment.functions.find(str(resolved["FunctionName"]))
    if target is None:
        raise UnresolvedError(f"its function {resolved['FunctionName']} is not emulated")
    account, name = source.split(":")[4], source.rsplit(":", 1)[1]
    url = deployment.client("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
    scaling = (resolved.get("ScalingConfig") or {}).get("MaximumConcurrency")
    identifier = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{deployment.stack_id}/{logical_id}"))
    mapping = Mapping(
        uuid=identifier,
        queue_arn=source,
        queue_url=url["QueueUrl"],
        function=target.name,
        batch_size=int(resolved.get("BatchSize", 10)),
        window=float(resolved.get("MaximumBatchingWindowInSeconds", 0)),
        concurrency=int(scaling or target.reserved or DEFAULT_CONCURRENCY),
        report_failures="ReportBatchItemFailures" in (resolved.get("FunctionResponseTypes") or []),
    )
    if str(resolved.get("Enabled", True)).lower() == "false":
        return Created(identifier, {"Id": identifier}, f"disabled: {mapping.describe()}")
    if resolved.get("FilterCriteria"):
        deployment.notes.append(f"{logical_id}: its FilterCriteria are not applied locally")
    deployment.mappings.append(mapping)
    return Created(identifier, {"Id": identifier}, f"polled: {mapping.describe()}")


def custom_resource(deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Created:
    """A custom resource of a CDK provider: its Python ``onEvent`` handler run with ``Create``."""
    resolved = deployment.resolve(props)
    token = str(resolved.get("ServiceToken", ""))
    framework = deployment.functions.find(token)
    if framework is None:
        raise UnresolvedError(f"its ServiceToken {token or 'none'} is not a function of the stack")
    handler = framework.environment.get(_FRAMEWORK_ON_EVENT)
    if handler is None or deployment.functions.find(handler) is None:
        raise UnresolvedError(
            f"its ServiceToken {framework.name} is no CDK provider framework with a Python "
            "onEvent handler (a handler that answers CloudFormation's ResponseURL is not run)"
        )
    event = {
        "RequestType": "Create",
        "ServiceToken": token,
        "ResponseURL": "http://127.0.0.1/not-used-locally",
        "StackId": deployment.stack_id,
        "RequestId": str(uuid.uuid4()),
        "ResourceType": str(deployment.resource(logical_id).get("Type")),
        "LogicalResourceId": logical_id,
        "ResourceProperties": resolved,
    }
    answer = _run_handler(deployment, handler, event)
    physical = str(answer.get("PhysicalResourceId") or event["RequestId"])
    data = dict(answer.get("Data") or {})
    complete = framework.environment.get(_FRAMEWORK_IS_COMPLETE)
    for _ in range(_IS_COMPLETE_ATTEMPTS if complete else 0):
        progress = _run_handler(deployment, str(complete), {**event, **answer, "Data": data})
        data.update(progress.get("Data") or {})
        if progress.get("IsComplete"):
            break
        time.sleep(1)
    target = deployment.functions.find(handler)
    by = target.name if target else handler
    return Created(physical, data, f"{physical}: created by {by}, in-process")


def _run_handler(deployment: Deployment, target: str, event: dict[str, Any]) -> dict[str, Any]:
    result = deployment.functions.invoke(target, event)
    if result.error is not None:
        message = (result.payload or {}).get("errorMessage", "")
        raise RuntimeError(f"its handler failed: {result.error}: {message}")
    return result.payload if isinstance(result.payload, dict) else {}


CREATORS: dict[str, Creator] = {
    "AWS::Lambda::Function": function,
    "AWS::Lambda::EventInvokeConfig": invoke_config,
    "AWS::Lambda::EventSourceMapping": event_source_mapping,
    "AWS::CloudFormation::CustomResource": custom_resource,
    "Custom::*": custom_resource,
}
