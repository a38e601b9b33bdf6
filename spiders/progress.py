"""A progress bar for a crawl run by hand: pages done of the total and the page just done, on stderr.

Enabled only by the RIVALWATCH_PROGRESS setting, which `rivalwatch crawl` sets when stderr is a
terminal; scheduled, demo and test crawls print nothing extra.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from spiders.items import PageCaptureItem


class CrawlProgress:
    """A Scrapy extension: one step of the bar per page capture handed to the pipeline."""

    def __init__(self, total_pages: int) -> None:
        self.total_pages = total_pages
        self.bar: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        if not crawler.settings.getbool("RIVALWATCH_PROGRESS"):
            raise NotConfigured("progress bar only for a crawl run in a terminal")
        extension = cls(sum(len(site.pages) for site in crawler.settings["RIVALWATCH_SITES"]))
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.page_done, signal=signals.item_scraped)
        crawler.signals.connect(extension.page_done, signal=signals.item_error)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self) -> None:
        self.bar = click.progressbar(
            length=self.total_pages,
            label="capturing",
            file=sys.stderr,
            show_pos=True,
            item_show_func=lambda page: page,
        )
        self.bar.__enter__()

    def page_done(self, item: Any, **_: Any) -> None:
        if self.bar is not None and isinstance(item, PageCaptureItem):
            self.bar.update(1, f"{item.site}/{item.page_key} {item.status}")

    def closed(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
