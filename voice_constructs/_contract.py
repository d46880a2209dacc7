"""The contract the constructs share with the handlers, loaded from the packaged handler code.

``lambda_src/vc_common/contract.py`` defines every environment variable name, pattern, limit,
event type, voice list and custom resource type that both sides use. The constructs cannot
import the handlers' packages by name (they are not on ``sys.path`` of a CDK app), so the one
file is loaded from where the wheel (or a checkout) keeps the handler code. mypy reads the same
module through ``mypy_path``.
"""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import TYPE_CHECKING

from voice_constructs._source import lambda_source_dir


def _load() -> ModuleType:
    path = lambda_source_dir() / "vc_common" / "contract.py"
    spec = importlib.util.spec_from_file_location("voice_constructs._runtime_contract", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the handler contract from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from vc_common import contract
else:
    contract = _load()

__all__ = ["contract"]
