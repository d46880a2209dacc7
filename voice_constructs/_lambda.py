"""Settings every Lambda function of the library shares."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

# The newest Python runtime Lambda and aws-cdk-lib offer. The handlers use nothing newer than
# Python 3.11, so the test suite exercises them on the local interpreter too.
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14
