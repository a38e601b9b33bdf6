"""One generic spider: fetch every configured page once, read its slots, yield one PageCaptureItem each.

Nothing on a page is followed: the only requests are the configured page URLs and the creative images
of their ads (only from the page's host or the site's `creative_hosts`, each once per crawl), and
redirects leaving the allowed hosts are refused. Every page yields an item, failures included, so a
page that could not be seen is recorded as unknown; a creative that cannot be had is only logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import scrapy
from PIL import Image
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response
from twisted.internet import error as net_error
from twisted.python.failure import Failure

from monitor.core.evidence import sha256_hex
from monitor.core.siteconfig import PageConfig, SiteConfig
from spiders.browser import PageGuard, Rendered, context_options, crop_elements, render
from spiders.creatives import CreativeRequests, check_image
from spiders.extract import decode_page, extract_ads
from spiders.items import (
    CapturedAd,
    CreativeItem,
    ElementShot,
    PageCaptureItem,
    SlotResult,
    Status,
    slot_results,
)
from spiders.network import network_meta, received_message
from spiders.settings import allowed_hosts

BLOCKED_HTTP_STATUSES = frozenset({403, 429})
ERROR_STATUSES = list(range(400, 600))
# Anti-bot pages; only believed when none of the page's slots is there (real pages mention 验证码 in
# their login boxes).
CAPTCHA_TEXT = re.compile(
    r"captcha|geetest|nc_1_wrapper|are you a robot|unusual traffic|"
    r"滑动验证|滑块验证|安全验证|人机验证|访问过于频繁|请求过于频繁|异常访问|访问受限|验证码",
    re.IGNORECASE,
)
CAPTCHA_URL = re.compile(r"captcha|verify|security[-_]?check|antispider|waf", re.IGNORECASE)
_CHARSET = re.compile(r"charset=([\w.:-]+)", re.IGNORECASE)
TIMEOUT_ERRORS = (DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError)


def http_charset(response: Response) -> str | None:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None


def is_html(response: Response) -> bool:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    return not content_type or "html" in content_type or "xml" in content_type or "text/plain" in content_type


def looks_blocked(url: str, text: str, any_slot_found: bool) -> bool:
    """A captcha or anti-bot page served with 200 instead of the real page."""
    if any_slot_found:
        return False
    return bool(CAPTCHA_URL.search(url) or CAPTCHA_TEXT.search(text[:200_000]))


def failure_status(failure: Failure) -> Status:
    if failure.check(*TIMEOUT_ERRORS) or _is_playwright_timeout(failure.value):
        return "timeout"
    return "http_error"


def _is_playwright_timeout(error: BaseException) -> bool:
    return type(error).__name__ == "TimeoutError" and type(error).__module__.startswith("playwright")


def describe_failure(failure: Failure) -> str:
    if failure.check(IgnoreRequest):
        return f"refused: {failure.value}"
    return f"{failure.type.__name__ if failure.type else 'error'}: {failure.value}"[:2000]


class AdsSpider(scrapy.Spider):
    name = "ads"
    timeout_seconds = 30.0
    browser_user_agent: str | None = None
    static_screenshots = False

    def __init__(self, sites: list[SiteConfig], capture_date: dt.date, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites = {site.name: site for site in sites}
        self.capture_date = capture_date
        self.allowed_domains = allowed_hosts(sites)
        self.creatives = CreativeRequests(5_000_000, 15.0, self.parse_creative, self.creative_failed)
        # (site, page key) of the pages to crawl; None: every page of `sites` (a distributed batch: some).
        self.only_pages: frozenset[tuple[str, str]] | None = None
        # Browser windows kept for the next page of the same site (0: a fresh window per page).
        self.window_lanes = 0
        self._next_lane = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> AdsSpider:
        settings = crawler.settings
        kwargs.setdefault("sites", settings["RIVALWATCH_SITES"])
        kwargs.setdefault("capture_date", settings["RIVALWATCH_CAPTURE_DATE"])
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.timeout_seconds = settings.getfloat("DOWNLOAD_TIMEOUT")
        spider.browser_user_agent = settings.get("USER_AGENT")
        spider.static_screenshots = settings.getbool("RIVALWATCH_STATIC_SCREENSHOTS")
        spider.only_pages = settings.get("RIVALWATCH_PAGES")
        crawl = settings["RIVALWATCH_SETTINGS"].crawl
        if crawl.reuse_contexts and len(spider.sites) == 1:
            # One site's pages (a distributed batch): a few windows, each showing its pages one after
            # another, share the site's cookies and cached styles and logos, as one person browsing.
            # Never across sites; and one page per window at a time (a page sharing a window is a
            # background tab: its lazy logos never load). With several sites, every window would have
            # to stay open until the end, beyond PLAYWRIGHT_MAX_CONTEXTS: a fresh window per page.
            spider.window_lanes = settings.getint("PLAYWRIGHT_MAX_CONTEXTS", 1)
        spider.creatives.max_bytes = crawl.creative_max_bytes
        spider.creatives.timeout_seconds = crawl.creative_timeout_seconds
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sites.values():
            for page in site.pages:
                if self.only_pages is None or (site.name, page.key) in self.only_pages:
                    yield self.page_request(site, page)

    def page_request(self, site: SiteConfig, page: PageConfig) -> scrapy.Request:
        # Error pages come to the callback (to be recorded); redirects are still followed, within the sites.
        meta: dict[str, Any] = {
            "site": site.name,
            "page_key": page.key,
            "handle_httpstatus_list": ERROR_STATUSES,
        }
        if page.browser:
            meta.update(self.browser_meta(site, page))
        return scrapy.Request(
            site.page_url(page), callback=self.parse_page, errback=self.page_failed, meta=meta
        )

    def browser_meta(self, site: SiteConfig, page: PageConfig) -> dict[str, Any]:
        # One page per context (one window) at a time: a page sharing a window with another is a
        # background tab, and background tabs never fire the IntersectionObservers that load lazy logos.
        return {
            "playwright": True,
            "playwright_include_page": True,
            "playwright_context": self.window_for(site, page),
            "playwright_context_kwargs": context_options(self.browser_user_agent),
            # Not the load event: one subresource that never answers (a tracker pixel on another host)
            # would hold it for ever. render() waits for the slots and a bounded quiet network instead.
            "playwright_page_goto_kwargs": {
                "wait_until": "domcontentloaded",
                "timeout": self.timeout_seconds * 1000,
            },
            "playwright_page_init_callback": PageGuard(self.allowed_domains),
            **network_meta(),
        }

    def window_for(self, site: SiteConfig, page: PageConfig) -> str:
        """The name of the browser context the page is shown in: its own, or one of the site's lanes."""
        if not self.window_lanes:
            return f"{site.name}/{page.key}"
        self._next_lane = (self._next_lane + 1) % self.window_lanes
        return f"{site.name}#{self._next_lane}"

    async def close_page(self, page: Any) -> None:
        """Close the page, and its window too unless the window is kept for the site's next page."""
        await close_browser_page(page, keep_window=bool(self.window_lanes))

    def new_item(self, meta: dict[str, Any], url: str, status: Status, **values: Any) -> PageCaptureItem:
        return PageCaptureItem(
            site=meta["site"],
            page_key=meta["page_key"],
            url=url,
            capture_date=self.capture_date,
            status=status,
            fetched_at=dt.datetime.now(dt.UTC),
            **values,
        )

    async def parse_page(self, response: Response) -> AsyncIterator[PageCaptureItem | scrapy.Request]:
        browser_page = response.meta.get("playwright_page")
        try:
            item = await self.capture(response, browser_page)
            item.response = await received_message(response)
        finally:
            await self.close_page(browser_page)  # before the item is stored: free the window early
        site = self.sites[item.site]
        if browser_page is None and item.status == "ok" and self.static_screenshots:
            yield self.screenshot_request(site, site.page(item.page_key), item, response)
        else:
            yield item
        for request in self.creatives.for_page(item, site):
            yield request

    def screenshot_request(
        self, site: SiteConfig, page: PageConfig, item: PageCaptureItem, response: Response
    ) -> scrapy.Request:
        """Show Chromium the static page exactly as fetched (its document served from memory, its images
        and styles from the site) for the full-page and element screenshots; the item waits in meta."""
        content_type = (response.headers.get(b"Content-Type") or b"text/html").decode("latin-1")
        document = (response.url, response.body, content_type)
        timeout_ms = self.timeout_seconds * 1000
        meta = {
            **self.browser_meta(site, page),
            "site": site.name,
            "page_key": page.key,
            "capture": item,
            "playwright_page_init_callback": PageGuard(self.allowed_domains, document),
            # The document is at hand at once; its images are waited for while scrolling (up to a bound).
            "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded", "timeout": timeout_ms},
        }
        return scrapy.Request(
            response.url,
            callback=self.parse_screenshot,
            errback=self.screenshot_failed,
            meta=meta,
            dont_filter=True,
        )

    async def parse_screenshot(self, response: Response) -> AsyncIterator[PageCaptureItem]:
        item: PageCaptureItem = response.meta["capture"]
        browser_page = response.meta["playwright_page"]
        try:
            page = self.sites[item.site].page(item.page_key)
            guard = response.meta["playwright_page_init_callback"]
            rendered = await render(browser_page, page, guard, already_read=True)
        except Exception as exc:  # noqa: BLE001 - the page was read; only its picture is missing
            yield with_problems(item, [f"screenshot failed: {type(exc).__name__}: {exc}"[:500]])
            return
        finally:
            await self.close_page(browser_page)
        slots = await asyncio.to_thread(with_element_shots, rendered, item.slots)
        yield with_problems(replace(item, screenshot=rendered.screenshot, slots=slots), rendered.problems)

    async def screenshot_failed(self, failure: Failure) -> AsyncIterator[PageCaptureItem]:
        """The page was fetched and read; a browser that could not show it costs the picture only."""
        request = failure.request  # type: ignore[attr-defined]
        await self.close_page(request.meta.get("playwright_page"))
        self.logger.warning("screenshot of %s: %s", request.url, describe_failure(failure))
        problem = f"screenshot failed: {describe_failure(failure)}"[:500]
        yield with_problems(request.meta["capture"], [problem])

    async def capture(self, response: Response, browser_page: Any) -> PageCaptureItem:
        site = self.sites[response.meta["site"]]
        page = site.page(response.meta["page_key"])
        status_code = response.status
        body = response.body
        if status_code >= 400:
            status: Status = "blocked" if status_code in BLOCKED_HTTP_STATUSES else "http_error"
            return self.new_item(
                response.meta,
                response.url,
                status,
                http_status=status_code,
                error=f"HTTP {status_code}",
                html=body or None,
            )
        if not body.strip() or not is_html(response):
            return self.new_item(
                response.meta,
                response.url,
                "parse_error",
                http_status=status_code,
                html=body or None,
                error="empty page" if not body.strip() else "not an HTML page",
            )
        if browser_page is None:
            text = decode_page(body, page.encoding or site.encoding, http_charset(response))
            return await self.read_page(response, site, page, text, None)
        try:
            rendered = await render(browser_page, page, response.meta["playwright_page_init_callback"])
        except Exception as exc:  # noqa: BLE001 - a crashed or hung tab is this page's failure only
            status = "timeout" if _is_playwright_timeout(exc) else "parse_error"
            error = f"rendering failed: {type(exc).__name__}: {exc}"[:2000]
            return self.new_item(response.meta, response.url, status, http_status=status_code, error=error)
        return await self.read_page(response, site, page, rendered.html, rendered)

    async def read_page(
        self, response: Response, site: SiteConfig, page: PageConfig, text: str, rendered: Rendered | None
    ) -> PageCaptureItem:
        html = text.encode("utf-8") if rendered else response.body
        try:
            extraction = extract_ads(text, site, page, response.url)
        except Exception as exc:  # noqa: BLE001 - one odd page must not stop the crawl
            return self.new_item(
                response.meta,
                response.url,
                "parse_error",
                http_status=response.status,
                error=f"{type(exc).__name__}: {exc}",
                html=html,
                text=text,
            )
        found_any = any(slot.found for slot in extraction.slots)
        if looks_blocked(response.url, text, found_any):
            return self.new_item(
                response.meta,
                response.url,
                "blocked",
                http_status=response.status,
                error="anti-bot or captcha page",
                html=html,
                text=text,
            )
        slots = slot_results(extraction)
        if rendered:  # cutting up a full-page PNG is CPU work: off the reactor thread
            slots = await asyncio.to_thread(with_element_shots, rendered, slots)
        problems = rendered.problems if rendered else []
        return self.new_item(
            response.meta,
            response.url,
            "ok",
            http_status=response.status,
            html=html,
            text=text,
            screenshot=rendered.screenshot if rendered else None,
            error="; ".join(problems) or None,
            slots=slots,
        )

    async def page_failed(self, failure: Failure) -> AsyncIterator[PageCaptureItem]:
        request = failure.request  # type: ignore[attr-defined]
        await self.close_page(request.meta.get("playwright_page"))
        self.logger.warning("%s: %s", request.url, describe_failure(failure))
        yield self.new_item(
            request.meta, request.url, failure_status(failure), error=describe_failure(failure)
        )

    async def parse_creative(self, response: Response) -> AsyncIterator[CreativeItem]:
        url = response.meta["creative_url"]
        body = response.body
        # Decoding and hashing an image is CPU work: off the reactor thread, so pages keep flowing.
        info = await asyncio.to_thread(check_image, body, url)
        if info is None:
            return
        yield CreativeItem(
            url=url,
            data=body,
            sha256=sha256_hex(body),
            mime_type=info.mime_type,
            width=info.width,
            height=info.height,
            phash=info.phash,
            capture_date=self.capture_date,
        )

    def creative_failed(self, failure: Failure) -> None:
        """Records nothing: the page capture never depends on its creatives."""
        url = failure.request.meta["creative_url"]  # type: ignore[attr-defined]
        self.logger.info("creative %s not fetched: %s", url, describe_failure(failure))


