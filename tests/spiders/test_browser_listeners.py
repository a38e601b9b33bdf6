"""A browser page handed over by scrapy-playwright stops reporting its requests to Python.

scrapy-playwright leaves a request and a response listener on every page (its statistics, a download's
headers); `spiders.browser.drop_handler_listeners` removes them before the page is scrolled, so the lazy
images the scroll loads are not each an event and a round trip. Its close listener must stay: that is
how scrapy-playwright frees the page's slot.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from monitor.demo.fixture_server import FixtureServer
from spiders.browser import drop_handler_listeners, scroll_to_bottom
from spiders.settings import CHROMIUM_ARGS
from tests.support.paths import CHROMIUM

pytestmark = pytest.mark.browser


async def _events_while_scrolling(url: str, drop: bool) -> tuple[int, bool]:
    """(request and response events after the hand-over, whether the close listener still ran)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await (await browser.new_context(viewport={"width": 1366, "height": 900})).new_page()
        seen: list[str] = []
        closed: list[bool] = []
        # The listeners scrapy-playwright puts on a page.
        page.on("request", lambda request: seen.append(request.url))
        page.on("response", lambda response: seen.append(response.url))
        page.on("close", lambda _: closed.append(True))
        await page.goto(url)
        seen.clear()
        if drop:
            drop_handler_listeners(page)
        await scroll_to_bottom(page)
        await page.close()
        await browser.close()
        return len(seen), bool(closed)


def test_a_handed_over_page_sends_no_request_events_but_still_reports_its_close() -> None:
    with FixtureServer(day=dt.date(2026, 11, 12)) as server:
        url = f"{server.base_url}/feizhi/"
        kept, kept_closed = asyncio.run(_events_while_scrolling(url, drop=False))
        dropped, dropped_closed = asyncio.run(_events_while_scrolling(url, drop=True))
    # The scroll loads the lazy logos: with the listeners on, each is reported.
    assert kept > 10
    assert dropped == 0
    assert kept_closed and dropped_closed
