"""Distributed crawls: leased (day, page) rows, and the day crawled by real Celery workers.

The SQL of claiming differs between backends (UPDATE ... RETURNING, FOR UPDATE SKIP LOCKED on
PostgreSQL only): the lease tests run on both.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import CrawlPageTask, CrawlRun, Creative, PageCapture, Sighting
from models.db import make_engine, make_session_factory
from models.enums import PageTaskStatus
from models.migrate import upgrade
from monitor.capture.distributed import (
    Batch,
    claim,
    day_progress,
    lease_pid,
    plan_day,
    release,
    renew,
    sweep,
)
from monitor.core.evidence import S3EvidenceStore
from monitor.core.siteconfig import SiteConfig
from monitor.demo.fixture_server import FixtureServer
from spiders import persist
from tests.support.distributed import redis_url, workers
from tests.support.paths import REPO_ROOT
from tests.support.poll import wait_for
from tests.support.s3 import moto_server

DAY = dt.date(2026, 11, 12)
NOW = dt.datetime(2026, 11, 12, 0, 30, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=60)


def site(name: str, pages: int) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "name": name,
            "display_name": name.title(),
            "base_url": f"https://{name}.example/",
            "pages": [
                {
                    "key": f"p{n:02d}",
                    "url": f"p{n}/",
                    "kind": "section",
                    "slots": [{"name": "logos", "kind": "logo", "css": "li img"}],
                }
                for n in range(pages)
            ],
        }
    )


def tasks(session: Session) -> list[CrawlPageTask]:
    return list(session.scalars(select(CrawlPageTask).order_by(CrawlPageTask.batch, CrawlPageTask.page_id)))


# --- leases, on both backends ---------------------------------------------------------------------------


@pytest.mark.both_backends  # claiming is UPDATE ... RETURNING with SKIP LOCKED on PostgreSQL
def test_plan_day_batches_each_sites_pages_and_planning_again_adds_nothing(session: Session) -> None:
    sites = [site("alpha", 5), site("beta", 2)]

    batches = plan_day(session, sites, DAY, batch_size=2)
    again = plan_day(session, sites, DAY, batch_size=2)

    rows = tasks(session)
    assert batches == again == [Batch(DAY, n) for n in (1, 2, 3, 4)]
    assert len(rows) == 7 and {row.status for row in rows} == {PageTaskStatus.OPEN}
    per_batch = {n: {row.page.site.name for row in rows if row.batch == n} for n in (1, 2, 3, 4)}
    assert per_batch == {1: {"alpha"}, 2: {"alpha"}, 3: {"alpha"}, 4: {"beta"}}
    assert [sum(row.batch == n for row in rows) for n in (1, 2, 3, 4)] == [2, 2, 1, 2]


@pytest.mark.both_backends  # claiming is UPDATE ... RETURNING with SKIP LOCKED on PostgreSQL
def test_a_batch_is_claimed_once_until_its_lease_expires(session: Session) -> None:
    plan_day(session, [site("alpha", 3)], DAY, batch_size=3)

    first = claim(session, Batch(DAY, 1), "a:1:x", NOW, LEASE)
    second = claim(session, Batch(DAY, 1), "b:2:y", NOW + dt.timedelta(seconds=30), LEASE)
    after_expiry = claim(session, Batch(DAY, 1), "b:2:y", NOW + dt.timedelta(seconds=61), LEASE)

    assert first is not None and first.site == "alpha" and first.page_keys == ["p00", "p01", "p02"]
    assert second is None
    assert after_expiry is not None and after_expiry.page_keys == first.page_keys
    assert {(row.lease_owner, row.attempts) for row in tasks(session)} == {("b:2:y", 2)}


@pytest.mark.both_backends  # claiming is UPDATE ... RETURNING with SKIP LOCKED on PostgreSQL
def test_renewed_leases_outlive_the_sweeper_and_expired_ones_are_reopened(session: Session) -> None:
    plan_day(session, [site("alpha", 2), site("beta", 1)], DAY, batch_size=5)
    claim(session, Batch(DAY, 1), "a:1:x", NOW, LEASE)
    claim(session, Batch(DAY, 2), "b:2:y", NOW, LEASE)

    assert renew(session, "a:1:x", NOW + dt.timedelta(seconds=50), LEASE) == 2
    reopened = sweep(session, NOW + dt.timedelta(seconds=70), max_attempts=3)

    assert reopened == [Batch(DAY, 2)]
    status = {row.page.site.name: (row.status, row.lease_owner) for row in tasks(session)}
    assert status == {"alpha": (PageTaskStatus.CLAIMED, "a:1:x"), "beta": (PageTaskStatus.OPEN, None)}


@pytest.mark.both_backends  # claiming is UPDATE ... RETURNING with SKIP LOCKED on PostgreSQL
def test_pages_not_stored_are_opened_again_until_the_last_attempt_fails_them(session: Session) -> None:
    plan_day(session, [site("alpha", 1)], DAY, batch_size=5)
    outcomes = []
    for attempt in range(3):
        assert claim(session, Batch(DAY, 1), f"a:1:{attempt}", NOW, LEASE) is not None
        outcomes.append(
            dict(release(session, f"a:1:{attempt}", NOW, max_attempts=3, error="crawl exited with -9"))
        )

    (row,) = tasks(session)
    assert outcomes == [{"open": 1}, {"open": 1}, {"failed": 1}]
    assert row.status == PageTaskStatus.FAILED and row.error == "crawl exited with -9"
    assert claim(session, Batch(DAY, 1), "a:1:again", NOW, LEASE) is None
    progress = day_progress(session, DAY)
    assert progress.finished and progress.failed == [("Alpha", "p00", "crawl exited with -9")]


@pytest.mark.both_backends  # claiming is UPDATE ... RETURNING with SKIP LOCKED on PostgreSQL
def test_a_capture_is_stored_only_under_the_lease_that_holds_its_page(session: Session) -> None:
    plan_day(session, [site("alpha", 1)], DAY, batch_size=5)
    claim(session, Batch(DAY, 1), "a:1:x", NOW, LEASE)
    run = persist.start_run(session, DAY, None, NOW)
    (row,) = tasks(session)
    capture = PageCapture(page_id=row.page_id, capture_date=DAY, crawl_run_id=run.id, url="u", status="ok")
    session.add(capture)
    session.flush()

    with pytest.raises(persist.LeaseLost):
        persist.finish_leased_page(session, capture, "someone-else:2:y", run.id, NOW)
    persist.finish_leased_page(session, capture, "a:1:x", run.id, NOW)

    session.refresh(row)
    assert (row.status, row.crawl_run_id, row.lease_expires_at) == (PageTaskStatus.DONE, run.id, None)
    progress = day_progress(session, DAY)
    assert progress.counts == {"done": 1} and progress.finished


@pytest.mark.both_backends  # claiming is UPDATE ... RETURNING with SKIP LOCKED on PostgreSQL
def test_progress_shows_which_worker_holds_what(session: Session) -> None:
    plan_day(session, [site("alpha", 3), site("beta", 2)], DAY, batch_size=3)
    claim(session, Batch(DAY, 1), "host-a:11:x", NOW, LEASE)

    progress = day_progress(session, DAY)

    assert progress.counts == {"claimed": 3, "open": 2}
    assert [(h.owner, h.pages, h.sites) for h in progress.holders] == [("host-a:11:x", 3, ("Alpha",))]
    assert progress.line() == f"{DAY}: open=2 claimed=3 done=0 failed=0 (of 5)"
    assert lease_pid("host-a:11:x") == 11 and not progress.finished


# --- the day on real workers ------------------------------------------------------------------------------

COPIES = 2  # each demo page twice (a distinct query string each): 18 pages of 4 sites, 5 batches


def write_sites(folder: Path) -> Path:
    """The demo's site configs with every page repeated, so batches are several pages long."""
    folder.mkdir(parents=True)
    for source in sorted((REPO_ROOT / "config" / "demo-sites").glob("*.yaml")):
        config = yaml.safe_load(source.read_text(encoding="utf-8"))
        pages = []
        for page in config["pages"]:
            for copy in range(COPIES):
                pages.append({**page, "key": f"{page['key']}-{copy}", "url": f"{page['url']}?copy={copy}"})
        config["pages"] = pages
        (folder / source.name).write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return folder


