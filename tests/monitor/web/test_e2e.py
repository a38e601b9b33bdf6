"""End to end in Debian's Chromium: a rep submits a form, a manager (signed in by an email link) sends it
back, the rep resubmits, the manager accepts, and the rep sees each status change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Sighting, User
from monitor.accounts.login_links import make_login_link
from monitor.core.settings import Settings
from spiders.settings import CHROMIUM_ARGS
from tests.support.paths import CHROMIUM
from tests.support.web import PASSWORD, World, make_web_settings, running_site

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def running(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> Iterator[tuple[str, World, Settings]]:
    settings = make_web_settings(database_url, tmp_path)
    with running_site(settings, session_factory) as site:
        yield site.base_url, site.world, settings.model_copy(update={"base_url": site.base_url})


def manager_link(settings: Settings, session_factory: sessionmaker[Session], next_path: str) -> str:
    with session_factory() as session:
        manager = session.scalars(select(User).where(User.username == "mgr_bj")).one()
        link = make_login_link(settings, session, manager, next_path)
        session.commit()
    return link


def test_form_round_trip_between_rep_and_manager(
    browser: object, running: tuple[str, World, Settings], session_factory: sessionmaker[Session]
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    base_url, world, settings = running
    expect.set_options(timeout=TIMEOUT_MS)
    # Two contexts: two people with their own cookies.
    rep_context = browser.new_context(base_url=base_url)
    manager_context = browser.new_context(base_url=base_url)
    rep = rep_context.new_page()
    manager = manager_context.new_page()
    item_path = f"/items/{world['item1']}"

    # The rep signs in with a password and submits the form.
    rep.goto("/login")
    rep.fill("input[name=username]", "r1")
    rep.fill("input[name=password]", PASSWORD)
    rep.click("button[type=submit].primary")
    expect(rep.locator(f"tr[data-item='{world['item1']}']")).to_be_visible()
    rep.click(f"tr[data-item='{world['item1']}'] a")
    expect(rep).to_have_url(re.compile(re.escape(item_path) + "$"))
    rep.select_option("select[name=reason]", "negotiating")
    rep.fill("textarea[name=text]", "客户正在与竞品谈判年度合同")
    rep.check("input[name=funnel_stage][value='70']")
    rep.fill("textarea[name=next_step]", "下周拜访HR总监")
    rep.fill("input[name=next_step_date]", "2026-12-01")
    rep.click("button[value=submit]")
    expect(rep.locator("h1 [data-status]")).to_have_attribute("data-status", "submitted")

    # The manager follows the report email's link, sees the evidence and sends the form back.
    manager.goto(manager_link(settings, session_factory, item_path))
    manager.click("form[action='/login/link'] button")
    expect(manager).to_have_url(re.compile(re.escape(item_path) + "$"))
    element = manager.locator(f"img[src='/evidence/sighting/{world['sighting1']}/element']")
    expect(element).to_be_visible()
    # Visible is not loaded (the image is lazy): wait for its pixels, with the test's deadline.
    manager.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=element.element_handle(), timeout=TIMEOUT_MS
    )
    assert element.evaluate("img => img.naturalWidth") == 120
    expect(manager.locator(f"img[src='/evidence/capture/{world['capture_home']}/page']")).to_be_visible()
    manager.fill("textarea[name=comment]", "请补充客户预算情况")
    manager.click("button[value=send_back]")
    expect(manager.locator("h1 [data-status]")).to_have_attribute("data-status", "sent_back")

    # The rep sees the comment, edits and resubmits.
    rep.reload()
    expect(rep.locator("h1 [data-status]")).to_have_attribute("data-status", "sent_back")
    expect(rep.locator(".reviewer-comment")).to_have_text("请补充客户预算情况")
    rep.fill("textarea[name=text]", "客户预算已投放竞品，正在争取下半年预算")
    rep.click("button[value=submit]")
    expect(rep.locator("h1 [data-status]")).to_have_attribute("data-status", "submitted")

    # The manager accepts; the rep sees it accepted and can no longer edit.
    manager.reload()
    expect(manager.locator(".answers")).to_contain_text("正在争取下半年预算")
    manager.click("button[value=accept]")
    expect(manager.locator("h1 [data-status]")).to_have_attribute("data-status", "accepted")
    rep.goto("/items")
    expect(rep.locator(f"tr[data-item='{world['item1']}'] [data-status]")).to_have_attribute(
        "data-status", "accepted"
    )
    rep.goto(item_path)
    expect(rep.locator("form[action$='/explanation']")).to_have_count(0)
    rep_context.close()
    manager_context.close()


def test_the_ads_box_is_outlined_over_the_page_screenshot(
    browser: object, running: tuple[str, World, Settings], session_factory: sessionmaker[Session]
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    base_url, world, _ = running
    expect.set_options(timeout=TIMEOUT_MS)
    with session_factory() as session:
        sighting = session.get(Sighting, world["sighting1"])
        assert sighting is not None
        sighting.box_x, sighting.box_y, sighting.box_width, sighting.box_height = 24, 310, 160, 48
        session.commit()
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Security Policy" in message.text else None
    )
    page.goto("/login")
    page.fill("input[name=username]", "mgr_bj")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    screenshot = f"/evidence/capture/{world['capture_home']}/page"
    with page.expect_response(lambda response: response.url.endswith(screenshot)) as loaded:
        page.goto(f"/items/{world['item1']}")
    assert loaded.value.status == 200
    outline = page.locator("svg.page-outline")
    rect = outline.locator("rect.ad-box")
    expect(rect).to_be_visible()
    drawn, box = outline.locator("image").bounding_box(), rect.bounding_box()
    assert drawn is not None and box is not None
    # The outline scales with the screenshot (400x600) however it is shown: the ad's box keeps its place.
    scale = drawn["width"] / 400
    assert 0 < scale <= 1 and abs(drawn["height"] - 600 * scale) < 2
    assert abs(box["x"] - drawn["x"] - 24 * scale) < 4 and abs(box["y"] - drawn["y"] - 310 * scale) < 4
    assert abs(box["width"] - 160 * scale) < 6 and abs(box["height"] - 48 * scale) < 6
    assert blocked == []
    context.close()
