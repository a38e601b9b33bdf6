"""The one read model of accountability items: rows for lists, evidence, placements and their timelines.

The item page, the report, the workbook and the mails all read items through here, so they agree on
every figure and every day. Placements group an item's evidence by (competitor, page, slot, ad text);
each day of a placement gets its state from monitor.accountability.timeline, as of the day the period
was generated (what the rule saw), never from the reader's clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Creative,
    Customer,
    EvidenceManifest,
    Explanation,
    ItemEvidence,
    Page,
    PageCapture,
    Rep,
    Sighting,
    Site,
    Slot,
    Team,
    User,
)
from models.enums import ExplanationStatus, ItemStatus
from models.joins import sighting_place
from monitor.accountability.captures import capture_log
from monitor.accountability.generate import GENERATOR
from monitor.accountability.periods import Period
from monitor.accountability.timeline import CaptureLog, DayState, merge_days
from monitor.accounts.scope import restrict_items

# The form status of an item whose rep has not opened its form yet (no Explanation row).
NOT_STARTED = "not_started"


class Box(NamedTuple):
    """Where an ad sat on its full-page screenshot, in CSS pixels of the page at scale 1."""

    x: int
    y: int
    width: int
    height: int


def sighting_box(values: Sequence[int | None]) -> Box | None:
    """The ad's box from (x, y, width, height), or None when the capture did not record a usable one."""
    if len(values) != 4:
        return None
    x, y, width, height = values
    if x is None or y is None or width is None or height is None or width <= 0 or height <= 0:
        return None
    return Box(int(x), int(y), int(width), int(height))


@dataclass(frozen=True)
class ItemRow:
    """One item with its customer, owner, team, branch and form status: what lists and tables show."""

    item_id: int
    period_id: int
    status: str
    status_reason: str | None
    status_changed_by: str | None
    customer_id: int
    customer_code: str
    customer_name: str
    rep_id: int
    rep_code: str
    rep_name: str
    team_code: str | None
    team_name: str | None
    branch_code: str | None  # the team's parent, or the team itself when it has none
    branch_name: str | None
    days_seen: int
    days_unknown: int
    first_seen: dt.date | None
    last_seen: dt.date | None
    form_status: str  # an ExplanationStatus value, or NOT_STARTED
    competitors: tuple[str, ...] = ()  # site display names

    @property
    def by_generator(self) -> bool:
        return self.status_changed_by == GENERATOR and bool(self.status_reason)

    @property
    def reason_codes(self) -> tuple[str, ...]:
        """Why regeneration withdrew the item (exclusion codes, translated where shown)."""
        if not self.by_generator:
            return ()
        return tuple(code for code in (self.status_reason or "").split(",") if code)

    @property
    def reason_text(self) -> str | None:
        """Why a person changed the item's status, as they wrote it."""
        return None if self.by_generator else self.status_reason


class EvidenceRow(NamedTuple):
    """One sighting behind an item (`raw_text` and `link` are untrusted: as on the competitor's page)."""

    evidence_id: int
    item_id: int
    sighting_id: int
    capture_id: int
    day: dt.date
    site_name: str
    site_display_name: str
    page_key: str
    page_url: str  # the address the capture fetched
    slot_name: str
    slot_kind: str
    position: int
    raw_text: str
    link: str | None
    creative_sha256: str | None
    creative_mime_type: str | None
    element_screenshot_sha256: str | None
    page_screenshot_sha256: str | None
    owner_rep_code: str  # the rep who owned the customer that day
    owner_rep_name: str
    box: Box | None = None
    # The newest sealed manifest of the capture's day in the evidence log (None until the day is sealed).
    manifest_sha256: str | None = None
    # "ocr" when the page showed only a logo and the name was read off it (monitor.capture.logos).
    advertiser_source: str | None = None
    advertiser_text: str | None = None
    ocr_confidence: float | None = None


