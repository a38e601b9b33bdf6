"""The roster: reps, customers, assignments, orders and company lists read from CSV files or an XLSX workbook.

Public API (callers import these names from `monitor.roster`; the modules behind them may move):

    read_roster(paths: Iterable[str | Path], progress=None) -> Roster
        Files to plain rows, streamed; every problem found in the files goes to `Roster.errors` (no
        session). `progress(source, rows read)` every PROGRESS_ROWS rows of a long file.
    apply_roster(session: Session, roster: Roster, progress=None) -> ImportSummary
        Checks references against the database, raises RosterInvalid listing every error before writing
        anything, then upserts by code in the caller's transaction (flushed, not committed); customers a
        chunk at a time. `progress(table, rows written, rows)` as it goes.
    Roster(reps, customers, assignments, orders, companies, errors, unreadable)
        Tables are lists of RepRow, CustomerRow, AssignmentRow, OrderRow, or None when not imported;
        each row's `origin` is a RowOrigin(source, row) naming where it came from.
    RosterError(source, message, row=None, column=None); RosterInvalid(errors)
    ImportSummary.tables: dict[str, TableCounts(created, updated, unchanged)]; `.changed`, `.lines()`
    team_code(team, branch) -> str: the Team.code a rep's team and branch make.

The modules, in the order data flows through them: `sheets` (files to raw cells), `cells` (cell parsers
and column specifications), `read` (sheets to rows), `checks` (rows to errors), `apply` (to the
database); `records` holds the plain types they share. The file format is documented in docs/roster.md.
"""

from monitor.roster.apply import ImportSummary, TableCounts, apply_roster
from monitor.roster.read import PROGRESS_ROWS, read_roster
from monitor.roster.records import (
    TABLES,
    AssignmentRow,
    CustomerRow,
    OrderRow,
    RepRow,
    Roster,
    RosterError,
    RosterInvalid,
    RowOrigin,
    team_code,
)

__all__ = [
    "PROGRESS_ROWS",
    "TABLES",
    "AssignmentRow",
    "CustomerRow",
    "ImportSummary",
    "OrderRow",
    "RepRow",
    "Roster",
    "RosterError",
    "RosterInvalid",
    "RowOrigin",
    "TableCounts",
    "apply_roster",
    "read_roster",
    "team_code",
]
