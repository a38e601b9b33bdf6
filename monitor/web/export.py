"""Every office table as an XLSX download, with the page's filters applied.

`/office/PAGE.xlsx?FILTERS` answers the workbook of the tables that `/office/PAGE?FILTERS` shows: the
request goes to the page's own route (same sign-in, role checks and filters), and each `<table>` of
the answer becomes a sheet (its `id`, else the page's heading, names it) with the cells' text. So a table
added to an office page is downloadable without more code, and the download never shows more than the
page would. A page that answers anything but its HTML (a redirect to sign in, a refusal) is passed on.
"""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable

from bs4 import BeautifulSoup
from fastapi import Request, Response
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SUFFIX = ".xlsx"
_PREFIX = "/office/"
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def export_path(path: str) -> str | None:
    """The page behind an export path (`/office/leads.xlsx` -> `/office/leads`), or None."""
    if path.startswith(_PREFIX) and path.endswith(_SUFFIX) and len(path) > len(_PREFIX) + len(_SUFFIX):
        return path[: -len(_SUFFIX)]
    return None


async def export_tables(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    page = export_path(request.url.path) if request.method == "GET" else None
    if page is None:
        return await call_next(request)
    request.scope["path"] = page
    request.scope["raw_path"] = page.encode()
    response = await call_next(request)
    if response.status_code != 200 or not response.headers.get("content-type", "").startswith("text/html"):
        return response
    body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
    data = tables_workbook(body.decode("utf-8"))
    name = page.removeprefix(_PREFIX).replace("/", "-") or "office"
    headers = {"Content-Disposition": f'attachment; filename="{name}.xlsx"'}
    return Response(data, media_type=XLSX, headers=headers)


def tables_workbook(html: str) -> bytes:
    """One sheet per `<table>` of `html` (header rows bold); a page without a table gives one empty sheet."""
    soup = BeautifulSoup(html, "lxml")
    heading = soup.find("h1")
    title = heading.get_text(" ", strip=True) if heading else "Rivalwatch"
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    tables = soup.find_all("table")
    for index, table in enumerate(tables or [None], start=1):
        sheet = book.create_sheet(_sheet_title(table.get("id") if table else None, title, index, used))
        if table is None:
            continue
        for row in table.find_all("tr"):
            if row.find_parent("table") is not table:
                continue  # a row of a table inside a cell: that table has its own sheet
            cells = row.find_all(["th", "td"], recursive=False)
            values = [_value(cell.get_text(" ", strip=True)) for cell in cells]
            if row.find_parent("thead") is not None or all(cell.name == "th" for cell in cells):
                book_row = []
                for value in values:
                    from openpyxl.cell import WriteOnlyCell

                    styled = WriteOnlyCell(sheet, value=value)
                    styled.font = bold
                    book_row.append(styled)
                sheet.append(book_row)
            else:
                sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _value(text: str) -> str | int:
    """Whole numbers as numbers (counts sort and sum in Excel); everything else as text, never a formula."""
    if re.fullmatch(r"-?\d{1,15}", text):
        return int(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _sheet_title(table_id: object, title: str, index: int, used: set[str]) -> str:
    base = _BAD_TITLE.sub(" ", str(table_id or title)).strip()[:28] or "Sheet"
    name = base if base not in used else f"{base[:25]} {index}"
    used.add(name)
    return name
