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
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
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
from spiders.images import ImageInfo
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


def unread_item_fields(response: Response) -> dict[str, Any] | None:
    """The capture's fields when the response is no page to read (an error status, empty, not HTML)."""
    code, body = response.status, response.body
    if code >= 400:
        status: Status = "blocked" if code in BLOCKED_HTTP_STATUSES else "http_error"
        return {"status": status, "http_status": code, "error": f"HTTP {code}", "html": body or None}
    if not body.strip() or not is_html(response):
        error = "empty page" if not body.strip() else "not an HTML page"
        return {"status": "parse_error", "http_status": code, "error": error, "html": body or None}
    return None


@dataclass(frozen=True)
class Reading:
    """What reading a page's text made of it: its slots (ok), or why it is not the page (blocked,
    parse_error)."""

    text: str
    status: Status
    error: str | None = None
    slots: list[SlotResult] = field(default_factory=list)


def read_text(text: str, site: SiteConfig, page: PageConfig, url: str) -> Reading:
    """Read the ads out of the page's text. CPU work (parsing, selectors): run in the reader thread."""
    try:
        extraction = extract_ads(text, site, page, url)
    except Exception as exc:  # noqa: BLE001 - one odd page must not stop the crawl
        return Reading(text, "parse_error", f"{type(exc).__name__}: {exc}")
    if looks_blocked(url, text, any(slot.found for slot in extraction.slots)):
        return Reading(text, "blocked", "anti-bot or captcha page")
    return Reading(text, "ok", slots=slot_results(extraction))


