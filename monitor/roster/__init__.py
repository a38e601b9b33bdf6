"""The roster: reps, customers, assignments and orders read from CSV files or an XLSX workbook.

`read_roster` turns files into plain dataclasses and collects every error it finds (no session).
`apply_roster` checks references against the database, then upserts by code in the caller's
transaction (the caller commits). Nothing is ever deleted: rows absent from an import stay as they are.
The file format is documented in docs/roster.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import Assignment, Customer, CustomerAlias, Order, Rep, Team

Cell = str | int | float | bool | dt.date | dt.datetime | None
Parser = Callable[[Cell], Any]

TABLES = ("reps", "customers", "assignments", "orders")
# File stems and sheet names accepted for each table (compared after _normalize).
TABLE_NAMES: dict[str, tuple[str, ...]] = {
    "reps": ("reps", "销售", "销售人员"),
    "customers": ("customers", "客户"),
    "assignments": ("assignments", "分配", "客户分配"),
    "orders": ("orders", "订单"),
}
TEAM_CODE_SEPARATOR = "/"
ALIAS_SOURCE = "roster"
_YES = frozenset({"yes", "y", "true", "1", "是", "在职"})
_NO = frozenset({"no", "n", "false", "0", "否", "离职"})
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_MAX_AMOUNT = Decimal(10) ** 12  # customer_order.amount is NUMERIC(14, 2)
_CENT = Decimal("0.01")
# The value of a cell that failed to parse, in rows kept only for checks across rows.
INVALID: Any = type("Invalid", (), {"__repr__": lambda self: "INVALID"})()


# --- errors --------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
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


# --- rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class CustomerRow:
    origin: RowOrigin
    customer_id: str
    name: str
    short_name: str | None = None
    english_name: str | None = None
    aliases: tuple[str, ...] = ()
    website: str | None = None
    ka: bool = True


@dataclass(frozen=True)
class AssignmentRow:
    origin: RowOrigin
    customer_id: str
    rep_id: str
    start_date: dt.date
    end_date: dt.date | None = None
    reason: str | None = None

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        return _overlap(self.start_date, self.end_date, start, end)


@dataclass(frozen=True)
class OrderRow:
    origin: RowOrigin
    order_id: str
    customer_id: str
    signed_date: dt.date
    start_date: dt.date
    end_date: dt.date
    amount: Decimal | None = None
    product: str | None = None


@dataclass
class Roster:
    """The parsed tables (None: not part of this import) and every problem found in the files."""

    reps: list[RepRow] | None = None
    customers: list[CustomerRow] | None = None
    assignments: list[AssignmentRow] | None = None
    orders: list[OrderRow] | None = None
    errors: list[RosterError] = field(default_factory=list)
    # Tables whose rows could not be read; references to them are not checked (that would only add noise).
    unreadable: set[str] = field(default_factory=set)


ROW_TYPES: dict[str, type] = {
    "reps": RepRow,
    "customers": CustomerRow,
    "assignments": AssignmentRow,
    "orders": OrderRow,
}


def team_code(team: str, branch: str | None) -> str:
    """Team.code for a rep's team: `branch/team`, or the bare name for a branch or a team without one."""
    if not branch or branch == team:
        return team
    return f"{branch}{TEAM_CODE_SEPARATOR}{team}"


def _overlap(start_a: dt.date, end_a: dt.date | None, start_b: dt.date, end_b: dt.date | None) -> bool:
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


# --- cell parsers --------------------------------------------------------------------------------


def _is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _cell_text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # Excel stores typed numbers (rep ids) as floats
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).strip()


def _text(max_length: int) -> Parser:
    def parse(cell: Cell) -> str:
        value = _cell_text(cell)
        if len(value) > max_length:
            raise ValueError(f"longer than {max_length} characters")
        return value

    return parse


def _name(max_length: int) -> Parser:
    """A team or branch name: it becomes part of a team code, so no separator inside."""
    text = _text(max_length)

    def parse(cell: Cell) -> str:
        value = text(cell)
        if TEAM_CODE_SEPARATOR in value:
            raise ValueError(f"must not contain {TEAM_CODE_SEPARATOR!r}: {value!r}")
        return value

    return parse


