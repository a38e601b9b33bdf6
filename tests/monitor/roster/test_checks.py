"""Roster checks as tables of plain rows: within a row, across rows, and against the database's codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from monitor.roster.checks import (
    duplicate_errors,
    kept_overlap_errors,
    manager_email_errors,
    overlap_errors,
    reference_errors,
    row_errors,
    team_code_errors,
)
from monitor.roster.records import (
    INVALID,
    AssignmentRow,
    CustomerRow,
    KeptAssignment,
    OrderRow,
    RepRow,
    Roster,
    RowOrigin,
    periods_overlap,
    team_code,
)

D = dt.date


def origin(row: int) -> RowOrigin:
    return RowOrigin("roster.csv", row)


def assignment(row: int, customer: Any, start: Any, end: Any = None, rep: Any = "R001") -> AssignmentRow:
    return AssignmentRow(origin(row), customer, rep, start, end)


def order(row: int, code: Any, start: Any, end: Any, customer: Any = "C001") -> OrderRow:
    return OrderRow(origin(row), code, customer, start, start, end)


def rep(row: int, code: Any = "R001", team: Any = "一组", branch: Any = None, manager: Any = None) -> RepRow:
    return RepRow(origin(row), code, "张伟", team, branch=branch, manager_email=manager)


def messages(errors: list[Any]) -> list[str]:
    return [str(error) for error in errors]


@pytest.mark.parametrize(
    ("team", "branch", "code"),
    [
        ("华东一组", "上海分公司", "上海分公司/华东一组"),
        ("华东一组", None, "华东一组"),
        ("华东一组", "", "华东一组"),
        ("北京分公司", "北京分公司", "北京分公司"),
    ],
)
def test_team_code_is_branch_slash_team_or_the_bare_name(team: str, branch: str | None, code: str) -> None:
    assert team_code(team, branch) == code


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ((D(2026, 1, 1), D(2026, 5, 31)), (D(2026, 6, 1), None), False),
        ((D(2026, 1, 1), D(2026, 6, 1)), (D(2026, 6, 1), None), True),  # both ends are inclusive
        ((D(2026, 1, 1), None), (D(2026, 6, 1), D(2026, 6, 30)), True),
        ((D(2026, 7, 1), None), (D(2026, 6, 1), D(2026, 6, 30)), False),
        ((D(2026, 1, 1), None), (D(2025, 1, 1), None), True),
        ((D(2026, 3, 1), D(2026, 3, 31)), (D(2026, 1, 1), D(2026, 12, 31)), True),
    ],
)
def test_periods_overlap_when_they_share_a_day(
    a: tuple[dt.date, dt.date | None], b: tuple[dt.date, dt.date | None], overlap: bool
) -> None:
    assert periods_overlap(*a, *b) is overlap
    assert periods_overlap(*b, *a) is overlap


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            assignment(2, "C001", D(2026, 1, 1), D(2025, 12, 31)),
            ["roster.csv, row 2, column end_date: ends (2025-12-31) before it starts (2026-01-01)"],
        ),
        (
            order(3, "O001", D(2026, 4, 15), D(2026, 4, 14)),
            ["roster.csv, row 3, column end_date: ends (2026-04-14) before it starts (2026-04-15)"],
        ),
        (assignment(2, "C001", D(2026, 1, 1), D(2026, 1, 1)), []),  # one day
        (assignment(2, "C001", D(2026, 1, 1)), []),  # open
        (order(2, "O001", D(2026, 4, 15), D(2027, 4, 14)), []),
        (rep(2), []),
    ],
)
def test_row_ending_before_it_starts_is_an_error(row: Any, expected: list[str]) -> None:
    assert messages(row_errors(row)) == expected


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["O1", "O2", "O3"], []),
        (
            ["O1", "O2", "O1"],
            ["roster.csv, row 4, column order_id: duplicate order_id 'O1' (first on row 2)"],
        ),
        (
            ["O1", "O1", "O1"],
            [
                "roster.csv, row 3, column order_id: duplicate order_id 'O1' (first on row 2)",
                "roster.csv, row 4, column order_id: duplicate order_id 'O1' (first on row 2)",
            ],
        ),
        ([INVALID, "O1", INVALID], []),  # unreadable codes are reported by their cell
    ],
)
def test_duplicate_codes_name_the_first_row(codes: list[Any], expected: list[str]) -> None:
    rows = [order(number, code, D(2026, 1, 1), D(2026, 12, 31)) for number, code in enumerate(codes, 2)]

    assert messages(duplicate_errors(rows, "order_id")) == expected


@pytest.mark.parametrize(
    ("reps", "expected"),
    [
        ([rep(2, manager="a@x.cn"), rep(3, manager=None), rep(4, manager="a@x.cn")], []),
        (
            [rep(2, manager=None), rep(3, manager="a@x.cn"), rep(4, manager="b@x.cn")],
            ["roster.csv, row 4, column manager_email: team '一组' has manager_email a@x.cn on row 3"],
        ),
        # The same team name in two branches is two teams, each with its own manager.
        ([rep(2, branch="上海", manager="a@x.cn"), rep(3, branch="北京", manager="b@x.cn")], []),
        ([rep(2, manager="a@x.cn"), rep(3, manager=INVALID)], []),
        ([rep(2, branch=INVALID, manager="a@x.cn"), rep(3, branch=INVALID, manager="b@x.cn")], []),
    ],
)
def test_rows_of_one_team_agree_on_its_manager_email(reps: list[RepRow], expected: list[str]) -> None:
    assert messages(manager_email_errors(reps)) == expected


@pytest.mark.parametrize(
    ("team", "branch", "too_long"),
    [
        ("组" * 25, "分" * 24, None),  # 25 + 1 + 24 = 50
        ("组" * 25, "分" * 25, f"{'分' * 25}/{'组' * 25}"),
        ("组" * 51, "组" * 51, "组" * 51),  # a rep reporting to the branch: the bare name
        ("组" * 51, INVALID, None),  # the branch's own error is reported
    ],
)
def test_team_code_must_fit_fifty_characters(team: str, branch: Any, too_long: str | None) -> None:
    expected = [f"roster.csv, row 2, column team: team code {too_long!r} is longer than 50 characters"]

    assert messages(team_code_errors([rep(2, team=team, branch=branch)])) == (expected if too_long else [])


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [assignment(2, "C001", D(2026, 1, 1), D(2026, 5, 31)), assignment(3, "C001", D(2026, 6, 1))],
            [],
        ),
        (
            [assignment(2, "C001", D(2026, 1, 1), D(2026, 5, 31)), assignment(3, "C001", D(2026, 5, 31))],
            ["roster.csv, row 3, column start_date: overlaps the assignment of customer 'C001' on row 2"],
        ),
        ([assignment(2, "C001", D(2026, 1, 1)), assignment(3, "C002", D(2026, 1, 1))], []),
        (
            [
                assignment(2, "C001", D(2026, 6, 1)),
                assignment(3, "C001", D(2026, 1, 1), D(2026, 5, 31)),
                assignment(4, "C001", D(2026, 3, 1), D(2026, 3, 31)),
            ],
            ["roster.csv, row 4, column start_date: overlaps the assignment of customer 'C001' on row 3"],
        ),
        ([assignment(2, "C001", D(2026, 1, 1)), assignment(3, "C001", INVALID)], []),
        ([assignment(2, "C001", D(2026, 1, 1)), assignment(3, INVALID, D(2026, 1, 1))], []),
    ],
)
def test_assignments_of_one_customer_in_a_file_must_not_overlap(
    rows: list[AssignmentRow], expected: list[str]
) -> None:
    assert messages(overlap_errors(rows)) == expected


KNOWN_REPS = {"R001"}
KNOWN_CUSTOMERS = {"C001"}


@pytest.mark.parametrize(
    ("roster", "expected"),
    [
        (
            Roster(
                assignments=[assignment(2, "C001", D(2026, 1, 1))],
                orders=[order(2, "O1", D(2026, 1, 1), D(2026, 12, 31))],
            ),
            [],
        ),
        (
            Roster(assignments=[assignment(2, "C404", D(2026, 1, 1), rep="R404")]),
            [
                "roster.csv, row 2, column customer_id: unknown customer 'C404'",
                "roster.csv, row 2, column rep_id: unknown rep 'R404'",
            ],
        ),
        (
            Roster(orders=[order(3, "O1", D(2026, 1, 1), D(2026, 12, 31), customer="C404")]),
            ["roster.csv, row 3, column customer_id: unknown customer 'C404'"],
        ),
        # Found in the same import rather than in the database.
        (
            Roster(
                reps=[rep(2, code="R002")],
                customers=[CustomerRow(origin(2), "C002", "游戏科学")],
                assignments=[assignment(2, "C002", D(2026, 1, 1), rep="R002")],
            ),
            [],
        ),
        # A table that could not be read hides no reference errors behind its own.
        (
            Roster(
                assignments=[assignment(2, "C404", D(2026, 1, 1), rep="R404")],
                unreadable={"reps", "customers"},
            ),
            [],
        ),
        (
            Roster(assignments=[assignment(2, "C404", D(2026, 1, 1), rep="R404")], unreadable={"reps"}),
            ["roster.csv, row 2, column customer_id: unknown customer 'C404'"],
        ),
        (Roster(assignments=[assignment(2, INVALID, D(2026, 1, 1), rep=INVALID)]), []),
    ],
)
def test_assignments_and_orders_name_reps_and_customers_that_exist(
    roster: Roster, expected: list[str]
) -> None:
    assert messages(reference_errors(roster, KNOWN_REPS, KNOWN_CUSTOMERS)) == expected


KEPT = {"C001": [KeptAssignment("R003", D(2026, 1, 1))]}
KEPT_MESSAGE = (
    "roster.csv, row 2, column start_date: overlaps the assignment of customer 'C001' to rep 'R003' from "
    "2026-01-01 to open already in the database; "
    "list that assignment in this file with an end_date to close it"
)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([assignment(2, "C001", D(2026, 9, 1))], [KEPT_MESSAGE]),
        # Listed again with an end date: that row updates the kept one, which then ends before.
        ([assignment(2, "C001", D(2026, 9, 1)), assignment(3, "C001", D(2026, 1, 1), D(2026, 8, 31))], []),
        ([assignment(2, "C001", D(2025, 1, 1), D(2025, 12, 31))], []),
        ([assignment(2, "C002", D(2026, 9, 1))], []),
        ([assignment(2, "C001", INVALID)], []),
    ],
)
def test_new_assignments_must_not_overlap_those_the_database_keeps(
    rows: list[AssignmentRow], expected: list[str]
) -> None:
    assert messages(kept_overlap_errors(rows, KEPT)) == expected
