"""Turn a period's rows into a report context: company, branch, team and rep sections, pending matches.

Open items make the report; withdrawn and waived items are listed apart so nothing disappears silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from models.enums import ItemStatus
from monitor.accountability.items import (
    EvidenceRow,
    ItemRecord,
    Placement,
    as_of_day,
    item_records,
    item_rows,
)
from monitor.accountability.periods import Period
from monitor.core.collector import cyclic_collection_paused
from monitor.core.i18n import translator
from monitor.core.settings import Settings
from monitor.core.siteconfig import PlaceNames, load_place_names
from reports.queries import (
    PendingRow,
    PeriodRow,
    TrendRow,
    open_items_trend,
    pending_matches_for_period,
    period_by_start,
)
from reports.trends import TrendView, build_trend

WEB_SCHEMES = ("http", "https")
TREND_PERIODS = 8
SUBMITTED_FORMS = ("submitted", "accepted")
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


@dataclass(frozen=True)
class EvidenceFile:
    """A file of the evidence store cited by the report (element screenshot, creative or page)."""

    sha256: str
    kind: str  # element, creative or page
    extension: str = "png"

    @property
    def filename(self) -> str:
        return f"{self.sha256}.{self.extension}"


class DayCell(NamedTuple):
    day: dt.date
    state: str  # a monitor.accountability.timeline.DayState value
    page_shot: EvidenceFile | None = None  # that day's full-page screenshot, on a day seen


@dataclass(frozen=True)
class LinkView:
    text: str  # untrusted, shown escaped
    href: str | None  # only a plain http(s) URL is ever clickable


@dataclass(frozen=True)
class PlacementView:
    """One customer's ads in one place (competitor, page, slot) with one ad text, over the period."""

    competitor: str
    site_name: str
    page: str  # the page's display name (its config's label)
    page_url: str
    slot: str  # the slot's display name
    slot_kind: str
    raw_text: str  # untrusted
    links: tuple[LinkView, ...]
    positions: tuple[int, ...]
    days: tuple[DayCell, ...]
    days_seen: int
    days_unknown: int
    first_seen: dt.date
    last_seen: dt.date
    sightings: int
    thumbnail: EvidenceFile | None  # the newest element screenshot, else the newest creative
    page_shot: EvidenceFile | None  # the newest full-page screenshot
    owners: tuple[str, ...]  # "name（code）" of the reps who owned the customer on the days seen
    # (day, manifest hash) of each day seen that is sealed in the evidence log, oldest first.
    manifests: tuple[tuple[dt.date, str], ...] = ()
    # The name OCR read off the logo, when the page showed only a logo (the newest such read).
    ocr_text: str | None = None
    ocr_confidence: float | None = None
    page_key: str = ""  # the keys the data keeps, for machine hooks (data- attributes), never shown
    slot_key: str = ""


@dataclass(frozen=True)
class ItemView:
    item_id: int
    status: str
    reason_codes: tuple[str, ...]  # set by regeneration: translated in the template
    reason_text: str | None  # written by a person: shown as is
    changed_by: str | None
    customer_id: int
    customer_code: str
    customer_name: str
    rep_code: str
    rep_name: str
    team_name: str | None
    branch_name: str | None
    days_seen: int
    days_unknown: int
    first_seen: dt.date | None
    last_seen: dt.date | None
    form_status: str  # an ExplanationStatus value, or "not_started" when no form exists
    competitors: tuple[str, ...]
    positions: tuple[str, ...]  # "competitor · page · slot", by their display names
    # Every sighting behind the item, in evidence order, as the read model gives them: the workbook names
    # their places, links and files once per distinct value (reports.xlsx).
    evidence: tuple[EvidenceRow, ...]
    placements: tuple[PlacementView, ...] = ()
    timeline: tuple[DayCell, ...] = ()  # the item's days over all its placements (monitor.accountability)

    @property
    def thumbnails(self) -> tuple[EvidenceFile, ...]:
        """Each placement's thumbnail once, most-seen placement first."""
        files = (placement.thumbnail for placement in self.placements if placement.thumbnail)
        return tuple(dict.fromkeys(files))


