"""The demo as a newcomer runs it: 14 crawled days on the embedded default, then a report with evidence,
then the web app over what it made.

This is the README's first command; the designed cases of `monitor.demo` are checked in the report it writes,
on the run's own days (the two weeks before today), and the forms are tried in Chromium on a phone screen.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from monitor.core.settings import REPO_ROOT
from monitor.demo.calendar import DemoCalendar
from monitor.demo.run import demo_settings
from monitor.demo.web import DEMO_PASSWORD
from monitor.web.app import create_app
from monitor.web.server import serve_in_thread
from tests.support.web import PHONE, chromium

# One demo run serves every test here: scripts/test keeps a module's tests on one xdist worker.
pytestmark = pytest.mark.long_running

DEMO_RUN: dict[str, str] = {}  # the demo's stderr and report path, for the alerts and intel checks


@dataclass(frozen=True)
class DemoRun:
    var_dir: Path
    report: Path
    calendar: DemoCalendar


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    var_dir = tmp_path_factory.mktemp("demo")
    env = {key: value for key, value in os.environ.items() if not key.startswith("RIVALWATCH_")}
    env["RIVALWATCH_DEMO_SERVE"] = "0"
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "demo", "--var-dir", str(var_dir)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,  # minutes alone; far longer on a machine shared with other busy runs
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report_lines = [line for line in done.stdout.splitlines() if line.startswith("report: ")]
    assert len(report_lines) == 1, done.stdout
    path = Path(report_lines[0].removeprefix("report: "))
    DEMO_RUN.update(stderr=done.stderr, report=str(path))
    assert path.is_file() and path.is_relative_to(var_dir)
    assert path.with_suffix(".xlsx").is_file()
    [period] = re.findall(r"^period: (\S+) \.\. (\S+)$", done.stderr, re.MULTILINE)
    return DemoRun(var_dir, path, DemoCalendar(dt.date.fromisoformat(period[0])))


@pytest.fixture(scope="module")
def demo_report(demo_run: DemoRun) -> BeautifulSoup:
    path = demo_run.report
    # The company page with every rep's section gathered into it: the items live on the rep pages.
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
    assert soup.body is not None
    for page in sorted((path.parent / path.stem / "reps").glob("*.html")):
        rep = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        assert not rep.select("script")
        for img in rep.select("img.thumbnail"):
            assert (page.parent / str(img["src"])).is_file(), img["src"]
        for section in rep.select(".rep-section"):
            soup.body.append(section)
    return soup


def _item(report: BeautifulSoup, customer_code: str) -> object:
    return report.select_one(f'.item[data-customer-code="{customer_code}"]')


@pytest.mark.parametrize("customer", ["C001", "C005", "C006", "C007", "C008", "C015", "C016"])
def test_accountable_customers_have_items_with_evidence(demo_report: BeautifulSoup, customer: str) -> None:
    item = demo_report.select_one(f'.item[data-customer-code="{customer}"]')
    assert item is not None, f"{customer} should be accountable in the demo period"
    placements = item.select("tr.placement")
    assert placements, f"{customer}'s item carries no evidence"
    assert any(placement.select('.day-cell[data-state="seen"]') for placement in placements)


@pytest.mark.parametrize("customer", ["C002", "C019", "C025", "C039", "C017", "C018", "C044", "C060"])
def test_covered_non_ka_and_unseen_customers_have_no_item(demo_report: BeautifulSoup, customer: str) -> None:
    assert demo_report.select_one(f'.item[data-customer-code="{customer}"]') is None


def test_a_logo_only_advertiser_is_found_by_ocr_and_shown_with_its_source(demo_report: BeautifulSoup) -> None:
    item = demo_report.select_one('.item[data-customer-code="C046"]')
    assert item is not None
    source = item.select_one(".ocr-source")
    assert source is not None and "南枝花卉" in source.get_text()


def test_the_transferred_customer_belongs_to_its_new_owner(demo_report: BeautifulSoup) -> None:
    assert demo_report.select_one('.rep-section[data-rep-code="R004"] .item[data-customer-code="C005"]')
    assert (
        demo_report.select_one('.rep-section[data-rep-code="R002"] .item[data-customer-code="C005"]') is None
    )


def test_browser_captured_ads_have_thumbnails_in_the_archive(demo_report: BeautifulSoup) -> None:
    feizhi = [row for row in demo_report.select("tr.placement") if "飞职网" in row.get_text()]
    assert feizhi, "the JavaScript-rendered site's ads should be evidence too"
    thumbnails = [row.select_one("img.thumbnail") for row in feizhi]
    assert all(thumbnails), "every browser-captured placement should show its element screenshot"
    assert all(not str(img["src"]).startswith(("/", "http")) for img in thumbnails if img)


def test_the_outage_day_is_unknown_not_empty(demo_run: DemoRun, demo_report: BeautifulSoup) -> None:
    bank = demo_report.select_one('.item[data-customer-code="C001"]')
    assert bank is not None
    qiancheng = [row for row in bank.select("tr.placement") if row.get("data-site") == "qiancheng"]
    assert qiancheng
    outage = demo_run.calendar.run_day(dt.date(2026, 11, 15)).isoformat()  # the designed outage, moved
    for row in qiancheng:
        cell = row.select_one(f'.day-cell[data-day="{outage}"]')
        assert cell is not None and cell["data-state"] == "unknown"


def test_the_demo_period_is_the_two_weeks_before_the_run(demo_run: DemoRun) -> None:
    today = demo_settings(demo_run.var_dir).today()
    assert demo_run.calendar.end == today - dt.timedelta(days=1)
    assert demo_run.calendar.start == today - dt.timedelta(days=14)


@pytest.fixture
def demo_web(demo_run: DemoRun) -> Iterator[str]:
    settings = demo_settings(demo_run.var_dir, demo_run.calendar)
    with serve_in_thread(create_app(settings)) as base_url:
        yield base_url


@pytest.mark.browser
def test_a_newcomer_can_fill_a_demo_form_on_a_phone(demo_web: str) -> None:
    """Run on any day, the demo's forms are open: its period ended yesterday and its deadline lies ahead."""
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    with chromium() as browser:
        page = browser.new_context(base_url=demo_web, viewport=PHONE).new_page()
        page.goto("/login")
        page.fill("input[name=username]", "R001")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.click("tr[data-item] a >> nth=0")
        page.select_option("select[name=reason]", "negotiating")
        page.fill("textarea[name=text]", "客户正在与竞品谈判年度合同")
        page.click("button[value=draft]")
        expect(page.locator(".flash")).to_have_text("草稿已保存。")
        expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "draft")
        box = page.locator("form[action$='/explanation']").bounding_box()
        assert box is not None and box["y"] < PHONE["height"]


