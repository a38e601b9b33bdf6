"""Reading the customer roster CSV that `rivalwatch match` and `match-eval` take."""

from __future__ import annotations

import csv
from pathlib import Path

from monitor.matching.records import CustomerRecord

REQUIRED_COLUMNS = ("customer_id", "name")


class RosterError(ValueError):
    """A roster file that cannot be used; the message names the file, the row and the column."""


def read_customers_csv(path: Path) -> list[CustomerRecord]:
    """Customers from a UTF-8 CSV (BOM tolerated) with `customer_id,name` and optional `short_name`,
    `english_name`, `aliases` (`|`-separated) and `website`; other columns are ignored."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise RosterError(f"{path}: row 1 (header): missing required column {missing[0]!r}")
        return _records(path, reader)


def _records(path: Path, reader: csv.DictReader[str]) -> list[CustomerRecord]:
    records: list[CustomerRecord] = []
    first_row: dict[str, int] = {}
    for row_number, row in enumerate(reader, start=2):
        record = _record(path, row_number, row)
        if record.customer_id in first_row:
            raise RosterError(
                f"{path}: row {row_number}, column 'customer_id': duplicate customer_id "
                f"{record.customer_id!r} (first on row {first_row[record.customer_id]})"
            )
        first_row[record.customer_id] = row_number
        records.append(record)
    return records


def _record(path: Path, row_number: int, row: dict[str, str | None]) -> CustomerRecord:
    values = {key: (value or "").strip() for key, value in row.items() if key is not None}
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            raise RosterError(f"{path}: row {row_number}, column {column!r}: empty {column}")
    aliases = tuple(alias.strip() for alias in values.get("aliases", "").split("|") if alias.strip())
    return CustomerRecord(
        customer_id=values["customer_id"],
        name=values["name"],
        short_name=values.get("short_name", ""),
        english_name=values.get("english_name", ""),
        aliases=aliases,
        website=values.get("website", ""),
    )
