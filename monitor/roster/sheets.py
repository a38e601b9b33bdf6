"""Files to sheets: CSV files, folders of them and XLSX workbooks read into raw cells, one sheet per table.

Nothing here parses a value; a file that cannot be read is reported to `errors` and read no further.
Rows are streamed: a sheet's rows are read as they are parsed, never listed, so a roster of hundreds of
thousands of rows is read in bounded memory. Workbooks stay open until the caller's `ExitStack` closes.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
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
    "companies": ("companies", "公司名单", "非客户"),
}

# (row number as the user sees it, cells); a sheet's rows are iterated once, in order.
Rows = Iterable[tuple[int, tuple[Cell, ...]]]
_ENCODING_CHUNK = 1 << 20


class BrokenRow(Exception):
    """A row that cannot be read as it stands (a quote left open, a value running over a line break):
    the rest of the file cannot be trusted either, so reading stops there."""

    def __init__(self, row: int, message: str) -> None:
        self.row = row
        self.message = message
        super().__init__(f"row {row}: {message}")


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


def file_sheets(path: Path, errors: list[RosterError], stack: ExitStack | None = None) -> list[Sheet]:
    """The roster sheets in a CSV file, a folder of them or a workbook.

    A workbook is read while it is open: pass the `stack` that outlives reading the rows (without one,
    its rows are listed before it is closed).
    """
    if path.is_dir():
        return _directory_sheets(path, errors)
    if not path.exists():
        errors.append(RosterError(str(path), "no such file or folder"))
        return []
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _workbook_sheets(path, errors, stack)
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


def _check_encoding(path: Path) -> None:
    """Decode the whole file once, in chunks: an encoding error is the file's error, before any row."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as handle:
        while chunk := handle.read(_ENCODING_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)


def csv_rows(path: Path) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    """The file's records, numbered as the user sees them (the header is row 1), read as they are used.

    Raises BrokenRow where a quote is left open or a value runs over a line break: either swallows the
    next rows into one value (a customer named "…\nC002,…"), so it is never read as a value.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        number, line = 0, 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    message = (
                        'a quote (") opened here is never closed: the rest of the file would be one value'
                    )
                else:
                    message = f"cannot be read as CSV ({exc}); check the quotes"
                raise BrokenRow(number + 1, message) from None
            number += 1
            if reader.line_num - line > 1 or any("\n" in cell or "\r" in cell for cell in cells):
                message = (
                    f'a value runs over a line break (lines {line + 1}-{reader.line_num}); a quote (") is '
                    "probably not closed, or a cell holds a line break: remove it"
                )
                raise BrokenRow(number, message)
            line = reader.line_num
            yield number, tuple(cells)


def _csv_sheet(path: Path, table: str, errors: list[RosterError]) -> list[Sheet]:
    try:
        _check_encoding(path)
        return [Sheet(table, str(path), csv_rows(path))]
    except UnicodeDecodeError:
        message = "not UTF-8 text; in Excel use Save As 'CSV UTF-8 (逗号分隔)'"
    except OSError as exc:
        message = f"cannot read: {exc}"
    errors.append(RosterError(str(path), message))
    return [Sheet(table, str(path), None)]


def _worksheet_rows(worksheet: Any) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    worksheet.reset_dimensions()  # stored dimensions are often wrong; read what is there
    return _numbered(worksheet.iter_rows(min_row=1, values_only=True))


def _workbook_sheets(path: Path, errors: list[RosterError], stack: ExitStack | None) -> list[Sheet]:
    errors_before = len(errors)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError) as exc:
        errors.append(RosterError(str(path), f"not a readable .xlsx workbook: {exc}"))
        return []
    if stack is not None:
        stack.callback(book.close)  # open until the caller has read the rows
    try:
        sheets = [
            _workbook_sheet(path, worksheet, errors, listed=stack is None) for worksheet in book.worksheets
        ]
    finally:
        if stack is None:
            book.close()
    found = [sheet for sheet in sheets if sheet is not None]
    if not found and len(errors) == errors_before:
        errors.append(RosterError(str(path), f"no roster sheet; name sheets {', '.join(TABLES)}"))
    return found


def _workbook_sheet(path: Path, worksheet: Any, errors: list[RosterError], listed: bool) -> Sheet | None:
    source = f"{path}:{worksheet.title}"
    table = table_named(worksheet.title)
    if table is None:
        if any(not is_blank_row(cells) for _, cells in _worksheet_rows(worksheet)):
            errors.append(RosterError(source, f"unknown sheet; roster sheets are named {', '.join(TABLES)}"))
        return None
    rows = _worksheet_rows(worksheet)
    # Listed only when the workbook is closed right after: its rows can be read only while it is open.
    return Sheet(table, source, list(rows) if listed else rows)


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
