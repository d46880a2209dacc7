"""The contract the constructs share with the handlers, loaded from the packaged handler code.

``lambda_src/vc_common/contract.py`` defines every environment variable name, pattern, limit,
event type, voice list and custom resource type that both sides use, and
``lambda_src/vc_common/phone.py`` the phone number mask every log line and message uses, and
``lambda_src/vc_common/countries.py`` the country of a phone number and the ISO country codes. The
constructs cannot import the handlers' packages by name (they are not on ``sys.path`` of a CDK
app), so the ``vc_common`` package is loaded, as ``voice_constructs._vc_common``, from where the
wheel (or a checkout) keeps the handler code. mypy reads the same modules through ``mypy_path``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import TYPE_CHECKING

from voice_constructs._source import lambda_source_dir

_PACKAGE = "voice_constructs._vc_common"


def _load() -> ModuleType:
    """The handlers' ``vc_common`` package under this package's name (its modules on demand)."""
    if _PACKAGE in sys.modules:
        return sys.modules[_PACKAGE]
    path = lambda_source_dir() / "vc_common"
    spec = importlib.util.spec_from_file_location(
        _PACKAGE, path / "__init__.py", submodule_search_locations=[str(path)]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the handler contract from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_PACKAGE] = module
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from vc_common import contract, countries, phone
else:
    _load()
    contract = importlib.import_module(f"{_PACKAGE}.contract")
    countries = importlib.import_module(f"{_PACKAGE}.countries")
    phone = importlib.import_module(f"{_PACKAGE}.phone")

__all__ = ["contract", "countries", "phone"]
