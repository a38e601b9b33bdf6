"""Usability in Debian's Chromium, in Chinese on a 390×844 phone screen (issue 15, items 15, 16 and 18):
what a person came to do is on the first screen, names and refusals read in their language, publishing
asks first and shows its progress, and the office's pages open where there is something to see."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import AccountabilityPeriod, PageCapture, Sighting
from models.enums import CaptureStatus
from monitor.accountability.generate import generate_period
from monitor.accountability.periods import PeriodCalendar
from tests.support.smtp import Mailbox, smtp_server
from tests.support.web import (
    PHONE,
    RIVAL_KEYS,
    RIVAL_NAMES,
    Site_,
    add_daily_evidence,
    browser_sign_in,
    chromium,
    make_web_settings,
    running_site,
    write_rival_config,
)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000
# An English word of three letters or more: none may appear in a Chinese refusal.
ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def site(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session], mailbox: Mailbox
) -> Iterator[Site_]:
    settings = make_web_settings(database_url, tmp_path)
    settings = settings.model_copy(
        update={
            "sites_dir": write_rival_config(tmp_path / "sites"),
            "smtp": settings.smtp.model_copy(update={"host": "127.0.0.1", "port": mailbox.port}),
        }
    )
    with running_site(settings, session_factory) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    with chromium() as launched:
        yield launched


def phone(browser: Any, site: Site_, username: str) -> Any:
    """A phone-sized page signed in as `username`."""
    page = browser.new_context(base_url=site.base_url, viewport=PHONE).new_page()
    browser_sign_in(page, username)
    return page


def top(page: Any, selector: str) -> float:
    """Where the element starts, in CSS pixels from the top of the page."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return float(box["y"]) + float(page.evaluate("window.scrollY"))


# --- 15: the form and the decision first -------------------------------------------------------------------


def test_the_form_and_the_review_box_are_on_a_phones_first_screen(browser: Any, site: Site_) -> None:
    from playwright.sync_api import expect

    with site.session_factory() as session:
        assert add_daily_evidence(session, site.settings, site.world, "item1", 9) == 36
        session.commit()
    item = f"/items/{site.world['item1']}"
    rep = phone(browser, site, "r1")
    rep.goto(item)
    expect(rep.locator("tr[data-evidence]")).to_have_count(37)  # ~40 rows of evidence wait below
    form = "form[action$='/explanation']"
    assert top(rep, form) < PHONE["height"]
    assert top(rep, "#evidence") > top(rep, form)
    # Evidence comes per placement (site · page · slot · ad text), each with its own days.
    placements = rep.locator("#evidence article.placement")
    expect(placements).to_have_count(5)
    expect(placements.first.locator(".placement-days li.day")).to_have_count(14)
    rep.select_option("select[name=reason]", "negotiating")
    rep.fill("textarea[name=text]", "客户正在与竞品谈判年度合同")
    rep.check("input[name=funnel_stage][value='70']")
    rep.click("button[value=submit]")
    expect(rep.locator("h1 [data-status]")).to_have_attribute("data-status", "submitted")

    manager = phone(browser, site, "mgr_bj")
    manager.goto(item)
    expect(manager.locator(".answers")).to_contain_text("谈判年度合同")
    assert top(manager, "form[action$='/review']") < PHONE["height"]
    assert top(manager, "#evidence") > top(manager, "form[action$='/review']")


# --- 16: display names and refusals in Chinese -----------------------------------------------------------


def _shown(page: Any) -> str:
    return str(page.inner_text("main"))


def test_chinese_pages_show_display_names_and_chinese_refusals(browser: Any, site: Site_) -> None:
    from playwright.sync_api import expect

    office = phone(browser, site, "office")
    office.goto(f"/items/{site.world['item1']}")
    shown = _shown(office)
    assert "竞品招聘网 · 竞品首页 · 名企Logo墙" in shown
    yesterday = site.settings.today() - dt.timedelta(days=1)
    office.goto(f"/office/crawl?day={yesterday.isoformat()}")
    shown += _shown(office)
    for name in RIVAL_NAMES:
        assert name in shown
    for key in RIVAL_KEYS:
        assert not re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", shown), f"the key {key!r} is shown"

    # A transfer refused by the roster reads in Chinese, not with the domain's English detail.
    office.goto("/office/roster")
    office.evaluate(
        "() => { const s = document.querySelector('select[name=customer]');"
        " s.add(new Option('C999', 'C999', true, true)); }"
    )
    office.select_option("select[name=to_rep]", "r1")
    office.fill("textarea[name=reason]", "客户总部迁移")
    office.click("#transfer button.primary")
    problem = office.locator("#transfer .problem")
    expect(problem).to_have_text("划转未完成：没有编号为 “C999” 的客户")
    assert not ENGLISH_WORD.search(problem.inner_text())

    # A period that has not ended is refused in Chinese too.
    current = PeriodCalendar.of(site.settings.accountability).containing(site.settings.today())
    office.goto("/office/periods")
    office.fill("input[name=start_date]", current.start.isoformat())
    office.click("form[action='/office/periods/generate'] button")
    flash = office.locator(".flash")
    expect(flash).to_contain_text("尚未结束")
    assert not ENGLISH_WORD.search(flash.inner_text())


