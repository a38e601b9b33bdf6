"""Typed rows for one period's report: the period, its items, their evidence and the pending matches."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Advertiser,
    AdvertiserMatch,
    Creative,
    Customer,
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
from models.enums import ItemStatus, MatchDecision
from monitor.accountability.generate import load_unknown_places
from monitor.accountability.rule import Period, UnknownPlace


@dataclass(frozen=True)
class PeriodRow:
    id: int
    start: dt.date
    end: dt.date
    form_deadline: dt.date
    generated_at: dt.datetime | None
    published_at: dt.datetime | None


@dataclass(frozen=True)
class ItemRow:
    item_id: int
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
    explanation_status: str | None  # None: no form yet
    competitors: tuple[str, ...]  # site display names


@dataclass(frozen=True)
class EvidenceRow:
    item_id: int
    sighting_id: int
    day: dt.date
    site_name: str
    site_display_name: str
    page_key: str
    page_url: str
    slot_name: str
    slot_kind: str
    position: int
    raw_text: str  # untrusted: exactly as on the competitor's page
    link: str | None  # untrusted
    creative_sha256: str | None
    creative_mime_type: str | None
    element_screenshot_sha256: str | None
    page_screenshot_sha256: str | None
    owner_rep_code: str
    owner_rep_name: str


@dataclass(frozen=True)
class TrendRow:
    """Open items of one period for one team (team None: reps without a team)."""

    period_start: dt.date
    team_code: str | None
    team_name: str | None
    branch_name: str | None
    open_items: int


@dataclass(frozen=True)
class ManagerRow:
    """A team or branch with a manager address; a branch manager's scope takes in its teams."""

    team_code: str
    team_name: str
    manager_email: str


@dataclass(frozen=True)
class RepRecipientRow:
    rep_id: int
    rep_code: str
    rep_name: str
    email: str | None
    user_id: int | None  # the rep's web sign-in, if they have one


@dataclass(frozen=True)
class PendingRow:
    advertiser_id: int
    advertiser_text: str
    customer_code: str | None
    customer_name: str | None
    days: tuple[dt.date, ...]
    competitors: tuple[str, ...]


def period_by_start(session: Session, start: dt.date) -> PeriodRow | None:
    """The period starting on `start`, if it was ever generated."""
    row = session.execute(
        select(
            AccountabilityPeriod.id,
            AccountabilityPeriod.start_date,
            AccountabilityPeriod.end_date,
            AccountabilityPeriod.form_deadline,
            AccountabilityPeriod.generated_at,
            AccountabilityPeriod.published_at,
        ).where(AccountabilityPeriod.start_date == start)
    ).first()
    return PeriodRow(*row) if row else None


def items_for_period(session: Session, period_id: int) -> list[ItemRow]:
    """Every item of the period (any status) with its customer, owner, team and branch."""
    team, branch = aliased(Team), aliased(Team)
    stmt = (
        select(
            AccountabilityItem.id.label("item_id"),
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
            Explanation.status.label("explanation_status"),
        )
        .join(Customer, Customer.id == AccountabilityItem.customer_id)
        .join(Rep, Rep.id == AccountabilityItem.rep_id)
        .outerjoin(team, team.id == Rep.team_id)
        .outerjoin(branch, branch.id == team.parent_id)
        .outerjoin(Explanation, Explanation.item_id == AccountabilityItem.id)
        .where(AccountabilityItem.period_id == period_id)
        .order_by(AccountabilityItem.id)
    )
    competitors = _competitors_by_item(session, period_id)
    rows = []
    for row in session.execute(stmt).mappings():
        values = dict(row)
        values["status"] = str(values["status"])
        values["explanation_status"] = (
            str(values["explanation_status"]) if values["explanation_status"] else None
        )
        rows.append(ItemRow(**values, competitors=competitors.get(values["item_id"], ())))
    return rows


def _competitors_by_item(session: Session, period_id: int) -> dict[int, tuple[str, ...]]:
    stmt = (
        select(ItemEvidence.item_id, Site.display_name)
        .join(AccountabilityItem, AccountabilityItem.id == ItemEvidence.item_id)
        .join(Sighting, Sighting.id == ItemEvidence.sighting_id)
        .join(Slot, Slot.id == Sighting.slot_id)
        .join(Page, Page.id == Slot.page_id)
        .join(Site, Site.id == Page.site_id)
        .where(AccountabilityItem.period_id == period_id)
        .distinct()
    )
    names: dict[int, set[str]] = defaultdict(set)
    for item_id, display_name in session.execute(stmt):
        names[item_id].add(display_name)
    return {item_id: tuple(sorted(values)) for item_id, values in names.items()}