def _email(cell: Cell) -> str:
    value = _text(320)(cell)
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"not an email address: {value!r}")
    return value


def _yes_no(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    value = _cell_text(cell).lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f"expected yes or no (是/否), got {value!r}")


def _date(cell: Cell) -> dt.date:
    if isinstance(cell, dt.datetime):
        if cell.time() != dt.time(0):
            raise ValueError(f"a date is expected, this cell has a time of day: {cell.isoformat(' ')}")
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        raise ValueError(f"a number, not a date: {cell!r}; format the cell as a date or type YYYY-MM-DD")
    value = _cell_text(cell)
    match = _DATE_TEXT.fullmatch(value)
    if not match:
        raise ValueError(f"not a date: {value!r}; use YYYY-MM-DD")
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(f"no such date: {value!r}") from None


def _amount(cell: Cell) -> Decimal:
    text = _cell_text(cell).replace(",", "").replace("，", "").lstrip("¥￥")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {_cell_text(cell)!r}") from None
    if not value.is_finite() or value < 0 or value >= _MAX_AMOUNT:
        raise ValueError(f"must be between 0 and {_MAX_AMOUNT - 1}: {text!r}")
    if value != value.quantize(_CENT):
        raise ValueError(f"more than two decimal places: {text!r}")
    return value.quantize(_CENT)


def _aliases(cell: Cell) -> tuple[str, ...]:
    parts = (part.strip() for part in _cell_text(cell).replace("｜", "|").split("|"))
    aliases = tuple(dict.fromkeys(part for part in parts if part))
    too_long = [alias for alias in aliases if len(alias) > 300]
    if too_long:
        raise ValueError(f"alias longer than 300 characters: {too_long[0][:40]!r}…")
    return aliases


# --- table specifications ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a roster table: its English name, Chinese headers, whether required, its parser."""

    name: str
    parse: Parser
    required: bool = False
    chinese: tuple[str, ...] = ()
    default: Any = None

    def headers(self) -> tuple[str, ...]:
        return (self.name, *self.chinese)


COLUMNS: dict[str, tuple[Column, ...]] = {
    "reps": (
        Column("rep_id", _text(50), True, ("销售编号", "销售工号", "工号", "员工编号")),
        Column("name", _text(200), True, ("姓名", "销售姓名")),
        Column("email", _email, False, ("邮箱", "电子邮箱")),
        Column("team", _name(200), True, ("团队", "小组")),
        Column("branch", _name(200), False, ("分公司",)),
        Column("manager_email", _email, False, ("经理邮箱",)),
        Column("active", _yes_no, False, ("在职", "是否在职"), True),
    ),
    "customers": (
        Column("customer_id", _text(50), True, ("客户编号", "客户ID")),
        Column("name", _text(300), True, ("客户名称", "公司名称")),
        Column("short_name", _text(200), False, ("简称", "客户简称")),
        Column("english_name", _text(300), False, ("英文名", "英文名称")),
        Column("aliases", _aliases, False, ("别名",), ()),
        Column("website", _text(500), False, ("官网", "网址")),
        Column("ka", _yes_no, False, ("KA", "是否KA", "大客户"), True),
    ),
    "assignments": (
        Column("customer_id", _text(50), True, ("客户编号", "客户ID")),
        Column("rep_id", _text(50), True, ("销售编号", "销售工号", "工号")),
        Column("start_date", _date, True, ("开始日期",)),
        Column("end_date", _date, False, ("结束日期",)),
        Column("reason", _text(2000), False, ("原因", "划转原因")),
    ),
    "orders": (
        Column("order_id", _text(50), True, ("订单编号", "合同编号")),
        Column("customer_id", _text(50), True, ("客户编号", "客户ID")),
        Column("signed_date", _date, True, ("签约日期",)),
        Column("start_date", _date, True, ("开始日期", "合同开始日期")),
        Column("end_date", _date, True, ("结束日期", "合同结束日期")),
        Column("amount", _amount, False, ("金额", "合同金额")),
        Column("product", _text(200), False, ("产品",)),
    ),
}


def _normalize(text: str) -> str:
    """Header/sheet key: full-width folded, trimmed, lower-case, a trailing `*` dropped, spaces as `_`."""
    folded = unicodedata.normalize("NFKC", text).strip().rstrip("*").strip().lower()
    return re.sub(r"[\s\-]+", "_", folded)


