"""Real Chromium against the JavaScript-rendered demo site when it fails: 403 and a layout change.

Whatever the browser could not see is recorded as such (blocked page, slot not found), never as a day
without ads, and `rivalwatch health` turns it into alerts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Page, PageCapture, Site
from models.enums import CaptureStatus
from monitor.capture.crawl import run_crawl_subprocess
from monitor.cli import main
from monitor.core.settings import REPO_ROOT
from monitor.demo.fixture_server import FixtureServer

DAY = dt.date(2026, 11, 12)
pytestmark = pytest.mark.browser


def impatient_demo_sites(folder: Path) -> Path:
    """The demo's site configs, waiting 3 s instead of 10 for a slot: the emptied one never comes."""
    folder.mkdir()
    for config in (REPO_ROOT / "config" / "demo-sites").glob("*.yaml"):
        text = config.read_text(encoding="utf-8")
        (folder / config.name).write_text(
            text.replace("wait_seconds: 10", "wait_seconds: 3"), encoding="utf-8"
        )
    return folder


def test_a_403_and_an_emptied_slot_in_the_browser_are_recorded_and_alerted(
    session_factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    env = {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(tmp_path),
        "RIVALWATCH_SITES_DIR": str(impatient_demo_sites(tmp_path / "sites")),
    }
    with FixtureServer(day=DAY) as server:
        env["RIVALWATCH_DEMO_URL"] = server.base_url
        server.fail("/feizhi/", "403")
        server.fail("/feizhi/campus/", "empty-slot", slot="carousel")
        done = run_crawl_subprocess(None, DAY, sites=["feizhi"], env=env, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]

    with session_factory() as session:
        rows = session.execute(
            select(Page.key, PageCapture)
            .join(PageCapture, PageCapture.page_id == Page.id)
            .join(Site, Page.site_id == Site.id)
            .where(Site.name == "feizhi", PageCapture.capture_date == DAY)
        ).all()
        captures = {key: capture for key, capture in rows}
        home, campus = captures["home"], captures["campus"]
        assert (home.status, home.http_status) == (CaptureStatus.BLOCKED, 403)
        assert home.sightings == []
        assert campus.status == CaptureStatus.OK
        slots = {result.slot.name: (result.found, result.ad_count) for result in campus.slot_results}
        assert slots["carousel"] == (False, 0)
        assert slots["logo_wall"][0] is True and slots["logo_wall"][1] > 0

    health = CliRunner().invoke(main, ["health", "--date", str(DAY), "--site", "feizhi"], env=env)
    assert health.exit_code == 1, health.output
    assert "feizhi/home: page_failed: blocked (403)" in health.output
    assert "feizhi/campus/carousel: slot_missing" in health.output


def test_a_browser_page_answering_500_is_an_http_error_with_its_status_after_a_retry(
    session_factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    env = {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(tmp_path),
        "RIVALWATCH_SITES_DIR": str(impatient_demo_sites(tmp_path / "sites")),
    }
    with FixtureServer(day=DAY) as server:
        env["RIVALWATCH_DEMO_URL"] = server.base_url
        server.fail("/feizhi/", "500")
        done = run_crawl_subprocess(None, DAY, sites=["feizhi"], env=env, timeout=180)
        asked = server.requests.count("/feizhi/")
    assert done.returncode == 0, done.stderr[-3000:]
    assert asked == 2  # the spider's RETRY_TIMES (1) for a 500, then recorded
    with session_factory() as session:
        home = session.scalars(
            select(PageCapture)
            .join(Page, PageCapture.page_id == Page.id)
            .where(Page.key == "home", PageCapture.url.contains("/feizhi/"), PageCapture.capture_date == DAY)
        ).one()
        assert (home.status, home.http_status, home.error) == (CaptureStatus.HTTP_ERROR, 500, "HTTP 500")
