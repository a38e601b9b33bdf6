"""Store what the crawl saw: plain functions over a Session and items (no Scrapy here).

The caller owns the transaction (one per page capture). Evidence once stored is never rewritten: a
re-run of a day adds an attempt beside the day's earlier ones, and the first ok attempt stays the day's
capture of record (models.capture.PageCapture), so no sighting a report cites is ever replaced or deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from models import (
    Advertiser,
    CrawlPageTask,
    CrawlRun,
    Creative,
    Page,
    PageCapture,
    Sighting,
    Site,
    Slot,
    SlotCapture,
)
from models.enums import CaptureStatus, PageKind, PageTaskStatus, RunStatus, SlotKind
from monitor.core.evidence import EvidenceStorage
from monitor.core.siteconfig import PageConfig, SiteConfig, SiteConfigError, expand_env
from spiders.items import CapturedAd, CreativeItem, PageCaptureItem, SlotResult

logger = logging.getLogger(__name__)

# A run still "running" after this long, whose owner cannot be checked (another host, or a run recorded
# before runs had owners), belongs to a crawl process that died (a day's crawl takes minutes).
STALE_RUN_AGE = dt.timedelta(hours=6)


# --- sites, pages, slots ---------------------------------------------------------------------------


def _expanded(text: str) -> str:
    try:
        return expand_env(text)
    except SiteConfigError:
        return text


def sync_site(session: Session, config: SiteConfig) -> Site:
    """Upsert a site with its pages and slots (by name and key); ones gone from the config go inactive."""
    site = session.scalar(select(Site).where(Site.name == config.name))
    if site is None:
        site = Site(name=config.name)
        session.add(site)
    site.display_name = config.display_name
    site.base_url = _expanded(config.base_url)
    site.active = True
    pages = {page.key: page for page in site.pages}
    for stale in pages.values():
        stale.active = False
    for page_config in config.pages:
        page = pages.get(page_config.key)
        if page is None:
            page = Page(key=page_config.key)
            site.pages.append(page)
        page.url = _page_url(config, page_config.key)
        page.kind = PageKind(page_config.kind)
        page.section = page_config.section
        page.needs_browser = page_config.browser
        page.active = True
        _sync_slots(page, [(slot.name, slot.kind) for slot in page_config.slots])
        _sync_rate_cards(page, page_config)
    session.flush()
    return site


def _page_url(config: SiteConfig, key: str) -> str:
    page = config.page(key)
    try:
        return config.page_url(page)
    except SiteConfigError:
        return page.url


def _sync_slots(page: Page, wanted: list[tuple[str, str]]) -> None:
    slots = {slot.name: slot for slot in page.slots}
    for stale in slots.values():
        stale.active = False
    for name, kind in wanted:
        slot = slots.get(name)
        if slot is None:
            slot = Slot(name=name)
            page.slots.append(slot)
        slot.kind = SlotKind(kind)
        slot.active = True


def _sync_rate_cards(page: Page, config: PageConfig) -> None:
    """Each slot's rate card as the config has it now (None when the config gives none)."""
    cards = {slot.name: slot.rate_card for slot in config.slots}
    for slot in page.slots:
        card = cards.get(slot.name)
        slot.rate_card = card.model_dump(mode="json") if card is not None else None


def sync_sites(session: Session, configs: Iterable[SiteConfig]) -> None:
    for config in configs:
        sync_site(session, config)


def retire_sites(session: Session, configured: Iterable[str]) -> list[str]:
    """Retire (set inactive) every site whose config is gone from the sites folder; their names.

    A retired site keeps its captures, is no longer crawled and raises no health alert; its config put
    back brings it back at the next crawl (sync_site).
    """
    names = set(configured)
    gone = list(session.scalars(select(Site).where(Site.active, Site.name.not_in(names))))
    for site in gone:
        site.active = False
        logger.warning("site %s: no config in the sites folder any more; retired", site.name)
    return [site.name for site in gone]


# --- runs ------------------------------------------------------------------------------------------