@dataclass(frozen=True)
class Placement:
    """One customer's ads in one place (competitor, page, slot) with one ad text, over the period."""

    evidence: tuple[EvidenceRow, ...]  # oldest first
    days: tuple[DayState, ...]  # one per day of the period

    @property
    def first(self) -> EvidenceRow:
        return self.evidence[0]

    @property
    def newest(self) -> EvidenceRow:
        return self.evidence[-1]

    @property
    def days_seen(self) -> int:
        return self.days.count(DayState.SEEN)

    @property
    def days_unknown(self) -> int:
        return self.days.count(DayState.UNKNOWN)

    @property
    def positions(self) -> tuple[int, ...]:
        return tuple(sorted({row.position for row in self.evidence}))


@dataclass(frozen=True)
class ItemRecord:
    """An item with its placements and the period's days: everything a page, report or mail shows of it."""

    row: ItemRow
    days: tuple[dt.date, ...]
    placements: tuple[Placement, ...]  # most days seen first
    # Every sighting behind the item, by day, competitor, page, slot and position (as `evidence_rows`
    # orders them): kept as loaded, not sorted again from the placements by each reader.
    evidence: tuple[EvidenceRow, ...] = ()

    @property
    def timeline(self) -> tuple[DayState, ...]:
        """The item's state on each day, over all its placements."""
        if not self.placements:  # no evidence left: nothing was seen anywhere
            return tuple(DayState.NOT_SEEN for _day in self.days)
        return merge_days([placement.days for placement in self.placements])


def _evidence_order(row: EvidenceRow) -> tuple[Any, ...]:
    return (row.day, row.site_name, row.page_key, row.slot_name, row.position, row.sighting_id)


# --- queries --------------------------------------------------------------------------------------------


def as_of_day(end: dt.date, generated_at: dt.datetime | None, timezone: dt.tzinfo) -> dt.date:
    """The users' day a period's items stand for: its generation, else the day after it ended."""
    if generated_at is not None:
        return generated_at.astimezone(timezone).date()
    return end + dt.timedelta(days=1)


def item_rows(
    session: Session,
    period_id: int,
    *,
    user: User | None = None,
    item_ids: Collection[int] | None = None,
    competitors: bool = True,
) -> list[ItemRow]:
    """The period's items (any status) that `user` may read (None: all), by rep, most days seen first.

    `competitors=False` leaves `competitors` empty: `item_records` fills it from the evidence it loads
    anyway, sparing a second pass over every evidence row.
    """
    team, branch = aliased(Team), aliased(Team)
    statement = (
        select(
            AccountabilityItem.id.label("item_id"),
            AccountabilityItem.period_id,
            AccountabilityItem.status,
            AccountabilityItem.status_reason,
            AccountabilityItem.status_changed_by,
            Customer.id.label("customer_id"),
            Customer.code.label("customer_code"),
            Customer.name.label("customer_name"),
            Rep.id.label("rep_id"),
            Rep.code.label("rep_code"),
            Rep.name.label("rep_name"),
            team.code.label("team_code"),
            team.name.label("team_name"),
            func.coalesce(branch.code, team.code).label("branch_code"),
            func.coalesce(branch.name, team.name).label("branch_name"),
            AccountabilityItem.days_seen,
            AccountabilityItem.days_unknown,
            AccountabilityItem.first_seen,
            AccountabilityItem.last_seen,
            Explanation.status.label("form_status"),
        )
        .join(Customer, Customer.id == AccountabilityItem.customer_id)
        .join(Rep, Rep.id == AccountabilityItem.rep_id)
        .outerjoin(team, team.id == Rep.team_id)
        .outerjoin(branch, branch.id == team.parent_id)
        .outerjoin(Explanation, Explanation.item_id == AccountabilityItem.id)
        .where(AccountabilityItem.period_id == period_id)
        .order_by(Rep.code, AccountabilityItem.days_seen.desc(), Customer.code, AccountabilityItem.id)
    )
    if item_ids is not None:
        statement = statement.where(AccountabilityItem.id.in_(list(item_ids)))
    if user is not None:
        statement = restrict_items(statement, session, user)
    rows = session.execute(statement).mappings().all()
    names = _competitors(session, [row["item_id"] for row in rows]) if competitors else {}
    return [_item_row(row, names.get(row["item_id"], ())) for row in rows]


