"""The office's match review queue and its match decisions.

Crawl health, roster load and leads come from `monitor.capture.health`, `monitor.roster.transfers` and
`reports.leads`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import (
    Advertiser,
    AdvertiserMatch,
    Assignment,
    Customer,
    PageCapture,
    Rep,
    Sighting,
    User,
)
from models.enums import MatchDecision
from monitor.matching import store as match_db

LIST_LIMIT = 500


@dataclass(frozen=True)
class MatchRow:
    match: AdvertiserMatch
    sightings: int
    sample: Sighting | None


def review_queue(session: Session, since: dt.date | None = None, page: int = 1) -> tuple[list[MatchRow], int]:
    """One page of the matches waiting for a person, most often seen since `since` first, each with its
    advertiser's latest sighting; and how many wait in all."""
    offset = (max(page, 1) - 1) * LIST_LIMIT
    pending = match_db.pending_reviews(session, LIST_LIMIT, since=since, offset=offset)
    samples = _latest_sightings(session, [match.advertiser_id for match, _ in pending])
    rows = [MatchRow(match, count, samples.get(match.advertiser_id)) for match, count in pending]
    return rows, match_db.pending_review_count(session)


def _latest_sightings(session: Session, advertiser_ids: list[int]) -> dict[int, Sighting]:
    """Per advertiser, a sighting of the last day it was seen: one index seek each (newest entry of the
    advertiser/day index), never a scan of its history."""
    if not advertiser_ids:
        return {}
    latest = (
        select(Sighting.id)
        .where(Sighting.advertiser_id == Advertiser.id)
        .order_by(Sighting.seen_date.desc(), Sighting.id.desc())  # the day's last stored
        .limit(1)
        .scalar_subquery()
    )
    ids = session.scalars(select(latest).where(Advertiser.id.in_(advertiser_ids))).all()
    sightings = session.scalars(select(Sighting).where(Sighting.id.in_([i for i in ids if i is not None])))
    found: dict[int, Sighting] = {}
    for sighting in sightings:
        if sighting.advertiser_id is not None:
            found[sighting.advertiser_id] = sighting
    return found


class MatchNotReviewable(Exception):
    """The match is not waiting for review (already decided, or proposes no customer)."""


def pending_match(session: Session, match_id: int) -> AdvertiserMatch:
    match = session.get(AdvertiserMatch, match_id)
    if match is None or match.decision != MatchDecision.REVIEW or match.customer_id is None:
        raise MatchNotReviewable(match_id)
    return match


def confirm_match(session: Session, match: AdvertiserMatch, person: User, now: dt.datetime) -> None:
    """Confirm the proposed customer; the text and competitor ids are remembered (monitor.matching.store)."""
    match_db.confirm_match(session, match.advertiser_id, None, person.username, now)


def reject_match(session: Session, match: AdvertiserMatch, person: User, now: dt.datetime) -> None:
    """Record that the advertiser is not the proposed customer; the pair is never auto-matched again."""
    match_db.reject_match(session, match.advertiser_id, person.username, now)


def latest_capture_day(session: Session, today: dt.date) -> dt.date | None:
    """The latest day up to `today` on which any page was captured (or tried), if any."""
    return session.scalar(select(func.max(PageCapture.capture_date)).where(PageCapture.capture_date <= today))


SEARCH_LIMIT = 30


@dataclass(frozen=True)
class CustomerChoice:
    """A customer the office may transfer, with who owns it on the day."""

    code: str
    name: str
    owner_code: str | None
    owner_name: str | None


def search_customers(
    session: Session, query: str, day: dt.date, limit: int = SEARCH_LIMIT
) -> list[CustomerChoice]:
    """Customers whose code, name, short or English name holds `query` (any case), KA first, each with its
    owner on `day`. The office may transfer any customer, so the search covers them all."""
    pattern = "%" + query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    fields = (Customer.code, Customer.name, Customer.short_name, Customer.english_name)
    owner = (
        (Assignment.customer_id == Customer.id)
        & (Assignment.start_date <= day)
        & or_(Assignment.end_date.is_(None), Assignment.end_date >= day)
    )
    rows = session.execute(
        select(Customer.code, Customer.name, Rep.code, Rep.name)
        .outerjoin(Assignment, owner)
        .outerjoin(Rep, Rep.id == Assignment.rep_id)
        .where(or_(*(func.lower(field).like(pattern, escape="\\") for field in fields)))
        .order_by(Customer.is_ka.desc(), Customer.code)
        .limit(limit)
    ).all()
    return [CustomerChoice(*row) for row in rows]
