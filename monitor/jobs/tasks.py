"""The unattended jobs: the daily crawl and the biweekly report. The scheduler calls these by name.

Each job takes only the settings file path (picklable for the database job store) and loads settings
itself. A lock file keeps two crawls from overlapping, whoever started them.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from models.migrate import migrated_sessions
from monitor.core.locks import job_lock
from monitor.core.settings import load_settings

log = logging.getLogger("rivalwatch.jobs")


def daily_job(config_file: str | None = None, day: dt.date | None = None) -> None:
    """Crawl today's pages in a child process, match new advertisers, mail health alerts."""
    from models.db import transaction
    from monitor.capture.crawl import run_crawl_subprocess
    from monitor.capture.health import load_health
    from monitor.core.mail import plain_message, send_messages
    from monitor.matching.store import rematch_advertisers

    settings = load_settings(config_file)
    when = day or settings.today()
    with job_lock(settings, "crawl"):
        log.info("daily crawl starting", extra={"day": str(when)})
        completed = run_crawl_subprocess(config_file, when)
        log.info("daily crawl finished", extra={"day": str(when), "exit_code": completed.returncode})
        with migrated_sessions(settings.database) as factory:
            with transaction(factory) as session:
                result = rematch_advertisers(session, settings, now=dt.datetime.now(dt.UTC))
            log.info("matching finished", extra={"result": str(result)})
            with factory() as session:
                health = load_health(session, when)
    for alert in health.alerts:
        log.warning("crawl alert", extra={"alert": alert.line()})
    if health.alerts and settings.crawl.alert_recipients:
        body = "\n".join(alert.line() for alert in health.alerts)
        subject = f"[Rivalwatch] {len(health.alerts)} crawl alert(s) on {when}"
        send_messages(
            settings.smtp,
            [plain_message(settings.smtp.sender, settings.crawl.alert_recipients, subject, body)],
        )


def report_job(config_file: str | None = None, today: dt.date | None = None) -> Path | None:
    """Generate and write the report of the last complete period, unless it was generated already."""
    from sqlalchemy import select

    from models import AccountabilityPeriod
    from models.db import transaction
    from monitor.accountability.generate import generate_period
    from monitor.accountability.rule import period_for
    from reports.html import write_period_report

    settings = load_settings(config_file)
    when = today or settings.today()
    anchor = settings.accountability
    start, _end = period_for(
        when - dt.timedelta(days=anchor.period_days), anchor.period_anchor, anchor.period_days
    )
    with job_lock(settings, "report"), migrated_sessions(settings.database) as factory:
        with factory() as session:
            period = session.scalars(
                select(AccountabilityPeriod).where(AccountabilityPeriod.start_date == start)
            ).one_or_none()
            done = period is not None and period.generated_at is not None
        if done:
            log.info("report already generated", extra={"period": str(start)})
            return None
        with transaction(factory) as session:
            generate_period(session, settings, start, now=dt.datetime.now(dt.UTC))
        with factory() as session:
            path = write_period_report(session, settings, start)
    log.info("report written", extra={"period": str(start), "path": str(path)})
    return path


def maintenance_job(config_file: str | None = None, now: dt.datetime | None = None) -> None:
    """Escalate overdue explanation forms once each, then prune old page evidence nobody cites.

    Pruning holds the crawl lock: a crawl reusing a file must not lose it between check and delete.
    """
    from models.db import transaction
    from monitor.accountability.escalation import escalate_overdue, smtp_sender
    from monitor.capture.retention import prune_evidence
    from monitor.core.evidence import EvidenceStore

    settings = load_settings(config_file)
    moment = now or dt.datetime.now(dt.UTC)
    with migrated_sessions(settings.database) as factory:
        with transaction(factory) as session:
            escalated = escalate_overdue(session, settings, moment, smtp_sender(settings))
        log.info("escalations sent", extra={"count": len(escalated)})
        store = EvidenceStore(settings.evidence_path)
        with job_lock(settings, "crawl"), transaction(factory) as session:
            result = prune_evidence(session, store, settings.today(moment), settings.crawl.retention_days)
    log.info("evidence pruned", extra={"deleted": len(result.deleted), "kept": len(result.kept)})