def _item_row(row: Any, competitors: tuple[str, ...]) -> ItemRow:
    form = row["form_status"]
    values = {**row, "status": str(row["status"]), "form_status": str(form) if form else NOT_STARTED}
    return ItemRow(**values, competitors=competitors)


def _competitors(session: Session, item_ids: list[int]) -> dict[int, tuple[str, ...]]:
    if not item_ids:
        return {}
    statement = sighting_place(
        select(ItemEvidence.item_id, Site.display_name).join(
            Sighting, Sighting.id == ItemEvidence.sighting_id
        )
    )
    names: dict[int, set[str]] = defaultdict(set)
    for item_id, display_name in session.execute(
        statement.where(ItemEvidence.item_id.in_(item_ids)).distinct()
    ):
        names[item_id].add(display_name)
    return {item_id: tuple(sorted(values)) for item_id, values in names.items()}


def _evidence_statement() -> Select[*tuple[Any, ...]]:
    """The evidence rows with their sightings' own columns only: the places, captures, creatives, owners
    and manifests they refer to are a few hundred or thousand rows, read once each (`_EvidenceRefs`)
    instead of once per sighting."""
    return (
        select(
            ItemEvidence.id,
            ItemEvidence.item_id,
            Sighting.id,
            Sighting.capture_id,
            Sighting.seen_date,
            Sighting.slot_id,
            Sighting.position,
            Sighting.raw_text,
            Sighting.link,
            Sighting.creative_id,
            Sighting.element_screenshot_sha256,
            ItemEvidence.rep_id,
            Sighting.box_x,
            Sighting.box_y,
            Sighting.box_width,
            Sighting.box_height,
            Sighting.advertiser_source,
            Sighting.advertiser_text,
            Sighting.ocr_confidence,
        )
        .select_from(ItemEvidence)
        .join(Sighting, Sighting.id == ItemEvidence.sighting_id)
    )


@dataclass(frozen=True)
class _EvidenceRefs:
    """What evidence rows refer to, by id: each slot's place, each capture's address and screenshot, each
    creative's file, each owner, and each day's newest manifest in the evidence log."""

    slots: dict[int, tuple[str, str, str, str, str]]  # site, site display name, page key, slot, kind
    captures: dict[int, tuple[str, str | None]]  # url, screenshot sha256
    creatives: dict[int, tuple[str, str]]  # sha256, mime type
    reps: dict[int, tuple[str, str]]  # code, name
    manifests: dict[dt.date, str]

    @classmethod
    def load(cls, session: Session, rows: Sequence[Any]) -> _EvidenceRefs:
        slot_ids = {row[5] for row in rows}
        slots = {
            slot_id: (site, display, page, slot, str(kind))
            for slot_id, site, display, page, slot, kind in session.execute(
                select(Slot.id, Site.name, Site.display_name, Page.key, Slot.name, Slot.kind)
                .join(Page, Page.id == Slot.page_id)
                .join(Site, Site.id == Page.site_id)
                .where(Slot.id.in_(slot_ids))
            )
        }
        return cls(
            slots,
            _by_id(session, PageCapture.id, (PageCapture.url, PageCapture.screenshot_sha256), rows, 3),
            _by_id(session, Creative.id, (Creative.sha256, Creative.mime_type), rows, 9),
            _by_id(session, Rep.id, (Rep.code, Rep.name), rows, 11),
            _day_manifests(session, {row[4] for row in rows}),
        )


