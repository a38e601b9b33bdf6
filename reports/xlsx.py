"""The period's Excel workbook beside its HTML report: summary, items, day states and every sighting.

Competitor texts are written as text cells, never as formulas, whatever character they start with.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from monitor.core.i18n import DEFAULT_LANGUAGE, translator
from monitor.core.labels import (
    DAY_STATE,
    EXCLUSION_REASON,
    EXPLANATION_STATUS,
    ITEM_STATUS,
    LEVEL,
    SLOT_KIND,
)
from monitor.core.settings import Settings
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

DATE_FORMAT = "yyyy-mm-dd"
MAX_CELL_TEXT = 32_767  # Excel's limit per cell
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FORMULA_STARTS = ("=", "+", "-", "@")
_SUBMITTED = ("submitted", "accepted")

Translate = Callable[[str], str]


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

    workbook = build_workbook(context, settings.language, archived_href)
    _save_atomically(workbook, path)
    return path


def build_workbook(
    context: ReportContext,
    language: str = DEFAULT_LANGUAGE,
    archived_href: Callable[[EvidenceFile], str | None] = lambda file: None,
) -> Workbook:
    """The three sheets of the report in `language`; a screenshot links to its file only when archived."""
    _ = translator(language).gettext
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = _("Summary")
    _summary_sheet(summary, context, _)
    _items_sheet(workbook.create_sheet(_("Items")), context, _)
    _days_sheet(workbook.create_sheet(_("Days")), context, _)
    _evidence_sheet(workbook.create_sheet(_("Evidence")), context, _, archived_href)
    return workbook


# --- sheets ---------------------------------------------------------------------------------------------


def _summary_sheet(sheet: Worksheet, context: ReportContext, _: Translate) -> None:
    headers = [
        (_("Level"), 10),
        (_("Branch"), 18),
        (_("Team"), 18),
        (_("Rep"), 16),
        (_("Accountable customers"), 12),
        (_("Days seen, total"), 14),
        (_("Days unknown, total"), 14),
        (_("Explanations submitted"), 14),
    ]
    _header(sheet, headers)
    everything = [item for rep in context.reps for item in rep.items]
    no_team = _("No team")
    _row(sheet, [_(LEVEL["company"]), "", "", "", *_totals(context.company, everything)])
    for branch in context.branches:
        items = [item for team in branch.teams for rep in team.reps for item in rep.items]
        _row(sheet, [_(LEVEL["branch"]), branch.name or no_team, "", "", *_totals(branch.totals, items)])
    for team in context.teams:
        items = [item for rep in team.reps for item in rep.items]
        names = [team.branch_name or no_team, team.name or no_team, ""]
        _row(sheet, [_(LEVEL["team"]), *names, *_totals(team.totals, items)])
    for team in context.teams:
        for rep in team.reps:
            names = [team.branch_name or no_team, team.name or no_team, f"{rep.name}（{rep.code}）"]
            _row(sheet, [_(LEVEL["rep"]), *names, *_totals(rep.totals, rep.items)])
    _finish(sheet)


def _totals(totals: Totals, items: Sequence[ItemView]) -> list[int]:
    submitted = sum(1 for item in items if item.form_status in _SUBMITTED)
    return [totals.items, totals.days_seen, totals.days_unknown, submitted]


def _items_sheet(sheet: Worksheet, context: ReportContext, _: Translate) -> None:
    headers = [
        (_("Customer ID"), 12),
        (_("Customer name"), 32),
        (_("Rep"), 16),
        (_("Team"), 16),
        (_("Branch"), 16),
        (_("Competitor sites"), 24),
        (_("Days seen"), 10),
        (_("Days unknown"), 10),
        (_("First"), 12),
        (_("Last"), 12),
        (_("Status"), 10),
        (_("Explanation status"), 12),
        (_("Reason"), 28),
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
                item.team_name or _("No team"),
                item.branch_name or _("No team"),
                "、".join(item.competitors),
                item.days_seen,
                item.days_unknown,
                item.first_seen,
                item.last_seen,
                _(ITEM_STATUS[item.status]),
                _(EXPLANATION_STATUS[item.form_status]),
                _reason(item, _),
            ],
        )
    _finish(sheet)


def _days_sheet(sheet: Worksheet, context: ReportContext, _: Translate) -> None:
    """One row per placement and one column per day of the period, as the report's timelines show them."""
    headers = [
        (_("Customer ID"), 12),
        (_("Customer name"), 28),
        (_("Competitor sites"), 12),
        (_("Page"), 14),
        (_("Slot"), 18),
        (_("Ad text"), 36),
        *((day.strftime("%m-%d"), 8) for day in context.days),
    ]
    _header(sheet, headers)
    items = [*(item for rep in context.reps for item in rep.items), *context.closed_items]
    for item in items:
        for placement in item.placements:
            names = [placement.competitor, placement.page, placement.slot, placement.raw_text]
            states = [_(DAY_STATE[cell.state]) for cell in placement.days]
            _row(sheet, [item.customer_code, item.customer_name, *names, *states])
    _finish(sheet)


def _reason(item: ItemView, _: Translate) -> str:
    if item.reason_codes:
        return "；".join(
            _(EXCLUSION_REASON[code]) if code in EXCLUSION_REASON else code for code in item.reason_codes
        )
    return item.reason_text or ""


def _evidence_sheet(
    sheet: Worksheet,
    context: ReportContext,
    _: Translate,
    archived_href: Callable[[EvidenceFile], str | None],
) -> None:
    headers = [
        (_("Customer ID"), 12),
        (_("Customer name"), 28),
        (_("Day"), 12),
        (_("Competitor sites"), 12),
        (_("Page"), 14),
        (_("Slot"), 18),
        (_("Ad text"), 36),
        (_("Link"), 48),
        (_("Owner that day"), 16),
        (_("Screenshot"), 40),
        (_("Full page"), 40),
    ]
    _header(sheet, headers)
    items = [*(item for rep in context.reps for item in rep.items), *context.closed_items]
    for item in items:
        for evidence in item.evidence:
            _evidence_row(sheet, item, evidence, _, archived_href)
    _finish(sheet)


def _evidence_row(
    sheet: Worksheet,
    item: ItemView,
    evidence: EvidenceView,
    _: Translate,
    archived_href: Callable[[EvidenceFile], str | None],
) -> None:
    kind = evidence.slot_kind
    slot_kind = _(SLOT_KIND[kind]) if kind in SLOT_KIND else kind
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
