"""The period's Excel workbook beside its HTML report: summary, items and every evidence sighting.

Competitor texts are written as text cells, never as formulas, whatever character they start with.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from monitor.settings import Settings
from reports.archive import EVIDENCE_FOLDER
from reports.context import (
    EvidenceFile,
    EvidenceView,
    ItemView,
    ReportContext,
    Totals,
    load_report_context,
)
from reports.html import evidence_folder
from reports.strings import strings_for

DATE_FORMAT = "yyyy-mm-dd"
MAX_CELL_TEXT = 32_767  # Excel's limit per cell
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FORMULA_STARTS = ("=", "+", "-", "@")
_SUBMITTED = ("submitted", "accepted")


def workbook_path(settings: Settings, start: dt.date) -> Path:
    return settings.reports_path / f"report-{start:%Y-%m-%d}.xlsx"


def write_period_workbook(session: Session, settings: Settings, start: dt.date) -> Path:
    """Write `report-YYYY-MM-DD.xlsx` beside the HTML report (atomic replace); returns its path."""
    context = load_report_context(session, start, settings.tz)
    path = workbook_path(settings, start)
    archived = evidence_folder(settings, start)

    def archived_href(file: EvidenceFile) -> str | None:
        # Relative to the workbook, which sits beside the report and its evidence folder.
        exists = (archived / file.filename).is_file()
        return f"{archived.parent.name}/{EVIDENCE_FOLDER}/{file.filename}" if exists else None

    workbook = build_workbook(context, strings_for(settings.language), archived_href)
    _save_atomically(workbook, path)
    return path


def build_workbook(
    context: ReportContext,
    t: Mapping[str, str],
    archived_href: Callable[[EvidenceFile], str | None] = lambda file: None,
) -> Workbook:
    """The three sheets of the report; a screenshot cell links to its file only when it is archived."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = t["sheet_summary"]
    _summary_sheet(summary, context, t)
    _items_sheet(workbook.create_sheet(t["sheet_items"]), context, t)
    _evidence_sheet(workbook.create_sheet(t["sheet_evidence"]), context, t, archived_href)
    return workbook


# --- sheets ---------------------------------------------------------------------------------------------


def _summary_sheet(sheet: Worksheet, context: ReportContext, t: Mapping[str, str]) -> None:
    headers = [
        (t["level"], 10),
        (t["branch"], 18),
        (t["team"], 18),
        (t["rep"], 16),
        (t["item_count"], 12),
        (t["days_seen_total"], 14),
        (t["days_unknown_total"], 14),
        (t["forms_submitted"], 14),
    ]
    _header(sheet, headers)
    everything = [item for rep in context.reps for item in rep.items]
    _row(sheet, [t["level.company"], "", "", "", *_totals(context.company, everything)])
    for branch in context.branches:
        items = [item for team in branch.teams for rep in team.reps for item in rep.items]
        _row(sheet, [t["level.branch"], branch.name or t["no_team"], "", "", *_totals(branch.totals, items)])
    for team in context.teams:
        items = [item for rep in team.reps for item in rep.items]
        names = [team.branch_name or t["no_team"], team.name or t["no_team"], ""]
        _row(sheet, [t["level.team"], *names, *_totals(team.totals, items)])
    for team in context.teams:
        for rep in team.reps:
            names = [team.branch_name or t["no_team"], team.name or t["no_team"], f"{rep.name}（{rep.code}）"]
            _row(sheet, [t["level.rep"], *names, *_totals(rep.totals, rep.items)])
    _finish(sheet)


def _totals(totals: Totals, items: Sequence[ItemView]) -> list[int]:
    submitted = sum(1 for item in items if item.explanation_status in _SUBMITTED)
    return [totals.items, totals.days_seen, totals.days_unknown, submitted]


