"""The one pipeline: persist each item in its own transaction (logic in spiders.persist).

Nothing here runs on the reactor thread while the crawl is on, but for opening and closing the run:
evidence files are uploaded from worker threads (hashing, writing, an S3 PUT each), several items at
once, and then each item's transaction runs in the one database thread, in the order the uploads end.
The reactor meanwhile keeps driving the browser windows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import DatabaseUnavailable, make_engine, make_session_factory, retrying, transaction
from models.enums import RunStatus
from monitor.core.evidence import EvidenceStorage, open_evidence_store, sha256_hex
from monitor.core.settings import Settings
from monitor.core.siteconfig import SiteConfig
from spiders import persist
from spiders.items import CreativeItem, PageCaptureItem, RunState

logger = logging.getLogger(__name__)
T = TypeVar("T")


class CapturePipeline:
    """Opens a CrawlRun for the day, stores every page capture and creative, closes the run."""

    def __init__(
        self,
        settings: Settings,
        sites: list[SiteConfig],
        capture_date: dt.date,
        site_filter: str | None,
        lease_owner: str | None = None,
    ) -> None:
        self.settings = settings
        self.sites = sites
        self.capture_date = capture_date
        self.site_filter = site_filter
        self.evidence = EvidenceUploads(open_evidence_store(settings))
        # Every transaction of the crawl, one after another: the creatives' bookkeeping below is only
        # ever touched there, so a page and the creative it shows cannot miss each other's link.
        self.database_thread = ThreadPoolExecutor(1, thread_name_prefix="capture-database")
        # Set when a Celery worker runs this crawl over pages it leased (monitor.capture.distributed):
        # each capture is stored only together with its page's task row turning done under that lease.
        self.lease_owner = lease_owner
        self.engine: Engine | None = None
        self.factory: sessionmaker[Session] | None = None
        self.run_id: int | None = None
        self.pages_ok = 0
        self.pages_failed = 0
        # Image URL -> Creative id, for the creatives stored in this crawl; and the pages stored before
        # their creative (a creative arrives after the first page that shows it, often after several).
        self.creative_ids: dict[str, int] = {}
        self.unlinked: dict[str, set[tuple[str, str]]] = {}
        # Told back to whoever started the crawl: the run's id and how it ended.
        self.state = RunState()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CapturePipeline:
        settings = crawler.settings
        pipeline = cls(
            settings["RIVALWATCH_SETTINGS"],
            settings["RIVALWATCH_SITES"],
            settings["RIVALWATCH_CAPTURE_DATE"],
            settings.get("RIVALWATCH_SITE_FILTER"),
            settings.get("RIVALWATCH_LEASE_OWNER"),
        )
        pipeline.state = settings.get("RIVALWATCH_RUN_STATE") or RunState()
        # The run is closed on spider_closed, which (unlike close_spider) says why the crawl ended.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.engine = make_engine(self.settings.database)
        self.factory = make_session_factory(self.engine)
        url, wait = self.settings.database, self.settings.crawl.database_wait_seconds
        try:
            self.run_id = self.state.run_id = retrying(self._start_run, url, wait)
        except DatabaseUnavailable as exc:
            self.state.database_error = str(exc)
            raise

    def _start_run(self) -> int:
        assert self.factory is not None
        now = dt.datetime.now(dt.UTC)
        with transaction(self.factory) as session:
            persist.close_dead_runs(session, now)
            persist.sync_sites(session, self.sites)
            return persist.start_run(session, self.capture_date, self.site_filter, now).id

    async def process_item(self, item: Any) -> Any:
        assert self.factory is not None and self.run_id is not None
        if isinstance(item, PageCaptureItem):
            # Upload first, outside any transaction (the store may be S3): the rows then cite stored files.
            files = [item.html, item.screenshot, item.response, *_element_shots(item)]
            uploaded = await asyncio.to_thread(self.evidence.upload, files)
            await self.in_database_thread(self.save_page, self.factory, self.run_id, item, uploaded)
        elif isinstance(item, CreativeItem):
            uploaded = await asyncio.to_thread(self.evidence.upload, [item.data])
            await self.in_database_thread(self.save_creative, self.factory, self.run_id, item, uploaded)
        return item

    async def in_database_thread(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.database_thread, function, *args)

    def save_page(
        self, factory: sessionmaker[Session], run_id: int, item: PageCaptureItem, uploaded: UploadedEvidence
    ) -> None:
        with transaction(factory) as session:
            capture = persist.save_capture(session, item, run_id, uploaded, self.creative_ids)
            if self.lease_owner is not None:
                persist.finish_leased_page(
                    session, capture, self.lease_owner, run_id, dt.datetime.now(dt.UTC)
                )
        if item.status == "ok":
            self.pages_ok += 1
            for url in {ad.image for ad in item.ads if ad.image and ad.image not in self.creative_ids}:
                self.unlinked.setdefault(url, set()).add((item.site, item.page_key))
        else:
            self.pages_failed += 1

    def save_creative(
        self, factory: sessionmaker[Session], run_id: int, item: CreativeItem, uploaded: UploadedEvidence
    ) -> None:
        pages = sorted(self.unlinked.pop(item.url, set()))
        now = dt.datetime.now(dt.UTC)
        with transaction(factory) as session:
            self.creative_ids[item.url] = persist.save_creative(session, item, run_id, uploaded, now, pages)

    def spider_closed(self, reason: str) -> None:
        if self.factory is None or self.engine is None:
            return
        self.state.reason = reason
        if self.run_id is not None:
            status, note = run_end(reason)
            if note:
                logger.warning("crawl ended early (%s): run %d marked %s", reason, self.run_id, status)
            with transaction(self.factory) as session:
                persist.finish_run(
                    session,
                    self.run_id,
                    self.pages_ok,
                    self.pages_failed,
                    dt.datetime.now(dt.UTC),
                    status,
                    note,
                )
        self.engine.dispose()
        self.engine = self.factory = None
        self.database_thread.shutdown()


def run_end(reason: str) -> tuple[RunStatus, str | None]:
    """A run's status and note from Scrapy's close reason ("shutdown": a signal, SIGTERM or Ctrl-C)."""
    if reason == "finished":
        return RunStatus.FINISHED, None
    if reason == "shutdown":
        return RunStatus.STOPPED, "stopped by a signal (SIGTERM or Ctrl-C) before every page was captured"
    return RunStatus.FAILED, f"ended early: {reason}"


def _element_shots(item: PageCaptureItem) -> list[bytes | None]:
    return [ad.element_screenshot for slot in item.slots for ad in slot.ads]


class EvidenceUploads:
    """Puts the crawl's evidence files into the store from several threads at once, each file once.

    Two pages showing the same logo are stored at the same moment: both would find its cut-out missing
    and write it, the second over the first. A file being put is waited for instead of put again.
    """

    def __init__(self, store: EvidenceStorage) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._putting: dict[str, Future[None]] = {}

    def upload(self, files: list[bytes | None]) -> UploadedEvidence:
        """Store `files` now (before any transaction opens); the result answers `put` for them without
        I/O."""
        return UploadedEvidence({self._put_once(data) for data in files if data})

    def _put_once(self, data: bytes) -> str:
        sha = sha256_hex(data)
        with self._lock:
            putting = self._putting.get(sha)
            if putting is None:
                putting = self._putting[sha] = Future()
                mine = True
            else:
                mine = False
        if not mine:
            putting.result()  # the other thread's put, or its error
            return sha
        try:
            self.store.put(data)
        except BaseException as exc:
            putting.set_exception(exc)
            raise
        else:
            putting.set_result(None)
        finally:
            with self._lock:
                del self._putting[sha]
        return sha


class UploadedEvidence:
    """An EvidenceStorage for the persist functions inside a transaction: `put` of bytes already uploaded
    only names them; anything else is a mistake (it would be network I/O inside the transaction)."""

    def __init__(self, hashes: set[str]) -> None:
        self.hashes = hashes

    def put(self, data: bytes) -> str:
        sha = sha256_hex(data)
        if sha not in self.hashes:
            raise RuntimeError(f"evidence {sha} was not uploaded before the transaction")
        return sha

    def exists(self, sha: str) -> bool:
        return sha in self.hashes

    def read(self, sha: str) -> bytes:
        raise NotImplementedError("evidence is only written while a capture is stored")

    def size(self, sha: str) -> int | None:
        raise NotImplementedError("evidence is only written while a capture is stored")

    def verify(self, sha: str) -> bool:
        return sha in self.hashes

    def delete(self, sha: str) -> bool:
        raise NotImplementedError("stored evidence is never deleted by the crawl")

    def iter_all(self) -> Iterator[str]:
        return iter(sorted(self.hashes))
