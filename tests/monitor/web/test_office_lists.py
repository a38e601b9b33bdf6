"""The office's lists page through their rows and count only what their window needs (issue 19)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from models.enums import MatchDecision
from monitor.accountability.generate import generate_period
from monitor.accountability.items import overdue_count, overdue_items
from monitor.matching.store import pending_review_count, pending_reviews
from tests.support.world import NOW, START, build_world, day, settings_for

AFTER_DEADLINE = dt.date(2026, 11, 30)


def test_overdue_items_come_a_page_at_a_time_with_the_total(session: Session, tmp_path: Path) -> None:
    build_world(session)
    generate_period(session, settings_for(tmp_path), START, NOW)
    session.flush()

    everything = overdue_items(session, None, AFTER_DEADLINE)
    pages = [overdue_items(session, None, AFTER_DEADLINE, limit=1, offset=n) for n in range(3)]

    assert len(everything) == 2 and overdue_count(session, None, AFTER_DEADLINE) == 2
    assert [[item.id for item in page] for page in pages] == [[everything[0].id], [everything[1].id], []]


def test_review_counts_only_the_sightings_of_the_window(session: Session) -> None:
    world = build_world(session)
    session.flush()
    doubtful = world.advertisers["spdb"]
    assert doubtful.match is not None
    doubtful.match.decision = MatchDecision.REVIEW
    session.flush()

    counts = {match.advertiser_id: count for match, count in pending_reviews(session)}
    recent = {match.advertiser_id: count for match, count in pending_reviews(session, since=day(8))}

    assert counts[doubtful.id] == 4 and recent[doubtful.id] == 2  # days 2, 3 and 8 (twice), then day 8
    assert pending_review_count(session) == len(counts)
