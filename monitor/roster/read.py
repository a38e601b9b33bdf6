"""Reading a roster: files to sheets, each sheet's header and cells to typed rows, then the checks.

No session: references to the database are checked when the roster is applied (`monitor.roster.apply`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from monitor.roster.cells import (
    COLUMNS,
    Cell,
    Column,
    cell_text,
    column_lookup,
    is_blank,
    is_blank_row,
    normalize_key,
)
from monitor.roster.checks import cross_row_errors, row_errors
from monitor.roster.records import INVALID, ROW_TYPES, TABLES, Roster, RosterError, RowOrigin
from monitor.roster.sheets import BrokenRow, Rows, Sheet, file_sheets, unique_tables

# (file or sheet, rows read so far): called every PROGRESS_ROWS rows, and at the end of a sheet that long.
Progress = Callable[[str, int], None]
PROGRESS_ROWS = 10_000


def read_roster(paths: Iterable[str | Path], progress: Progress | None = None) -> Roster:
    """Read and check roster CSV files, folders of them and XLSX workbooks; problems go to `errors`.

    Each file is streamed: its rows are parsed as they are read, and only the parsed rows are kept.
    """
    roster = Roster()
    sheets: list[Sheet] = []
    with ExitStack() as open_files:
        for path in paths:
            errors_before = len(roster.errors)
            found = file_sheets(Path(path), roster.errors, open_files)
            if not found and len(roster.errors) > errors_before:
                roster.unreadable.update(TABLES)  # an unreadable file might have held any table
            sheets += found
        for sheet in unique_tables(sheets, roster.errors):
            rows = parse_sheet(sheet, roster.errors, progress)
            if rows is None:
                roster.unreadable.add(sheet.table)
            setattr(roster, sheet.table, rows or [])
    roster.errors += cross_row_errors(roster)
    return roster


def _counted(sheet: Sheet, rows: Rows, errors: list[RosterError], progress: Progress | None) -> Rows:
    """`rows` as they come; a broken row is reported and ends the sheet (what follows cannot be trusted)."""
    count = 0
    try:
        for count, row in enumerate(rows, start=1):  # noqa: B007 - the count is reported after the loop
            if progress is not None and count % PROGRESS_ROWS == 0:
                progress(sheet.source, count)
            yield row
    except BrokenRow as exc:
        errors.append(RosterError(sheet.source, f"{exc.message}; nothing after it was read", exc.row))
    if progress is not None and count >= PROGRESS_ROWS:
        progress(sheet.source, count)


@dataclass(frozen=True)
class _Header:
    row: int
    columns: dict[int, Column]  # cell index -> column
    typed: dict[str, str]  # column name -> header as typed
    complete: bool  # every required column is present
    width: int  # cells in the header row
    unnamed: frozenset[int]  # indexes of blank header cells


def _non_blank_rows(rows: Rows) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    return ((number, cells) for number, cells in rows if not is_blank_row(cells))


def _read_header(sheet: Sheet, row: int, cells: tuple[Cell, ...], errors: list[RosterError]) -> _Header:
    lookup = column_lookup(sheet.table)
    columns: dict[int, Column] = {}
    typed: dict[str, str] = {}
    for index, cell in enumerate(cells):
        if is_blank(cell):
            continue
        where = f"{get_column_letter(index + 1)} ({cell_text(cell)})"
        column = lookup.get(normalize_key(cell_text(cell)))
        if column is None:
            expected = ", ".join(known.name for known in COLUMNS[sheet.table])
            errors.append(RosterError(sheet.source, f"unknown column; expected: {expected}", row, where))
        elif column.name in typed:
            message = f"{column.name} appears twice (also as {typed[column.name]!r})"
            errors.append(RosterError(sheet.source, message, row, where))
        else:
            columns[index], typed[column.name] = column, cell_text(cell)
    missing = [column for column in COLUMNS[sheet.table] if column.required and column.name not in typed]
    for column in missing:
        message = f"required column is missing (header {' or '.join(column.headers())})"
        errors.append(RosterError(sheet.source, message, row, column.name))
    width = len(cells)
    unnamed = frozenset(index for index, cell in enumerate(cells) if is_blank(cell))
    return _Header(row, columns, typed, not missing, width, unnamed)


def _headerless_values(
    source: str, header: _Header, number: int, cells: tuple[Cell, ...]
) -> list[RosterError]:
    return [
        RosterError(source, "a value in a column without a header", number, get_column_letter(index + 1))
        for index, cell in enumerate(cells)
        if (index in header.unnamed or index >= header.width) and not is_blank(cell)
    ]


def _parse_row(
    header: _Header, origin: RowOrigin, cells: tuple[Cell, ...]
) -> tuple[dict[str, Any], list[RosterError]]:
    values: dict[str, Any] = {}
    errors: list[RosterError] = []
    for index, column in header.columns.items():
        cell = cells[index] if index < len(cells) else None
        if is_blank(cell):
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


def parse_sheet(
    sheet: Sheet, errors: list[RosterError], progress: Progress | None = None
) -> list[Any] | None:
    """The sheet's rows, or None when they cannot be read (no file, no header, a required column missing).

    The sheet's rows are read once, in order; errors are reported header first, then values without a
    header, then each row's cells, then a row that ended the reading (an open quote).
    """
    if sheet.rows is None:
        return None
    broken: list[RosterError] = []
    rows = _non_blank_rows(_counted(sheet, sheet.rows, broken, progress))
    first = next(rows, None)
    if first is None:
        errors.extend(broken or [RosterError(sheet.source, "empty: no header row")])
        return None
    header = _read_header(sheet, *first, errors)
    headerless: list[RosterError] = []
    cell_errors: list[RosterError] = []
    parsed: list[Any] = []
    for number, cells in rows:
        headerless += _headerless_values(sheet.source, header, number, cells)
        origin = RowOrigin(sheet.source, number, header.typed)
        values, bad_cells = _parse_row(header, origin, cells)
        cell_errors += bad_cells
        if header.complete:
            # Rows with bad cells are kept (marked INVALID) so checks across rows still see them.
            row = ROW_TYPES[sheet.table](origin=origin, **_dataclass_values(sheet.table, values))
            cell_errors += [] if bad_cells else row_errors(row)
            parsed.append(row)
    errors += headerless + cell_errors + broken
    return parsed if header.complete else None


def _dataclass_values(table: str, values: dict[str, Any]) -> dict[str, Any]:
    # Optional columns absent from the header take their defaults.
    return {column.name: values.get(column.name, column.default) for column in COLUMNS[table]}
