"""The README's resource counts and IAM tables are the templates' (`make readme` rewrites them)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import readme_tables


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    return readme_tables.synthesize()


@pytest.mark.parametrize("table", readme_tables.TABLES)
def test_readme_table_matches_the_templates(
    templates: dict[str, dict[str, Any]], table: str
) -> None:
    readme = readme_tables.PAGE.read_text()
    expected = readme_tables.TABLES[table](templates)

    assert readme_tables.section(readme, table) == expected, (
        f"README's {table} table is stale: run `make readme`"
    )


def test_no_role_has_a_managed_policy(templates: dict[str, dict[str, Any]]) -> None:
    assert readme_tables.iam_table(templates).endswith("Roles with a managed policy: 0.")


def test_fails_to_rewrite_a_readme_without_markers() -> None:
    with pytest.raises(ValueError, match="resources-table:start"):
        readme_tables.rewrite("# no markers here\n", {})