@dataclass(frozen=True)
class Totals:
    items: int
    reps: int
    days_seen: int
    days_unknown: int
    evidence: int

    @classmethod
    def of(cls, items: Sequence[ItemView]) -> Totals:
        return cls(
            items=len(items),
            reps=len({item.rep_code for item in items}),
            days_seen=sum(item.days_seen for item in items),
            days_unknown=sum(item.days_unknown for item in items),
            evidence=sum(len(item.evidence) for item in items),
        )


@dataclass(frozen=True)
class RepSection:
    code: str
    name: str
    items: tuple[ItemView, ...]
    totals: Totals

    @property
    def submitted(self) -> int:
        """Items whose explanation form was submitted (accepted ones included)."""
        return sum(1 for item in self.items if item.form_status in SUBMITTED_FORMS)


@dataclass(frozen=True)
class TeamSection:
    code: str | None  # None: reps without a team
    name: str | None
    branch_name: str | None
    reps: tuple[RepSection, ...]
    totals: Totals


@dataclass(frozen=True)
class BranchSection:
    code: str | None
    name: str | None
    teams: tuple[TeamSection, ...]
    totals: Totals


@dataclass(frozen=True)
class ReportContext:
    period_id: int
    start: dt.date
    end: dt.date
    form_deadline: dt.date
    generated_at: dt.datetime | None
    branches: tuple[BranchSection, ...]
    company: Totals
    closed_items: tuple[ItemView, ...]
    pending: tuple[PendingRow, ...]
    days: tuple[dt.date, ...] = ()
    trend: TrendView | None = None
    # Display names of sites, pages and slots (the site configs'), in the report's language.
    names: PlaceNames = PlaceNames()
    intel: Any = (
        None  # reports.intel.IntelView: share of voice, spend, creatives (set by load_report_context)
    )

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d}~{self.end:%Y-%m-%d}"

    @property
    def teams(self) -> tuple[TeamSection, ...]:
        return tuple(team for branch in self.branches for team in branch.teams)

    @property
    def reps(self) -> tuple[RepSection, ...]:
        return tuple(rep for team in self.teams for rep in team.reps)


def report_names(settings: Settings) -> PlaceNames:
    """The site configs' names for sites, pages and slots, fallbacks in the report's language."""
    return load_place_names(settings.sites_dir).translated(translator(settings.language).gettext)


def load_report_context(
    session: Session, start: dt.date, timezone: dt.tzinfo = dt.UTC, names: PlaceNames | None = None
) -> ReportContext:
    """The report context of the period starting on `start`, sites, pages and slots called by `names`;
    LookupError if it was never generated.

    Items, placements and timelines come from the item read model (monitor.accountability.items), as of
    the users' day (in `timezone`) the period was generated: the same days the item page shows.
    """
    period = period_by_start(session, start)
    if period is None:
        raise LookupError(f"no accountability period starts on {start}: generate it first")
    as_of = as_of_day(period.end, period.generated_at, timezone)
    from reports.intel import load_intel

    with cyclic_collection_paused():  # ~64,000 evidence rows become plain values: nothing cyclic
        rows = item_rows(session, period.id, competitors=False)  # item_records takes them from the evidence
        records = item_records(session, Period(period.start, period.end), as_of, rows)
        context = build_report_context(
            period,
            records,
            pending_matches_for_period(session, period.start, period.end),
            trend=open_items_trend(session, period.start, TREND_PERIODS),
            names=names,
        )
        return dataclasses.replace(context, intel=load_intel(session, context))


