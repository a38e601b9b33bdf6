"""Real Chromium against the JavaScript-rendered demo site when it fails: 403 and a layout change.

Whatever the browser could not see is recorded as such (blocked page, slot not found), never as a day
without ads, and `rivalwatch health` turns it into alerts.
"""

from __future__ import annotations

import datetime as dt
import threading
from http.server import ThreadingHTTPServer
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
from tests.support.http import QuietHandler, local_server, serving
from tests.support.images import png

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


def crawl_env(database_url: str, var_dir: Path, sites: Path) -> dict[str, str]:
    """A crawl process's settings: this test's database, var folder and site configs."""
    return {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(var_dir),
        "RIVALWATCH_SITES_DIR": str(sites),
    }


def test_a_403_and_an_emptied_slot_in_the_browser_are_recorded_and_alerted(
    session_factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    env = crawl_env(database_url, tmp_path, impatient_demo_sites(tmp_path / "sites"))
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
    env = crawl_env(database_url, tmp_path, impatient_demo_sites(tmp_path / "sites"))
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


class HangingHandler(QuietHandler):
    """Accepts every request and never answers it (a tracker that went silent)."""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.server.release.wait(120)  # type: ignore[attr-defined]


class PageWithPixel(QuietHandler):
    """A page whose ads are in the HTML, with one image from another host that never answers."""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path == "/logo.png":
            self.reply(png(40, 20, (200, 30, 30)), "image/png")
            return
        pixel = self.server.pixel  # type: ignore[attr-defined]
        body = f"""<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>
<div id="logos"><a href="/c/1"><img src="/logo.png" alt="上海浦东发展银行股份有限公司"></a></div>
<img src="{pixel}" width="1" height="1" alt="">
</body></html>"""
        self.reply(body.encode(), "text/html; charset=utf-8")


PIXEL_SITE = """
name: pixelsite
display_name: 像素站
base_url: "{base}/"
pages:
  - key: home
    url: ./
    kind: homepage
    browser: true
    slots:
      - name: logos
        kind: logo
        css: '#logos img'
        wait_seconds: 5
"""


def test_a_page_with_a_hanging_subresource_is_read_and_notes_what_never_arrived(
    session_factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    release = threading.Event()
    hanging = ThreadingHTTPServer(("127.0.0.2", 0), HangingHandler)  # another host on loopback
    hanging.release = release  # type: ignore[attr-defined]
    with serving(hanging), local_server(PageWithPixel) as site:
        pixel = f"http://127.0.0.2:{hanging.server_address[1]}/pixel.gif"
        site.pixel = pixel  # type: ignore[attr-defined]
        sites = tmp_path / "sites"
        sites.mkdir()
        base = f"http://127.0.0.1:{site.server_address[1]}"
        (sites / "pixelsite.yaml").write_text(PIXEL_SITE.format(base=base), encoding="utf-8")
        env = crawl_env(database_url, tmp_path, sites) | {"RIVALWATCH_CRAWL__TIMEOUT_SECONDS": "15"}
        try:
            done = run_crawl_subprocess(None, DAY, env=env, timeout=180)
        finally:
            release.set()
    assert done.returncode == 0, done.stderr[-3000:]
    with session_factory() as session:
        capture = session.scalars(select(PageCapture).where(PageCapture.capture_date == DAY)).one()
        assert capture.status == CaptureStatus.OK, capture.error
        assert [s.advertiser_text for s in capture.sightings] == ["上海浦东发展银行股份有限公司"]
        assert capture.screenshot_sha256 is not None
        assert f"never arrived: {pixel}" in (capture.error or "")