def _items_sheet(sheet: Worksheet, context: ReportContext, t: Mapping[str, str]) -> None:
    headers = [
        (t["customer_code"], 12),
        (t["customer_name"], 32),
        (t["rep"], 16),
        (t["team"], 16),
        (t["branch"], 16),
        (t["competitors"], 24),
        (t["days_seen"], 10),
        (t["days_unknown"], 10),
        (t["first_seen"], 12),
        (t["last_seen"], 12),
        (t["status"], 10),
        (t["explanation_status"], 12),
        (t["status_reason"], 28),
    ]
    _header(sheet, headers)
    open_items = [item for rep in context.reps for item in rep.items]
    for item in [*open_items, *context.closed_items]:
        _row(
            sheet,
            [
                item.customer_code,
                item.customer_name,
                f"{item.rep_name}（{item.rep_code}）",
                item.team_name or t["no_team"],
                item.branch_name or t["no_team"],
                "、".join(item.competitors),
                item.days_seen,
                item.days_unknown,
                item.first_seen,
                item.last_seen,
                t[f"status.{item.status}"],
                t[f"explanation.{item.explanation_status}"],
                _reason(item, t),
            ],
        )
    _finish(sheet)


def _reason(item: ItemView, t: Mapping[str, str]) -> str:
    if item.reason_codes:
        return "；".join(t.get(f"reason.{code}", code) for code in item.reason_codes)
    return item.reason_text or ""


def _evidence_sheet(
    sheet: Worksheet,
    context: ReportContext,
    t: Mapping[str, str],
    archived_href: Callable[[EvidenceFile], str | None],
) -> None:
    headers = [
        (t["customer_code"], 12),
        (t["customer_name"], 28),
        (t["day"], 12),
        (t["competitors"], 12),
        (t["page"], 14),
        (t["slot"], 18),
        (t["ad_text"], 36),
        (t["link"], 48),
        (t["owner_that_day"], 16),
        (t["screenshot_file"], 40),
        (t["page_shot_file"], 40),
    ]
    _header(sheet, headers)
    items = [*(item for rep in context.reps for item in rep.items), *context.closed_items]
    for item in items:
        for evidence in item.evidence:
            _evidence_row(sheet, item, evidence, t, archived_href)
    _finish(sheet)


def _evidence_row(
    sheet: Worksheet,
    item: ItemView,
    evidence: EvidenceView,
    t: Mapping[str, str],
    archived_href: Callable[[EvidenceFile], str | None],
) -> None:
    slot_kind = t.get(f"slot_kind.{evidence.slot_kind}", evidence.slot_kind)
    row = _row(
        sheet,
        [
            item.customer_code,
            item.customer_name,
            evidence.day,
            evidence.competitor,
            evidence.page,
            f"{evidence.slot}（{slot_kind}）#{evidence.position}",
            evidence.raw_text,
            evidence.link or "",
            f"{evidence.owner_rep_name}（{evidence.owner_rep_code}）",
            evidence.shot.filename if evidence.shot else "",
            evidence.page_shot.filename if evidence.page_shot else "",
        ],
    )
    if evidence.link_href:
        _link(row[7], evidence.link_href)
    for cell, file in ((row[9], evidence.shot), (row[10], evidence.page_shot)):
        href = archived_href(file) if file else None
        if href:
            _link(cell, href)


# --- cells ----------------------------------------------------------------------------------------------


def _header(sheet: Worksheet, headers: Sequence[tuple[str, int]]) -> None:
    sheet.append([name for name, _ in headers])
    for column, (_, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        sheet.column_dimensions[get_column_letter(column)].width = width


def _row(sheet: Worksheet, values: Iterable[Any]) -> list[Cell]:
    """Append one row; texts are always text cells (never formulas) and dates are dates."""
    row_number = sheet.max_row + 1
    cells = []
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row_number, column=column)
        _set(cell, value)
        cells.append(cell)
    return cells


def _set(cell: Cell, value: Any) -> None:
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
        cell.value = text
        cell.data_type = "s"  # a competitor's "=HYPERLINK(…)" stays the text it is
        if text.startswith(_FORMULA_STARTS):
            cell.quotePrefix = True  # and stays text when someone edits the cell in Excel
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value


def _link(cell: Cell, target: str) -> None:
    cell.hyperlink = target
    cell.font = Font(color="0563C1", underline="single")


def _finish(sheet: Worksheet) -> None:
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _save_atomically(workbook: Workbook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        workbook.save(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