def start_run(
    session: Session,
    crawl_date: dt.date,
    site_filter: str | None,
    now: dt.datetime,
    owner: tuple[int, str] | None = None,
) -> CrawlRun:
    """A new `running` run, owned by `owner` (pid, host): this process unless given."""
    pid, host = owner or (os.getpid(), socket.gethostname())
    run = CrawlRun(
        crawl_date=crawl_date,
        site_filter=site_filter,
        started_at=now,
        status=RunStatus.RUNNING,
        pid=pid,
        host=host[:255],
    )
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    run_id: int,
    pages_ok: int,
    pages_failed: int,
    now: dt.datetime,
    status: RunStatus = RunStatus.FINISHED,
    note: str | None = None,
) -> None:
    run = session.get_one(CrawlRun, run_id)
    run.pages_ok = pages_ok
    run.pages_failed = pages_failed
    run.finished_at = now
    run.status = status
    run.end_note = note


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (it may be another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_gone(run: CrawlRun, host: str | None = None) -> bool:
    """A running run whose process is known to be gone: same host, no such pid (checked at once)."""
    here = host or socket.gethostname()
    return run.pid is not None and run.host == here[:255] and not process_alive(run.pid)


def close_dead_runs(session: Session, now: dt.datetime, max_age: dt.timedelta = STALE_RUN_AGE) -> list[int]:
    """Mark `running` runs whose owner is gone `abandoned`: at once when the owner ran on this host
    and its pid is gone; otherwise after `max_age` (another host, or a pid since reused). Their ids."""
    running = session.scalars(select(CrawlRun).where(CrawlRun.status == RunStatus.RUNNING))
    closed = []
    for run in running:
        if owner_gone(run):
            note = f"abandoned: process {run.pid} on {run.host} is gone"
        elif run.started_at < now - max_age:
            note = f"abandoned: still running after {max_age} (process {run.pid} on {run.host})"
        else:
            continue
        run.status = RunStatus.ABANDONED
        run.finished_at = now
        run.end_note = note
        closed.append(run.id)
        logger.warning("crawl run %d (started %s): %s", run.id, run.started_at, note)
    return closed


# --- captures --------------------------------------------------------------------------------------


def find_page(session: Session, site_name: str, page_key: str) -> Page:
    page = session.scalar(select(Page).join(Site).where(Site.name == site_name, Page.key == page_key))
    if page is None:
        raise LookupError(f"page {site_name}/{page_key} is not in the database; sync the site configs first")
    return page


def save_capture(
    session: Session,
    item: PageCaptureItem,
    run_id: int,
    evidence: EvidenceStorage,
    creative_ids: Mapping[str, int] | None = None,
) -> PageCapture:
    """Record one attempt at a page on its day, beside the day's earlier attempts (never replacing one).

    The new attempt becomes the day's capture of record unless the day already has an ok one (the
    first ok attempt stays the evidence); only the capture of record gets sightings. `creative_ids`
    maps image URLs to the creatives this crawl already stored, to link the sightings.
    """
    page = find_page(session, item.site, item.page_key)
    earlier = list(
        session.scalars(
            select(PageCapture).where(
                PageCapture.page_id == page.id, PageCapture.capture_date == item.capture_date
            )
        )
    )
    record = next((capture for capture in earlier if capture.of_record), None)
    of_record = record is None or record.status != CaptureStatus.OK
    if record is not None and of_record:
        record.of_record = False  # an unknown day's attempt gives way to the newer one
        session.flush()
    capture = PageCapture(
        page_id=page.id,
        capture_date=item.capture_date,
        attempt=max((capture.attempt for capture in earlier), default=0) + 1,
        of_record=of_record,
        crawl_run_id=run_id,
        fetched_at=item.fetched_at,
        status=CaptureStatus(item.status),
        http_status=item.http_status,
        url=item.url[:2000],
        error=item.error,
        html_sha256=evidence.put(item.html) if item.html else None,
        screenshot_sha256=evidence.put(item.screenshot) if item.screenshot else None,
        response_sha256=evidence.put(item.response) if item.response else None,
    )
    session.add(capture)
    session.flush()
    slots = {slot.name: slot for slot in page.slots}
    results = [result for result in item.slots if _known_slot(slots, result, item)]
    _save_slot_results(session, capture, results, slots)
    if of_record:
        _save_sightings(session, capture, results, slots, item, evidence, creative_ids or {})
    else:
        logger.info(
            "%s/%s %s: attempt %d kept beside the day's capture of record (attempt %d)",
            item.site,
            item.page_key,
            item.capture_date,
            capture.attempt,
            record.attempt if record else 0,
        )
    return capture


def _known_slot(slots: dict[str, Slot], result: SlotResult, item: PageCaptureItem) -> bool:
    if result.slot in slots:
        return True
    logger.warning("%s/%s: slot %r is not in the database; skipped", item.site, item.page_key, result.slot)
    return False


def _save_slot_results(
    session: Session, capture: PageCapture, results: list[SlotResult], slots: dict[str, Slot]
) -> None:
    session.add_all(
        SlotCapture(
            capture_id=capture.id, slot_id=slots[result.slot].id, found=result.found, ad_count=result.ad_count
        )
        for result in results
    )


def _save_sightings(
    session: Session,
    capture: PageCapture,
    results: list[SlotResult],
    slots: dict[str, Slot],
    item: PageCaptureItem,
    evidence: EvidenceStorage,
    creative_ids: Mapping[str, int],
) -> None:
    ads = [ad for result in results for ad in result.ads]
    advertisers = advertiser_ids(
        session, {ad.advertiser for ad in ads if counts_as_advertiser(ad)}, item.fetched_at
    )
    for ad in ads:
        sighting = Sighting(capture_id=capture.id, slot_id=slots[ad.slot].id, position=ad.position)
        _fill_sighting(
            sighting,
            ad,
            item.capture_date,
            advertisers.get(ad.advertiser) if counts_as_advertiser(ad) else None,
            creative_ids.get(ad.image) if ad.image else None,
        )
        if ad.element_screenshot:
            sighting.element_screenshot_sha256 = evidence.put(ad.element_screenshot)
        session.add(sighting)
    session.flush()


def counts_as_advertiser(ad: CapturedAd) -> bool:
    """House ads and empty texts are never anyone's advertising."""
    return bool(ad.advertiser) and not ad.is_house_ad


def _fill_sighting(
    sighting: Sighting,
    ad: CapturedAd,
    seen_date: dt.date,
    advertiser_id: int | None,
    creative_id: int | None,
) -> None:
    sighting.creative_id = creative_id
    sighting.seen_date = seen_date
    sighting.raw_text = ad.text
    sighting.advertiser_text = ad.advertiser
    sighting.link = ad.link
    sighting.image_url = ad.image
    sighting.competitor_company_id = ad.company_id
    sighting.is_house_ad = ad.is_house_ad
    sighting.advertiser_id = advertiser_id
    sighting.box_x, sighting.box_y, sighting.box_width, sighting.box_height = ad.box or (None,) * 4


def advertiser_ids(session: Session, texts: set[str], now: dt.datetime) -> dict[str, int]:
    """The Advertiser id of each cleaned text, creating missing ones (safe against a concurrent crawl)."""
    if not texts:
        return {}
    session.flush()
    rows = [{"text": text, "first_seen_at": now} for text in sorted(texts)]
    insert_missing(session, Advertiser, rows, "text")
    # A name seen as text on a page is no longer one only OCR has read: matching trusts it fully.
    session.execute(
        update(Advertiser)
        .where(Advertiser.text.in_(texts), Advertiser.ocr_confidence.is_not(None))
        .values(ocr_confidence=None)
    )
    found = session.execute(select(Advertiser.text, Advertiser.id).where(Advertiser.text.in_(texts)))
    return {text: advertiser_id for text, advertiser_id in found}


def insert_missing(session: Session, model: Any, rows: list[dict[str, Any]], unique: str) -> None:
    """INSERT rows whose `unique` column value is not there yet; a row a concurrent crawl added wins."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(model).values(rows).on_conflict_do_nothing(index_elements=[unique]))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(model).values(rows).on_conflict_do_nothing(index_elements=[unique]))
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        column = getattr(model, unique)
        known = set(session.scalars(select(column).where(column.in_([row[unique] for row in rows]))))
        session.add_all(model(**row) for row in rows if row[unique] not in known)
        session.flush()


# --- distributed crawls ---------------------------------------------------------------------------


class LeaseLost(RuntimeError):
    """This crawl no longer holds the page's lease (it expired and was swept or claimed by another)."""


def finish_leased_page(
    session: Session, capture: PageCapture, lease_owner: str, run_id: int, now: dt.datetime
) -> None:
    """Mark the page's task row done, in the transaction that stores its capture; raise LeaseLost (so the
    capture is rolled back and stored by whoever holds the page now) unless `lease_owner` still holds it.
    """
    done = session.execute(
        update(CrawlPageTask)
        .where(
            CrawlPageTask.crawl_date == capture.capture_date,
            CrawlPageTask.page_id == capture.page_id,
            CrawlPageTask.status == PageTaskStatus.CLAIMED,
            CrawlPageTask.lease_owner == lease_owner,
        )
        .values(
            status=PageTaskStatus.DONE,
            crawl_run_id=run_id,
            lease_expires_at=None,
            error=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(f"page {capture.page_id} of {capture.capture_date}: lease {lease_owner} lost")


# --- creatives -------------------------------------------------------------------------------------


def save_creative(
    session: Session,
    item: CreativeItem,
    run_id: int,
    evidence: EvidenceStorage,
    now: dt.datetime,
    pages: Iterable[tuple[str, str]] = (),
) -> int:
    """Store a downloaded creative once (by SHA-256) and link the sightings of this run's captures of
    `pages` (site, page key) that show its URL; returns the Creative id."""
    sha = evidence.put(item.data)
    row = {
        "sha256": sha,
        "phash": item.phash,
        "mime_type": item.mime_type,
        "width": item.width,
        "height": item.height,
        "size_bytes": len(item.data),
        "first_url": item.url[:2000],
        "first_seen_at": now,
    }
    insert_missing(session, Creative, [row], "sha256")
    creative_id = session.scalar(select(Creative.id).where(Creative.sha256 == sha))
    assert creative_id is not None
    pages = list(pages)
    if pages:  # one statement for every page that showed it (a banner may be on dozens of pages)
        shown_on = [and_(Site.name == site_name, Page.key == page_key) for site_name, page_key in pages]
        page_ids = select(Page.id).join(Site).where(or_(*shown_on))
        captures = select(PageCapture.id).where(
            PageCapture.crawl_run_id == run_id,
            PageCapture.capture_date == item.capture_date,
            PageCapture.page_id.in_(page_ids),
        )
        session.execute(
            update(Sighting)
            .where(Sighting.capture_id.in_(captures), Sighting.image_url == item.url)
            .values(creative_id=creative_id)
        )
    return creative_id
