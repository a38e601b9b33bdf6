"""The office's match review queue and its match decisions.

Crawl health, roster load and leads come from `monitor.capture.health`, `monitor.roster.transfers` and
`reports.leads`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    AdvertiserMatch,
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


def review_queue(session: Session) -> list[MatchRow]:
    """Matches waiting for a person, most often seen first, each with its advertiser's latest sighting."""
    pending = match_db.pending_reviews(session, LIST_LIMIT)
    samples = _latest_sightings(session, [match.advertiser_id for match, _ in pending])
    return [MatchRow(match, count, samples.get(match.advertiser_id)) for match, count in pending]


def _latest_sightings(session: Session, advertiser_ids: list[int]) -> dict[int, Sighting]:
    """Per advertiser, a sighting of the last day it was seen (one query for the whole list)."""
    if not advertiser_ids:
        return {}
    latest = (
        select(Sighting.advertiser_id, func.max(Sighting.seen_date).label("day"))
        .where(Sighting.advertiser_id.in_(advertiser_ids))
        .group_by(Sighting.advertiser_id)
        .subquery()
    )
    found: dict[int, Sighting] = {}
    rows = session.execute(
        select(latest.c.advertiser_id, Sighting)
        .join(
            latest,
            (Sighting.advertiser_id == latest.c.advertiser_id) & (Sighting.seen_date == latest.c.day),
        )
        .order_by(Sighting.id.desc())
    )
    for advertiser_id, sighting in rows:
        found.setdefault(advertiser_id, sighting)
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
