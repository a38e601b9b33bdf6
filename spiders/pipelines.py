"""The one pipeline: persist each PageCaptureItem in its own transaction (logic in spiders.persist)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from scrapy.crawler import Crawler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_session_factory, transaction
from monitor.evidence import EvidenceStore
from monitor.settings import Settings
from monitor.siteconfig import SiteConfig
from spiders import persist
from spiders.items import PageCaptureItem

logger = logging.getLogger(__name__)


class CapturePipeline:
    """Opens a CrawlRun for the day, stores every page capture, closes the run with its counts."""

    def __init__(
        self, settings: Settings, sites: list[SiteConfig], capture_date: dt.date, site_filter: str | None
    ) -> None:
        self.settings = settings
        self.sites = sites
        self.capture_date = capture_date
        self.site_filter = site_filter
        self.evidence = EvidenceStore(settings.evidence_path)
        self.engine: Engine | None = None
        self.factory: sessionmaker[Session] | None = None
        self.run_id: int | None = None
        self.pages_ok = 0
        self.pages_failed = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CapturePipeline:
        settings = crawler.settings
        return cls(
            settings["RIVALWATCH_SETTINGS"],
            settings["RIVALWATCH_SITES"],
            settings["RIVALWATCH_CAPTURE_DATE"],
            settings.get("RIVALWATCH_SITE_FILTER"),
        )

    def open_spider(self) -> None:
        self.engine = make_engine(self.settings.database)
        self.factory = make_session_factory(self.engine)
        with transaction(self.factory) as session:
            persist.sync_sites(session, self.sites)
            self.run_id = persist.start_run(
                session, self.capture_date, self.site_filter, dt.datetime.now(dt.UTC)
            ).id

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageCaptureItem):
            return item
        assert self.factory is not None and self.run_id is not None
        with transaction(self.factory) as session:
            persist.save_capture(session, item, self.run_id, self.evidence)
        if item.status == "ok":
            self.pages_ok += 1
        else:
            self.pages_failed += 1
        return item

    def close_spider(self) -> None:
        if self.factory is None or self.engine is None:
            return
        if self.run_id is not None:
            with transaction(self.factory) as session:
                persist.finish_run(
                    session, self.run_id, self.pages_ok, self.pages_failed, dt.datetime.now(dt.UTC)
                )
        self.engine.dispose()
