"""A day's crawl spread over many workers: pages as leased rows in the database, batches on a queue.

PostgreSQL is the one source of truth (the queue only says "look at batch N of day D"):

1. `plan_day` writes one `CrawlPageTask` row per (day, page), `open`, grouped into batches of one site's
   pages (`crawl.batch_size`), and returns the batches that still have open pages.
2. A worker's task runs `run_batch`: it claims the batch's open pages (`UPDATE ... RETURNING`, rows
   locked with SKIP LOCKED on PostgreSQL) under a lease of its own (`host:pid:token`), crawls just those
   pages in a fresh process (`rivalwatch crawl --page ... --lease-owner ...`; Twisted cannot restart),
   renewing the lease while that process runs, then releases what the crawl did not store.
3. The crawl process stores each page's capture and turns its row `done` in one transaction, and only
   while its lease still holds the row: a capture is stored once, by the lease's holder.
4. `sweep` reopens pages whose lease expired (their worker died) and names their batches to queue again.

A redelivered or retried task does only what is still open. A page given up after `crawl.max_attempts`
tries without a stored capture turns `failed`.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import itertools
import logging
import os
import signal
import socket
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import CrawlPageTask, Page, Site
from models.db import transaction
from models.enums import PageTaskStatus
from monitor.capture.crawl import crawl_command_line
from monitor.core.settings import Settings
from monitor.core.siteconfig import SiteConfig
from spiders import persist

log = logging.getLogger(__name__)

STATUSES = tuple(PageTaskStatus)


@dataclass(frozen=True)
class Batch:
    """One task on the queue: some pages of one site on one day."""

    day: dt.date
    number: int


# --- planning ---------------------------------------------------------------------------------------


def plan_day(session: Session, sites: Sequence[SiteConfig], day: dt.date, batch_size: int) -> list[Batch]:
    """Rows for every configured page of `day` not planned yet, in batches of one site's pages; the
    day's batches that have open pages (sorted). Safe to call again: planned pages keep their rows."""
    persist.sync_sites(session, sites)
    planned = set(session.scalars(select(CrawlPageTask.page_id).where(CrawlPageTask.crawl_date == day)))
    last = session.scalar(select(func.max(CrawlPageTask.batch)).where(CrawlPageTask.crawl_date == day))
    numbers = itertools.count((last or 0) + 1)
    for config in sites:
        rows = session.execute(
            select(Page.id)
            .join(Site)
            .where(Site.name == config.name, Page.key.in_([page.key for page in config.pages]), Page.active)
            .order_by(Page.key)
        )
        new = [page_id for (page_id,) in rows if page_id not in planned]
        for start in range(0, len(new), batch_size):
            number = next(numbers)
            session.add_all(
                CrawlPageTask(crawl_date=day, page_id=page_id, batch=number, status=PageTaskStatus.OPEN)
                for page_id in new[start : start + batch_size]
            )
    session.flush()
    return open_batches(session, day)


def open_batches(session: Session, day: dt.date) -> list[Batch]:
    numbers = session.scalars(
        select(CrawlPageTask.batch)
        .where(CrawlPageTask.crawl_date == day, CrawlPageTask.status == PageTaskStatus.OPEN)
        .distinct()
        .order_by(CrawlPageTask.batch)
    )
    return [Batch(day, number) for number in numbers]


# --- leases -----------------------------------------------------------------------------------------


