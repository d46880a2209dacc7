"""CloudWatch metrics as embedded metric format (EMF) lines on stdout.

Lambda's logs turn them into metrics: no client, no permission, no request. Outside Lambda
(``AWS_LAMBDA_FUNCTION_NAME`` unset: a local run, a test) nothing would, so nothing is written.

One namespace for the library (:data:`NAMESPACE`), each metric with the function's name as its
dimension, so an alarm can watch one sender.
"""

from __future__ import annotations

import json
import os
import sys

from vc_common import contract

NAMESPACE = contract.METRICS_NAMESPACE
# A queued copy of a message refused as a duplicate (no call): the first message's delivery owns
# the outcome, and the log line beside the metric names it.
DUPLICATES_REFUSED = "DuplicatesRefused"
# A call the service accepted: what the sender's calls-per-hour alarm counts.
CALLS_PLACED = contract.METRIC_CALLS_PLACED


def emit(name: str, *, now: float, value: float = 1.0) -> None:
    """Write one EMF line for ``name`` (a count), timed at ``now`` (seconds, the caller's clock)."""
    function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if not function:
        return
    line = {
        "_aws": {
            "Timestamp": int(now * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[contract.METRICS_DIMENSION]],
                    "Metrics": [{"Name": name, "Unit": "Count"}],
                }
            ],
        },
        contract.METRICS_DIMENSION: function,
        name: value,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
