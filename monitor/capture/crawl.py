"""Run the daily capture: here (`run_crawl`, once per process) or in a child (`run_crawl_subprocess`).

Twisted's reactor cannot be restarted, so anything long-lived (the scheduler, the demo, tests) crawls
through `run_crawl_subprocess`, which runs `python -m monitor.cli crawl` in a fresh process.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.core.settings import Settings
from monitor.core.siteconfig import SiteConfig

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from models import EvidenceManifest
    from monitor.capture.logos import LogosSummary
    from spiders.items import PageCaptureItem


@dataclass
class CrawlOutcome:
    """What came back from one crawl: stored captures, captures the database refused, pages never seen."""

    # Page items without their evidence bytes (those are in the evidence store by now).
    saved: list[PageCaptureItem] = field(default_factory=list)
    unsaved: list[tuple[PageCaptureItem, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (site, page key)
    creatives_saved: int = 0
    creatives_unsaved: int = 0
    run_id: int | None = None
    # Stopped by a signal (SIGTERM, Ctrl-C) before every page was seen: its run is marked `stopped`.
    stopped: bool = False


def run_crawl(
    settings: Settings,
    sites: list[SiteConfig],
    capture_date: dt.date,
    site_filter: str | None = None,
    progress: bool = False,
    pages: Collection[tuple[str, str]] | None = None,
    lease_owner: str | None = None,
) -> CrawlOutcome:
    """Crawl every page of `sites` for `capture_date` and store it; blocks until done (once per process).

    `progress` draws a progress bar on stderr (for a person at a terminal). `pages` (site, page key)
    limits the crawl to those pages; `lease_owner` stores each only while that lease holds it (a batch
    of a distributed crawl, monitor.capture.distributed). Raises DatabaseUnavailable when the database
    could not be opened within `crawl.database_wait_seconds` (nothing was crawled).
    """
    from scrapy import signals
    from scrapy.crawler import AsyncCrawlerProcess

    from models.db import DatabaseUnavailable
    from spiders.ads_spider import AdsSpider
    from spiders.items import PageCaptureItem, RunState
    from spiders.settings import scrapy_settings

    outcome = CrawlOutcome()
    # scrapy-playwright asks the browser for every request's and response's headers when its logger is
    # enabled for DEBUG (and Scrapy leaves every logger enabled, filtering at the handler): a round trip
    # per image, for log lines nobody sees.
    logging.getLogger("scrapy-playwright").setLevel(logging.INFO)
    state = RunState()
    values = scrapy_settings(settings, sites, capture_date, site_filter, progress, pages, lease_owner)
    process = AsyncCrawlerProcess({**values, "RIVALWATCH_RUN_STATE": state})
    crawler = process.create_crawler(AdsSpider)

    def saved(item: Any, **_: Any) -> None:
        if isinstance(item, PageCaptureItem):
            outcome.saved.append(item.without_evidence())
        else:
            outcome.creatives_saved += 1

    def refused(item: Any, failure: Any, **_: Any) -> None:
        if isinstance(item, PageCaptureItem):
            outcome.unsaved.append((item.without_evidence(), f"{failure.type.__name__}: {failure.value}"))
        else:
            outcome.creatives_unsaved += 1

    crawler.signals.connect(saved, signal=signals.item_scraped)
    crawler.signals.connect(refused, signal=signals.item_error)
    process.crawl(crawler)
    process.start()
    if state.database_error:
        raise DatabaseUnavailable(state.database_error)
    outcome.run_id = state.run_id
    outcome.stopped = state.reason == "shutdown"
    seen = {(item.site, item.page_key) for item in outcome.saved} | {
        (i.site, i.page_key) for i, _ in outcome.unsaved
    }
    wanted = [(s.name, p.key) for s in sites for p in s.pages if pages is None or (s.name, p.key) in pages]
    outcome.missing = [key for key in wanted if key not in seen]
    return outcome


def summary_lines(outcome: CrawlOutcome) -> list[str]:
    """One line per page: site/page, status, HTTP status, ads per slot (or why there are none)."""
    lines = []
    for item in sorted(outcome.saved, key=lambda i: (i.site, i.page_key)):
        slots = " ".join(
            f"{slot.slot}={slot.ad_count}" if slot.found else f"{slot.slot}=NOT-FOUND" for slot in item.slots
        )
        detail = slots if item.status == "ok" else (item.error or "").split("\n", 1)[0]
        http = str(item.http_status or "-")
        lines.append(f"{item.site + '/' + item.page_key:<30} {item.status:<11} {http:>3}  {detail}".rstrip())
    for item, reason in outcome.unsaved:
        lines.append(f"{item.site + '/' + item.page_key:<30} NOT-SAVED        {reason}")
    for site, key in outcome.missing:
        lines.append(f"{site + '/' + key:<30} NO-RESULT        the spider produced nothing for this page")
    return lines


def crawl_command_line(
    config_file: str | Path | None = None,
    sites: Sequence[str] = (),
    sites_dir: str | Path | None = None,
    pages: Sequence[str] = (),
    lease_owner: str | None = None,
) -> list[str]:
    """The argv of `rivalwatch crawl` for these arguments, run with this interpreter."""
    argv = [sys.executable, "-m", "monitor.cli"]
    if config_file is not None:
        argv += ["--config", str(config_file)]
    argv.append("crawl")
    for name in sites:
        argv += ["--site", name]
    if sites_dir is not None:
        argv += ["--sites-dir", str(sites_dir)]
    for key in pages:
        argv += ["--page", key]
    if lease_owner is not None:
        argv += ["--lease-owner", lease_owner]
    return argv


def simulated_day_environment(day: dt.date | None) -> dict[str, str]:
    """The environment that makes a crawl record `day` instead of today (the demo's and tests' clock)."""
    return {} if day is None else {"RIVALWATCH_CRAWL__SIMULATED_DAY": day.isoformat()}


def run_crawl_subprocess(
    config_file: str | Path | None = None,
    simulated_day: dt.date | None = None,
    sites: Sequence[str] = (),
    sites_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Crawl in a child process (`env` is added to this process's environment); output is captured.

    `simulated_day` (the demo and tests) records the captures under that day instead of today.
    """
    return subprocess.run(
        crawl_command_line(config_file, sites, sites_dir),
        env={**os.environ, **simulated_day_environment(simulated_day), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def seal_crawled_day(
    factory: sessionmaker[Session], settings: Settings, day: dt.date
) -> EvidenceManifest | None:
    """Seal the day's evidence in the evidence log once its crawl is done (a re-run adds a version); the
    new manifest, or None when nothing changed. Called by `crawl` and by the scheduler's celery path."""
    from models.db import transaction
    from monitor.capture.evidence_log import seal_day
    from monitor.core.evidence import open_evidence_store

    with transaction(factory) as session:
        return seal_day(session, open_evidence_store(settings), day, dt.datetime.now(dt.UTC))


def read_day_logos(factory: sessionmaker[Session], settings: Settings, day: dt.date) -> LogosSummary:
    """Name the day's logo-only ads (empty or generic alt/title) from their creatives with OCR."""
    from models.db import transaction
    from monitor.capture.logos import read_logos
    from monitor.core.evidence import open_evidence_store

    with transaction(factory) as session:
        return read_logos(session, open_evidence_store(settings), day, dt.datetime.now(dt.UTC))
