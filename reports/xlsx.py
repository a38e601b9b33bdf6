"""The period's Excel workbook beside its HTML report: summary, items, day states and every sighting.

Competitor texts are written as text cells, never as formulas, whatever character they start with.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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
    SUBMITTED_FORMS,
    EvidenceFile,
    EvidenceView,
    ItemView,
    ReportContext,
    Totals,
    evidence_view,
    load_report_context,
    report_names,
)
from reports.html import evidence_folder
from reports.xlsx_stream import LINK, Cell, StreamingWorkbook

DATE_FORMAT = "yyyy-mm-dd"

Translate = Callable[[str], str]


def workbook_path(settings: Settings, start: dt.date) -> Path:
    return settings.reports_path / f"report-{start:%Y-%m-%d}.xlsx"


def write_period_workbook(session: Session, settings: Settings, start: dt.date) -> Path:
    """Write `report-YYYY-MM-DD.xlsx` beside the HTML report (atomic replace); returns its path."""
    return write_workbook(settings, load_report_context(session, start, settings.tz, report_names(settings)))


def write_workbook(settings: Settings, context: ReportContext) -> Path:
    """Write the workbook of `context` beside its HTML report (atomic replace); returns its path."""
    path = workbook_path(settings, context.start)
    archived = evidence_folder(settings, context.start)
    present = {entry.name for entry in os.scandir(archived)} if archived.is_dir() else set()

    prefix = f"{archived.parent.name}/{EVIDENCE_FOLDER}/"  # relative to the workbook, beside the folder

    def archived_href(file: EvidenceFile) -> str | None:
        name = file.filename
        return prefix + name if name in present else None

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".xlsx-") as folder:
        workbook = StreamingWorkbook(Path(folder))
        fill_workbook(workbook, context, settings.language, archived_href)
        workbook.save(path)
    return path


def fill_workbook(
    workbook: StreamingWorkbook,
    context: ReportContext,
    language: str = DEFAULT_LANGUAGE,
    archived_href: Callable[[EvidenceFile], str | None] = lambda file: None,
) -> None:
    """The four sheets of the report in `language`; a screenshot links to its file only when archived.

    Streamed (reports.xlsx_stream): each row is written once and never held, so a period of tens of
    thousands of evidence rows takes about a second.
    """
    _ = translator(language).gettext
    _summary_sheet(workbook, context, _)
    _items_sheet(workbook, context, _)
    _days_sheet(workbook, context, _)
    _evidence_sheet(workbook, context, _, archived_href)
    if context.intel is not None:
        _intel_sheets(workbook, context, _)


# --- sheets ---------------------------------------------------------------------------------------------


def _summary_sheet(book: StreamingWorkbook, context: ReportContext, _: Translate) -> None:
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
    sheet = book.sheet(_("Summary"), headers)
    everything = [item for rep in context.reps for item in rep.items]
    no_team = _("No team")
    book.row(sheet, [_(LEVEL["company"]), "", "", "", *_totals(context.company, everything)])
    for branch in context.branches:
        items = [item for team in branch.teams for rep in team.reps for item in rep.items]
        book.row(
            sheet,
            [_(LEVEL["branch"]), branch.name or no_team, "", "", *_totals(branch.totals, items)],
        )
    for team in context.teams:
        items = [item for rep in team.reps for item in rep.items]
        names = [team.branch_name or no_team, team.name or no_team, ""]
        book.row(sheet, [_(LEVEL["team"]), *names, *_totals(team.totals, items)])
    for team in context.teams:
        for rep in team.reps:
            names = [team.branch_name or no_team, team.name or no_team, f"{rep.name}（{rep.code}）"]
            book.row(sheet, [_(LEVEL["rep"]), *names, *_totals(rep.totals, rep.items)])


def _totals(totals: Totals, items: Sequence[ItemView]) -> list[int]:
    submitted = sum(1 for item in items if item.form_status in SUBMITTED_FORMS)
    return [totals.items, totals.days_seen, totals.days_unknown, submitted]


def _items_sheet(book: StreamingWorkbook, context: ReportContext, _: Translate) -> None:
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
    sheet = book.sheet(_("Items"), headers)
    open_items = [item for rep in context.reps for item in rep.items]
    for item in [*open_items, *context.closed_items]:
        book.row(
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


def _days_sheet(book: StreamingWorkbook, context: ReportContext, _: Translate) -> None:
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
    sheet = book.sheet(_("Days"), headers)
    states = {state: _(label) for state, label in DAY_STATE.items()}
    items = [*(item for rep in context.reps for item in rep.items), *context.closed_items]
    for item in items:
        for placement in item.placements:
            names = [placement.competitor, placement.page, placement.slot, placement.raw_text]
            days = [states[cell.state] for cell in placement.days]
            book.row(sheet, [item.customer_code, item.customer_name, *names, *days])


def _reason(item: ItemView, _: Translate) -> str:
    if item.reason_codes:
        return "；".join(
            _(EXCLUSION_REASON[code]) if code in EXCLUSION_REASON else code for code in item.reason_codes
        )
    return item.reason_text or ""


def _evidence_sheet(
    book: StreamingWorkbook,
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
    sheet = book.sheet(_("Evidence"), headers)
    kinds = {kind: _(label) for kind, label in SLOT_KIND.items()}
    items = [*(item for rep in context.reps for item in rep.items), *context.closed_items]
    for item in items:
        for row in item.evidence:
            evidence = evidence_view(row, context.names)
            book.row(sheet, _evidence_cells(item, evidence, kinds, archived_href))


def _evidence_cells(
    item: ItemView,
    evidence: EvidenceView,
    kinds: dict[str, str],
    archived_href: Callable[[EvidenceFile], str | None],
) -> list[Any]:
    slot_kind = kinds.get(evidence.slot_kind, evidence.slot_kind)
    cells: list[Any] = [
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
    ]
    if evidence.link_href:
        cells[7] = Cell(cells[7], LINK, evidence.link_href)
    for column, file in ((9, evidence.shot), (10, evidence.page_shot)):
        href = archived_href(file) if file else None
        if href:
            cells[column] = Cell(cells[column], LINK, href)
    return cells


def _intel_sheets(book: StreamingWorkbook, context: ReportContext, _: Translate) -> None:
    """Share of voice per period, competitor and page kind; spend estimates per item (when priced)."""
    from reports.intel import page_kind_labels

    kinds = page_kind_labels()
    headers = [
        (_("Period"), 22),
        (_("Competitor"), 16),
        (_("Page kind"), 14),
        (_("Placements"), 12),
        (_("Held by our customers"), 12),
        (_("Held by accountable customers"), 12),
        (_("Held by leads"), 12),
        (_("Our customers, share"), 12),
        (_("Accountable customers, share"), 12),
        (_("Leads, share"), 12),
    ]
    sheet = book.sheet(_("Share of voice"), headers)
    for row in context.intel.voice:
        book.row(
            sheet,
            [
                f"{row.start:%Y-%m-%d}~{row.end:%Y-%m-%d}",
                row.site,
                _(kinds[row.page_kind]),
                row.placements,
                row.ours,
                row.accountable,
                row.leads,
                round(row.ours_share, 4),
                round(row.accountable_share, 4),
                round(row.leads_share, 4),
            ],
        )
    if not context.intel.has_spend:
        return
    headers = [
        (_("Customer ID"), 12),
        (_("Customer"), 28),
        (_("Rep"), 14),
        (_("Team"), 16),
        (_("Competitor"), 16),
        (_("Slot-days priced"), 12),
        (_("Estimated spend"), 14),
        (_("Currency"), 8),
        (_("Rate card"), 40),
    ]
    sheet = book.sheet(_("Estimated spend"), headers)
    for rep in context.reps:
        for item in rep.items:
            for line in context.intel.spend_by_item.get(item.item_id, []):
                book.row(
                    sheet,
                    [
                        item.customer_code,
                        item.customer_name,
                        rep.name,
                        item.team_name or "",
                        line.site,
                        line.days,
                        round(line.amount, 2),
                        line.currency,
                        line.source_text,
                    ],
                )