def _table_named(name: str) -> str | None:
    key = _normalize(name)
    return next((table for table, names in TABLE_NAMES.items() if key in map(_normalize, names)), None)


def _column_lookup(table: str) -> dict[str, Column]:
    return {_normalize(header): column for column in COLUMNS[table] for header in column.headers()}


# --- reading files -------------------------------------------------------------------------------

Rows = list[tuple[int, tuple[Cell, ...]]]


@dataclass(frozen=True)
class Sheet:
    """The raw cells of one table: a CSV file or a workbook sheet, rows numbered as the user sees them."""

    table: str
    source: str
    rows: Rows | None  # None: the file could not be read (the error is already reported)


def _csv_rows(path: Path) -> Rows:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(number, tuple(record)) for number, record in enumerate(csv.reader(handle), start=1)]


def _csv_sheet(path: Path, table: str, errors: list[RosterError]) -> list[Sheet]:
    try:
        return [Sheet(table, str(path), _csv_rows(path))]
    except UnicodeDecodeError:
        message = "not UTF-8 text; in Excel use Save As 'CSV UTF-8 (逗号分隔)'"
    except (OSError, csv.Error) as exc:
        message = f"cannot read: {exc}"
    errors.append(RosterError(str(path), message))
    return [Sheet(table, str(path), None)]


def _worksheet_rows(worksheet: Any) -> Rows:
    worksheet.reset_dimensions()  # stored dimensions are often wrong; read what is there
    rows = worksheet.iter_rows(min_row=1, values_only=True)
    return [(number, tuple(cells)) for number, cells in enumerate(rows, start=1)]


def _workbook_sheets(path: Path, errors: list[RosterError]) -> list[Sheet]:
    errors_before = len(errors)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError) as exc:
        errors.append(RosterError(str(path), f"not a readable .xlsx workbook: {exc}"))
        return []
    try:
        sheets = [_workbook_sheet(path, worksheet, errors) for worksheet in book.worksheets]
    finally:
        book.close()
    found = [sheet for sheet in sheets if sheet is not None]
    if not found and len(errors) == errors_before:
        errors.append(RosterError(str(path), f"no roster sheet; name sheets {', '.join(TABLES)}"))
    return found


def _workbook_sheet(path: Path, worksheet: Any, errors: list[RosterError]) -> Sheet | None:
    source = f"{path}:{worksheet.title}"
    rows = _worksheet_rows(worksheet)
    table = _table_named(worksheet.title)
    if table is None:
        if any(not _is_blank(cell) for _, cells in rows for cell in cells):
            errors.append(RosterError(source, f"unknown sheet; roster sheets are named {', '.join(TABLES)}"))
        return None
    return Sheet(table, source, rows)


def _directory_sheets(path: Path, errors: list[RosterError]) -> list[Sheet]:
    errors_before = len(errors)
    sheets: list[Sheet] = []
    for child in sorted(path.iterdir()):
        if child.suffix.lower() == ".csv":
            sheets.extend(_file_sheets(child, errors))
    if not sheets and len(errors) == errors_before:
        errors.append(RosterError(str(path), f"no roster files in this folder; expected {_file_names()}"))
    return sheets


def _file_names() -> str:
    return ", ".join(f"{table}.csv" for table in TABLES)


def _file_sheets(path: Path, errors: list[RosterError]) -> list[Sheet]:
    if path.is_dir():
        return _directory_sheets(path, errors)
    if not path.exists():
        errors.append(RosterError(str(path), "no such file or folder"))
        return []
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _workbook_sheets(path, errors)
    table = _table_named(path.stem) if suffix == ".csv" else None
    if table is None:
        errors.append(RosterError(str(path), f"not a roster file; expected {_file_names()} or an .xlsx"))
        return []
    return _csv_sheet(path, table, errors)


def _unique_tables(sheets: Iterable[Sheet], errors: list[RosterError]) -> list[Sheet]:
    seen: dict[str, Sheet] = {}
    for sheet in sheets:
        if sheet.table in seen:
            message = f"the {sheet.table} table is also in {seen[sheet.table].source}; give each table once"
            errors.append(RosterError(sheet.source, message))
        else:
            seen[sheet.table] = sheet
    return list(seen.values())