def test_hostile_ad_text_is_shown_as_text(demo_report: BeautifulSoup) -> None:
    assert not demo_report.select("script")
    assert "<script>alert('rw')</script>" in demo_report.get_text()


def test_the_days_alerts_reach_the_loopback_robots_and_the_intel_page_shows_spend(
    demo_run: DemoRun, demo_report: BeautifulSoup
) -> None:
    where = [line for line in DEMO_RUN["stderr"].splitlines() if line.startswith("alerts: what the loopback")]
    assert len(where) == 1, DEMO_RUN["stderr"][-2000:]
    received = Path(where[0].rsplit(" ", 1)[1]).read_text(encoding="utf-8")
    first = f"【竞品投放提醒】{demo_run.calendar.start.isoformat()}：张晓明"  # the period's first day
    assert "=== wecom robot demo-wecom-r001" in received and first in received
    assert "=== dingtalk robot demo-dingtalk (signature checked)" in received
    assert "=== feishu robot demo-feishu (signature checked)" in received
    assert "1 rate-limited once" in DEMO_RUN["stderr"] and "(0 failed" in DEMO_RUN["stderr"]
    report = Path(DEMO_RUN["report"])
    intel = BeautifulSoup((report.parent / report.stem / "intel.html").read_text(encoding="utf-8"), "lxml")
    assert "CNY" in intel.select_one("#spend-by-team").get_text()  # type: ignore[union-attr]
    assert {row["data-kind"] for row in intel.select("#voice-table tr[data-kind]")} >= {
        "homepage",
        "city",
        "industry",
    }
    images = intel.select("figure.creative img")
    assert images and all((report.parent / report.stem / str(img["src"])).is_file() for img in images)
