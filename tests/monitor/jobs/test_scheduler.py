"""The scheduler: explicit timezones, jobs persisted in the database, missed runs run once, no overlap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from monitor.core.locks import JobBusy, job_lock
from monitor.core.settings import load_settings
from monitor.jobs.scheduler import (
    DAILY_JOB_ID,
    JOB_OPTIONS,
    MAINTENANCE_JOB_ID,
    REPORT_JOB_ID,
    build_scheduler,
    daily_trigger,
)
from tests.support.poll import wait_for

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_daily_trigger_fires_at_local_time_whatever_the_machine_timezone() -> None:
    settings = load_settings(None, crawl={"daily_time": "06:30"})
    trigger = daily_trigger(settings)
    now = dt.datetime(2026, 11, 27, 23, 0, tzinfo=dt.UTC)  # 07:00 on the 28th in Shanghai
    fire = trigger.get_next_fire_time(None, now)
    assert fire is not None
    assert fire.astimezone(SHANGHAI) == dt.datetime(2026, 11, 29, 6, 30, tzinfo=SHANGHAI)
    assert fire.astimezone(dt.UTC) == dt.datetime(2026, 11, 28, 22, 30, tzinfo=dt.UTC)


# Both backends: APScheduler keeps the jobs in its own table, pickled in a binary column.
@pytest.mark.both_backends
def test_jobs_persist_in_the_database(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(None, database_url=database_url, var_dir=tmp_path)
    first = build_scheduler(settings, None, background=True)
    first.start(paused=True)
    first.shutdown(wait=False)
    second = build_scheduler(settings, None, background=True)
    second.start(paused=True)
    try:
        jobs = {job.id: job for job in second.get_jobs()}
        assert set(jobs) == {DAILY_JOB_ID, REPORT_JOB_ID, MAINTENANCE_JOB_ID}
        assert jobs[DAILY_JOB_ID].max_instances == 1
        assert str(jobs[DAILY_JOB_ID].trigger.timezone) == "Asia/Shanghai"
    finally:
        second.shutdown(wait=False)


def test_missed_runs_run_once_when_the_scheduler_comes_back(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(None, database_url=database_url, var_dir=tmp_path)
    marker = tmp_path / "runs.txt"
    scheduler = build_scheduler(settings, None, background=True)
    scheduler.remove_all_jobs()
    # The machine was down for three days: three daily runs were missed.
    three_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3, minutes=1)
    scheduler.add_job(
        "tests.support.probe_job:record",
        IntervalTrigger(days=1, start_date=three_days_ago, timezone=SHANGHAI),
        id="probe",
        kwargs={"path": str(marker)},
        next_run_time=three_days_ago,
        **JOB_OPTIONS,
    )
    scheduler.start()
    try:
        wait_for(
            lambda: marker.exists() and scheduler.get_job("probe").next_run_time > dt.datetime.now(dt.UTC),
            seconds=20,
        )
    finally:
        scheduler.shutdown(wait=True)
    assert marker.read_text(encoding="utf-8").splitlines() == ["ran"]


def test_a_second_crawl_cannot_start_while_one_holds_the_lock(tmp_path: Path) -> None:
    settings = load_settings(None, var_dir=tmp_path)
    with (
        job_lock(settings, "crawl"),
        pytest.raises(JobBusy, match="already running"),
        job_lock(settings, "crawl"),
    ):
        pass
    with job_lock(settings, "crawl"):
        pass  # released after the first holder is done
