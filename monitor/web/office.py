"""The office's period list and match review queue, and its match decisions.

Crawl health, roster load and leads come from `monitor.health`, `monitor.transfers` and `reports.leads`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    AdvertiserMatch,
    Explanation,
    Sighting,
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
