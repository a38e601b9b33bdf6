"""Queue a day's crawl for the Celery workers and watch it to the end (the CLI and the scheduler).

The watcher also sweeps: pages whose lease expired (their worker died) are reopened and their batch is
queued again, so the day finishes even when no message is ever redelivered.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from models.db import transaction
from monitor.capture.distributed import Batch, DayProgress, day_progress, open_batches, plan_day, sweep
from monitor.core.settings import Settings
from monitor.core.siteconfig import SiteConfig
from monitor.jobs import celery_app

log = logging.getLogger("rivalwatch.jobs")

POLL_SECONDS = 1.0


def enqueue_day(
    factory: sessionmaker[Session], settings: Settings, sites: Sequence[SiteConfig], day: dt.date
) -> list[Batch]:
    """Plan the day's pages (once) and queue each batch that has open pages; the batches queued."""
    with transaction(factory) as session:
        batches = plan_day(session, sites, day, settings.crawl.batch_size)
    for batch in batches:  # after the commit: a worker must find the rows its message names
        celery_app.enqueue(batch.day, batch.number)
    log.info("day queued", extra={"day": str(day), "batches": len(batches)})
    return batches


def sweep_and_requeue(factory: sessionmaker[Session], settings: Settings) -> list[Batch]:
    """Reopen pages whose lease expired and queue their batches again."""
    with transaction(factory) as session:
        batches = sweep(session, dt.datetime.now(dt.UTC), settings.crawl.max_attempts)
    for batch in batches:
        celery_app.enqueue(batch.day, batch.number)
    return batches


def wait_for_day(
    factory: sessionmaker[Session],
    settings: Settings,
    day: dt.date,
    on_progress: Callable[[DayProgress], None] = lambda progress: None,
    timeout: float | None = None,
) -> DayProgress:
    """Until every page of the day is done or failed (or `timeout` seconds): report progress, sweep.

    When nothing has moved for two lease periods while pages are open (their messages lost, say a Redis
    restarted without its data), their batches are queued again: a message too many does nothing twice.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    stall = 2 * settings.crawl.lease_seconds
    last_change, last_counts = time.monotonic(), None
    while True:
        sweep_and_requeue(factory, settings)
        with factory() as session:
            progress = day_progress(session, day)
            if progress.counts != last_counts:
                last_change, last_counts = time.monotonic(), dict(progress.counts)
            elif progress.counts.get("open") and time.monotonic() - last_change > stall:
                batches = open_batches(session, day)
                log.warning("no progress; queueing open batches again", extra={"batches": len(batches)})
                for batch in batches:
                    celery_app.enqueue(batch.day, batch.number)
                last_change = time.monotonic()
        on_progress(progress)
        if progress.finished or (deadline is not None and time.monotonic() > deadline):
            return progress
        time.sleep(POLL_SECONDS)