def build_report_context(
    period: PeriodRow,
    records: Iterable[ItemRecord],
    pending: Iterable[PendingRow],
    trend: Sequence[TrendRow] = (),
    names: PlaceNames | None = None,
) -> ReportContext:
    """Group the period's items into company, branch, team and rep sections, with placements and trends."""
    days = tuple(period.start + dt.timedelta(days=n) for n in range((period.end - period.start).days + 1))
    records = list(records)
    names = names or PlaceNames()
    views = [item_view(record, names) for record in records]
    open_items = [view for view in views if view.status == ItemStatus.OPEN]
    return ReportContext(
        period_id=period.id,
        start=period.start,
        end=period.end,
        form_deadline=period.form_deadline,
        generated_at=period.generated_at,
        branches=_branches(open_items, {record.row.item_id: record for record in records}),
        company=Totals.of(open_items),
        closed_items=tuple(view for view in views if view.status != ItemStatus.OPEN),
        pending=tuple(pending),
        days=days,
        trend=build_trend(trend) if trend else None,
        names=names,
    )


def placement_view(placement: Placement, days: Sequence[dt.date], names: PlaceNames) -> PlacementView:
    """A placement of the read model with the files the report shows for it."""
    rows = placement.evidence
    first, newest = placement.first, placement.newest
    ocr = next((row for row in reversed(rows) if row.advertiser_source == "ocr"), None)
    by_day = {row.day: row for row in rows}  # the day's last sighting
    cells = tuple(
        DayCell(day, state, _page_file(by_day[day]) if day in by_day else None)
        for day, state in zip(days, placement.days, strict=True)
    )
    return PlacementView(
        competitor=names.site(first.site_name, first.site_display_name),
        site_name=first.site_name,
        page=names.page(first.site_name, first.page_key, first.page_url),
        page_url=first.page_url,
        slot=names.slot(first.site_name, first.page_key, first.slot_name, first.slot_kind),
        slot_kind=first.slot_kind,
        raw_text=first.raw_text,
        links=tuple(
            LinkView(link, safe_href(link)) for link in dict.fromkeys(row.link for row in rows if row.link)
        ),
        positions=placement.positions,
        days=cells,
        days_seen=placement.days_seen,
        days_unknown=placement.days_unknown,
        first_seen=first.day,
        last_seen=newest.day,
        sightings=len(rows),
        thumbnail=next(filter(None, (_thumbnail_file(row) for row in reversed(rows))), None),
        page_shot=next(filter(None, (_page_file(row) for row in reversed(rows))), None),
        owners=tuple(
            f"{name}（{code}）"
            for name, code in dict.fromkeys((row.owner_rep_name, row.owner_rep_code) for row in rows)
        ),
        manifests=tuple(
            sorted({(row.day, row.manifest_sha256) for row in rows if row.manifest_sha256 is not None})
        ),
        ocr_text=ocr.advertiser_text if ocr else None,
        ocr_confidence=ocr.ocr_confidence if ocr else None,
        page_key=first.page_key,
        slot_key=first.slot_name,
    )


def _item_days(record: ItemRecord, placements: Sequence[PlacementView]) -> tuple[DayCell, ...]:
    """The item's timeline as cells: each day's merged state, with a page shot of a placement in it."""
    cells = []
    for index, (day, state) in enumerate(zip(record.days, record.timeline, strict=True)):
        shot = next((p.days[index].page_shot for p in placements if p.days[index].state == state), None)
        cells.append(DayCell(day, state, shot))
    return tuple(cells)


def _thumbnail_file(row: EvidenceRow) -> EvidenceFile | None:
    return shot_file(row.element_screenshot_sha256, row.creative_sha256, row.creative_mime_type)


def _page_file(row: EvidenceRow) -> EvidenceFile | None:
    return page_file(row.page_screenshot_sha256)


def shot_file(
    element: str | None, creative: str | None, creative_mime_type: str | None
) -> EvidenceFile | None:
    """The file shown for a sighting: its element screenshot, else its creative (by their hashes)."""
    if element:
        return _evidence_file(element, "element")
    if creative:
        extension = _EXTENSIONS.get((creative_mime_type or "").lower(), "img")
        return _evidence_file(creative, "creative", extension)
    return None


def page_file(sha256: str | None) -> EvidenceFile | None:
    """The full-page screenshot of a sighting's capture, by its hash."""
    return _evidence_file(sha256, "page") if sha256 else None


