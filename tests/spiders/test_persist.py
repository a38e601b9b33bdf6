"""Storing a page capture: a re-run of a day adds an attempt and never rewrites the day's evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ItemEvidence, PageCapture, Sighting
from models.enums import CaptureStatus
from monitor.accountability.captures import capture_log
from monitor.accountability.generate import generate_period
from monitor.accountability.periods import PeriodCalendar
from monitor.accountability.timeline import DayState
from monitor.core.evidence import EvidenceStore
from spiders import persist
from spiders.items import CapturedAd, PageCaptureItem, SlotResult, Status
from tests.support.world import NOW, START, build_world, day, items_by_code, settings_for

# Both backends: the partial unique index on the capture of record is each database's own.
pytestmark = pytest.mark.both_backends


def rerun_item(n: int, status: Status, logos_found: bool, advertiser: str = "") -> PageCaptureItem:
    """zhaopin/home on day n as a later crawl sees it (today's page under that day)."""
    ads = (
        [CapturedAd("logos", "logo", 1, advertiser, advertiser, None, None, None, False)]
        if advertiser
        else []
    )
    slots = [SlotResult("logos", "logo", logos_found, ads), SlotResult("banner", "banner", True)]
    return PageCaptureItem(
        site="zhaopin",
        page_key="home",
        url="https://zhaopin.example/",
        capture_date=day(n),
        status=status,
        fetched_at=NOW,
        html=b"<html>today's page</html>",
        slots=slots if status == "ok" else [],
    )


def attempts(session: Session, n: int) -> list[tuple[int, bool, CaptureStatus]]:
    rows = session.scalars(
        select(PageCapture)
        .where(PageCapture.capture_date == day(n), PageCapture.url == "https://zhaopin.example/")
        .order_by(PageCapture.attempt)
    )
    return [(row.attempt, row.of_record, row.status) for row in rows]


def test_a_rerun_whose_slot_no_longer_matches_keeps_the_sightings_and_item_evidence(
    session: Session, tmp_path: Path
) -> None:
    world = build_world(session)
    generate_period(session, settings_for(tmp_path), START, NOW)
    bank = items_by_code(session)["C001"]
    cited = sorted(evidence.sighting_id for evidence in bank.evidence)
    first = world.captures[("zhaopin/home", day(8))]
    seen_before = [(s.id, s.advertiser_text) for s in first.sightings]
    assert seen_before

    run = persist.start_run(session, day(8), None, NOW)
    again = persist.save_capture(
        session, rerun_item(8, "ok", logos_found=False), run.id, EvidenceStore(tmp_path)
    )

    assert again.id != first.id and not again.of_record and again.sightings == []
    assert attempts(session, 8) == [(1, True, CaptureStatus.OK), (2, False, CaptureStatus.OK)]
    session.expire_all()
    assert [
        (s.id, s.advertiser_text) for s in session.get_one(PageCapture, first.id).sightings
    ] == seen_before
    assert first.html_sha256 is None  # the first attempt's evidence is as it was, not today's page
    assert (
        sorted(session.scalars(select(ItemEvidence.sighting_id).where(ItemEvidence.item_id == bank.id)))
        == cited
    )
    # The rule reads the capture of record: the logo wall rendered on day 8, nothing became unknown.
    period = PeriodCalendar.of(settings_for(tmp_path).accountability).containing(START)
    log = capture_log(session, period, day(14), {("zhaopin", "home")})
    assert log.day_state("zhaopin", "home", "logos", day(8), seen=False) is DayState.NOT_SEEN

    generate_period(session, settings_for(tmp_path), START, NOW)  # regenerating changes nothing
    assert sorted(e.sighting_id for e in items_by_code(session)["C001"].evidence) == cited


def test_a_failed_rerun_is_kept_beside_a_good_capture_and_never_replaces_it(
    session: Session, tmp_path: Path
) -> None:
    build_world(session)
    run = persist.start_run(session, day(2), None, NOW)
    persist.save_capture(
        session, rerun_item(2, "timeout", logos_found=False), run.id, EvidenceStore(tmp_path)
    )
    assert attempts(session, 2) == [(1, True, CaptureStatus.OK), (2, False, CaptureStatus.TIMEOUT)]


def test_an_unknown_day_gives_way_to_the_first_ok_attempt_and_only_that_one(
    session: Session, tmp_path: Path
) -> None:
    build_world(session)  # zhaopin/home timed out on day 4
    store = EvidenceStore(tmp_path)
    run = persist.start_run(session, day(4), None, NOW)
    persist.save_capture(session, rerun_item(4, "ok", True, "上海浦东发展银行股份有限公司"), run.id, store)
    persist.save_capture(session, rerun_item(4, "ok", True, "宝马"), run.id, store)
    assert attempts(session, 4) == [
        (1, False, CaptureStatus.TIMEOUT),
        (2, True, CaptureStatus.OK),
        (3, False, CaptureStatus.OK),
    ]
    seen = session.scalars(select(Sighting.advertiser_text).where(Sighting.seen_date == day(4)))
    assert list(seen) == ["上海浦东发展银行股份有限公司"]
    of_record = select(func.count()).select_from(PageCapture).where(PageCapture.of_record)
    assert session.scalar(of_record) == 2 * 14  # one per page and day, whatever the attempts