# --- parsing sheets into rows --------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    row: int
    columns: dict[int, Column]  # cell index -> column
    typed: dict[str, str]  # column name -> header as typed
    complete: bool  # every required column is present


def _non_blank_rows(sheet: Sheet) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    return (
        (number, cells) for number, cells in sheet.rows or () if any(not _is_blank(cell) for cell in cells)
    )


def _read_header(sheet: Sheet, row: int, cells: tuple[Cell, ...], errors: list[RosterError]) -> _Header:
    lookup = _column_lookup(sheet.table)
    columns: dict[int, Column] = {}
    typed: dict[str, str] = {}
    for index, cell in enumerate(cells):
        if _is_blank(cell):
            continue
        where = f"{get_column_letter(index + 1)} ({_cell_text(cell)})"
        column = lookup.get(_normalize(_cell_text(cell)))
        if column is None:
            expected = ", ".join(known.name for known in COLUMNS[sheet.table])
            errors.append(RosterError(sheet.source, f"unknown column; expected: {expected}", row, where))
        elif column.name in typed:
            message = f"{column.name} appears twice (also as {typed[column.name]!r})"
            errors.append(RosterError(sheet.source, message, row, where))
        else:
            columns[index], typed[column.name] = column, _cell_text(cell)
    missing = [column for column in COLUMNS[sheet.table] if column.required and column.name not in typed]
    for column in missing:
        message = f"required column is missing (header {' or '.join(column.headers())})"
        errors.append(RosterError(sheet.source, message, row, column.name))
    return _Header(row, columns, typed, not missing)


def _check_headerless_values(
    sheet: Sheet, header: _Header, header_cells: tuple[Cell, ...], errors: list[RosterError]
) -> None:
    blank = {index for index, cell in enumerate(header_cells) if _is_blank(cell)}
    for number, cells in _non_blank_rows(sheet):
        for index, cell in enumerate(cells):
            headerless = index in blank or index >= len(header_cells)
            if number > header.row and headerless and not _is_blank(cell):
                message = "a value in a column without a header"
                errors.append(RosterError(sheet.source, message, number, get_column_letter(index + 1)))


def _parse_row(
    header: _Header, origin: RowOrigin, cells: tuple[Cell, ...]
) -> tuple[dict[str, Any], list[RosterError]]:
    values: dict[str, Any] = {}
    errors: list[RosterError] = []
    for index, column in header.columns.items():
        cell = cells[index] if index < len(cells) else None
        if _is_blank(cell):
            if column.required:
                errors.append(origin.error(column.name, "required value is empty"))
            values[column.name] = INVALID if column.required else column.default
            continue
        try:
            values[column.name] = column.parse(cell)
        except ValueError as exc:
            errors.append(origin.error(column.name, str(exc)))
            values[column.name] = INVALID
    return values, errors


def _row_errors(row: Any) -> list[RosterError]:
    """Checks within one parsed row: periods that end before they start."""
    if isinstance(row, AssignmentRow | OrderRow) and row.end_date and row.end_date < row.start_date:
        return [row.origin.error("end_date", f"ends ({row.end_date}) before it starts ({row.start_date})")]
    return []


def _parse_sheet(sheet: Sheet, errors: list[RosterError]) -> list[Any] | None:
    """The sheet's rows, or None when they cannot be read (no file, no header, a required column missing)."""
    if sheet.rows is None:
        return None
    rows = list(_non_blank_rows(sheet))
    if not rows:
        errors.append(RosterError(sheet.source, "empty: no header row"))
        return None
    (header_row, header_cells), body = rows[0], rows[1:]
    header = _read_header(sheet, header_row, header_cells, errors)
    _check_headerless_values(sheet, header, header_cells, errors)
    parsed: list[Any] = []
    for number, cells in body:
        origin = RowOrigin(sheet.source, number, header.typed)
        values, row_errors = _parse_row(header, origin, cells)
        errors.extend(row_errors)
        if header.complete:
            # Rows with bad cells are kept (marked INVALID) so checks across rows still see them.
            row = ROW_TYPES[sheet.table](origin=origin, **_dataclass_values(sheet.table, values))
            errors.extend([] if row_errors else _row_errors(row))
            parsed.append(row)
    return parsed if header.complete else None