def _by_id(
    session: Session, key: Any, columns: tuple[Any, ...], rows: Sequence[Any], index: int
) -> dict[int, Any]:
    """`columns` of the rows whose `key` is named in column `index` of `rows`, by that id."""
    ids = sorted({row[index] for row in rows if row[index] is not None})
    found: dict[int, Any] = {}
    for start in range(0, len(ids), _ITEMS_PER_QUERY):
        chunk = ids[start : start + _ITEMS_PER_QUERY]
        found.update(
            (row[0], tuple(row[1:])) for row in session.execute(select(key, *columns).where(key.in_(chunk)))
        )
    return found


def _day_manifests(session: Session, days: Collection[dt.date]) -> dict[dt.date, str]:
    """Each day's newest manifest: the evidence log entry an outsider checks the day's sightings against."""
    if not days:
        return {}
    rows = session.execute(
        select(EvidenceManifest.day, EvidenceManifest.sha256)
        .where(EvidenceManifest.day.between(min(days), max(days)))
        .order_by(EvidenceManifest.day, EvidenceManifest.version)
    )
    return {day: sha for day, sha in rows}  # the newest version of a day comes last and wins


def evidence_rows(
    session: Session, item_ids: Collection[int], period: Period | None = None
) -> list[EvidenceRow]:
    """Every sighting behind these items, in evidence order.

    With the items' `period`, the sightings are also bounded by its days (where an item's evidence always
    lies): the planner then reads the period's range of sightings, never the whole history.
    """
    if not item_ids:
        return []
    raw: list[Any] = []
    ids = list(item_ids)
    for start in range(0, len(ids), _ITEMS_PER_QUERY):
        statement = _evidence_statement().where(
            ItemEvidence.item_id.in_(ids[start : start + _ITEMS_PER_QUERY])
        )
        if period is not None:
            statement = statement.where(Sighting.seen_date.between(period.start, period.end))
        raw += session.connection().execute(statement).all()  # Core rows
    refs = _EvidenceRefs.load(session, raw)
    rows = [_evidence_row(row, refs) for row in raw]
    return sorted(rows, key=lambda row: (row.item_id, *_evidence_order(row)))


_ITEMS_PER_QUERY = 2_000


def _evidence_row(row: Any, refs: _EvidenceRefs) -> EvidenceRow:
    (evidence_id, item_id, sighting_id, capture_id, day, slot_id, position, raw_text, link, creative_id) = (
        row[:10]
    )
    site, display, page, slot, kind = refs.slots[slot_id]
    url, page_shot = refs.captures[capture_id]
    creative_sha, creative_mime = refs.creatives.get(creative_id, (None, None))
    rep_code, rep_name = refs.reps[row[11]]
    return EvidenceRow(
        evidence_id,
        item_id,
        sighting_id,
        capture_id,
        day,
        site,
        display,
        page,
        url,
        slot,
        kind,
        position,
        raw_text,
        link,
        creative_sha,
        creative_mime,
        row[10],
        page_shot,
        rep_code,
        rep_name,
        sighting_box(row[12:16]),
        refs.manifests.get(day),
        *row[16:19],
    )


def item_records(
    session: Session, period: Period, as_of: dt.date, rows: Sequence[ItemRow]
) -> list[ItemRecord]:
    """`rows` (of `period`) with their placements and timelines as of the users' day `as_of`, in order."""
    evidence = evidence_rows(session, [row.item_id for row in rows], period)
    pages = {(row.site_name, row.page_key) for row in evidence}
    log = capture_log(session, period, as_of, pages)
    by_item: dict[int, list[EvidenceRow]] = defaultdict(list)
    for row in evidence:
        by_item[row.item_id].append(row)
    days = tuple(period.days())
    return [
        ItemRecord(
            _with_competitors(row, by_item[row.item_id]),
            days,
            _placements(by_item[row.item_id], log),
            tuple(by_item[row.item_id]),
        )
        for row in rows
    ]


