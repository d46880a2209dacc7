"""``make bench``: each figure is a ratio against a baseline measured in the same run.

Every timing is a median over repeated runs, with min and max, and the measured and baseline
runs alternate so that a slower minute of the machine hits both. The table is printed and
written to ``bench/results.md``. Only public tools: ``time.perf_counter``, subprocesses,
``zipfile``. Run from the repository root (``python -m bench.run``).
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# `make bench` writes the local file (untracked); BENCH_UPDATE=1 rewrites the committed one.
RESULTS = (
    ROOT / "bench" / ("results.md" if os.environ.get("BENCH_UPDATE") == "1" else "results.local.md")
)
# Fake credentials and a fixed region: nothing here reaches AWS.
ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "PYTHONPATH": os.pathsep.join([str(ROOT / "lambda_src"), str(ROOT)]),
}
SYNTH_RUNS = int(os.environ.get("BENCH_SYNTH_RUNS", "5"))
IMPORT_RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "15"))
MESSAGE_REPEATS, MESSAGE_CALLS = 7, 2000


@dataclass
class Figure:
    """One row of the table."""

    name: str
    measured: str
    baseline: str
    value: float
    low: float | None
    high: float | None
    goal: str
    met: bool
    note: str = ""


def spread(samples: list[float]) -> tuple[float, float, float]:
    """Median, min and max."""
    return statistics.median(samples), min(samples), max(samples)


def alternate(
    measured: Callable[[], float], baseline: Callable[[], float], runs: int
) -> tuple[list[float], list[float]]:
    """Run both ``runs`` times, alternating, and return their samples."""
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(measured())
        theirs.append(baseline())
    return ours, theirs


def wall(command: list[str], env: dict[str, str]) -> float:
    """Seconds one command takes, start to exit; it must succeed."""
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def synth_figure() -> Figure:
    """Whole-process synth of the sample app (its review gates included) against a bare app."""
    with tempfile.TemporaryDirectory() as out_a, tempfile.TemporaryDirectory() as out_b:
        sample = [sys.executable, "app.py"]
        bare = [sys.executable, "bench/bare_app.py"]
        ours, theirs = alternate(
            lambda: wall(sample, {**ENV, "CDK_OUTDIR": out_a}),
            lambda: wall(bare, {**ENV, "CDK_OUTDIR": out_b}),
            SYNTH_RUNS,
        )
    return ratio_figure(
        "Synth (whole process)",
        "`python app.py` (sample, cdk-nag on)",
        "bare app, one Python function",
        ours,
        theirs,
        1.25,
        unit="s",
    )


def synth_without_gates_figure() -> Figure:
    """The same, without cdk-nag: what the constructs themselves cost."""
    build_only = "import aws_cdk as cdk, app\na = cdk.App()\napp.build(a)\na.synth()\n"
    with tempfile.TemporaryDirectory() as out_a, tempfile.TemporaryDirectory() as out_b:
        ours, theirs = alternate(
            lambda: wall([sys.executable, "-c", build_only], {**ENV, "CDK_OUTDIR": out_a}),
            lambda: wall([sys.executable, "bench/bare_app.py"], {**ENV, "CDK_OUTDIR": out_b}),
            SYNTH_RUNS,
        )
    return ratio_figure(
        "Synth without review gates",
        "sample app, cdk-nag off",
        "bare app, one Python function",
        ours,
        theirs,
        1.25,
        unit="s",
    )


def _import_seconds(statement: str) -> float:
    code = (
        "import time\n"
        "start = time.perf_counter()\n"
        f"{statement}\n"
        "print(time.perf_counter() - start)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def cold_import_figure() -> Figure:
    """A new interpreter importing the sender handler and building its sender (and client)."""
    ours, theirs = alternate(
        lambda: _import_seconds("from send_voice_message import index\nindex.current()"),
        lambda: _import_seconds("import boto3"),
        IMPORT_RUNS,
    )
    return ratio_figure(
        "Cold import",
        "`import send_voice_message.index`, sender built (client created)",
        "`import boto3`",
        ours,
        theirs,
        1.15,
        unit="ms",
    )


class _Body(io.BytesIO):
    def stream(self, **_: Any) -> Any:
        yield self.getvalue()


def _stubbed_client() -> Any:
    """A real SMS and Voice client whose transport answers at once with a fixed MessageId."""
    import boto3
    from botocore.awsrequest import AWSResponse
    from send_voice_message.service import CLIENT_CONFIG

    client = boto3.client("pinpoint-sms-voice", config=CLIENT_CONFIG)

    def answer(request: Any, **_: Any) -> AWSResponse:
        body = _Body(b'{"MessageId": "00000000-0000-4000-8000-000000000000"}')
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, body)

    client.meta.events.register("before-send.pinpoint-sms-voice.SendVoiceMessage", answer)
    return client


def per_message_figure() -> tuple[Figure, float]:
    """The handler on a valid event against the raw client call, same stubbed transport."""
    os.environ.update({k: v for k, v in ENV.items() if k.startswith("AWS_")})
    from send_voice_message import index
    from send_voice_message.sender import Sender
    from send_voice_message.validation import Defaults, build_request

    # Lambda formats and writes every log record; so does this, to /dev/null.
    sink = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives for the run
    sink.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s %(request_id)s"))
    logging.getLogger().addHandler(sink)
    client = _stubbed_client()
    defaults = Defaults(origination_number="+12065550100", language_code="en-US")
    # The handler's own sender (no state table), as a container without one builds it.
    sender = Sender(client=client, defaults=defaults)
    event = {
        "DestinationPhoneNumber": "+12065550142",
        "Content": {"PlainTextMessage": {"Text": "Your order has shipped."}},
    }
    request = build_request(event, defaults)

    class Context:
        aws_request_id = "bench"

        def get_remaining_time_in_millis(self) -> int:
            return 30_000

    context = Context()

    def handler_run() -> float:
        start = time.perf_counter()
        for _ in range(MESSAGE_CALLS):
            index.handler(event, context)
        return (time.perf_counter() - start) / MESSAGE_CALLS

    def raw_run() -> float:
        start = time.perf_counter()
        for _ in range(MESSAGE_CALLS):
            client.send_voice_message(**request)
        return (time.perf_counter() - start) / MESSAGE_CALLS

    with index.use(sender):
        handler_run(), raw_run()  # warm both paths
        ours, theirs = alternate(handler_run, raw_run, MESSAGE_REPEATS)
    figure = ratio_figure(
        "Per-message overhead",
        "handler on a valid event",
        "`client.send_voice_message`",
        ours,
        theirs,
        1.3,
        unit="ms",
    )
    return figure, 1 / statistics.median(ours)


def bulk_figure() -> Figure:
    """Achieved calls against the quota, from the deterministic bulk simulation."""
    from tests.handlers.test_bulk_simulation import run_simulation

    result = run_simulation(None, messages=1000)
    ok = result.throughput >= 0.95 and not result.lost and not result.duplicates
    return Figure(
        "Bulk (1,000 messages, faults)",
        "accepted calls per minute",
        "quota (20 a minute)",
        result.throughput,
        None,
        None,
        ">= 0.95, 0 lost, 0 duplicates",
        ok,
        f"{len(result.lost)} lost, {len(result.duplicates)} duplicates, "
        f"{result.simulated_minutes:.1f} simulated minutes (deterministic: one run)",
    )


# Each quota's run: enough messages for over a minute of backlog at that quota.
SCALE_RUNS = ((20, 300), (100, 1000), (1000, 3000), (3000, 6000))
# What the state table took per sent message before issue 16's pacing (a ledger claim, a
# recipient slot, two pacing reads and a two-item transaction, the outcome), counted in
# test_bulk_simulation's run of 300 messages at 20 a minute on the code before it.
DYNAMODB_BEFORE = "6.6 requests, 7.5 write and 2.2 read units"


def scale_figures() -> list[Figure]:
    """The bulk path at 20 to 3,000 calls a minute, sized by the synthesized construct."""
    from tests.handlers.test_scale_simulation import run_scale

    figures = []
    for quota, messages in SCALE_RUNS:
        result = run_scale(None, quota, messages=messages)
        ok = (
            result.throughput >= 0.95
            and not result.lost
            and not result.second_calls
            and result.max_calls_in_window <= quota
            and result.min_gap_per_number >= 1.0
        )
        figures.append(
            Figure(
                f"Scale {quota:,} a minute ({result.identities} numbers)",
                f"accepted per minute (batch {result.sized.batch_size}, "
                f"concurrency {result.sized.max_concurrency})",
                f"quota ({quota:,} a minute)",
                result.throughput,
                None,
                None,
                ">= 0.95, 0 lost, 0 second calls, <= quota in 60 s, >= 1 s per number",
                ok,
                f"{len(result.lost)} lost, {len(result.second_calls)} second calls, "
                f"max {result.max_calls_in_window:,} in 60 s, min gap "
                f"{result.min_gap_per_number:.3f} s per number; per sent message: "
                f"{result.per_sent(result.dynamodb_requests):.2f} DynamoDB requests "
                f"({result.per_sent(result.write_units):.2f} write, "
                f"{result.per_sent(result.read_units):.2f} read units; before: {DYNAMODB_BEFORE}), "
                f"{result.per_sent(sum(result.sqs.values())):.2f} SQS requests, "
                f"{result.per_sent(result.lambda_seconds):.2f} Lambda s",
            )
        )
    figures.append(_refusal_figure())
    return figures


def _refusal_figure() -> Figure:
    """1,000 a minute with 20 numbers: the construct refuses it at synth."""
    from tests.handlers.test_scale_simulation import run_scale

    try:
        run_scale(None, 1000, identities=20, messages=10)
    except ValueError as error:
        refused, note = True, str(error)
    else:
        refused, note = False, "synthesized: no refusal"
    return Figure(
        "Scale 1,000 a minute (20 numbers)",
        "refused at synth",
        "",
        1.0 if refused else 0.0,
        None,
        None,
        "refused, naming the numbers needed",
        refused and "25" in note,
        note.split(":")[0],
    )


def _zip_size(directory: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory))
    return len(buffer.getvalue())


# Each function's code asset, known by the package of its handler.
_HANDLER_ASSETS = (
    ("send_voice_message", "sender"),
    ("call_status", "call status tracker"),
    ("custom_resource", "custom resources"),
)


def size_figures() -> list[Figure]:
    """Asset sizes, function count and template size of the sample without options."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-c", _SYNTH_PLAIN]
        subprocess.run(command, cwd=ROOT, env={**ENV, "CDK_OUTDIR": out}, check=True)
        template_path = Path(out) / "Sample.template.json"
        template = json.loads(template_path.read_text())
        functions = [
            r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
        ]
        assets = {}
        for directory in Path(out).glob("asset.*"):
            names = {p.name for p in directory.iterdir()}
            label = next(
                (f"handlers: {what}" for package, what in _HANDLER_ASSETS if package in names),
                "provider framework (aws-cdk-lib)",
            )
            assets[label] = _zip_size(directory)
        template_bytes = len(template_path.read_bytes())
    figures = [
        Figure(
            f"Asset: {label}",
            "zipped bytes",
            "",
            float(size),
            None,
            None,
            "<= 50 KB" if label.startswith("handlers") else "-",
            size <= 50 * 1024 if label.startswith("handlers") else True,
        )
        for label, size in sorted(assets.items())
    ]
    figures.append(
        Figure(
            "Lambda functions (sample, no options)",
            "count",
            "",
            float(len(functions)),
            None,
            None,
            "<= 3",
            len(functions) <= 3,
        )
    )
    figures.append(
        Figure(
            "Template size (sample, no options)",
            "bytes",
            "",
            float(template_bytes),
            None,
            None,
            "-",
            True,
            f"{len(template['Resources'])} resources",
        )
    )
    return figures


