"""The report's market intelligence page and workbook sheets: share of voice, spend, creatives."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Creative, Sighting
from monitor.accountability.generate import generate_period
from monitor.accountability.voice import periods_back, share_of_voice
from monitor.core.evidence import EvidenceStore
from monitor.core.settings import Settings
from reports.context import load_report_context
from reports.html import write_report
from reports.intel import TREND_PERIODS
from reports.xlsx import write_workbook
from tests.support.images import png
from tests.support.world import NOW, START, World, build_world, settings_for

CARD = {"currency": "CNY", "per_day": 2000, "read_on": "2026-11-01", "source": "智联刊例价"}


def test_the_intel_page_has_the_chart_the_spend_and_the_archived_creatives(
    session: Session, tmp_path: Path
) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    world.slots["zhaopin/home/logos"].rate_card = CARD
    data = png(300, 100, (200, 10, 10))
    _bank_creative(session, world, settings, data)
    generate_period(session, settings, START, NOW)
    session.commit()
    context = load_report_context(session, START, settings.tz)
    company = write_report(settings, context)
    intel_page = company.parent / f"report-{START:%Y-%m-%d}" / "intel.html"
    link = BeautifulSoup(company.read_text(), "html.parser").select_one("#intel-link")
    assert link is not None and link["href"] == f"report-{START:%Y-%m-%d}/intel.html"
    page = BeautifulSoup(intel_page.read_text(), "html.parser")
    assert page.select("svg.voice-chart polyline") and "广告份额" in page.get_text()
    zhaopin = page.select_one("#voice-table tr[data-site='智联招聘']")
    assert zhaopin is not None and zhaopin.select_one("[data-share='ours']").get_text() == "100.0%"  # type: ignore[union-attr]
    bank = page.select_one("#spend-by-item tbody tr")
    assert (
        bank is not None and "≈ 6,000 CNY" in bank.get_text() and "智联刊例价 (2026-11-01)" in bank.get_text()
    )
    assert page.select_one("#spend-by-rep tr[data-rep-code='R002']") is not None
    image = page.select_one("figure.creative img")
    assert image is not None and (intel_page.parent / str(image["src"])).read_bytes() == data
    rep_page = BeautifulSoup((intel_page.parent / "reps" / "R002.html").read_text(), "html.parser")
    beside = rep_page.select_one("tbody.item[data-customer-code='C001'] .spend")
    assert beside is not None and beside.get_text() == "在智联招聘的预估投放花费：≈ 6,000 CNY"
    assert "智联刊例价 (2026-11-01)" in str(beside["title"])
    book = load_workbook(write_workbook(settings, context))
    assert book.sheetnames[-2:] == ["广告份额", "预估投放花费"]
    spend = list(book["预估投放花费"].iter_rows(values_only=True))
    assert spend[1][:2] == ("C001", "上海浦东发展银行股份有限公司") and spend[1][6] == 6000


@pytest.mark.both_backends  # the period's placements summed in SQL, ads without an image included
def test_share_of_voice_counts_the_ads_without_an_image_the_gallery_leaves_out(
    session: Session, tmp_path: Path
) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    creative = _bank_creative(session, world, settings, png(300, 100, (200, 10, 10)))
    generate_period(session, settings, START, NOW)
    session.commit()
    intel = load_report_context(session, START, settings.tz).intel
    # The report reads its period once for both; the office's share of voice reads it on its own.
    assert intel.voice == tuple(share_of_voice(session, periods_back(START, 14, TREND_PERIODS)))
    zhaopin = next(row for row in intel.current_voice if row.site == "智联招聘")
    assert (zhaopin.placements, zhaopin.ours) == (6, 6)  # only the bank's 3 have an image
    assert [card.entry.creative_id for card in intel.gallery] == [creative.id]


def _bank_creative(session: Session, world: World, settings: Settings, data: bytes) -> Creative:
    """The bank's (spdb's) sightings all show one stored creative; the other ads have no image."""
    creative = Creative(
        sha256=EvidenceStore(settings.evidence_path).put(data),
        phash="ff00ff00ff00ff00",
        mime_type="image/png",
        size_bytes=len(data),
        first_url="https://x.example/a.png",
    )
    session.add(creative)
    session.flush()
    for sighting in session.scalars(
        select(Sighting).where(Sighting.advertiser_id == world.advertisers["spdb"].id)
    ):
        sighting.creative_id = creative.id
    return creative
