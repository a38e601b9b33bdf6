"""Files to sheets: CSV files, folders of them and XLSX workbooks read into raw cells, one sheet per table.

Nothing here parses a value; a file that cannot be read is reported to `errors` and read no further.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from monitor.roster.cells import Cell, is_blank_row, normalize_key
from monitor.roster.records import TABLES, RosterError

# File stems and sheet names accepted for each table (compared after normalize_key).
TABLE_NAMES: dict[str, tuple[str, ...]] = {
    "reps": ("reps", "销售", "销售人员"),
    "customers": ("customers", "客户"),
    "assignments": ("assignments", "分配", "客户分配"),
    "orders": ("orders", "订单"),
}

# (row number as the user sees it, cells); a sheet's rows are iterated once, in order.
Rows = Iterable[tuple[int, tuple[Cell, ...]]]


@dataclass(frozen=True)
class Sheet:
    """The raw cells of one table: a CSV file or a workbook sheet, rows numbered as the user sees them."""

    table: str
    source: str
    rows: Rows | None  # None: the file could not be read (the error is already reported)


def table_named(name: str) -> str | None:
    """The table a file stem or sheet name stands for, in English or Chinese; None for any other name."""
    key = normalize_key(name)
    return next((table for table, names in TABLE_NAMES.items() if key in map(normalize_key, names)), None)


def file_sheets(path: Path, errors: list[RosterError]) -> list[Sheet]:
    """The roster sheets in a CSV file, a folder of them or a workbook."""
    if path.is_dir():
        return _directory_sheets(path, errors)
    if not path.exists():
        errors.append(RosterError(str(path), "no such file or folder"))
        return []
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _workbook_sheets(path, errors)
    table = table_named(path.stem) if suffix == ".csv" else None
    if table is None:
        errors.append(RosterError(str(path), f"not a roster file; expected {_file_names()} or an .xlsx"))
        return []
    return _csv_sheet(path, table, errors)


def unique_tables(sheets: Iterable[Sheet], errors: list[RosterError]) -> list[Sheet]:
    """The first sheet of each table; a table given again is an error."""
    seen: dict[str, Sheet] = {}
    for sheet in sheets:
        if sheet.table in seen:
            message = f"the {sheet.table} table is also in {seen[sheet.table].source}; give each table once"
            errors.append(RosterError(sheet.source, message))
        else:
            seen[sheet.table] = sheet
    return list(seen.values())


def _numbered(records: Iterable[Sequence[Cell]]) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    return ((number, tuple(cells)) for number, cells in enumerate(records, start=1))


def _csv_rows(path: Path) -> list[tuple[int, tuple[Cell, ...]]]:
    # Read while the file is open, so that a decoding error is the file's error, reported before any row.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(_numbered(csv.reader(handle)))


def _csv_sheet(path: Path, table: str, errors: list[RosterError]) -> list[Sheet]:
    try:
        return [Sheet(table, str(path), _csv_rows(path))]
    except UnicodeDecodeError:
        message = "not UTF-8 text; in Excel use Save As 'CSV UTF-8 (逗号分隔)'"
    except (OSError, csv.Error) as exc:
        message = f"cannot read: {exc}"
    errors.append(RosterError(str(path), message))
    return [Sheet(table, str(path), None)]


def _worksheet_rows(worksheet: Any) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    worksheet.reset_dimensions()  # stored dimensions are often wrong; read what is there
    return _numbered(worksheet.iter_rows(min_row=1, values_only=True))


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
    table = table_named(worksheet.title)
    if table is None:
        if any(not is_blank_row(cells) for _, cells in _worksheet_rows(worksheet)):
            errors.append(RosterError(source, f"unknown sheet; roster sheets are named {', '.join(TABLES)}"))
        return None
    # Listed now: a read-only workbook's rows can only be read until it is closed.
    return Sheet(table, source, list(_worksheet_rows(worksheet)))


def _directory_sheets(path: Path, errors: list[RosterError]) -> list[Sheet]:
    errors_before = len(errors)
    sheets: list[Sheet] = []
    for child in sorted(path.iterdir()):
        if child.suffix.lower() == ".csv":
            sheets.extend(file_sheets(child, errors))
    if not sheets and len(errors) == errors_before:
        errors.append(RosterError(str(path), f"no roster files in this folder; expected {_file_names()}"))
    return sheets


def _file_names() -> str:
    return ", ".join(f"{table}.csv" for table in TABLES)