def evidence_for_period(session: Session, period_id: int) -> list[EvidenceRow]:
    """Every evidence row of the period's items, by item, day, competitor, page, slot and position."""
    stmt = (
        select(
            ItemEvidence.item_id,
            Sighting.id.label("sighting_id"),
            Sighting.seen_date.label("day"),
            Site.name.label("site_name"),
            Site.display_name.label("site_display_name"),
            Page.key.label("page_key"),
            Page.url.label("page_url"),
            Slot.name.label("slot_name"),
            Slot.kind.label("slot_kind"),
            Sighting.position,
            Sighting.raw_text,
            Sighting.link,
            Creative.sha256.label("creative_sha256"),
            Creative.mime_type.label("creative_mime_type"),
            Sighting.element_screenshot_sha256,
            PageCapture.screenshot_sha256.label("page_screenshot_sha256"),
            Rep.code.label("owner_rep_code"),
            Rep.name.label("owner_rep_name"),
        )
        .join(AccountabilityItem, AccountabilityItem.id == ItemEvidence.item_id)
        .join(Sighting, Sighting.id == ItemEvidence.sighting_id)
        .join(PageCapture, PageCapture.id == Sighting.capture_id)
        .join(Slot, Slot.id == Sighting.slot_id)
        .join(Page, Page.id == Slot.page_id)
        .join(Site, Site.id == Page.site_id)
        .join(Rep, Rep.id == ItemEvidence.rep_id)
        .outerjoin(Creative, Creative.id == Sighting.creative_id)
        .where(AccountabilityItem.period_id == period_id)
        .order_by(ItemEvidence.item_id, Sighting.seen_date, Site.name, Page.key, Slot.name, Sighting.position)
    )
    return [
        EvidenceRow(**{**row, "slot_kind": str(row["slot_kind"])}) for row in session.execute(stmt).mappings()
    ]


def pending_matches_for_period(session: Session, start: dt.date, end: dt.date) -> list[PendingRow]:
    """Advertisers seen in the period (not as house ads) whose match waits for review."""
    stmt = (
        select(
            Advertiser.id,
            Advertiser.text,
            Customer.code,
            Customer.name,
            Sighting.seen_date,
            Site.display_name,
        )
        .join(AdvertiserMatch, AdvertiserMatch.advertiser_id == Advertiser.id)
        .join(Sighting, Sighting.advertiser_id == Advertiser.id)
        .join(Slot, Slot.id == Sighting.slot_id)
        .join(Page, Page.id == Slot.page_id)
        .join(Site, Site.id == Page.site_id)
        .outerjoin(Customer, Customer.id == AdvertiserMatch.customer_id)
        .where(
            AdvertiserMatch.decision == MatchDecision.REVIEW,
            Sighting.is_house_ad.is_(False),
            Sighting.seen_date.between(start, end),
        )
        .distinct()
    )
    heads: dict[int, tuple[str, str | None, str | None]] = {}
    days: dict[int, set[dt.date]] = defaultdict(set)
    sites: dict[int, set[str]] = defaultdict(set)
    for advertiser_id, text, code, name, seen_date, site in session.execute(stmt):
        heads[advertiser_id] = (text, code, name)
        days[advertiser_id].add(seen_date)
        sites[advertiser_id].add(site)
    rows = [
        PendingRow(key, *head, tuple(sorted(days[key])), tuple(sorted(sites[key])))
        for key, head in heads.items()
    ]
    return sorted(rows, key=lambda row: (-len(row.days), row.advertiser_text))


def unknown_places_for_period(
    session: Session, period: PeriodRow, evidence: Iterable[EvidenceRow], today: dt.date
) -> frozenset[UnknownPlace]:
    """The (page, day) and (slot, day) pairs that could not be looked at, on the pages with evidence."""
    watched = {(row.site_name, row.page_key) for row in evidence}
    if not watched:
        return frozenset()
    return load_unknown_places(session, Period(period.start, period.end), watched, today)


def open_items_trend(session: Session, up_to: dt.date, periods: int = 8) -> list[TrendRow]:
    """Open items per team in the last `periods` generated periods starting on or before `up_to`."""
    starts = session.scalars(
        select(AccountabilityPeriod.start_date)
        .where(AccountabilityPeriod.start_date <= up_to)
        .order_by(AccountabilityPeriod.start_date.desc())
        .limit(periods)
    ).all()
    if not starts:
        return []
    team, branch = aliased(Team), aliased(Team)
    stmt = (
        select(
            AccountabilityPeriod.start_date,
            team.code,
            team.name,
            func.coalesce(branch.name, team.name),
            func.count(AccountabilityItem.id),
        )
        .select_from(AccountabilityItem)
        .join(AccountabilityPeriod, AccountabilityPeriod.id == AccountabilityItem.period_id)
        .join(Rep, Rep.id == AccountabilityItem.rep_id)
        .outerjoin(team, team.id == Rep.team_id)
        .outerjoin(branch, branch.id == team.parent_id)
        .where(AccountabilityPeriod.start_date.in_(starts), AccountabilityItem.status == ItemStatus.OPEN)
        .group_by(AccountabilityPeriod.start_date, team.code, team.name, branch.name)
    )
    rows = [TrendRow(*row) for row in session.execute(stmt)]
    # Periods with no open item at all still belong on the axis: one empty company row each.
    seen = {row.period_start for row in rows}
    rows += [TrendRow(start, None, None, None, 0) for start in starts if start not in seen]
    return sorted(rows, key=lambda row: (row.period_start, row.team_code or ""))


def team_managers(session: Session) -> list[ManagerRow]:
    """Every team or branch that names a manager address."""
    stmt = (
        select(Team.code, Team.name, Team.manager_email)
        .where(Team.manager_email.is_not(None), Team.manager_email != "")
        .order_by(Team.code)
    )
    return [ManagerRow(code, name, (email or "").strip()) for code, name, email in session.execute(stmt)]


def rep_recipients(session: Session, rep_codes: Iterable[str]) -> list[RepRecipientRow]:
    """The reps with these codes, with their address and web user."""
    stmt = (
        select(Rep.id, Rep.code, Rep.name, Rep.email, User.id)
        .outerjoin(User, User.rep_id == Rep.id)
        .where(Rep.code.in_(list(rep_codes)))
        .order_by(Rep.code)
    )
    return [RepRecipientRow(*row) for row in session.execute(stmt)]