def snapshot(factory: sessionmaker[Session]) -> dict[tuple[str, str], Any]:
    """What the report reads of the day: every page's capture, its slots and its sightings."""
    with factory() as session:
        result: dict[tuple[str, str], Any] = {}
        for capture in session.scalars(select(PageCapture).where(PageCapture.capture_date == DAY)):
            sightings = sorted(
                (s.slot.name, s.position, s.advertiser_text, s.link, s.image_url, s.is_house_ad)
                for s in capture.sightings
            )
            slots = sorted((r.slot.name, r.found, r.ad_count) for r in capture.slot_results)
            key = (capture.page.site.name, capture.page.key)
            result[key] = (capture.status, capture.http_status, slots, sightings)
        return result


def cited_hashes(factory: sessionmaker[Session]) -> set[str]:
    with factory() as session:
        hashes = set(session.scalars(select(PageCapture.screenshot_sha256)))
        hashes |= set(session.scalars(select(PageCapture.html_sha256)))
        hashes |= set(session.scalars(select(Sighting.element_screenshot_sha256)))
        hashes |= set(session.scalars(select(Creative.sha256)))
    return {sha for sha in hashes if sha}


@pytest.mark.distributed
@pytest.mark.browser
@pytest.mark.postgres
def test_a_day_on_two_workers_survives_a_worker_killed_mid_batch(
    postgres_database: tuple[Any, str], tmp_path: Path
) -> None:
    broker = redis_url()
    server_pg, name = postgres_database
    server_pg.create(name, server_pg.migrated_template())
    database_url = server_pg.url(name)
    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    sites_dir = write_sites(tmp_path / "sites")
    with ExitStack() as cleanup, moto_server() as s3, FixtureServer(day=DAY, latency=0.3) as fixture:
        bucket = s3.new_bucket()
        env = {
            **s3.settings_env(bucket),
            "RIVALWATCH_DEMO_URL": fixture.base_url,
            "RIVALWATCH_CRAWL__SIMULATED_DAY": DAY.isoformat(),  # the fixture sites show a designed day
            "RIVALWATCH_SITES_DIR": str(sites_dir),
            "RIVALWATCH_CRAWL__CONCURRENT_REQUESTS": "1",  # one page after another: a batch takes a while
            "RIVALWATCH_CRAWL__TIMEOUT_SECONDS": "30",
        }
        distributed_env = {
            **env,
            "RIVALWATCH_DATABASE_URL": database_url,
            "RIVALWATCH_VAR_DIR": str(tmp_path / "var"),
            "RIVALWATCH_CRAWL__BROKER_URL": broker,
            "RIVALWATCH_CRAWL__QUEUE": f"test-{uuid.uuid4().hex[:8]}",
            "RIVALWATCH_CRAWL__BATCH_SIZE": "4",
            "RIVALWATCH_CRAWL__LEASE_SECONDS": "6",
        }
        engine = make_engine(database_url)
        cleanup.callback(engine.dispose)
        factory = make_session_factory(engine)
        with workers(2, distributed_env, tmp_path) as started:
            crawl = subprocess.Popen(
                [sys.executable, "-m", "monitor.cli", "crawl", "--distributed", "--date", DAY.isoformat()],
                env={**os.environ, **distributed_env},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            victim = wait_mid_batch(factory)
            os.kill(lease_pid(victim) or 0, signal.SIGKILL)
            with factory() as session:
                stored_by_victim = {
                    row.page_id: row.crawl_run_id
                    for row in session.scalars(
                        select(CrawlPageTask).where(CrawlPageTask.lease_owner == victim)
                    )
                    if row.status == PageTaskStatus.DONE
                }
            output, _ = crawl.communicate(timeout=300)
            logs = "\n".join(worker.output()[-4000:] for worker in started)
        assert crawl.returncode == 0, output + logs
        assert "18 of 18 pages stored, 0 failed" in output, output

        # Every page captured exactly once: one capture each, stored by the run whose lease completed its
        # row; the pages the killed worker had stored were not crawled again.
        with factory() as session:
            rows = list(session.scalars(select(CrawlPageTask).where(CrawlPageTask.crawl_date == DAY)))
            captures = {c.page_id: c for c in session.scalars(select(PageCapture))}
            assert len(rows) == len(captures) == 18
            assert {row.status for row in rows} == {PageTaskStatus.DONE}
            assert all(captures[row.page_id].crawl_run_id == row.crawl_run_id for row in rows)
            assert stored_by_victim and all(
                captures[page_id].crawl_run_id == run_id for page_id, run_id in stored_by_victim.items()
            )
            assert max(row.attempts for row in rows) == 2  # the killed batch's unstored pages, once more
            runs = session.scalar(select(func.count()).select_from(CrawlRun)) or 0
            assert runs >= 6  # 5 batches, the killed one twice

        # Nothing half-written: every file a row cites is in the bucket, whole.
        store = S3EvidenceStore(bucket, "evidence/", client=s3.client())
        cited = cited_hashes(factory)
        assert cited and all(store.verify(sha) for sha in cited)

        # The same day crawled on one machine, by one process, reads the same.
        reference_env = {
            "RIVALWATCH_DATABASE_URL": reference_url,
            "RIVALWATCH_VAR_DIR": str(tmp_path / "reference-var"),
            "RIVALWATCH_EVIDENCE__BACKEND": "local",
        }
        reference_engine = make_engine(reference_url)
        cleanup.callback(reference_engine.dispose)
        upgrade(reference_engine)
        local = subprocess.run(
            [sys.executable, "-m", "monitor.cli", "crawl", "--date", DAY.isoformat()],
            env={**os.environ, **env, **reference_env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert local.returncode == 0, local.stdout + local.stderr
        reference = snapshot(make_session_factory(reference_engine))
        assert len(reference) == 18
        assert snapshot(factory) == reference


def wait_mid_batch(factory: sessionmaker[Session]) -> str:
    """The lease owner of a batch with a page stored and another still being crawled."""
    found: list[str] = []

    def mid_batch() -> bool:
        with factory() as session:
            rows = list(session.scalars(select(CrawlPageTask)))
        by_batch: dict[int, list[CrawlPageTask]] = {}
        for row in rows:
            by_batch.setdefault(row.batch, []).append(row)
        for batch_rows in by_batch.values():
            owners = {row.lease_owner for row in batch_rows if row.status == PageTaskStatus.CLAIMED}
            done = [row for row in batch_rows if row.status == PageTaskStatus.DONE and row.attempts == 1]
            if len(owners) == 1 and done:
                found.append(owners.pop() or "")
                return True
        return False

    wait_for(mid_batch, seconds=120, interval=0.1)
    return found[0]
