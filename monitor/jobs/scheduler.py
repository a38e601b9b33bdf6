"""APScheduler 3 with its job store in the Rivalwatch database.

- every trigger carries the users' timezone explicitly (machines run on UTC, users on Asia/Shanghai);
- one instance of a job at a time (`max_instances=1`), and the crawl lock also excludes manual crawls;
- a run missed while the machine was down runs once when the scheduler comes back (`coalesce=True` with a
  day-long `misfire_grace_time`);
- each crawl runs in its own process (the daily job spawns `rivalwatch crawl`);
- a maintenance job escalates overdue explanation forms (once each) and prunes old page evidence.
"""

from __future__ import annotations

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.pool import NullPool

from models.db import make_engine
from monitor.core.settings import Settings

DAILY_JOB_ID = "daily-crawl"
REPORT_JOB_ID = "biweekly-report"
MAINTENANCE_JOB_ID = "maintenance"
MISFIRE_GRACE_SECONDS = 24 * 3600
REPORT_TIME = (8, 0)
MAINTENANCE_TIME = (9, 0)
# Owned by APScheduler, not by our models or migrations.
JOB_TABLE = "scheduler_job"


def daily_trigger(settings: Settings) -> CronTrigger:
    hour, minute = (int(part) for part in settings.crawl.daily_time.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=settings.tz)


def report_trigger(settings: Settings) -> CronTrigger:
    # Daily check; the job itself only works when the last complete period has no report yet.
    return CronTrigger(hour=REPORT_TIME[0], minute=REPORT_TIME[1], timezone=settings.tz)


# No overlap, and a run missed while the machine was down runs once when the scheduler is back.
JOB_OPTIONS = {
    "max_instances": 1,
    "coalesce": True,
    "misfire_grace_time": MISFIRE_GRACE_SECONDS,
    "replace_existing": True,
}


def add_jobs(scheduler: BaseScheduler, settings: Settings, config_file: str | None) -> None:
    common = {**JOB_OPTIONS, "kwargs": {"config_file": config_file}}
    scheduler.add_job("monitor.jobs.tasks:daily_job", daily_trigger(settings), id=DAILY_JOB_ID, **common)
    scheduler.add_job("monitor.jobs.tasks:report_job", report_trigger(settings), id=REPORT_JOB_ID, **common)
    maintenance = CronTrigger(hour=MAINTENANCE_TIME[0], minute=MAINTENANCE_TIME[1], timezone=settings.tz)
    scheduler.add_job("monitor.jobs.tasks:maintenance_job", maintenance, id=MAINTENANCE_JOB_ID, **common)


def build_scheduler(
    settings: Settings, config_file: str | None, *, background: bool = False
) -> BaseScheduler:
    """A scheduler whose jobs persist in the settings' database (blocking unless `background`)."""
    scheduler_class = BackgroundScheduler if background else BlockingScheduler
    scheduler = scheduler_class(
        # NullPool: the store's connections close when returned, so none outlive the scheduler thread.
        jobstores={
            "default": SQLAlchemyJobStore(
                engine=make_engine(settings.database, poolclass=NullPool), tablename=JOB_TABLE
            )
        },
        timezone=settings.tz,
    )
    add_jobs(scheduler, settings, config_file)
    return scheduler
