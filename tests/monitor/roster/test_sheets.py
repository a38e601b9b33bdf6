"""Which table a CSV file or a workbook sheet holds, by its name (the files: test_import.py)."""

from __future__ import annotations

import pytest

from monitor.roster.sheets import table_named


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("reps", "reps"),
        ("Reps", "reps"),
        (" CUSTOMERS ", "customers"),
        ("销售人员", "reps"),
        ("客户分配", "assignments"),
        ("订单", "orders"),
        ("Sheet1", None),
        ("clients", None),
    ],
)
def test_files_and_sheets_are_named_for_their_table_in_english_or_chinese(
    name: str, table: str | None
) -> None:
    assert table_named(name) == table
