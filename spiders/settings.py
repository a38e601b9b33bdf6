"""Scrapy settings built from a Rivalwatch Settings object (there is no settings.py magic module here).

robots.txt is not obeyed (ROBOTSTXT_OBEY = False) on purpose: the crawl fetches only the few pages the
KA office configured for each competitor, once a day, follows no links and identifies itself with a
normal browser user agent. Job boards' robots.txt files typically disallow everything except search
engines, which would make the daily evidence impossible to collect; the low, fixed request volume is
what keeps the crawl polite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings.default_settings import EXTENSIONS_BASE

from monitor.core.settings import Settings
from monitor.core.siteconfig import SiteConfig

# Browser flags for running Debian's Chromium headless in containers and on servers.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MAX_PAGE_BYTES = 20 * 1024 * 1024
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
REMOTE_CONTROL_EXTENSION = "scrapy.extensions.remote_control.RemoteControl"


def allowed_hosts(sites: list[SiteConfig]) -> list[str]:
    """The host names of every configured page: nothing outside them is ever fetched as a page."""
    hosts = {urlsplit(site.page_url(page)).hostname or "" for site in sites for page in site.pages}
    return sorted(host for host in hosts if host)


def needs_browser(settings: Settings, sites: list[SiteConfig]) -> bool:
    """Browser pages need Chromium; so do static pages when they get screenshots (the default)."""
    if settings.crawl.static_screenshots:
        return any(site.pages for site in sites)
    return any(page.browser for site in sites for page in site.pages)


def scrapy_settings(
    settings: Settings,
    sites: list[SiteConfig],
    capture_date: dt.date,
    site_filter: str | None = None,
    progress: bool = False,
    pages: Collection[tuple[str, str]] | None = None,
    lease_owner: str | None = None,
) -> dict[str, Any]:
    """Everything the crawl process needs, as a Scrapy settings dict (read once by spider and pipeline).

    `pages` (site, page key) limits the crawl to those pages (all of `sites` are still synced to the
    database); `lease_owner` makes it a distributed batch's crawl (see spiders.pipelines).

    `progress` shows a progress bar on stderr, and only errors from the log so the bar stays readable
    (the summary printed at the end says what became of every page).
    """
    crawl = settings.crawl
    values: dict[str, Any] = {
        "BOT_NAME": "rivalwatch",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_TIMEOUT": crawl.timeout_seconds,
        "DOWNLOAD_DELAY": crawl.download_delay_seconds,
        "CONCURRENT_REQUESTS": crawl.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": min(crawl.concurrent_requests, 4),
        "DOWNLOAD_MAXSIZE": MAX_PAGE_BYTES,
        "DOWNLOAD_WARNSIZE": MAX_PAGE_BYTES // 4,
        # One retry for transient failures; 429 means "blocked", and retrying it at once only makes it worse.
        "RETRY_TIMES": 1,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408],
        # Pages come from the configs only; two configs may share a URL, and nothing is followed.
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        # No listening ports in a crawl process: no telnet console, no remote-control server.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "ERROR" if progress else "INFO",
        "ITEM_PIPELINES": {"spiders.pipelines.CapturePipeline": 300},
        "EXTENSIONS": {"spiders.progress.CrawlProgress": 500},
        # Scrapy imports every extension it lists, even one set to None; the remote control's import is
        # aiohttp (0.1-0.4 s of each crawl process) only to find REMOTE_CONTROL_ENABLED off.
        "EXTENSIONS_BASE": {
            name: order for name, order in EXTENSIONS_BASE.items() if name != REMOTE_CONTROL_EXTENSION
        },
        # Above RedirectMiddleware (600) and MetaRefreshMiddleware (580): sees responses before them;
        # the browser retry above RetryMiddleware (550), so a retry gets a fresh browser window.
        "DOWNLOADER_MIDDLEWARES": {
            "spiders.middlewares.OffsiteRedirectMiddleware": 650,
            "spiders.retries.BrowserRetryMiddleware": 560,
        },
        "RIVALWATCH_SETTINGS": settings,
        "RIVALWATCH_SITES": sites,
        "RIVALWATCH_CAPTURE_DATE": capture_date,
        "RIVALWATCH_SITE_FILTER": site_filter,
        "RIVALWATCH_PROGRESS": progress,
        "RIVALWATCH_PAGES": None if pages is None else frozenset(pages),
        "RIVALWATCH_LEASE_OWNER": lease_owner,
        "RIVALWATCH_STATIC_SCREENSHOTS": settings.crawl.static_screenshots,
    }
    if needs_browser(settings, sites):
        values.update(browser_settings(settings, sites))
    return values


def browser_settings(settings: Settings, sites: list[SiteConfig]) -> dict[str, Any]:
    """scrapy-playwright, only when some page needs a browser (plain pages still use Scrapy's downloader)."""
    timeout_ms = int(settings.crawl.timeout_seconds * 1000)
    return {
        "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": settings.crawl.chromium_path,
            "args": CHROMIUM_ARGS,
            "headless": True,
            # Playwright turns Chromium's popup blocker off; a person's browser blocks windows a page
            # opens by script (ad pop-unders), and the crawl must not visit, or count as a click on, them.
            "ignore_default_args": ["--disable-popup-blocking"],
        },
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
        # How long to wait after an aborted navigation for a "download" that will never come.
        "PLAYWRIGHT_DOWNLOAD_TIMEOUT": 2000,
        # Chromium's own headers (the context sets the user agent and language): scrapy-playwright then
        # skips rewriting the headers of every subresource request in Python.
        "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
        # One page per context (see AdsSpider.browser_meta); at most this many browser windows at once.
        "PLAYWRIGHT_MAX_CONTEXTS": max(1, min(settings.crawl.concurrent_requests, 4)),
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
    }
