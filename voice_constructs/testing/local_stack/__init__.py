"""A synthesized stack run against the emulator: ``voice-constructs emulate --app cdk.out``.

No AWS account and no Docker: the stack's resources are created in the emulator's services
(moto's and the voice fakes) with the names, tags and settings of its template, and its Python
functions run in the emulator's own process, from the code assets the template names.

- :mod:`.assembly` reads a cloud assembly (or a template file) into its stacks;
- :mod:`.template` resolves the template's intrinsic functions against what was created;
- :mod:`.deployment` runs the creators registry, type to creator (:mod:`.creators` for queues,
  tables, topics, keys, logs, roles and rules; :mod:`.lambdas` for functions, event source
  mappings, asynchronous invocation settings and custom resources);
- :mod:`.functions` runs the functions (a Lambda context, the template's environment, timeout and
  concurrency), :mod:`.invocations` their asynchronous invocations (retries, destinations),
  :mod:`.poller` the SQS event source mappings;
- :mod:`.calls` plays each placed call's status events where the service delivers them;
- :mod:`.stack` puts it together for the scope of :func:`~.stack.running`.

What differs from AWS is in ``docs/local-stack.md``: the functions run on the local Python, not
the Lambda runtime, with no isolation between them and no IAM enforcement.
"""

from __future__ import annotations

from voice_constructs.testing.local_stack.assembly import AssemblyError, StackTemplate, load
from voice_constructs.testing.local_stack.deployment import Creator, Deployment, StackError
from voice_constructs.testing.local_stack.stack import LocalStack, creators, running

__all__ = [
    "AssemblyError",
    "Creator",
    "Deployment",
    "LocalStack",
    "StackError",
    "StackTemplate",
    "creators",
    "load",
    "running",
]
