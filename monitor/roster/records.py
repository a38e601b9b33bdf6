"""What a roster import reads into: typed rows, where each came from, the problems found (plain values)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

TABLES = ("reps", "customers", "assignments", "orders", "companies")
TEAM_CODE_SEPARATOR = "/"
# The value of a cell that failed to parse, in rows kept only for checks across rows.
INVALID: Any = type("Invalid", (), {"__repr__": lambda self: "INVALID"})()


@dataclass(frozen=True)
class RosterError:
    """One problem, located as the user sees it: file (or workbook:sheet), row (header = 1), column."""

    source: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class RosterInvalid(Exception):
    """The roster cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: Sequence[RosterError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


@dataclass(frozen=True, slots=True)  # hundreds of thousands of rows are held at once
class RowOrigin:
    """Where a row came from, with the headers as typed, so later checks can name the column."""

    source: str
    row: int
    headers: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def error(self, column: str | None, message: str) -> RosterError:
        return RosterError(self.source, message, self.row, self.label(column) if column else None)

    def label(self, column: str) -> str:
        typed = self.headers.get(column, column)
        return column if typed == column else f"{typed} ({column})"


@dataclass(frozen=True, slots=True)  # hundreds of thousands of rows are held at once
class RepRow:
    origin: RowOrigin
    rep_id: str
    name: str
    team: str
    email: str | None = None
    branch: str | None = None
    manager_email: str | None = None
    active: bool = True

    @property
    def team_code(self) -> str:
        return team_code(self.team, self.branch)


@dataclass(frozen=True, slots=True)  # hundreds of thousands of rows are held at once
class CustomerRow:
    origin: RowOrigin
    customer_id: str
    name: str
    short_name: str | None = None
    english_name: str | None = None
    aliases: tuple[str, ...] = ()
    website: str | None = None
    ka: bool = True


@dataclass(frozen=True, slots=True)  # hundreds of thousands of rows are held at once
class AssignmentRow:
    origin: RowOrigin
    customer_id: str
    rep_id: str
    start_date: dt.date
    end_date: dt.date | None = None
    reason: str | None = None

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        return periods_overlap(self.start_date, self.end_date, start, end)


@dataclass(frozen=True, slots=True)  # hundreds of thousands of rows are held at once
class OrderRow:
    origin: RowOrigin
    order_id: str
    customer_id: str
    signed_date: dt.date
    start_date: dt.date
    end_date: dt.date
    amount: Decimal | None = None
    product: str | None = None


@dataclass(frozen=True, slots=True)
class CompanyRow:
    """A company known not to be our customer (the office's company list), for matching's open world."""

    origin: RowOrigin
    name: str
    list: str | None = None


@dataclass(frozen=True, slots=True)  # hundreds of thousands of rows are held at once
class KeptAssignment:
    """An assignment already in the database, as the checks against the database see it."""

    rep_id: str
    start_date: dt.date
    end_date: dt.date | None = None


@dataclass
class Roster:
    """The parsed tables (None: not part of this import) and every problem found in the files."""

    reps: list[RepRow] | None = None
    customers: list[CustomerRow] | None = None
    assignments: list[AssignmentRow] | None = None
    orders: list[OrderRow] | None = None
    companies: list[CompanyRow] | None = None
    errors: list[RosterError] = field(default_factory=list)
    # Tables whose rows could not be read; references to them are not checked (that would only add noise).
    unreadable: set[str] = field(default_factory=set)


ROW_TYPES: dict[str, type] = {
    "reps": RepRow,
    "customers": CustomerRow,
    "assignments": AssignmentRow,
    "orders": OrderRow,
    "companies": CompanyRow,
}


def team_code(team: str, branch: str | None) -> str:
    """Team.code for a rep's team: `branch/team`, or the bare name for a branch or a team without one."""
    if not branch or branch == team:
        return team
    return f"{branch}{TEAM_CODE_SEPARATOR}{team}"


def periods_overlap(start_a: dt.date, end_a: dt.date | None, start_b: dt.date, end_b: dt.date | None) -> bool:
    """Whether two inclusive periods share a day; an end of None is open."""
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)
