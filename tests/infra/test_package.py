"""Consumer test: build the wheel, install it in a fresh venv, synthesize a stack from it.

Run with ``make test-package`` (``pytest -m package``); it takes about a minute.

What it proves, beyond the unit tests that import the source checkout:

- the wheel ships the handler code (``lambda_src`` force-included as
  ``voice_constructs/_lambda_src``) and no byte-code;
- a consumer that installed only the wheel, working outside this repository, can synthesize
  ``PinpointVoice`` on the venv's Node 24 (no Node end-of-life banner from jsii);
- the handler asset in that consumer's ``cdk.out`` holds the handler packages and no byte-code, and
  its hash equals the one synthesized from the source checkout, so publishing the wheel does not
  change the deployed code's hash. ``__pycache__`` directories exist on both sides when the stacks
  are synthesized (pip compiles the installed files; ``compileall`` runs on ``lambda_src``), so the
  asset excludes are exercised, not just trivially met.

Install approach: a full ``pip install <wheel>`` (dependencies included) into a stdlib venv in a
temporary directory. With pip's local wheel cache and index it takes under a minute, well inside
the three minutes that would justify a shortcut, and it is the only approach that also checks the
wheel's declared dependencies resolve to a working aws-cdk-lib. (The fallback, were the install
too slow, is ``pip install --no-deps`` plus a ``.pth`` file naming the dev venv's site-packages,
keeping the check that ``voice_constructs`` imports from the fresh venv; it gives up that
dependency check.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from voice_constructs._contract import contract

pytestmark = pytest.mark.package

ROOT = Path(__file__).resolve().parents[2]
# Not resolved: the venv's python is usually a symlink to the base interpreter.
DEV_PYTHON = Path(sys.executable)
DEV_BIN = DEV_PYTHON.parent
DEV_NODE = DEV_BIN / "node"

STACK = "Consumer"
# Every function's entry point, and the packages its asset must hold (and nothing else).
HANDLERS = dict(contract.PACKAGES_BY_HANDLER)
# A function's asset is its packages' Python files and nothing else: zipped, at most what those
# files of lambda_src/ zip to, and a few bytes a file for the zip's own headers. Anything bundled
# besides (a dependency, caches, tests) breaks it, however little the code itself grows.
ZIP_SLACK_BYTES_PER_FILE = 64

CONSUMER_APP = '''\
"""A consumer's app: one stack with PinpointVoice, synthesized into sys.argv[1]."""

import json
import sys
from pathlib import Path

import aws_cdk as cdk

import voice_constructs
from voice_constructs import PinpointVoice
from voice_constructs._assets import lambda_source_dir