# The same few thousand files and links recur over tens of thousands of evidence rows: made once each.
@functools.lru_cache(maxsize=65_536)
def _evidence_file(sha: str, kind: str, extension: str = "png") -> EvidenceFile:
    return EvidenceFile(sha, kind, extension)


@functools.lru_cache(maxsize=65_536)
def safe_href(link: str | None) -> str | None:
    """`link` when it is an absolute http(s) URL with a host; anything else is shown as text only."""
    if not link:
        return None
    parts = urlsplit(link.strip())
    return link.strip() if parts.scheme.lower() in WEB_SCHEMES and parts.netloc else None


def item_view(record: ItemRecord, names: PlaceNames) -> ItemView:
    row = record.row
    evidence = record.evidence
    placements = tuple(placement_view(placement, record.days, names) for placement in record.placements)
    return ItemView(
        item_id=row.item_id,
        status=row.status,
        reason_codes=row.reason_codes,
        reason_text=row.reason_text,
        changed_by=row.status_changed_by,
        customer_id=row.customer_id,
        customer_code=row.customer_code,
        customer_name=row.customer_name,
        rep_code=row.rep_code,
        rep_name=row.rep_name,
        team_name=row.team_name,
        branch_name=row.branch_name,
        days_seen=row.days_seen,
        days_unknown=row.days_unknown,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        form_status=row.form_status,
        competitors=row.competitors,
        positions=_positions(evidence, names),
        evidence=evidence,
        placements=placements,
        timeline=_item_days(record, placements),
    )


def _positions(evidence: Sequence[EvidenceRow], names: PlaceNames) -> tuple[str, ...]:
    """ "competitor · page · slot" of each place in the evidence, in evidence order, each named once."""
    places = dict.fromkeys(
        (row.site_name, row.site_display_name, row.page_key, row.page_url, row.slot_name, row.slot_kind)
        for row in evidence
    )
    return tuple(
        dict.fromkeys(
            " · ".join(
                (names.site(site, display), names.page(site, page, url), names.slot(site, page, slot, kind))
            )
            for site, display, page, url, slot, kind in places
        )
    )


def _branches(items: Sequence[ItemView], records: dict[int, ItemRecord]) -> tuple[BranchSection, ...]:
    """Items grouped branch -> team -> rep, each level sorted by code (no team last)."""
    tree: dict[tuple[str | None, str | None], dict[tuple[str | None, str | None], dict[str, list[ItemView]]]]
    tree = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for item in items:
        row = records[item.item_id].row
        tree[(row.branch_code, row.branch_name)][(row.team_code, row.team_name)][row.rep_code].append(item)
    return tuple(
        _branch(branch, teams)
        for branch, teams in sorted(tree.items(), key=lambda entry: _code_key(entry[0][0]))
    )


def _branch(
    branch: tuple[str | None, str | None],
    teams: dict[tuple[str | None, str | None], dict[str, list[ItemView]]],
) -> BranchSection:
    sections = tuple(
        _team(team, branch[1], reps)
        for team, reps in sorted(teams.items(), key=lambda entry: _code_key(entry[0][0]))
    )
    items = [item for team in sections for rep in team.reps for item in rep.items]
    return BranchSection(branch[0], branch[1], sections, Totals.of(items))


def _team(
    team: tuple[str | None, str | None], branch_name: str | None, reps: dict[str, list[ItemView]]
) -> TeamSection:
    sections = tuple(_rep(code, items) for code, items in sorted(reps.items()))
    items = [item for rep in sections for item in rep.items]
    return TeamSection(team[0], team[1], branch_name, sections, Totals.of(items))


def _rep(code: str, items: list[ItemView]) -> RepSection:
    ordered = tuple(sorted(items, key=lambda item: (-item.days_seen, item.customer_code)))
    return RepSection(code, ordered[0].rep_name, ordered, Totals.of(ordered))


def _code_key(code: str | None) -> tuple[bool, str]:
    return (code is None, code or "")
