"""Checks over parsed rows: within a row, across the rows of a table, against what the database holds.

Pure: no files, no session; what the database holds comes in as plain values. Cells that failed to parse
hold `INVALID`; a check skips what it cannot judge, since the cell's own error is already reported.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from monitor.roster.records import (
    INVALID,
    AssignmentRow,
    CompanyRow,
    KeptAssignment,
    OrderRow,
    RepRow,
    Roster,
    RosterError,
)


def row_errors(row: Any) -> list[RosterError]:
    """Checks within one parsed row: periods that end before they start."""
    if isinstance(row, AssignmentRow | OrderRow) and row.end_date and row.end_date < row.start_date:
        return [row.origin.error("end_date", f"ends ({row.end_date}) before it starts ({row.start_date})")]
    return []


def cross_row_errors(roster: Roster) -> list[RosterError]:
    """Checks across the rows of each table read: duplicate codes, team codes, overlapping assignments."""
    errors: list[RosterError] = []
    if roster.reps is not None:
        errors += duplicate_errors(roster.reps, "rep_id")
        errors += team_code_errors(roster.reps) + manager_email_errors(roster.reps)
    if roster.customers is not None:
        errors += duplicate_errors(roster.customers, "customer_id")
    if roster.assignments is not None:
        errors += overlap_errors(roster.assignments)
    if roster.orders is not None:
        errors += duplicate_errors(roster.orders, "order_id")
    if roster.companies is not None:
        errors += duplicate_errors(roster.companies, "name")
        customers = {row.name: row.customer_id for row in roster.customers or () if usable(row, "name")}
        errors += listed_customer_errors(roster.companies, customers)
    return errors


def usable(row: Any, *names: str) -> bool:
    """Whether the row's cells `names` all parsed."""
    return all(getattr(row, name) is not INVALID for name in names)


def duplicate_errors(rows: Sequence[Any], key: str) -> list[RosterError]:
    """Rows repeating the `key` value of an earlier row."""
    first: dict[str, int] = {}  # value -> the row it is first on (hundreds of thousands of them)
    errors = []
    for row in rows:
        value = getattr(row, key)
        if value is INVALID:
            continue
        if value in first:
            message = f"duplicate {key} {value!r} (first on row {first[value]})"
            errors.append(row.origin.error(key, message))
        else:
            first[value] = row.origin.row
    return errors


def manager_email_errors(reps: Sequence[RepRow]) -> list[RosterError]:
    """Reps of one team naming another manager_email than the team's first row that names one."""
    first: dict[str, RepRow] = {}
    errors = []
    for rep in reps:
        if rep.manager_email in (None, INVALID) or not usable(rep, "team", "branch"):
            continue
        earlier = first.setdefault(rep.team_code, rep)
        if earlier.manager_email != rep.manager_email:
            message = f"team {rep.team_code!r} has manager_email {earlier.manager_email} on row "
            message += str(earlier.origin.row)
            errors.append(rep.origin.error("manager_email", message))
    return errors


def team_code_errors(reps: Sequence[RepRow]) -> list[RosterError]:
    """Reps whose `branch/team` code would not fit Team.code."""
    return [
        rep.origin.error("team", f"team code {rep.team_code!r} is longer than 50 characters")
        for rep in reps
        if usable(rep, "team", "branch") and len(rep.team_code) > 50
    ]


def overlap_errors(assignments: Sequence[AssignmentRow]) -> list[RosterError]:
    """Assignments overlapping an earlier row's assignment of the same customer."""
    by_customer: dict[str, list[AssignmentRow]] = {}
    for row in assignments:
        if usable(row, "customer_id", "start_date", "end_date"):
            by_customer.setdefault(row.customer_id, []).append(row)
    errors = []
    for rows in by_customer.values():
        for index, row in enumerate(rows):
            other = next(
                (earlier for earlier in rows[:index] if row.overlaps(earlier.start_date, earlier.end_date)),
                None,
            )
            if other is not None:
                message = f"overlaps the assignment of customer {row.customer_id!r} on row {other.origin.row}"
                errors.append(row.origin.error("start_date", message))
    return errors


def reference_errors(
    roster: Roster, rep_codes: Collection[str], customer_codes: Collection[str]
) -> list[RosterError]:
    """Assignments and orders naming a rep or customer neither in the roster nor in the database's codes.

    A table that could not be read is not checked against: every row would only repeat that problem.
    """
    if not roster.assignments and not roster.orders:
        return []  # nothing refers to anything: no sets of every code to build
    rep_codes = set(rep_codes) | {rep.rep_id for rep in roster.reps or ()}
    customer_codes = set(customer_codes) | {customer.customer_id for customer in roster.customers or ()}
    check_reps, check_customers = "reps" not in roster.unreadable, "customers" not in roster.unreadable
    errors = []
    for row in [*(roster.assignments or ()), *(roster.orders or ())]:
        if check_customers and row.customer_id not in customer_codes and row.customer_id is not INVALID:
            errors.append(row.origin.error("customer_id", f"unknown customer {row.customer_id!r}"))
        rep_id = row.rep_id if isinstance(row, AssignmentRow) else INVALID
        if check_reps and rep_id not in rep_codes and rep_id is not INVALID:
            errors.append(row.origin.error("rep_id", f"unknown rep {rep_id!r}"))
    return errors


def kept_overlap_errors(
    assignments: Sequence[AssignmentRow], kept: Mapping[str, Sequence[KeptAssignment]]
) -> list[RosterError]:
    """Assignments overlapping one kept in the database (`kept`, by customer code) that the file leaves.

    The file lists a kept assignment again with its customer and start date (to update it, e.g. close it
    with an end date); such a one is not held against the file's other rows.
    """
    rows = [row for row in assignments if usable(row, "customer_id", "start_date", "end_date")]
    starts = {(row.customer_id, row.start_date) for row in rows}
    errors = []
    for row in rows:
        for other in kept.get(row.customer_id, ()):
            if (row.customer_id, other.start_date) not in starts and row.overlaps(
                other.start_date, other.end_date
            ):
                message = (
                    f"overlaps the assignment of customer {row.customer_id!r} to rep {other.rep_id!r} from "
                    f"{other.start_date} to {other.end_date or 'open'} already in the database; "
                    "list that assignment in this file with an end_date to close it"
                )
                errors.append(row.origin.error("start_date", message))
    return errors


def listed_customer_errors(
    companies: Sequence[CompanyRow], customers: Mapping[str, str]
) -> list[RosterError]:
    """Listed companies (known non-customers) that carry a customer's exact name (`customers`: name -> code).

    A company cannot be both: matching would hold the customer's own ads against it. The office decides which.
    """
    message = "is the name of customer {!r}; a listed company is not a customer"
    listed = (row for row in companies if row.name in customers)
    return [row.origin.error("name", message.format(customers[row.name])) for row in listed]
