"""Read-side queries for accountability items: lists, evidence, the days-seen timeline, overdue forms."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Explanation,
    ItemEvidence,
    Page,
    PageCapture,
    Rep,
    Sighting,
    Site,
    Slot,
    User,
)
from models.enums import CaptureStatus, ExplanationStatus, ItemStatus
from monitor.accounts.scope import restrict_items


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int


def sighting_box(sighting: Sighting) -> Box | None:
    """The ad's box on the page screenshot, or None when the capture did not record a usable one."""
    values = (sighting.box_x, sighting.box_y, sighting.box_width, sighting.box_height)
    if any(value is None for value in values):
        return None
    x, y, width, height = (int(value) for value in values)  # type: ignore[arg-type]
    if width <= 0 or height <= 0:
        return None
    return Box(x, y, width, height)


@dataclass(frozen=True)
class ItemRow:
    item: AccountabilityItem
    competitors: list[str]

    @property
    def form_status(self) -> str:
        explanation = self.item.explanation
        return explanation.status.value if explanation else "not started"


@dataclass(frozen=True)
class EvidenceRow:
    evidence_id: int
    sighting_id: int
    capture_id: int
    day: dt.date
    site: str
    page_key: str
    page_url: str
    slot: str
    position: int
    raw_text: str
    link: str | None
    has_element_shot: bool
    has_page_shot: bool
    has_creative: bool = False  # the ad's own image, downloaded during the crawl
    page_sha256: str | None = None
    box: Box | None = None  # where the ad sat on the page screenshot, when the capture recorded it


class DayState(StrEnum):
    SEEN = "seen"
    NOT_SEEN = "not seen"
    UNKNOWN = "unknown"


def periods_newest_first(session: Session) -> list[AccountabilityPeriod]:
    return list(
        session.scalars(select(AccountabilityPeriod).order_by(AccountabilityPeriod.start_date.desc()))
    )


def choose_period(periods: list[AccountabilityPeriod], period_id: int | None) -> AccountabilityPeriod | None:
    """The requested period, else the newest."""
    chosen = [period for period in periods if period.id == period_id]
    return chosen[0] if chosen else (periods[0] if periods else None)


def item_rows(session: Session, user: User, period: AccountabilityPeriod) -> list[ItemRow]:
    """The period's items `user` may read, with the competitor sites each was seen on."""
    statement = (
        select(AccountabilityItem)
        .where(AccountabilityItem.period_id == period.id)
        .options(
            selectinload(AccountabilityItem.customer),
            selectinload(AccountabilityItem.rep).selectinload(Rep.team),
            selectinload(AccountabilityItem.explanation),
        )
        .join(Rep, Rep.id == AccountabilityItem.rep_id)
        .order_by(Rep.code, AccountabilityItem.days_seen.desc(), AccountabilityItem.id)
    )
    items = list(session.scalars(restrict_items(statement, session, user)))
    sites = competitor_sites(session, [item.id for item in items])
    return [ItemRow(item, sites.get(item.id, [])) for item in items]


def competitor_sites(session: Session, item_ids: list[int]) -> dict[int, list[str]]:
    if not item_ids:
        return {}
    rows = session.execute(
        select(ItemEvidence.item_id, Site.display_name)
        .join(Sighting, Sighting.id == ItemEvidence.sighting_id)
        .join(PageCapture, PageCapture.id == Sighting.capture_id)
        .join(Page, Page.id == PageCapture.page_id)
        .join(Site, Site.id == Page.site_id)
        .where(ItemEvidence.item_id.in_(item_ids))
        .distinct()
    )
    found: dict[int, list[str]] = defaultdict(list)
    for item_id, name in rows:
        found[item_id].append(name)
    return {item_id: sorted(names) for item_id, names in found.items()}