def _with_competitors(row: ItemRow, evidence: Sequence[EvidenceRow]) -> ItemRow:
    """`row` with its competitors from its evidence, when `item_rows` was asked to leave them out."""
    if row.competitors or not evidence:
        return row
    return dataclasses.replace(row, competitors=tuple(sorted({e.site_display_name for e in evidence})))


def _placements(rows: Iterable[EvidenceRow], log: CaptureLog) -> tuple[Placement, ...]:
    groups: dict[tuple[str, str, str, str], list[EvidenceRow]] = defaultdict(list)
    for row in rows:
        groups[(row.site_name, row.page_key, row.slot_name, row.raw_text)].append(row)
    placements = [
        Placement(tuple(group), log.placement_days(site, page, slot, {row.day for row in group}))
        for (site, page, slot, _text), group in groups.items()
    ]
    return tuple(
        sorted(
            placements,
            key=lambda p: (-p.days_seen, p.first.site_display_name, p.first.page_key, p.first.slot_name),
        )
    )


def item_record(session: Session, item: AccountabilityItem, timezone: dt.tzinfo) -> ItemRecord:
    """One item's record (the item page), as of the same day as the period's report."""
    period = item.period
    as_of = as_of_day(period.end_date, period.generated_at, timezone)
    rows = item_rows(session, item.period_id, item_ids=[item.id])
    return item_records(session, Period(period.start_date, period.end_date), as_of, rows)[0]


def periods_newest_first(session: Session) -> list[AccountabilityPeriod]:
    return list(
        session.scalars(select(AccountabilityPeriod).order_by(AccountabilityPeriod.start_date.desc()))
    )


def choose_period(periods: list[AccountabilityPeriod], period_id: int | None) -> AccountabilityPeriod | None:
    """The requested period, else the newest."""
    chosen = [period for period in periods if period.id == period_id]
    return chosen[0] if chosen else (periods[0] if periods else None)


def _overdue_statement(today: dt.date, unescalated: bool) -> Select[AccountabilityItem]:
    statement = (
        select(AccountabilityItem)
        .join(AccountabilityPeriod, AccountabilityPeriod.id == AccountabilityItem.period_id)
        .outerjoin(Explanation, Explanation.item_id == AccountabilityItem.id)
        .where(
            AccountabilityItem.status == ItemStatus.OPEN,
            AccountabilityPeriod.form_deadline < today,
            or_(Explanation.id.is_(None), Explanation.status == ExplanationStatus.DRAFT),
        )
    )
    if unescalated:
        statement = statement.where(Explanation.escalated_at.is_(None))
    return statement


def overdue_items(
    session: Session,
    user: User | None,
    today: dt.date,
    *,
    limit: int | None = None,
    offset: int = 0,
    unescalated: bool = False,
) -> list[AccountabilityItem]:
    """Open items past their deadline without a submitted form (in `user`'s scope; None: all), oldest
    deadline first; `limit`/`offset` page through them, `unescalated` leaves out those escalated."""
    statement = (
        _overdue_statement(today, unescalated)
        .options(
            selectinload(AccountabilityItem.customer),
            selectinload(AccountabilityItem.rep).selectinload(Rep.team),
            selectinload(AccountabilityItem.explanation),
            selectinload(AccountabilityItem.period),
        )
        .order_by(AccountabilityPeriod.form_deadline, AccountabilityItem.rep_id, AccountabilityItem.id)
        .limit(limit)
        .offset(offset)
    )
    if user is not None:
        statement = restrict_items(statement, session, user)
    return list(session.scalars(statement))


def overdue_count(session: Session, user: User | None, today: dt.date) -> int:
    """How many items `overdue_items` lists in all (for paging)."""
    statement = _overdue_statement(today, False).with_only_columns(func.count(AccountabilityItem.id))
    if user is not None:
        statement = restrict_items(statement, session, user)
    return int(session.scalar(statement) or 0)