app = cdk.App(outdir=sys.argv[1])
stack = cdk.Stack(app, "Consumer")
PinpointVoice(
    stack,
    "Voice",
    origination_number="+12065550100",
    enable_queue=True,
    track_call_status=True,
)
app.synth()
Path(sys.argv[2]).write_text(
    json.dumps({"module": voice_constructs.__file__, "lambda_src": str(lambda_source_dir())})
)
'''


@dataclass(frozen=True)
class Synth:
    """One synthesis of the consumer app."""

    outdir: Path
    module: Path  # voice_constructs/__init__.py as the app imported it
    lambda_src: Path  # the handler code directory the constructs used
    stderr: str


@dataclass(frozen=True)
class HandlerAsset:
    """The handler function's code asset in a cloud assembly."""

    hash: str
    directory: Path


def run(
    cmd: Iterable[str | Path],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` and fail the test, showing its output, unless it exits with 0."""
    args = [str(part) for part in cmd]
    result = subprocess.run(  # noqa: S603 - fixed commands built by this module
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} exited with {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result


def consumer_env() -> dict[str, str]:
    """The environment of a consumer: nothing of this checkout leaks in through variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"}
        # A CDK CLI run would hand its context and outdir over; a silenced jsii would hide the
        # end-of-life banner this module checks for.
        and not key.startswith(("CDK_", "JSII_"))
    }
    env.update(
        JSII_NODE=str(DEV_NODE),
        PATH=os.pathsep.join([str(DEV_BIN), env.get("PATH", "")]),
        AWS_DEFAULT_REGION="us-east-1",
        PYTHONNOUSERSITE="1",
    )
    return env


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def synthesize(python: Path, app: Path, outdir: Path, *, cwd: Path) -> Synth:
    """Synthesize the consumer app with ``python`` from ``cwd`` into ``outdir``."""
    report = outdir.with_suffix(".json")
    result = run([python, app, outdir, report], cwd=cwd, env=consumer_env(), timeout=300)
    data: dict[str, str] = json.loads(report.read_text())
    return Synth(
        outdir=outdir,
        module=Path(data["module"]).resolve(),
        lambda_src=Path(data["lambda_src"]).resolve(),
        stderr=result.stderr,
    )


def handler_asset(outdir: Path, handler: str) -> HandlerAsset:
    """Find the code asset of the function whose handler is ``handler``."""
    template: dict[str, Any] = json.loads((outdir / f"{STACK}.template.json").read_text())
    functions = [
        resource
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
        and resource["Properties"].get("Handler") == handler
    ]
    assert len(functions) == 1, f"expected one function with handler {handler}: {functions}"
    s3_key = functions[0]["Properties"]["Code"]["S3Key"]
    assert isinstance(s3_key, str), f"expected a literal S3Key, got {s3_key!r}"

    manifest: dict[str, Any] = json.loads((outdir / f"{STACK}.assets.json").read_text())
    matches = [
        (asset_hash, asset["source"])
        for asset_hash, asset in manifest["files"].items()
        if any(dest["objectKey"] == s3_key for dest in asset["destinations"].values())
    ]
    assert len(matches) == 1, f"expected one asset with object key {s3_key}: {matches}"
    asset_hash, source = matches[0]
    assert source["packaging"] == "zip"
    directory = outdir / source["path"]
    assert directory.name == f"asset.{asset_hash}"
    assert directory.is_dir(), f"{directory} is not a directory"
    return HandlerAsset(hash=asset_hash, directory=directory)


def bytecode(paths: Iterable[str]) -> list[str]:
    """The entries among ``paths`` that are byte-code or its caches."""
    return [p for p in paths if "__pycache__" in p.split("/") or p.endswith((".pyc", ".pyo"))]


def relative_files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*"))


@pytest.fixture(scope="module")
def consumer_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    app = tmp_path_factory.mktemp("app") / "consumer_app.py"
    app.write_text(CONSUMER_APP)
    return app


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from the repository root the way a release would build it."""
    dist = tmp_path_factory.mktemp("dist")
    run(
        [DEV_PYTHON, "-m", "build", "--wheel", "--outdir", dist, ROOT],
        cwd=dist,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        timeout=600,
    )
    wheels = list(dist.glob("voice_constructs-*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {dist}: {list(dist.iterdir())}"
    return wheels[0]


@pytest.fixture(scope="module")
def consumer_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh venv outside the repository with the wheel and its dependencies installed."""
    venv = tmp_path_factory.mktemp("consumer") / "venv"
    assert not venv.is_relative_to(ROOT)
    run([DEV_PYTHON, "-m", "venv", venv], cwd=venv.parent, timeout=120)
    python = venv_python(venv)
    started = time.monotonic()
    run(
        [python, "-m", "pip", "install", "--no-input", "--disable-pip-version-check", wheel],
        cwd=venv.parent,
        env=consumer_env(),
        timeout=900,
    )
    # Recorded for whoever tunes this test: a full install is the choice while this stays small.
    (venv.parent / "install-seconds.txt").write_text(f"{time.monotonic() - started:.1f}\n")
    return venv


@pytest.fixture(scope="module")
def installed(consumer_venv: Path, consumer_app: Path) -> Synth:
    """The consumer app synthesized with the installed wheel, from outside the repository."""
    python = venv_python(consumer_venv)
    work = consumer_venv.parent / "work"
    work.mkdir()
    # pip normally compiles what it installs; make sure, so the asset excludes have work to do.
    found = run(
        [python, "-c", "import voice_constructs; print(voice_constructs.__file__)"],
        cwd=work,
        env=consumer_env(),
        timeout=60,
    )
    installed_src = Path(found.stdout.strip()).parent / "_lambda_src"
    run([python, "-m", "compileall", "-q", installed_src], cwd=work, timeout=60)
    assert any(installed_src.rglob("__pycache__")), f"no __pycache__ under {installed_src}"
    return synthesize(python, consumer_app, work / "cdk.out", cwd=work)


@pytest.fixture(scope="module")
def from_source(tmp_path_factory: pytest.TempPathFactory, consumer_app: Path) -> Synth:
    """The consumer app synthesized from the source checkout (the dev venv's editable install)."""
    lambda_src = ROOT / "lambda_src"
    run([DEV_PYTHON, "-m", "compileall", "-q", lambda_src], cwd=ROOT, timeout=60)
    assert any(lambda_src.rglob("__pycache__")), f"no __pycache__ under {lambda_src}"
    outdir = tmp_path_factory.mktemp("source") / "cdk.out"
    return synthesize(DEV_PYTHON, consumer_app, outdir, cwd=ROOT)


def test_wheel_ships_handler_code_without_bytecode(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    for name in ("voice_channel/index.py", "vc_common/aws.py"):
        assert f"voice_constructs/_lambda_src/{name}" in names, f"{name} missing from {names}"
    assert bytecode(names) == []


def test_consumer_imports_the_installed_wheel(consumer_venv: Path, installed: Synth) -> None:
    assert installed.module.is_relative_to(consumer_venv.resolve()), installed.module
    assert not installed.module.is_relative_to(ROOT), installed.module
    assert installed.lambda_src == installed.module.parent / "_lambda_src"


def test_consumer_synthesizes_on_supported_node(installed: Synth) -> None:
    assert (installed.outdir / f"{STACK}.template.json").is_file()
    assert "end-of-life" not in installed.stderr, installed.stderr


@pytest.mark.parametrize("handler", sorted(HANDLERS))
def test_handler_asset_holds_its_packages_without_bytecode(installed: Synth, handler: str) -> None:
    asset = handler_asset(installed.outdir, handler)
    files = relative_files(asset.directory)
    assert {name.split("/", 1)[0] for name in files} == set(HANDLERS[handler]), files
    module = handler.rsplit(".", 1)[0].replace(".", "/") + ".py"
    assert module in files, f"{module} missing from {asset.directory}: {files}"
    assert bytecode(files) == []


@pytest.mark.parametrize("handler", sorted(HANDLERS))
def test_handler_asset_hash_matches_source_checkout(
    installed: Synth, from_source: Synth, handler: str
) -> None:
    assert from_source.module.is_relative_to(ROOT), from_source.module
    assert from_source.lambda_src == ROOT / "lambda_src"
    wheel_asset = handler_asset(installed.outdir, handler)
    source_asset = handler_asset(from_source.outdir, handler)
    assert wheel_asset.hash == source_asset.hash, (
        f"wheel: {relative_files(wheel_asset.directory)}\n"
        f"source: {relative_files(source_asset.directory)}"
    )


@pytest.mark.parametrize("handler", sorted(HANDLERS))
def test_handler_asset_zip_is_small(installed: Synth, tmp_path: Path, handler: str) -> None:
    asset = handler_asset(installed.outdir, handler)
    archive = tmp_path / "handler.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(p for p in asset.directory.rglob("*") if p.is_file()):
            zipped.write(path, path.relative_to(asset.directory).as_posix())
    size = archive.stat().st_size
    sources = [
        path
        for package in HANDLERS[handler]
        for path in sorted((ROOT / "lambda_src" / package).rglob("*.py"))
    ]
    expected = tmp_path / "sources.zip"
    with zipfile.ZipFile(expected, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sources:
            zipped.write(path, path.relative_to(ROOT / "lambda_src").as_posix())
    bound = expected.stat().st_size + ZIP_SLACK_BYTES_PER_FILE * len(sources)
    assert size <= bound, f"{handler}'s asset zips to {size} bytes, its own sources to {bound}"


def test_the_console_script_runs_help_without_boto3_and_names_the_extra_a_command_needs(
    consumer_venv: Path, wheel: Path, tmp_path: Path
) -> None:
    """The wheel alone (no ``cli`` extra): help and the version work; a command says what to add."""
    from voice_constructs.cli import _extras

    bin_dir = consumer_venv / ("Scripts" if os.name == "nt" else "bin")
    missing = subprocess.run(  # noqa: S603 - the consumer venv's own interpreter
        [venv_python(consumer_venv), "-c", "import boto3"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert missing.returncode != 0, "the wheel's own dependencies now bring boto3"

    def tool(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the installed console script
            [bin_dir / "voice-constructs", *argv],
            cwd=tmp_path,
            env=consumer_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    version = wheel.name.split("-")[1]
    assert wheel.name == _extras.wheel(version)
    for argv in (["--help"], ["call", "--help"], ["queue", "redrive", "--help"]):
        shown = tool(*argv)
        assert shown.returncode == 0, shown.stderr
        assert "usage: voice-constructs" in shown.stdout
    assert tool("--version").stdout == f"voice-constructs {version}\n"
    result = tool("queue", "--stack", STACK)
    assert result.returncode == 2
    assert "pip install 'voice-constructs[cli]'" in result.stderr
    assert f"pip install 'CLONE/dist/{wheel.name}[cli]'" in result.stderr