_SYNTH_PLAIN = """
import aws_cdk as cdk
import app
sample = cdk.App(context={"queue": "false", "trackCallStatus": "false"})
app.build(sample)
sample.synth()
"""


def ratio_figure(
    name: str,
    measured: str,
    baseline: str,
    ours: list[float],
    theirs: list[float],
    goal: float,
    *,
    unit: str,
) -> Figure:
    """A ratio row: median of the per-run ratios, with their min and max."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    value, low, high = spread(ratios)
    scale = 1000 if unit == "ms" else 1
    ours_med, theirs_med = statistics.median(ours) * scale, statistics.median(theirs) * scale
    digits = 3 if unit == "ms" and ours_med < 1 else 1
    return Figure(
        name,
        f"{measured}: {ours_med:.{digits}f} {unit}",
        f"{baseline}: {theirs_med:.{digits}f} {unit}",
        value,
        low,
        high,
        f"<= {goal}",
        value <= goal,
        f"{len(ratios)} runs",
    )


def machine() -> str:
    """What ran the benchmark."""
    node = subprocess.run(
        [str(Path(sys.executable).parent / "node"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}" for name in ("aws-cdk-lib", "boto3", "moto")
    )
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"Node {node or 'unknown'}, {versions}"
    )


def table(figures: list[Figure], messages_per_second: float, seconds: float) -> str:
    """The Markdown report."""
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine()}.",
        f"Command: `make bench` ({seconds:.0f} s). Ratios are medians of per-run ratios "
        "(measured / baseline, alternating runs), with min and max.",
        "",
        "| figure | measured | baseline | value | min | max | goal | met | note |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for f in figures:
        number = f"{f.value:.3f}" if f.value < 100 else f"{f.value:,.0f}"
        low = f"{f.low:.3f}" if f.low is not None else ""
        high = f"{f.high:.3f}" if f.high is not None else ""
        lines.append(
            f"| {f.name} | {f.measured} | {f.baseline} | {number} | {low} | {high} | "
            f"{f.goal} | {'yes' if f.met else 'no'} | {f.note} |"
        )
    lines += [
        "",
        f"Handler throughput on the stubbed transport: {messages_per_second:,.0f} "
        "messages per second (one process).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Measure everything, print the table and write it (see RESULTS)."""
    sys.path[:0] = [str(ROOT / "lambda_src"), str(ROOT)]
    start = time.perf_counter()
    figures = [synth_figure(), synth_without_gates_figure(), cold_import_figure()]
    message, per_second = per_message_figure()
    figures += [message, bulk_figure(), *scale_figures(), *size_figures()]
    report = table(figures, per_second, time.perf_counter() - start)
    RESULTS.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