def _dataclass_values(table: str, values: dict[str, Any]) -> dict[str, Any]:
    # Optional columns absent from the header take their defaults.
    return {column.name: values.get(column.name, column.default) for column in COLUMNS[table]}


# --- checks across rows (no database) ------------------------------------------------------------


def _usable(row: Any, *names: str) -> bool:
    return all(getattr(row, name) is not INVALID for name in names)


def _duplicate_errors(rows: Sequence[Any], key: str) -> list[RosterError]:
    first: dict[str, RowOrigin] = {}
    errors = []
    for row in rows:
        value = getattr(row, key)
        if value is INVALID:
            continue
        if value in first:
            message = f"duplicate {key} {value!r} (first on row {first[value].row})"
            errors.append(row.origin.error(key, message))
        else:
            first[value] = row.origin
    return errors


def _manager_email_errors(reps: Sequence[RepRow]) -> list[RosterError]:
    first: dict[str, RepRow] = {}
    errors = []
    for rep in reps:
        if rep.manager_email in (None, INVALID) or not _usable(rep, "team", "branch"):
            continue
        earlier = first.setdefault(rep.team_code, rep)
        if earlier.manager_email != rep.manager_email:
            message = f"team {rep.team_code!r} has manager_email {earlier.manager_email} on row "
            message += str(earlier.origin.row)
            errors.append(rep.origin.error("manager_email", message))
    return errors


def _team_code_errors(reps: Sequence[RepRow]) -> list[RosterError]:
    return [
        rep.origin.error("team", f"team code {rep.team_code!r} is longer than 50 characters")
        for rep in reps
        if _usable(rep, "team", "branch") and len(rep.team_code) > 50
    ]


def _overlap_errors(assignments: Sequence[AssignmentRow]) -> list[RosterError]:
    by_customer: dict[str, list[AssignmentRow]] = {}
    for row in assignments:
        if _usable(row, "customer_id", "start_date", "end_date"):
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


def _cross_row_errors(roster: Roster) -> list[RosterError]:
    errors: list[RosterError] = []
    if roster.reps is not None:
        errors += _duplicate_errors(roster.reps, "rep_id")
        errors += _team_code_errors(roster.reps) + _manager_email_errors(roster.reps)
    if roster.customers is not None:
        errors += _duplicate_errors(roster.customers, "customer_id")
    if roster.assignments is not None:
        errors += _overlap_errors(roster.assignments)
    if roster.orders is not None:
        errors += _duplicate_errors(roster.orders, "order_id")
    return errors


def read_roster(paths: Iterable[str | Path]) -> Roster:
    """Read and check roster CSV files, folders of them and XLSX workbooks; problems go to `errors`."""
    roster = Roster()
    sheets: list[Sheet] = []
    for path in paths:
        errors_before = len(roster.errors)
        found = _file_sheets(Path(path), roster.errors)
        if not found and len(roster.errors) > errors_before:
            roster.unreadable.update(TABLES)  # an unreadable file might have held any table
        sheets += found
    for sheet in _unique_tables(sheets, roster.errors):
        rows = _parse_sheet(sheet, roster.errors)
        if rows is None:
            roster.unreadable.add(sheet.table)
        setattr(roster, sheet.table, rows or [])
    roster.errors += _cross_row_errors(roster)
    return roster


# --- applying to the database --------------------------------------------------------------------