def read_body(body: bytes, site: SiteConfig, page: PageConfig, charset: str | None, url: str) -> Reading:
    """Decode a fetched page's bytes, then read them (read_text)."""
    return read_text(decode_page(body, page.encoding or site.encoding, charset), site, page, url)


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
        # Pages are read (decoded, parsed, their ads extracted) here, one at a time, off the reactor
        # thread: the reactor keeps driving the browser windows meanwhile. One thread, so that lxml's
        # parsers and compiled selectors are never used by two threads at once.
        self.reader = ThreadPoolExecutor(1, thread_name_prefix="page-reader")

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

    def closed(self, reason: str) -> None:
        """Scrapy's hook at the end of the crawl: the reader thread has nothing left to read."""
        self.reader.shutdown(wait=False)

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
        site = self.sites[response.meta["site"]]
        if browser_page is None and self.static_screenshots and unread_item_fields(response) is None:
            # Chromium is sent the page at once and reading it goes on meanwhile, in the reader thread:
            # the two steps overlap instead of following each other, and the reactor stays free.
            reading = asyncio.ensure_future(self.captured(response, None))
            yield self.screenshot_request(site, site.page(response.meta["page_key"]), reading, response)
            item = await reading
        else:
            try:
                item = await self.captured(response, browser_page)
            finally:
                await self.close_page(browser_page)  # before the item is stored: free the window early
            yield item
        for request in self.creatives.for_page(item, site):
            yield request

    async def captured(self, response: Response, browser_page: Any) -> PageCaptureItem:
        """The page's capture with the HTTP response as received."""
        item = await self.capture(response, browser_page)
        item.response = await received_message(response)
        return item

    def screenshot_request(
        self,
        site: SiteConfig,
        page: PageConfig,
        reading: asyncio.Future[PageCaptureItem],
        response: Response,
    ) -> scrapy.Request:
        """Show Chromium the static page exactly as fetched (its document served from memory, its images
        and styles from the site) for the full-page and element screenshots; the page's `reading` (its
        capture, without pictures) is awaited in meta."""
        content_type = (response.headers.get(b"Content-Type") or b"text/html").decode("latin-1")
        document = (response.url, response.body, content_type)
        timeout_ms = self.timeout_seconds * 1000
        meta = {
            **self.browser_meta(site, page),
            "site": site.name,
            "page_key": page.key,
            "capture": reading,
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
        browser_page = response.meta["playwright_page"]
        rendered: Rendered | None = None
        problem: str | None = None
        try:
            page = self.sites[response.meta["site"]].page(response.meta["page_key"])
            guard = response.meta["playwright_page_init_callback"]
            rendered = await render(browser_page, page, guard, already_read=True)
        except Exception as exc:  # noqa: BLE001 - the page was read; only its picture is missing
            problem = f"screenshot failed: {type(exc).__name__}: {exc}"[:500]
        finally:
            await self.close_page(browser_page)
        item: PageCaptureItem = await response.meta["capture"]
        if rendered is None or item.status != "ok":
            yield without_picture(item, problem)
            return
        slots = await asyncio.to_thread(with_element_shots, rendered, item.slots)
        yield with_problems(replace(item, screenshot=rendered.screenshot, slots=slots), rendered.problems)

    async def screenshot_failed(self, failure: Failure) -> AsyncIterator[PageCaptureItem]:
        """The page was fetched and read; a browser that could not show it costs the picture only."""
        request = failure.request  # type: ignore[attr-defined]
        await self.close_page(request.meta.get("playwright_page"))
        self.logger.warning("screenshot of %s: %s", request.url, describe_failure(failure))
        item = await request.meta["capture"]
        yield without_picture(item, f"screenshot failed: {describe_failure(failure)}"[:500])

    async def capture(self, response: Response, browser_page: Any) -> PageCaptureItem:
        site = self.sites[response.meta["site"]]
        page = site.page(response.meta["page_key"])
        unread = unread_item_fields(response)
        if unread is not None:
            return self.new_item(response.meta, response.url, **unread)
        if browser_page is None:
            charset = http_charset(response)
            reading = await self.in_reader(read_body, response.body, site, page, charset, response.url)
            return await self.read_page(response, reading, None)
        try:
            rendered = await render(browser_page, page, response.meta["playwright_page_init_callback"])
        except Exception as exc:  # noqa: BLE001 - a crashed or hung tab is this page's failure only
            status: Status = "timeout" if _is_playwright_timeout(exc) else "parse_error"
            error = f"rendering failed: {type(exc).__name__}: {exc}"[:2000]
            return self.new_item(
                response.meta, response.url, status, http_status=response.status, error=error
            )
        reading = await self.in_reader(read_text, rendered.html, site, page, response.url)
        return await self.read_page(response, reading, rendered)

    async def in_reader(self, function: Callable[..., Reading], *args: Any) -> Reading:
        """Run a page's reading (decoding, parsing, extraction) in the spider's one reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self.reader, function, *args)

    async def read_page(
        self, response: Response, reading: Reading, rendered: Rendered | None
    ) -> PageCaptureItem:
        html = reading.text.encode("utf-8") if rendered else response.body
        if reading.status != "ok":
            return self.new_item(
                response.meta,
                response.url,
                reading.status,
                http_status=response.status,
                error=reading.error,
                html=html,
                text=reading.text,
            )
        slots = reading.slots
        if rendered:  # cutting up a full-page picture is CPU work: off the reactor thread
            slots = await asyncio.to_thread(with_element_shots, rendered, slots)
        problems = rendered.problems if rendered else []
        return self.new_item(
            response.meta,
            response.url,
            "ok",
            http_status=response.status,
            html=html,
            text=reading.text,
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
        checked = await asyncio.to_thread(check_creative, body, url)
        if checked is None:
            return
        info, sha = checked
        yield CreativeItem(
            url=url,
            data=body,
            sha256=sha,
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


def check_creative(body: bytes, url: str) -> tuple[ImageInfo, str] | None:
    """The creative's image facts and SHA-256, or None when it is no acceptable image."""
    info = check_image(body, url)
    return None if info is None else (info, sha256_hex(body))


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


def without_picture(item: PageCaptureItem, problem: str | None) -> PageCaptureItem:
    """A page read but not pictured says why in its error note; one that was not read as the page (a
    captcha, an error) never gets a picture, and needs no note for it."""
    if problem is None or item.status != "ok":
        return item
    return with_problems(item, [problem])
