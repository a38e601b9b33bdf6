"""The one pipeline: persist each item in its own transaction (logic in spiders.persist)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_session_factory, transaction
from models.enums import RunStatus
from monitor.core.evidence import open_evidence_store
from monitor.core.settings import Settings
from monitor.core.siteconfig import SiteConfig
from spiders import persist
from spiders.items import CreativeItem, PageCaptureItem

logger = logging.getLogger(__name__)


class CapturePipeline:
    """Opens a CrawlRun for the day, stores every page capture and creative, closes the run."""

    def __init__(
        self, settings: Settings, sites: list[SiteConfig], capture_date: dt.date, site_filter: str | None
    ) -> None:
        self.settings = settings
        self.sites = sites
        self.capture_date = capture_date
        self.site_filter = site_filter
        self.evidence = open_evidence_store(settings)
        self.engine: Engine | None = None
        self.factory: sessionmaker[Session] | None = None
        self.run_id: int | None = None
        self.pages_ok = 0
        self.pages_failed = 0
        # Image URL -> Creative id, for the creatives stored in this crawl; and the pages stored before
        # their creative (a creative arrives after the first page that shows it, often after several).
        self.creative_ids: dict[str, int] = {}
        self.unlinked: dict[str, set[tuple[str, str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CapturePipeline:
        settings = crawler.settings
        pipeline = cls(
            settings["RIVALWATCH_SETTINGS"],
            settings["RIVALWATCH_SITES"],
            settings["RIVALWATCH_CAPTURE_DATE"],
            settings.get("RIVALWATCH_SITE_FILTER"),
        )
        # The run is closed on spider_closed, which (unlike close_spider) says why the crawl ended.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.engine = make_engine(self.settings.database)
        self.factory = make_session_factory(self.engine)
        now = dt.datetime.now(dt.UTC)
        with transaction(self.factory) as session:
            persist.fail_stale_runs(session, now)
            persist.sync_sites(session, self.sites)
            self.run_id = persist.start_run(session, self.capture_date, self.site_filter, now).id

    def process_item(self, item: Any) -> Any:
        assert self.factory is not None and self.run_id is not None
        if isinstance(item, PageCaptureItem):
            self.save_page(self.factory, self.run_id, item)
        elif isinstance(item, CreativeItem):
            self.save_creative(self.factory, self.run_id, item)
        return item

    def save_page(self, factory: sessionmaker[Session], run_id: int, item: PageCaptureItem) -> None:
        with transaction(factory) as session:
            persist.save_capture(session, item, run_id, self.evidence, self.creative_ids)
        if item.status == "ok":
            self.pages_ok += 1
            for url in {ad.image for ad in item.ads if ad.image and ad.image not in self.creative_ids}:
                self.unlinked.setdefault(url, set()).add((item.site, item.page_key))
        else:
            self.pages_failed += 1

    def save_creative(self, factory: sessionmaker[Session], run_id: int, item: CreativeItem) -> None:
        pages = sorted(self.unlinked.pop(item.url, set()))
        now = dt.datetime.now(dt.UTC)
        with transaction(factory) as session:
            self.creative_ids[item.url] = persist.save_creative(
                session, item, run_id, self.evidence, now, pages
            )

    def spider_closed(self, reason: str) -> None:
        if self.factory is None or self.engine is None:
            return
        if self.run_id is not None:
            status = RunStatus.FINISHED if reason == "finished" else RunStatus.FAILED
            if status is RunStatus.FAILED:
                logger.warning("crawl ended early (%s): run %d marked failed", reason, self.run_id)
            with transaction(self.factory) as session:
                persist.finish_run(
                    session, self.run_id, self.pages_ok, self.pages_failed, dt.datetime.now(dt.UTC), status
                )
        self.engine.dispose()
        self.engine = self.factory = None