@dataclass
class TableCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def record(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class ImportSummary:
    """Rows created, updated and unchanged per table (teams come from the reps' team/branch columns)."""

    tables: dict[str, TableCounts] = field(default_factory=dict)

    def counts(self, table: str) -> TableCounts:
        return self.tables.setdefault(table, TableCounts())

    @property
    def changed(self) -> bool:
        return any(counts.created or counts.updated for counts in self.tables.values())

    def lines(self) -> list[str]:
        return [
            f"{table:<12} created {c.created:>6}  updated {c.updated:>6}  unchanged {c.unchanged:>6}"
            for table, c in self.tables.items()
        ]


@dataclass
class _Existing:
    """The rows already in the database that an import may update or refer to, by code."""

    teams: dict[str, Team]
    reps: dict[str, Rep]
    customers: dict[str, Customer]
    assignments: dict[int, list[Assignment]]  # customer.id -> its assignments
    orders: dict[str, Order]

    @classmethod
    def load(cls, session: Session, roster: Roster) -> _Existing:
        customer_query = select(Customer)
        if roster.customers:
            customer_query = customer_query.options(selectinload(Customer.aliases))
        assignments: dict[int, list[Assignment]] = {}
        if roster.assignments:
            for assignment in session.scalars(select(Assignment)):
                assignments.setdefault(assignment.customer_id, []).append(assignment)
        return cls(
            teams={team.code: team for team in session.scalars(select(Team))},
            reps={rep.code: rep for rep in session.scalars(select(Rep))},
            customers={customer.code: customer for customer in session.scalars(customer_query)},
            assignments=assignments,
            orders={order.code: order for order in session.scalars(select(Order))} if roster.orders else {},
        )


def _reference_errors(roster: Roster, existing: _Existing) -> list[RosterError]:
    rep_codes = set(existing.reps) | {rep.rep_id for rep in roster.reps or ()}
    customer_codes = set(existing.customers) | {customer.customer_id for customer in roster.customers or ()}
    check_reps, check_customers = "reps" not in roster.unreadable, "customers" not in roster.unreadable
    errors = []
    for row in [*(roster.assignments or ()), *(roster.orders or ())]:
        if check_customers and row.customer_id not in customer_codes and row.customer_id is not INVALID:
            errors.append(row.origin.error("customer_id", f"unknown customer {row.customer_id!r}"))
        rep_id = row.rep_id if isinstance(row, AssignmentRow) else INVALID
        if check_reps and rep_id not in rep_codes and rep_id is not INVALID:
            errors.append(row.origin.error("rep_id", f"unknown rep {rep_id!r}"))
    return errors


def _database_overlap_errors(assignments: Sequence[AssignmentRow], existing: _Existing) -> list[RosterError]:
    """Assignments in the database that this file does not update must not overlap the file's."""
    usable = [row for row in assignments if _usable(row, "customer_id", "start_date", "end_date")]
    starts = {(row.customer_id, row.start_date) for row in usable}
    errors = []
    for row in usable:
        customer = existing.customers.get(row.customer_id)
        for kept in existing.assignments.get(customer.id, []) if customer else []:
            if (row.customer_id, kept.start_date) not in starts and row.overlaps(
                kept.start_date, kept.end_date
            ):
                message = (
                    f"overlaps the assignment of customer {row.customer_id!r} to rep {kept.rep.code!r} from "
                    f"{kept.start_date} to {kept.end_date or 'open'} already in the database; "
                    "list that assignment in this file with an end_date to close it"
                )
                errors.append(row.origin.error("start_date", message))
    return errors


def _set_changed(target: Any, values: Mapping[str, Any]) -> bool:
    """Set the attributes whose value differs; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def _find_or_add(session: Session, found: Any, make: Callable[[], Any]) -> tuple[Any, bool]:
    """`found`, or a new object from `make()` added to the session; and whether it is new."""
    if found is not None:
        return found, False
    new = make()
    session.add(new)
    return new, True


def _team_specs(reps: Sequence[RepRow]) -> dict[str, dict[str, Any]]:
    """Team code -> name, parent code, manager email; branches first so parents exist before children."""
    specs: dict[str, dict[str, Any]] = {}
    for rep in reps:
        if rep.branch and rep.branch != rep.team:
            specs.setdefault(rep.branch, {"name": rep.branch, "parent": None, "manager_email": None})
    for rep in reps:
        parent = rep.branch if rep.branch and rep.branch != rep.team else None
        spec = specs.setdefault(rep.team_code, {"name": rep.team, "parent": parent, "manager_email": None})
        spec["manager_email"] = spec["manager_email"] or rep.manager_email
    return specs


def _apply_teams(session: Session, reps: Sequence[RepRow], existing: _Existing, counts: TableCounts) -> None:
    for code, spec in _team_specs(reps).items():
        values = {"name": spec["name"], "parent": existing.teams[spec["parent"]] if spec["parent"] else None}
        if spec["manager_email"]:  # a team's manager email is kept unless the import names one
            values["manager_email"] = spec["manager_email"]
        team, created = _find_or_add(session, existing.teams.get(code), partial(Team, code=code))
        existing.teams[code] = team
        counts.record(created, _set_changed(team, values))


def _apply_reps(session: Session, reps: Sequence[RepRow], existing: _Existing, counts: TableCounts) -> None:
    for row in reps:
        values = {
            "name": row.name,
            "email": row.email,
            "team": existing.teams[row.team_code],
            "active": row.active,
        }
        rep, created = _find_or_add(session, existing.reps.get(row.rep_id), partial(Rep, code=row.rep_id))
        existing.reps[row.rep_id] = rep
        counts.record(created, _set_changed(rep, values))


def _sync_aliases(customer: Customer, aliases: Sequence[str]) -> bool:
    """Make the customer's roster aliases exactly `aliases`, keeping aliases from other sources."""
    wanted = set(aliases)
    roster_aliases = [alias for alias in customer.aliases if alias.source == ALIAS_SOURCE]
    stale = [alias for alias in roster_aliases if alias.alias not in wanted]
    for alias in stale:
        customer.aliases.remove(alias)
    present = {alias.alias for alias in customer.aliases}
    added = [text for text in aliases if text not in present]
    customer.aliases.extend(CustomerAlias(alias=text, source=ALIAS_SOURCE) for text in added)
    return bool(stale or added)


def _apply_customers(
    session: Session, customers: Sequence[CustomerRow], existing: _Existing, counts: TableCounts
) -> None:
    for row in customers:
        values = {
            "name": row.name,
            "short_name": row.short_name,
            "english_name": row.english_name,
            "website": row.website,
            "is_ka": row.ka,
        }
        found = existing.customers.get(row.customer_id)
        customer, created = _find_or_add(session, found, partial(Customer, code=row.customer_id))
        existing.customers[row.customer_id] = customer
        changed = _set_changed(customer, values)
        counts.record(created, _sync_aliases(customer, row.aliases) or changed)


def _apply_assignments(
    session: Session, assignments: Sequence[AssignmentRow], existing: _Existing, counts: TableCounts
) -> None:
    for row in assignments:
        customer = existing.customers[row.customer_id]
        kept = existing.assignments.get(customer.id, []) if customer.id else []
        found = next((a for a in kept if a.start_date == row.start_date), None)
        values = {"rep": existing.reps[row.rep_id], "end_date": row.end_date, "reason": row.reason}
        make = partial(Assignment, customer=customer, start_date=row.start_date)
        assignment, created = _find_or_add(session, found, make)
        counts.record(created, _set_changed(assignment, values))


def _apply_orders(
    session: Session, orders: Sequence[OrderRow], existing: _Existing, counts: TableCounts
) -> None:
    for row in orders:
        values = {
            "customer": existing.customers[row.customer_id],
            "signed_date": row.signed_date,
            "start_date": row.start_date,
            "end_date": row.end_date,
            "amount": row.amount,
            "product": row.product,
        }
        found = existing.orders.get(row.order_id)
        order, created = _find_or_add(session, found, partial(Order, code=row.order_id))
        counts.record(created, _set_changed(order, values))


def apply_roster(session: Session, roster: Roster) -> ImportSummary:
    """Upsert the roster into `session`, flushed but not committed.

    Raises RosterInvalid, before writing anything, listing the roster's own errors and those found against
    the database (unknown reps and customers, assignments overlapping ones kept in the database).
    """
    existing = _Existing.load(session, roster)
    errors = [*roster.errors, *_reference_errors(roster, existing)]
    errors += _database_overlap_errors(roster.assignments or (), existing)
    if errors:
        raise RosterInvalid(errors)
    summary = ImportSummary()
    steps: list[tuple[str, Sequence[Any] | None, Callable[..., None]]] = [
        ("teams", roster.reps, _apply_teams),
        ("reps", roster.reps, _apply_reps),
        ("customers", roster.customers, _apply_customers),
        ("assignments", roster.assignments, _apply_assignments),
        ("orders", roster.orders, _apply_orders),
    ]
    for table, rows, apply in steps:
        if rows is not None:
            with session.no_autoflush:
                apply(session, rows, existing, summary.counts(table))
            session.flush()  # table by table, in the order the files are documented
    return summary