def new_lease_owner() -> str:
    """`host:pid:token`: who holds a lease (the pid is the process that claimed, for people and tests)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def lease_pid(owner: str) -> int | None:
    try:
        return int(owner.split(":")[-2])
    except (IndexError, ValueError):
        return None


@dataclass(frozen=True)
class Claimed:
    site: str
    page_keys: list[str]


def claim(
    session: Session, batch: Batch, owner: str, now: dt.datetime, lease: dt.timedelta
) -> Claimed | None:
    """Take the batch's open pages (and those whose lease expired) under `owner`'s lease; None if none."""
    claimable = (
        select(CrawlPageTask.id)
        .where(
            CrawlPageTask.crawl_date == batch.day,
            CrawlPageTask.batch == batch.number,
            or_(
                CrawlPageTask.status == PageTaskStatus.OPEN,
                and_(CrawlPageTask.status == PageTaskStatus.CLAIMED, CrawlPageTask.lease_expires_at < now),
            ),
        )
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer at a time anyway
    )
    claimed = session.execute(
        update(CrawlPageTask)
        .where(CrawlPageTask.id.in_(claimable))
        .values(
            status=PageTaskStatus.CLAIMED,
            lease_owner=owner,
            lease_expires_at=now + lease,
            attempts=CrawlPageTask.attempts + 1,
            updated_at=now,
        )
        .returning(CrawlPageTask.page_id)
        .execution_options(synchronize_session=False)
    )
    page_ids = [page_id for (page_id,) in claimed]
    if not page_ids:
        return None
    rows = session.execute(
        select(Site.name, Page.key).join(Page.site).where(Page.id.in_(page_ids)).order_by(Page.key)
    ).all()
    return Claimed(rows[0][0], [key for _, key in rows])


def renew(session: Session, owner: str, now: dt.datetime, lease: dt.timedelta) -> int:
    """Extend `owner`'s leases; the number of pages it still holds."""
    result = session.execute(
        update(CrawlPageTask)
        .where(CrawlPageTask.lease_owner == owner, CrawlPageTask.status == PageTaskStatus.CLAIMED)
        .values(lease_expires_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, owner: str, now: dt.datetime, max_attempts: int, error: str) -> Counter[str]:
    """Pages `owner` still holds after its crawl (not stored): open again, or failed after the last try.

    Counts by the status they were given."""
    held = list(
        session.scalars(
            select(CrawlPageTask).where(
                CrawlPageTask.lease_owner == owner, CrawlPageTask.status == PageTaskStatus.CLAIMED
            )
        )
    )
    return _reopen(held, now, max_attempts, error)


def sweep(session: Session, now: dt.datetime, max_attempts: int) -> list[Batch]:
    """Reopen pages whose lease expired (their worker died or hung); the batches to queue again."""
    expired = list(
        session.scalars(
            select(CrawlPageTask)
            .where(CrawlPageTask.status == PageTaskStatus.CLAIMED, CrawlPageTask.lease_expires_at < now)
            .with_for_update(skip_locked=True)
        )
    )
    for row in expired:
        log.warning("page %d of %s: lease of %s expired", row.page_id, row.crawl_date, row.lease_owner)
    _reopen(expired, now, max_attempts, "lease expired: the worker holding it stopped")
    return sorted(
        {Batch(row.crawl_date, row.batch) for row in expired if row.status == PageTaskStatus.OPEN},
        key=lambda batch: (batch.day, batch.number),
    )


def _reopen(rows: list[CrawlPageTask], now: dt.datetime, max_attempts: int, error: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for row in rows:
        row.status = PageTaskStatus.FAILED if row.attempts >= max_attempts else PageTaskStatus.OPEN
        row.lease_owner = None
        row.lease_expires_at = None
        row.error = error[:2000]
        row.updated_at = now
        counts[row.status.value] += 1
    return counts


# --- one batch, in a worker ---------------------------------------------------------------------------


@dataclass
class BatchResult:
    """What a worker's task did with a batch."""

    claimed: list[str] = field(default_factory=list)  # page keys
    exit_code: int | None = None
    released: Counter[str] = field(default_factory=Counter)  # pages not stored: open again / failed
    # Pages of the batch held under someone else's live lease: look again at this time.
    held_until: dt.datetime | None = None

    @property
    def retry(self) -> bool:
        return bool(self.released.get(PageTaskStatus.OPEN.value)) or self.held_until is not None


def run_batch(
    factory: sessionmaker[Session],
    settings: Settings,
    batch: Batch,
    crawl_argv: Callable[[Claimed, str], list[str]],
    env: Mapping[str, str] | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> BatchResult:
    """Claim the batch's open pages, crawl them in a child process (renewing the lease meanwhile), and
    release what it did not store. `crawl_argv(claimed, owner)` is the child's command line."""
    lease = dt.timedelta(seconds=settings.crawl.lease_seconds)
    owner = new_lease_owner()
    result = BatchResult()
    with transaction(factory) as session:
        claimed = claim(session, batch, owner, now(), lease)
    if claimed is not None:
        result.claimed = claimed.page_keys
        log.info("batch %s/%d: crawling %s", batch.day, batch.number, ", ".join(claimed.page_keys))
        result.exit_code = _crawl_holding_lease(factory, crawl_argv(claimed, owner), env, owner, lease, now)
        with transaction(factory) as session:
            result.released = release(
                session, owner, now(), settings.crawl.max_attempts, f"crawl exited with {result.exit_code}"
            )
    with factory() as session:
        result.held_until = session.scalar(
            select(func.max(CrawlPageTask.lease_expires_at)).where(
                CrawlPageTask.crawl_date == batch.day,
                CrawlPageTask.batch == batch.number,
                CrawlPageTask.status == PageTaskStatus.CLAIMED,
            )
        )
    return result


def _crawl_holding_lease(
    factory: sessionmaker[Session],
    argv: list[str],
    env: Mapping[str, str] | None,
    owner: str,
    lease: dt.timedelta,
    now: Callable[[], dt.datetime],
) -> int:
    process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, preexec_fn=_die_with_parent)
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                with transaction(factory) as session:
                    renew(session, owner, now(), lease)
            except Exception:  # noqa: BLE001 - a lost renewal only shortens the lease
                log.exception("renewing lease %s failed", owner)

    beat = threading.Thread(target=heartbeat, name="lease-heartbeat", daemon=True)
    beat.start()
    try:
        return process.wait()
    finally:
        stop.set()
        beat.join()
        if process.poll() is None:
            process.kill()
            process.wait()


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the crawl child: be killed when the worker process dies (SIGKILL included), so no orphan
    crawl stores pages after its worker is gone (Linux; elsewhere the lease check alone guards)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def batch_argv(
    config_file: str | Path | None, sites_dir: str | Path | None, day: dt.date
) -> Callable[[Claimed, str], list[str]]:
    """The `rivalwatch crawl` command line of a claimed batch."""

    def argv(claimed: Claimed, owner: str) -> list[str]:
        return crawl_command_line(config_file, [claimed.site], sites_dir, claimed.page_keys, owner)

    return argv


# --- progress -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """A worker process (its lease) and what it holds: how many pages, of which sites (display names)."""

    owner: str
    pages: int
    lease_expires_at: dt.datetime | None
    sites: tuple[str, ...]

    @property
    def pid(self) -> int | None:
        return lease_pid(self.owner)

    @property
    def host(self) -> str:
        return self.owner.rsplit(":", 2)[0]


@dataclass(frozen=True)
class DayProgress:
    """A distributed day's pages by status, and which worker holds what."""

    day: dt.date
    counts: Mapping[str, int]
    holders: list[Holder]
    failed: list[tuple[str, str, str]]  # (site display name, page key, why)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def finished(self) -> bool:
        return self.counts.get("open", 0) == 0 and self.counts.get("claimed", 0) == 0

    @property
    def planned(self) -> bool:
        """False for a day crawled locally (or not yet): no page rows."""
        return self.total > 0

    def line(self) -> str:
        parts = " ".join(f"{status.value}={self.counts.get(status.value, 0)}" for status in STATUSES)
        return f"{self.day}: {parts} (of {self.total})"


def day_progress(session: Session, day: dt.date) -> DayProgress:
    counts = {
        status.value: count
        for status, count in session.execute(
            select(CrawlPageTask.status, func.count())
            .where(CrawlPageTask.crawl_date == day)
            .group_by(CrawlPageTask.status)
        )
    }
    held = session.execute(
        select(CrawlPageTask.lease_owner, CrawlPageTask.lease_expires_at, Site.display_name)
        .join(Page, Page.id == CrawlPageTask.page_id)
        .join(Site)
        .where(CrawlPageTask.crawl_date == day, CrawlPageTask.status == PageTaskStatus.CLAIMED)
    ).all()
    by_owner: dict[str, list[tuple[dt.datetime | None, str]]] = {}
    for owner, expires, site in held:
        by_owner.setdefault(owner or "?", []).append((expires, site))
    holders = [
        Holder(
            owner,
            len(rows),
            max((expires for expires, _ in rows if expires is not None), default=None),
            tuple(sorted({site for _, site in rows})),
        )
        for owner, rows in sorted(by_owner.items())
    ]
    failed = [
        (site, key, error or "")
        for site, key, error in session.execute(
            select(Site.display_name, Page.key, CrawlPageTask.error)
            .join(Page, Page.id == CrawlPageTask.page_id)
            .join(Site)
            .where(CrawlPageTask.crawl_date == day, CrawlPageTask.status == PageTaskStatus.FAILED)
            .order_by(Site.display_name, Page.key)
        )
    ]
    return DayProgress(day, counts, holders, failed)
