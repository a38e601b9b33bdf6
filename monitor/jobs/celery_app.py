"""The Celery app of distributed crawls: one task, `rivalwatch.crawl_batch`, and the enqueueing side.

Workers (`rivalwatch worker`) and enqueuers (`rivalwatch crawl --distributed`, the scheduler with
`crawl.backend = "celery"`) configure the same app from the settings. Messages carry only (day, batch):
what is left to do is in the database (monitor.capture.distributed), so a message delivered twice,
retried or redelivered after its worker died does only what is still open.

- late acknowledgement and `task_reject_on_worker_lost`: a task whose worker process dies is
  delivered again; one message at a time per process (`worker_prefetch_multiplier = 1`);
- retries with exponential backoff while pages of the batch are open again or held by a live lease;
- the crawl itself runs in a child process per batch (Twisted's reactor cannot restart).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery, Task

from monitor.core.settings import Settings, load_settings

log = logging.getLogger("rivalwatch.jobs")

TASK_NAME = "rivalwatch.crawl_batch"
MAX_BACKOFF_SECONDS = 300

app = Celery("rivalwatch")


@dataclass
class WorkerState:
    """What a worker process was started with (inherited by its pool's child processes)."""

    settings: Settings | None = None
    config_file: str | None = None
    sites_dir: str | None = None


state = WorkerState()


def configure(
    settings: Settings, config_file: str | Path | None = None, sites_dir: str | Path | None = None
) -> Celery:
    """Point the app at the settings' broker and queue; remember the settings for the tasks."""
    state.settings = settings
    state.config_file = str(config_file) if config_file else None
    state.sites_dir = str(sites_dir) if sites_dir else None
    lease = settings.crawl.lease_seconds
    app.conf.update(
        broker_url=settings.crawl.broker_url,
        broker_connection_retry_on_startup=True,
        task_default_queue=settings.crawl.queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        # Redis hands an unacknowledged message to another worker after this long: the database's leases
        # keep that harmless (the batch's pages are claimed once); keep it well above a batch's crawl.
        broker_transport_options={"visibility_timeout": max(3600, int(lease * 4))},
        worker_hijack_root_logger=False,
    )
    return app


def enqueue(batch_day: dt.date, number: int) -> None:
    app.send_task(TASK_NAME, args=[batch_day.isoformat(), number], queue=app.conf.task_default_queue)


def _settings() -> Settings:
    if state.settings is None:  # a worker started by `celery -A` directly: settings from the environment
        configure(load_settings(os.environ.get("RIVALWATCH_CONFIG")), os.environ.get("RIVALWATCH_CONFIG"))
    assert state.settings is not None
    return state.settings


def batch_environment(settings: Settings, day: dt.date) -> dict[str, str]:
    """The batch's crawl records the batch's day: today, or the demo's and tests' simulated day (a
    production worker given another day's batch fails it: a crawl captures today only)."""
    from monitor.capture.crawl import simulated_day_environment

    return {} if day == settings.today() else simulated_day_environment(day)


@app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def crawl_batch(self: Task, day: str, number: int) -> dict[str, Any]:
    """Crawl what is still open of batch `number` of `day`; retry later while some of it is not done."""
    from models.migrate import migrated_sessions
    from monitor.capture.distributed import Batch, batch_argv, run_batch

    settings = _settings()
    batch = Batch(dt.date.fromisoformat(day), number)
    with migrated_sessions(settings.database) as factory:
        argv = batch_argv(state.config_file, state.sites_dir, batch.day)
        result = run_batch(factory, settings, batch, argv, batch_environment(settings, batch.day))
    summary = {"day": day, "batch": number, "crawled": result.claimed, "exit_code": result.exit_code}
    log.info("batch finished", extra={"summary": str(summary), "released": dict(result.released)})
    if result.retry:
        retries = self.request.retries or 0
        countdown = min(MAX_BACKOFF_SECONDS, 2 ** min(retries, 8))
        if result.held_until is not None:
            wait = (result.held_until - dt.datetime.now(dt.UTC)).total_seconds()
            countdown = max(countdown, min(MAX_BACKOFF_SECONDS, int(wait) + 1))
        raise self.retry(countdown=countdown)
    return summary