def test_the_archived_report_shows_display_names(browser: Any, site: Site_) -> None:
    office = phone(browser, site, "office")
    office.goto(f"/office/periods/{site.world['period']}/report")
    office.click("#rep-totals a.rep-page >> nth=0")
    shown = str(office.inner_text("body"))
    assert "竞品首页" in shown and "名企Logo墙" in shown
    for key in ("home", "logo-wall"):
        assert not re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", shown), f"the key {key!r} is shown"


# --- 18: publishing, the archive, crawl health, match review, transfers -----------------------------------


def test_publishing_asks_first_then_shows_each_mail_until_all_are_sent(
    browser: Any, site: Site_, mailbox: Mailbox
) -> None:
    from playwright.sync_api import expect

    office = phone(browser, site, "office")
    office.goto("/office/periods")
    office.click(f"tr[data-period='{site.world['period']}'] a.publish-link")
    expect(office.locator("#confirm-publish")).to_be_visible()
    assert mailbox.messages == []  # asking sends nothing
    office.click("#confirm-publish button.primary")
    expect(office).to_have_url(re.compile(rf"/office/periods/{site.world['period']}/mails$"))
    # The page refreshes itself while the run goes on; it ends with every mail sent and what was done.
    expect(office.locator("#publish-state[data-state=done]")).to_contain_text("已发送 5 封邮件")
    expect(office.locator("tr.mail[data-status=sent]")).to_have_count(5)
    assert len(mailbox.messages) == 5


def _ended_period(site: Site_) -> int:
    """The last complete period, generated from the periods page (a capture on its last day holds it)."""
    last = PeriodCalendar.of(site.settings.accountability).last_complete(site.settings.today())
    with site.session_factory() as session, session.begin():
        first = session.get_one(PageCapture, site.world["capture_home"])
        session.add(
            PageCapture(
                page_id=first.page_id,
                crawl_run_id=first.crawl_run_id,
                capture_date=last.end,
                status=CaptureStatus.OK,
                url=first.url,
            )
        )
    with site.session_factory() as session:
        generate_period(session, site.settings, last.start, dt.datetime.now(dt.UTC))
        session.commit()
        return session.scalars(
            select(AccountabilityPeriod.id).where(AccountabilityPeriod.start_date == last.start)
        ).one()


def test_the_archived_report_serves_the_latest_generation(browser: Any, site: Site_) -> None:
    from playwright.sync_api import expect

    period_id = _ended_period(site)
    office = phone(browser, site, "office")
    office.goto(f"/office/periods/{period_id}/report")
    first = office.locator("#generated-at").inner_text()
    # Regenerated elsewhere (the scheduler, the command line) an hour later, its files not written yet.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    with site.session_factory() as session:
        period = session.get_one(AccountabilityPeriod, period_id)
        generate_period(session, site.settings, period.start_date, later)
        session.commit()
    office.reload()
    expect(office.locator("#generated-at")).not_to_have_text(first)
    expect(office.locator("#generated-at")).to_contain_text(
        later.astimezone(site.settings.tz).strftime("%H:%M")
    )


def test_crawl_health_opens_on_the_latest_crawled_day(browser: Any, site: Site_) -> None:
    from playwright.sync_api import expect

    office = phone(browser, site, "office")
    office.goto("/office/crawl")  # nothing was captured today yet: the world's captures are yesterday's
    yesterday = site.settings.today() - dt.timedelta(days=1)
    expect(office.locator("input[name=day]")).to_have_value(yesterday.isoformat())
    expect(office.locator("tr[data-page].health-ok")).to_have_count(2)


def test_match_review_shows_the_ads_screenshot(browser: Any, site: Site_) -> None:
    from playwright.sync_api import expect

    with site.session_factory() as session:
        sighting = session.get_one(Sighting, site.world["sighting1"])
        sighting.advertiser_id = site.world["advertiser_doubtful"]
        session.commit()
    office = phone(browser, site, "office")
    office.goto("/office/matches")
    shot = office.locator(f"tr[data-match='{site.world['match']}'] img.thumb")
    expect(shot).to_have_attribute("src", f"/evidence/sighting/{site.world['sighting1']}/element")
    shot.scroll_into_view_if_needed()
    office.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=shot.element_handle())
    assert shot.evaluate("img => img.naturalWidth") == 120


def test_a_transfer_picks_the_customer_from_a_search(browser: Any, site: Site_) -> None:
    from playwright.sync_api import expect

    office = phone(browser, site, "office")
    office.goto("/office/roster")
    office.fill("#customer-search input[name=q]", "客户2")
    office.click("#customer-search button")
    choices = office.locator("select[name=customer] option[value]:not([value=''])")
    expect(choices).to_have_count(1)
    expect(choices).to_have_text(re.compile(r"客户2有限公司（C2） · 李四"))
    office.select_option("select[name=to_rep]", "r1")
    office.fill("textarea[name=reason]", "客户总部迁至北京")
    office.click("#transfer button.primary")
    expect(office.locator(".flash").first).to_contain_text("C2")
    expect(office.locator(".flash").first).to_contain_text("r2")
