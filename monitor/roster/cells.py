"""Cells to values: the parsers of each cell format and the columns of each roster table (pure).

A parser takes one non-blank cell as CSV or openpyxl gives it and returns the value, or raises ValueError
with a message for the user. The formats are documented in docs/roster.md ("Value formats").
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from monitor.roster.records import TEAM_CODE_SEPARATOR

Cell = str | int | float | bool | dt.date | dt.datetime | None
Parser = Callable[[Cell], Any]

_YES = frozenset({"yes", "y", "true", "1", "是", "在职"})
_NO = frozenset({"no", "n", "false", "0", "否", "离职"})
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_MAX_AMOUNT = Decimal(10) ** 12  # customer_order.amount is NUMERIC(14, 2)
_CENT = Decimal("0.01")


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def is_blank_row(cells: Sequence[Cell]) -> bool:
    return all(is_blank(cell) for cell in cells)


def cell_text(cell: Cell) -> str:
    """The cell as trimmed text: whole numbers without `.0`, dates as YYYY-MM-DD."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # Excel stores typed numbers (rep ids) as floats
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).strip()


def text_parser(max_length: int) -> Parser:
    """Trimmed text of at most `max_length` characters."""

    def parse(cell: Cell) -> str:
        value = cell_text(cell)
        if len(value) > max_length:
            raise ValueError(f"longer than {max_length} characters")
        return value

    return parse


def name_parser(max_length: int) -> Parser:
    """A team or branch name: it becomes part of a team code, so no separator inside."""
    text = text_parser(max_length)

    def parse(cell: Cell) -> str:
        value = text(cell)
        if TEAM_CODE_SEPARATOR in value:
            raise ValueError(f"must not contain {TEAM_CODE_SEPARATOR!r}: {value!r}")
        return value

    return parse


def parse_email(cell: Cell) -> str:
    """One `@` with something on both sides, no spaces."""
    value = text_parser(320)(cell)
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"not an email address: {value!r}")
    return value


def parse_yes_no(cell: Cell) -> bool:
    """yes/no in English or Chinese, 1/0, or an Excel TRUE/FALSE cell."""
    if isinstance(cell, bool):
        return cell
    value = cell_text(cell).lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f"expected yes or no (是/否), got {value!r}")


def parse_date(cell: Cell) -> dt.date:
    """A year-month-day text (`2026-01-05`, `2026/1/5`, `2026年1月5日`) or an Excel date at midnight."""
    if isinstance(cell, dt.datetime):
        if cell.time() != dt.time(0):
            raise ValueError(f"a date is expected, this cell has a time of day: {cell.isoformat(' ')}")
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        raise ValueError(f"a number, not a date: {cell!r}; format the cell as a date or type YYYY-MM-DD")
    value = cell_text(cell)
    match = _DATE_TEXT.fullmatch(value)
    if not match:
        raise ValueError(f"not a date: {value!r}; use YYYY-MM-DD")
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(f"no such date: {value!r}") from None


def parse_amount(cell: Cell) -> Decimal:
    """A money amount: thousands separators and a leading ¥ allowed, at most two decimals, 0 ≤ x < 10¹²."""
    text = cell_text(cell).replace(",", "").replace("，", "").lstrip("¥￥")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {cell_text(cell)!r}") from None
    if not value.is_finite() or value < 0 or value >= _MAX_AMOUNT:
        raise ValueError(f"must be between 0 and {_MAX_AMOUNT - 1}: {text!r}")
    if value != value.quantize(_CENT):
        raise ValueError(f"more than two decimal places: {text!r}")
    return value.quantize(_CENT)


def parse_aliases(cell: Cell) -> tuple[str, ...]:
    """A `|`-separated list (full-width `｜` too); empty items and repeats dropped, order kept."""
    parts = (part.strip() for part in cell_text(cell).replace("｜", "|").split("|"))
    aliases = tuple(dict.fromkeys(part for part in parts if part))
    too_long = [alias for alias in aliases if len(alias) > 300]
    if too_long:
        raise ValueError(f"alias longer than 300 characters: {too_long[0][:40]!r}…")
    return aliases


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
        Column("rep_id", text_parser(50), True, ("销售编号", "销售工号", "工号", "员工编号")),
        Column("name", text_parser(200), True, ("姓名", "销售姓名")),
        Column("email", parse_email, False, ("邮箱", "电子邮箱")),
        Column("team", name_parser(200), True, ("团队", "小组")),
        Column("branch", name_parser(200), False, ("分公司",)),
        Column("manager_email", parse_email, False, ("经理邮箱",)),
        Column("active", parse_yes_no, False, ("在职", "是否在职"), True),
    ),
    "customers": (
        Column("customer_id", text_parser(50), True, ("客户编号", "客户ID")),
        Column("name", text_parser(300), True, ("客户名称", "公司名称")),
        Column("short_name", text_parser(200), False, ("简称", "客户简称")),
        Column("english_name", text_parser(300), False, ("英文名", "英文名称")),
        Column("aliases", parse_aliases, False, ("别名",), ()),
        Column("website", text_parser(500), False, ("官网", "网址")),
        Column("ka", parse_yes_no, False, ("KA", "是否KA", "大客户"), True),
    ),
    "assignments": (
        Column("customer_id", text_parser(50), True, ("客户编号", "客户ID")),
        Column("rep_id", text_parser(50), True, ("销售编号", "销售工号", "工号")),
        Column("start_date", parse_date, True, ("开始日期",)),
        Column("end_date", parse_date, False, ("结束日期",)),
        Column("reason", text_parser(2000), False, ("原因", "划转原因")),
    ),
    "orders": (
        Column("order_id", text_parser(50), True, ("订单编号", "合同编号")),
        Column("customer_id", text_parser(50), True, ("客户编号", "客户ID")),
        Column("signed_date", parse_date, True, ("签约日期",)),
        Column("start_date", parse_date, True, ("开始日期", "合同开始日期")),
        Column("end_date", parse_date, True, ("结束日期", "合同结束日期")),
        Column("amount", parse_amount, False, ("金额", "合同金额")),
        Column("product", text_parser(200), False, ("产品",)),
    ),
    "companies": (
        Column("name", text_parser(300), True, ("公司名称", "名称", "企业名称")),
        Column("list", text_parser(100), False, ("名单", "来源")),
    ),
}


def normalize_key(text: str) -> str:
    """Header/sheet key: full-width folded, trimmed, lower-case, a trailing `*` dropped, spaces as `_`."""
    folded = unicodedata.normalize("NFKC", text).strip().rstrip("*").strip().lower()
    return re.sub(r"[\s\-]+", "_", folded)


def column_lookup(table: str) -> dict[str, Column]:
    """The table's columns by every header they accept, as `normalize_key` gives it."""
    return {normalize_key(header): column for column in COLUMNS[table] for header in column.headers()}
