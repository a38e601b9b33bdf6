"""The unattended jobs: the daily crawl and the biweekly report. The scheduler calls these by name.

Each job takes only the settings file path (picklable for the database job store) and loads settings
itself. A lock file keeps two crawls from overlapping, whoever started them.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from models.migrate import migrated_sessions
from monitor.core.locks import job_lock
from monitor.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.capture.distributed import DayProgress

log = logging.getLogger("rivalwatch.jobs")


def daily_job(config_file: str | None = None, day: dt.date | None = None) -> None:
    """Crawl today's pages (in a child process, or on the Celery workers when crawl.backend = "celery"),
    match new advertisers, mail health alerts.

    `day` simulates a day (tests); the crawl itself takes the crawl lock, waiting for a prune to end.
    """
    from models.db import transaction
    from monitor.capture.crawl import read_day_logos, run_crawl_subprocess, seal_crawled_day
    from monitor.capture.health import load_health, mail_alerts
    from monitor.matching.activity import refresh_days
    from monitor.matching.store import rematch_advertisers

    settings = load_settings(config_file)
    when = day or settings.crawl_day()
    log.info("daily crawl starting", extra={"day": str(when), "backend": settings.crawl.backend})
    with migrated_sessions(settings.database) as factory:
        if settings.crawl.backend == "celery":
            progress = crawl_on_workers(factory, settings, config_file, when)
            log.info("daily crawl finished", extra={"day": str(when), "progress": progress.line()})
            # A batch neither seals nor reads logos: the day is done once, as a local crawl does it.
            seal_crawled_day(factory, settings, when)
            read_day_logos(factory, settings, when)
        else:
            completed = run_crawl_subprocess(config_file, day)
            log.info("daily crawl finished", extra={"day": str(when), "exit_code": completed.returncode})
            if completed.returncode != 0:
                log.warning("daily crawl: %s", completed.stderr.strip()[-2000:])
        with transaction(factory) as session:
            result = rematch_advertisers(session, settings, now=dt.datetime.now(dt.UTC))
        log.info("matching finished", extra={"result": str(result)})
        with transaction(factory) as session:
            # The day's sightings summed per advertiser now, so the office's leads read them ready.
            refresh_days(session, when - dt.timedelta(days=1), when)
        with factory() as session:
            health = load_health(session, when)
    for alert in health.alerts:
        log.warning("crawl alert", extra={"alert": alert.line()})
    mail_alerts(settings, health)
    alerts_job(config_file, when)


def alerts_job(config_file: str | None = None, day: dt.date | None = None) -> None:
    """Tell each rep and team which of their customers started advertising with a competitor that day.

    Runs after the day's crawl and matching; a message that fails stays failed and goes out next time.
    """
    from monitor.accountability.alerts import run_alerts
    from monitor.core.mail import send_messages

    settings = load_settings(config_file)
    when = day or settings.today()
    with migrated_sessions(settings.database) as factory:
        run = run_alerts(
            factory,
            settings,
            when,
            now=lambda: dt.datetime.now(dt.UTC),
            send_mail=lambda message: send_messages(settings.smtp, [message]),
        )
    log.info(
        "alerts sent",
        extra={
            "day": str(when),
            "alerts": run.alerts,
            "sent": run.result.sent,
            "failed": len(run.result.failed),
        },
    )


def crawl_on_workers(
    factory: sessionmaker[Session], settings: Settings, config_file: str | None, day: dt.date
) -> DayProgress:
    """crawl.backend = "celery": queue the day's batches for `rivalwatch worker`s and wait for them."""
    from monitor.core.siteconfig import load_site_configs
    from monitor.jobs.celery_app import configure
    from monitor.jobs.distributed import enqueue_day, wait_for_day

    configure(settings, config_file)
    enqueue_day(factory, settings, load_site_configs(settings.sites_dir), day)
    return wait_for_day(factory, settings, day)


def report_job(config_file: str | None = None, today: dt.date | None = None) -> Path | None:
    """Generate and write the report of the last complete period, unless it was generated already."""
    from monitor.accountability.periods import PeriodCalendar
    from monitor.accountability.store import period_starting
    from reports.build import build_period_report

    settings = load_settings(config_file)
    period = PeriodCalendar.of(settings.accountability).last_complete(today or settings.today())
    with job_lock(settings, "report"), migrated_sessions(settings.database) as factory:
        with factory() as session:
            row = period_starting(session, period.start)
            done = row is not None and row.generated_at is not None
        if done:
            log.info("report already generated", extra={"period": str(period.start)})
            return None
        built = build_period_report(factory, settings, period.start, dt.datetime.now(dt.UTC))
    log.info("report written", extra={"period": str(period.start), "path": str(built.report)})
    return built.report


def maintenance_job(config_file: str | None = None, now: dt.datetime | None = None) -> None:
    """Escalate overdue explanation forms once each, then prune old page evidence nobody cites.

    Pruning holds the crawl lock: a crawl reusing a file must not lose it between check and delete.
    """
    from monitor.accountability.escalation import escalate_overdue, smtp_sender
    from monitor.capture.retention import prune_evidence
    from monitor.core.evidence import open_evidence_store

    settings = load_settings(config_file)
    moment = now or dt.datetime.now(dt.UTC)
    with migrated_sessions(settings.database) as factory:
        with factory() as session:  # commits per mail sent (none open while sending)
            escalated = escalate_overdue(session, settings, moment, smtp_sender(settings))
        log.info("escalations sent", extra={"count": len(escalated)})
        store = open_evidence_store(settings)
        with job_lock(settings, "crawl"), factory() as session:
            result = prune_evidence(
                session,
                store,
                settings.today(moment),
                settings.crawl.retention_days,
                after_batch=lambda _day: session.commit(),  # one short transaction per batch of days
            )
            session.commit()
    log.info("evidence pruned", extra={"deleted": len(result.deleted), "kept": len(result.kept)})
