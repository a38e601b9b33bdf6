"""The office's views (periods, match review, crawl health, roster load, leads) and its match decisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Advertiser,
    AdvertiserMatch,
    Assignment,
    Explanation,
    Page,
    PageCapture,
    Rep,
    Sighting,
    SlotCapture,
    User,
)
from models.enums import ExplanationStatus, MatchDecision
from monitor import match_db

LIST_LIMIT = 500


@dataclass(frozen=True)
class PeriodRow:
    period: AccountabilityPeriod
    items: int
    submitted: int
    accepted: int


def period_rows(session: Session) -> list[PeriodRow]:
    """Every period, newest first, with its item and form counts."""
    submitted = func.count(Explanation.id).filter(Explanation.status == ExplanationStatus.SUBMITTED)
    accepted = func.count(Explanation.id).filter(Explanation.status == ExplanationStatus.ACCEPTED)
    rows = session.execute(
        select(AccountabilityPeriod, func.count(AccountabilityItem.id), submitted, accepted)
        .outerjoin(AccountabilityItem, AccountabilityItem.period_id == AccountabilityPeriod.id)
        .outerjoin(Explanation, Explanation.item_id == AccountabilityItem.id)
        .group_by(AccountabilityPeriod.id)
        .order_by(AccountabilityPeriod.start_date.desc())
    )
    return [PeriodRow(period, items, subs, accs) for period, items, subs, accs in rows]


@dataclass(frozen=True)
class MatchRow:
    match: AdvertiserMatch
    sightings: int
    sample: Sighting | None


def review_queue(session: Session) -> list[MatchRow]:
    """Matches waiting for a person, most often seen first."""
    counts = (
        select(Sighting.advertiser_id, func.count(Sighting.id).label("n"))
        .group_by(Sighting.advertiser_id)
        .subquery()
    )
    rows = session.execute(
        select(AdvertiserMatch, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.advertiser_id == AdvertiserMatch.advertiser_id)
        .where(AdvertiserMatch.decision == MatchDecision.REVIEW)
        .options(selectinload(AdvertiserMatch.advertiser), selectinload(AdvertiserMatch.customer))
        .order_by(func.coalesce(counts.c.n, 0).desc(), AdvertiserMatch.id)
        .limit(LIST_LIMIT)
    )
    return [MatchRow(match, count, _sample_sighting(session, match.advertiser_id)) for match, count in rows]


def _sample_sighting(session: Session, advertiser_id: int) -> Sighting | None:
    return session.scalars(
        select(Sighting)
        .where(Sighting.advertiser_id == advertiser_id)
        .order_by(Sighting.seen_date.desc())
        .limit(1)
    ).first()


class MatchNotReviewable(Exception):
    """The match is not waiting for review (already decided, or proposes no customer)."""


def pending_match(session: Session, match_id: int) -> AdvertiserMatch:
    match = session.get(AdvertiserMatch, match_id)
    if match is None or match.decision != MatchDecision.REVIEW or match.customer_id is None:
        raise MatchNotReviewable(match_id)
    return match


def confirm_match(session: Session, match: AdvertiserMatch, person: User, now: dt.datetime) -> None:
    """Confirm the proposed customer; the text and competitor ids are remembered (see monitor.match_db)."""
    match_db.confirm_match(session, match.advertiser_id, None, person.username, now)


def reject_match(session: Session, match: AdvertiserMatch, person: User, now: dt.datetime) -> None:
    """Record that the advertiser is not the proposed customer; the pair is never auto-matched again."""
    match_db.reject_match(session, match.advertiser_id, person.username, now)


@dataclass(frozen=True)
class PageHealth:
    page: Page
    capture: PageCapture | None
    slots_missing: list[str]


def crawl_health(session: Session) -> list[PageHealth]:
    """Each active page with its latest capture and the slots that capture did not find."""
    latest = (
        select(PageCapture.page_id, func.max(PageCapture.capture_date).label("day"))
        .group_by(PageCapture.page_id)
        .subquery()
    )
    rows = session.execute(
        select(Page, PageCapture)
        .outerjoin(latest, latest.c.page_id == Page.id)
        .outerjoin(
            PageCapture, and_(PageCapture.page_id == Page.id, PageCapture.capture_date == latest.c.day)
        )
        .where(Page.active.is_(True))
        .options(selectinload(Page.site))
        .order_by(Page.site_id, Page.key)
    )
    return [PageHealth(page, capture, _missing_slots(session, capture)) for page, capture in rows]


def _missing_slots(session: Session, capture: PageCapture | None) -> list[str]:
    if capture is None:
        return []
    results = session.scalars(
        select(SlotCapture)
        .where(SlotCapture.capture_id == capture.id, SlotCapture.found.is_(False))
        .options(selectinload(SlotCapture.slot))
    )
    return sorted(result.slot.name for result in results)


@dataclass(frozen=True)
class RepLoad:
    rep: Rep
    customers: int


def roster_load(session: Session, today: dt.date) -> list[RepLoad]:
    """Every rep with the number of customers assigned to them today."""
    current = and_(
        Assignment.rep_id == Rep.id,
        Assignment.start_date <= today,
        or_(Assignment.end_date.is_(None), Assignment.end_date >= today),
    )
    rows = session.execute(
        select(Rep, func.count(Assignment.id))
        .outerjoin(Assignment, current)
        .group_by(Rep.id)
        .options(selectinload(Rep.team))
        .order_by(Rep.code)
    )
    return [RepLoad(rep, count) for rep, count in rows]


@dataclass(frozen=True)
class Lead:
    advertiser: Advertiser
    decision: str
    sightings: int
    last_seen: dt.date | None


def leads(session: Session) -> list[Lead]:
    """Advertisers matched to no customer, most often seen first: prospects for new business."""
    unmatched = or_(
        AdvertiserMatch.id.is_(None),
        AdvertiserMatch.decision.in_([MatchDecision.NONE, MatchDecision.REJECTED]),
    )
    rows = session.execute(
        select(Advertiser, AdvertiserMatch.decision, func.count(Sighting.id), func.max(Sighting.seen_date))
        .outerjoin(AdvertiserMatch, AdvertiserMatch.advertiser_id == Advertiser.id)
        .join(Sighting, and_(Sighting.advertiser_id == Advertiser.id, Sighting.is_house_ad.is_(False)))
        .where(unmatched)
        .group_by(Advertiser.id, AdvertiserMatch.decision)
        .order_by(func.count(Sighting.id).desc(), Advertiser.id)
        .limit(LIST_LIMIT)
    )
    return [
        Lead(advertiser, (decision.value if decision else "none"), count, last)
        for advertiser, decision, count, last in rows
    ]
