"""Share of voice per period, competitor and page kind: our customers, accountable ones, leads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from monitor.accountability.generate import generate_period
from monitor.accountability.voice import page_kind, periods_back, share_of_voice
from tests.support.world import NOW, START, build_world, settings_for

# Both backends: the CASE grouping and the sum over a subquery are written in SQL.
pytestmark = pytest.mark.both_backends


def test_placements_are_shared_between_our_customers_accountable_ones_and_leads(
    session: Session, tmp_path: Path
) -> None:
    build_world(session)
    generate_period(session, settings_for(tmp_path), START, NOW)
    session.flush()
    rows = {
        (row.site, row.page_kind): row for row in share_of_voice(session, [(START, START + dt.timedelta(13))])
    }
    zhaopin = rows[("智联招聘", "homepage")]
    # spdb ×3, gamesci, aftership ×2 are ours; the house ad is left out; nothing else on zhaopin.
    assert (zhaopin.placements, zhaopin.ours, zhaopin.leads) == (6, 6, 0)
    # Accountable: the bank (C001) only; game science is not KA and AfterShip has a deal.
    assert zhaopin.accountable == 3
    job51 = rows[("前程无忧", "homepage")]
    # spdb banner, bmw, the doubtful match (pending review: neither ours nor a lead), the stranger (a lead).
    assert (job51.placements, job51.ours, job51.accountable, job51.leads) == (4, 2, 2, 1)
    assert job51.leads_share == pytest.approx(0.25)


def test_a_period_without_items_has_no_accountable_share(session: Session) -> None:
    build_world(session)
    session.flush()
    rows = share_of_voice(session, [(START, START + dt.timedelta(13))])
    assert rows and all(row.accountable == 0 for row in rows)


def test_page_kinds_and_periods_back() -> None:
    assert page_kind("homepage", "city") == "homepage"
    assert [page_kind("section", s) for s in ("city", "industry", "campus", None)] == [
        "city",
        "industry",
        "section",
        "section",
    ]
    assert periods_back(START, 14, 2) == [
        (START - dt.timedelta(14), START - dt.timedelta(1)),
        (START, START + dt.timedelta(13)),
    ]