def evidence_rows(session: Session, item: AccountabilityItem) -> list[EvidenceRow]:
    """Every sighting behind the item, newest day first."""
    rows = session.execute(
        select(ItemEvidence.id, Sighting, PageCapture, Page.key, Site.display_name, Slot.name)
        .join(Sighting, Sighting.id == ItemEvidence.sighting_id)
        .join(PageCapture, PageCapture.id == Sighting.capture_id)
        .join(Page, Page.id == PageCapture.page_id)
        .join(Site, Site.id == Page.site_id)
        .join(Slot, Slot.id == Sighting.slot_id)
        .where(ItemEvidence.item_id == item.id)
        .order_by(Sighting.seen_date.desc(), Site.display_name, Slot.name, Sighting.position)
    )
    return [
        EvidenceRow(
            evidence_id=evidence_id,
            sighting_id=sighting.id,
            capture_id=capture.id,
            day=sighting.seen_date,
            site=site,
            page_key=page_key,
            page_url=capture.url,
            slot=slot,
            position=sighting.position,
            raw_text=sighting.raw_text,
            link=sighting.link,
            has_element_shot=sighting.element_screenshot_sha256 is not None,
            has_page_shot=capture.screenshot_sha256 is not None,
            has_creative=sighting.creative_id is not None,
            page_sha256=capture.screenshot_sha256,
            box=sighting_box(sighting),
        )
        for evidence_id, sighting, capture, page_key, site, slot in rows
    ]


def latest_per_slot(rows: list[EvidenceRow]) -> list[EvidenceRow]:
    """The newest sighting in each (site, page, slot): the ones shown as screenshots side by side."""
    seen: dict[tuple[str, str, str], EvidenceRow] = {}
    for row in rows:
        seen.setdefault((row.site, row.page_key, row.slot), row)
    return list(seen.values())


def timeline(
    session: Session, item: AccountabilityItem, rows: list[EvidenceRow]
) -> list[tuple[dt.date, DayState]]:
    """Each day of the period: seen, not seen, or unknown (a page it appears on was not captured fine)."""
    period = item.period
    seen_days = {row.day for row in rows}
    capture_ids = {row.capture_id for row in rows}
    page_ids = set(session.scalars(select(PageCapture.page_id).where(PageCapture.id.in_(capture_ids))))
    ok_pages_by_day: dict[dt.date, set[int]] = defaultdict(set)
    for day, page_id in session.execute(
        select(PageCapture.capture_date, PageCapture.page_id).where(
            PageCapture.page_id.in_(page_ids),
            PageCapture.status == CaptureStatus.OK,
            PageCapture.capture_date.between(period.start_date, period.end_date),
        )
    ):
        ok_pages_by_day[day].add(page_id)
    days = [
        period.start_date + dt.timedelta(days=n)
        for n in range((period.end_date - period.start_date).days + 1)
    ]
    return [(day, _day_state(day, seen_days, page_ids, ok_pages_by_day[day])) for day in days]


def _day_state(day: dt.date, seen: set[dt.date], pages: set[int], ok_pages: set[int]) -> DayState:
    if day in seen:
        return DayState.SEEN
    return DayState.NOT_SEEN if pages <= ok_pages else DayState.UNKNOWN


def overdue_items(session: Session, user: User | None, today: dt.date) -> list[AccountabilityItem]:
    """Open items past their deadline without a submitted form (in `user`'s scope; None: all)."""
    statement = (
        select(AccountabilityItem)
        .join(AccountabilityPeriod, AccountabilityPeriod.id == AccountabilityItem.period_id)
        .outerjoin(Explanation, Explanation.item_id == AccountabilityItem.id)
        .where(
            AccountabilityItem.status == ItemStatus.OPEN,
            AccountabilityPeriod.form_deadline < today,
            or_(Explanation.id.is_(None), Explanation.status == ExplanationStatus.DRAFT),
        )
        .options(
            selectinload(AccountabilityItem.customer),
            selectinload(AccountabilityItem.rep).selectinload(Rep.team),
            selectinload(AccountabilityItem.explanation),
            selectinload(AccountabilityItem.period),
        )
        .order_by(AccountabilityPeriod.form_deadline, AccountabilityItem.rep_id, AccountabilityItem.id)
    )
    if user is not None:
        statement = restrict_items(statement, session, user)
    return list(session.scalars(statement))
