"""Sheets of raw cells to roster rows, without files: header, row numbers, error order, one pass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from monitor.roster.read import parse_sheet
from monitor.roster.records import INVALID, AssignmentRow, RosterError
from monitor.roster.sheets import Sheet

HEADER = ("customer_id", "rep_id", "start_date", "end_date")


def numbered(rows: Sequence[Sequence[Any]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Rows as a reader yields them: once, numbered from 1."""
    return ((number, tuple(cells)) for number, cells in enumerate(rows, start=1))


def parse(rows: Sequence[Sequence[Any]], table: str = "assignments") -> tuple[list[Any] | None, list[str]]:
    errors: list[RosterError] = []
    parsed = parse_sheet(Sheet(table, "a.csv", numbered(rows)), errors)
    return parsed, [str(error) for error in errors]


def test_rows_are_read_in_one_pass_and_numbered_as_the_user_sees_them() -> None:
    parsed, errors = parse(
        [(), ("", " "), HEADER, ("C001", "R001", "2026-01-01", ""), (), ("C002", "R002", dt.date(2026, 2, 1))]
    )

    assert errors == []
    assert parsed is not None
    assert parsed == [
        AssignmentRow(parsed[0].origin, "C001", "R001", dt.date(2026, 1, 1)),
        AssignmentRow(parsed[1].origin, "C002", "R002", dt.date(2026, 2, 1)),
    ]
    assert [(row.origin.source, row.origin.row) for row in parsed] == [("a.csv", 4), ("a.csv", 6)]


def test_errors_come_header_first_then_values_without_a_header_then_cells() -> None:
    rows = [
        ("客户编号", "rep_id", "start_date", "", "phone"),
        ("C001", "R001", "someday", "stray", "123"),
        ("C002", "", "2026-01-01", "", "", "also stray"),
    ]

    parsed, errors = parse(rows)

    assert errors == [
        "a.csv, row 1, column E (phone): unknown column; "
        "expected: customer_id, rep_id, start_date, end_date, reason",
        "a.csv, row 2, column D: a value in a column without a header",
        "a.csv, row 3, column F: a value in a column without a header",
        "a.csv, row 2, column start_date: not a date: 'someday'; use YYYY-MM-DD",
        "a.csv, row 3, column rep_id: required value is empty",
    ]
    assert parsed is not None
    assert [(row.customer_id, row.rep_id, row.start_date) for row in parsed] == [
        ("C001", "R001", INVALID),
        ("C002", INVALID, dt.date(2026, 1, 1)),
    ]
    assert parsed[0].origin.label("customer_id") == "客户编号 (customer_id)"


def test_a_row_with_a_bad_cell_is_not_checked_further() -> None:
    parsed, errors = parse(
        [HEADER, ("C001", "R001", "2026-02-01", "2026-01-01"), ("C001", "R001", "x", "2026-01-01")]
    )

    assert errors == [
        "a.csv, row 2, column end_date: ends (2026-01-01) before it starts (2026-02-01)",
        "a.csv, row 3, column start_date: not a date: 'x'; use YYYY-MM-DD",
    ]
    assert parsed is not None and len(parsed) == 2


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], ["a.csv: empty: no header row"]),
        ([(), ("", None)], ["a.csv: empty: no header row"]),
        (
            [("customer_id", "rep_id"), ("C001", "R001")],
            ["a.csv, row 1, column start_date: required column is missing (header start_date or 开始日期)"],
        ),
    ],
)
def test_a_sheet_without_a_complete_header_gives_no_rows(
    rows: list[tuple[Any, ...]], expected: list[str]
) -> None:
    assert parse(rows) == (None, expected)


def test_an_unread_file_gives_no_rows_and_no_further_error() -> None:
    errors: list[RosterError] = []

    assert parse_sheet(Sheet("reps", "reps.csv", None), errors) is None
    assert errors == []
