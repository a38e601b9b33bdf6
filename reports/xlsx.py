"""The period's Excel workbook beside its HTML report: summary, items, day states and every sighting.

Competitor texts are written as text cells, never as formulas, whatever character they start with.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from monitor.accountability.items import EvidenceRow
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
from monitor.core.siteconfig import PlaceNames
from reports.archive import EVIDENCE_FOLDER
from reports.context import (
    SUBMITTED_FORMS,
    EvidenceFile,
    ItemView,
    ReportContext,
    Totals,
    load_report_context,
    page_file,
    report_names,
    safe_href,
    shot_file,
)
from reports.html import evidence_folder
from reports.xlsx_stream import LINK, Cell, Prepared, StreamingWorkbook

DATE_FORMAT = "yyyy-mm-dd"

Translate = Callable[[str], str]
K = TypeVar("K")
V = TypeVar("V")


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
    cells = _EvidenceCells(book, context.names, kinds, archived_href)
    items = [*(item for rep in context.reps for item in rep.items), *context.closed_items]
    for item in items:
        customer = (book.prepare(item.customer_code), book.prepare(item.customer_name))
        for row in item.evidence:
            book.prepared_row(sheet, cells.row(customer, row))


class _Memo(dict[K, V]):
    """A dict that makes a missing value with `make(key)` the first time it is asked for."""

    def __init__(self, make: Callable[[K], V]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: K) -> V:
        value = self[key] = self.make(key)
        return value


# A sighting's place as the evidence rows give it: site, its stored name, page key, page URL, slot, slot
# kind and position.
_Place = tuple[str, str, str, str, str, str, int]


class _EvidenceCells:
    """The evidence sheet's cells, each distinct place, text, link, owner and file prepared once: of its
    tens of thousands of rows, each is a handful of lookups and a join of ready XML."""

    def __init__(
        self,
        book: StreamingWorkbook,
        names: PlaceNames,
        kinds: dict[str, str],
        archived_href: Callable[[EvidenceFile], str | None],
    ) -> None:
        self.book, self.names, self.kinds, self.archived_href = book, names, kinds, archived_href
        self.days: _Memo[dt.date, Prepared] = _Memo(book.prepare)
        self.places: _Memo[_Place, tuple[Prepared, ...]] = _Memo(self._place)
        self.links: _Memo[str | None, Prepared] = _Memo(self._link)
        self.owners: _Memo[tuple[str, str], Prepared] = _Memo(self._owner)
        self.shots: _Memo[tuple[str | None, str | None, str | None], Prepared] = _Memo(
            lambda key: self._file(shot_file(*key))
        )
        self.page_shots: _Memo[str | None, Prepared] = _Memo(lambda sha: self._file(page_file(sha)))

    def row(self, customer: tuple[Prepared, Prepared], row: EvidenceRow) -> list[Prepared]:
        """The cells of one sighting's row: customer, day, place, ad text, link, owner and files."""
        place = self.places[
            row.site_name,
            row.site_display_name,
            row.page_key,
            row.page_url,
            row.slot_name,
            row.slot_kind,
            row.position,
        ]
        return [
            *customer,
            self.days[row.day],
            *place,
            self.book.prepare(row.raw_text),
            self.links[row.link],
            self.owners[row.owner_rep_name, row.owner_rep_code],
            self.shots[row.element_screenshot_sha256, row.creative_sha256, row.creative_mime_type],
            self.page_shots[row.page_screenshot_sha256],
        ]

    def _place(self, place: _Place) -> tuple[Prepared, ...]:
        """Competitor, page, and "slot（kind）#position", by the sites' display names."""
        site, display, page, url, slot, kind, position = place
        names, prepare = self.names, self.book.prepare
        label = f"{names.slot(site, page, slot, kind)}（{self.kinds.get(kind, kind)}）#{position}"
        return (prepare(names.site(site, display)), prepare(names.page(site, page, url)), prepare(label))

    def _owner(self, owner: tuple[str, str]) -> Prepared:
        name, code = owner
        return self.book.prepare(f"{name}（{code}）")

    def _link(self, link: str | None) -> Prepared:
        """The link as text, clickable only when it is a plain http(s) URL."""
        href = safe_href(link)
        return self.book.prepare(Cell(link, LINK, href) if href else link or "")

    def _file(self, file: EvidenceFile | None) -> Prepared:
        """The file's name, linked to its archived copy when there is one."""
        if file is None:
            return self.book.prepare("")
        href = self.archived_href(file)
        return self.book.prepare(Cell(file.filename, LINK, href) if href else file.filename)


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
