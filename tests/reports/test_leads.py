"""Leads (竞标): advertisers seen on competitors that are none of our customers, ranked by activity."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from models import Advertiser, AdvertiserMatch
from models.enums import MatchDecision
from monitor.cli import main
from monitor.matching.activity import refresh_days
from reports.leads import leads_since, write_leads_csv
from tests.support.world import NOW, START, World, build_world, day

# Both backends: leads are ranked by GROUP BY counts and dates, ordered differently on each.
pytestmark = pytest.mark.both_backends


def add_advertiser(session: Session, world: World, key: str, text: str, decision: MatchDecision) -> None:
    advertiser = Advertiser(text=text)
    advertiser.match = AdvertiserMatch(customer_id=None, decision=decision, score=10.0)
    world.advertisers[key] = advertiser
    session.add(advertiser)
    session.flush()


def leads_world(session: Session) -> World:
    world = build_world(session)  # "stranger" matches nobody: seen once, on day 5 on job51's logo wall
    add_advertiser(session, world, "banner_buyer", "=cmd|' /C calc'!A0 科技", MatchDecision.NONE)
    for n in (1, 2, 3):
        world.see(session, "zhaopin/home/banner", n, "banner_buyer")
    world.see(session, "job51/home/logos", 3, "banner_buyer")
    add_advertiser(session, world, "rejected", "浦发硅谷银行", MatchDecision.REJECTED)
    for n in (6, 7):
        world.see(session, "job51/home/logos", n, "rejected")
    session.commit()
    return world


def test_leads_are_unmatched_or_rejected_advertisers_ranked_by_activity(session: Session) -> None:
    leads_world(session)
    rows = leads_since(session, START)
    assert [(row.advertiser_text, row.decision) for row in rows] == [
        ("=cmd|' /C calc'!A0 科技", "none"),
        ("浦发硅谷银行", "rejected"),
        ("某某科技有限公司", "none"),
    ]
    top = rows[0]
    assert (top.days_seen, top.sightings, top.competitors, top.banner_days, top.logo_days) == (3, 4, 2, 3, 1)
    assert (top.first_seen, top.last_seen) == (day(1), day(3))
    assert top.competitor_names == ("前程无忧", "智联招聘")
    assert top.sample_link is not None and top.sample_link.startswith("https://")
    # Matched customers, pending reviews and the competitor's own house ads are never leads.
    texts = {row.advertiser_text for row in rows}
    assert not texts & {"上海浦东发展银行", "浦发银行信用卡中心", "智联招聘校园", "游戏科学"}


def test_leads_since_and_limit(session: Session) -> None:
    leads_world(session)
    assert [row.advertiser_text for row in leads_since(session, day(5))] == [
        "浦发硅谷银行",
        "某某科技有限公司",
    ]
    assert len(leads_since(session, START, limit=1)) == 1


def test_leads_csv_opens_in_excel_and_never_starts_a_formula(session: Session, tmp_path: Path) -> None:
    leads_world(session)
    path = tmp_path / "leads.csv"
    write_leads_csv(path, leads_since(session, START))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["排名", "广告主", "出现天数", "记录次数"]
    assert rows[1][:3] == ["1", "'=cmd|' /C calc'!A0 科技", "3"]


def test_leads_command_lists_and_writes_csv(session: Session, database_url: str, tmp_path: Path) -> None:
    leads_world(session)
    env = {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(tmp_path / "var"),
        "RIVALWATCH_CONFIG": None,
    }
    target = tmp_path / "pool.csv"
    result = CliRunner().invoke(
        main, ["leads", "--since", "2026-11-09", "--limit", "2", "--csv", str(target)], env=env
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("  1. =cmd|' /C calc'!A0 科技  days 3  sightings 4  competitors 2")
    assert lines[1].startswith("  2. 浦发硅谷银行  days 2")
    assert lines[-1] == f"csv: {target}"
    assert target.is_file()


def test_a_day_is_summed_again_when_its_captures_change(session: Session) -> None:
    world = leads_world(session)
    assert [row.sightings for row in leads_since(session, day(5))] == [2, 1]
    session.commit()
    assert refresh_days(session, day(5), day(14)) == 0  # nothing changed since: nothing summed again

    capture = world.captures[("job51/home", day(6))]
    world.see(session, "job51/home/logos", 6, "rejected")
    capture.fetched_at = NOW  # a re-crawl of the day replaces its captures with newer ones
    session.flush()
    assert [row.sightings for row in leads_since(session, day(5))] == [3, 1]
