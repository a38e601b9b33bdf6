"""Queueing a day for the Celery workers: the scheduler with crawl.backend = "celery", on a real Redis."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import CrawlPageTask, CrawlRun
from models.enums import PageTaskStatus
from monitor.core.settings import REPO_ROOT, load_settings
from monitor.core.siteconfig import load_site_configs
from monitor.jobs.celery_app import configure
from monitor.jobs.distributed import enqueue_day, wait_for_day
from monitor.jobs.tasks import daily_job
from tests.support.distributed import redis_url
from tests.support.poll import wait_for

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def queue(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> Iterator[tuple[redis.Redis, str]]:
    url = redis_url()
    name = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("RIVALWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("RIVALWATCH_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RIVALWATCH_SITES_DIR", str(REPO_ROOT / "config" / "demo-sites"))
    monkeypatch.setenv("RIVALWATCH_DEMO_URL", "http://127.0.0.1:9")  # nothing is fetched here
    monkeypatch.setenv("RIVALWATCH_CRAWL__BACKEND", "celery")
    monkeypatch.setenv("RIVALWATCH_CRAWL__BROKER_URL", url)
    monkeypatch.setenv("RIVALWATCH_CRAWL__QUEUE", name)
    client = redis.Redis.from_url(url)
    try:
        yield client, name
    finally:
        client.delete(name)
        client.close()


def queued(client: redis.Redis, name: str) -> list[tuple[str, str]]:
    messages = [json.loads(raw) for raw in client.lrange(name, 0, -1)]
    return sorted((message["headers"]["task"], message["headers"]["argsrepr"]) for message in messages)


@pytest.mark.distributed
def test_the_scheduler_queues_the_day_for_the_workers_and_waits_for_them(
    queue: tuple[redis.Redis, str], session_factory: sessionmaker[Session]
) -> None:
    client, name = queue
    job = threading.Thread(target=daily_job, kwargs={"day": DAY}, daemon=True)
    job.start()

    # One batch per demo site (each has fewer pages than crawl.batch_size), each queued once.
    wait_for(lambda: client.llen(name) == 4, seconds=30)
    assert queued(client, name) == [("rivalwatch.crawl_batch", f"['{DAY}', {n}]") for n in (1, 2, 3, 4)]
    assert job.is_alive()  # waiting for the workers

    with session_factory() as session:  # what the workers would do: every page stored
        session.execute(update(CrawlPageTask).values(status=PageTaskStatus.DONE))
        session.commit()
    job.join(timeout=30)

    assert not job.is_alive()
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CrawlPageTask)) == 9
        assert session.scalar(select(func.count()).select_from(CrawlRun)) == 0  # nothing crawled here


@pytest.mark.distributed
def test_batches_whose_messages_were_lost_are_queued_again_when_nothing_moves(
    queue: tuple[redis.Redis, str], session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, name = queue
    monkeypatch.setenv("RIVALWATCH_CRAWL__LEASE_SECONDS", "2")  # nothing moving for 4 s is a stall
    settings = load_settings()
    configure(settings)
    enqueue_day(session_factory, settings, load_site_configs(settings.sites_dir), DAY)
    client.delete(name)  # a Redis restarted without its data
    watcher = threading.Thread(target=wait_for_day, args=(session_factory, settings, DAY), daemon=True)
    watcher.start()

    wait_for(lambda: client.llen(name) == 4, seconds=30)

    with session_factory() as session:
        session.execute(update(CrawlPageTask).values(status=PageTaskStatus.DONE))
        session.commit()
    watcher.join(timeout=30)
    assert not watcher.is_alive()