async def close_browser_page(page: Any, keep_window: bool = False) -> None:
    """Close the page and its context (the next page gets a fresh window), or only the page."""
    if page is None:
        return
    await page.close()
    if not keep_window:
        await page.context.close()


def with_element_shots(rendered: Rendered, slots: list[SlotResult]) -> list[SlotResult]:
    """The slots with each ad's cut-out of the full-page screenshot, for slots where the browser and the
    parsed HTML agree on the elements (a slot where they differ keeps its ads without pictures)."""
    if rendered.screenshot is None:
        return slots
    ads: list[CapturedAd] = []
    boxes: list[dict[str, float] | None] = []
    for slot in slots:
        slot_boxes = rendered.boxes.get(slot.slot) or []
        if len(slot_boxes) != len(slot.ads):
            rendered.problems.append(
                f"slot {slot.slot!r}: {len(slot_boxes)} elements rendered, {len(slot.ads)} parsed"
            )
            continue
        ads += slot.ads
        boxes += slot_boxes
    if not ads:
        return slots
    try:  # one decode of the full page for every slot's cut-outs
        cutouts = crop_elements(rendered.screenshot, boxes)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:  # a page too huge to cut up
        rendered.problems.append(f"element screenshots failed: {exc}")
        return slots
    shots = {(ad.slot, ad.position): shot for ad, shot in zip(ads, cutouts, strict=True) if shot is not None}
    return [
        replace(slot, ads=[with_shot(ad, shots.get((ad.slot, ad.position))) for ad in slot.ads])
        for slot in slots
    ]


def with_shot(ad: CapturedAd, shot: ElementShot | None) -> CapturedAd:
    return replace(ad, element_screenshot=shot.png, box=shot.box) if shot else ad


def with_problems(item: PageCaptureItem, problems: list[str]) -> PageCaptureItem:
    """The item with these evidence problems added to its error note (its status stays)."""
    if not problems:
        return item
    return replace(item, error="; ".join([item.error, *problems] if item.error else problems))
