"""Crawl health: a page that could not be seen, a slot that suddenly yields far less, or a crawl run
that did not finish (failed, stopped, abandoned) is an alert. Retired sites (config gone) are ignored.

The rule is a plain function over plain values (`assess_slots`, `assess_pages`); `load_health` gathers
those values from the database for one day.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CrawlRun, Page, PageCapture, Site, Slot, SlotCapture
from models.enums import CaptureStatus, RunStatus
from monitor.core.mail import plain_message, send_messages
from monitor.core.settings import Settings
from spiders.persist import owner_gone

# A slot yielding less than this share of its recent median is an alert, not a quiet change.
LOW_YIELD_SHARE = 0.3
HISTORY_DAYS = 14
MIN_HISTORY = 3


@dataclass(frozen=True)
class SlotDay:
    day: dt.date
    found: bool
    ad_count: int


@dataclass(frozen=True)
class Alert:
    site: str
    page: str
    slot: str | None
    day: dt.date
    kind: str  # page_failed, slot_missing, slot_empty, slot_low
    detail: str

    def line(self) -> str:
        where = f"{self.site}/{self.page}" + (f"/{self.slot}" if self.slot else "")
        return f"{self.day} {where}: {self.kind}: {self.detail}"


def assess_slot(site: str, page: str, slot: str, today: SlotDay, history: Sequence[SlotDay]) -> Alert | None:
    """Compare today's yield of one slot with its recent history (days with a found slot only)."""
    if not today.found:
        return Alert(site, page, slot, today.day, "slot_missing", "selector found nothing (layout change?)")
    usual = [entry.ad_count for entry in history if entry.found and entry.day < today.day]
    if len(usual) < MIN_HISTORY:
        if today.ad_count == 0:
            return Alert(site, page, slot, today.day, "slot_empty", "slot found but yielded no ads")
        return None
    median = statistics.median(usual)
    if today.ad_count == 0 and median > 0:
        return Alert(site, page, slot, today.day, "slot_empty", f"0 ads; usually {median:g}")
    if median > 0 and today.ad_count < LOW_YIELD_SHARE * median:
        return Alert(site, page, slot, today.day, "slot_low", f"{today.ad_count} ads; usually {median:g}")
    return None


@dataclass(frozen=True)
class SlotHealth:
    site: str
    page: str
    slot: str
    today: SlotDay | None
    median: float | None
    alert: Alert | None


@dataclass(frozen=True)
class PageHealth:
    site: str
    page: str
    url: str
    status: CaptureStatus | None  # None: not captured that day
    error: str | None
    slots: list[SlotHealth]


@dataclass(frozen=True)
class RunHealth:
    """A crawl run of the day; a running one whose process is gone shows as abandoned at once."""

    id: int
    status: RunStatus
    pid: int | None
    host: str | None
    note: str | None

    def line(self) -> str:
        owner = f" (pid {self.pid} on {self.host})" if self.pid is not None else ""
        return f"crawl run {self.id}: {self.status.value}{owner}" + (f" - {self.note}" if self.note else "")


@dataclass(frozen=True)
class HealthReport:
    day: dt.date
    pages: list[PageHealth]
    alerts: list[Alert]
    runs: list[RunHealth] = field(default_factory=list)


class MailFailed(RuntimeError):
    """The alerts could not be mailed (the mail server refused or could not be reached)."""


def _slot_history(session: Session, slot_id: int, day: dt.date) -> list[SlotDay]:
    rows = session.execute(
        select(PageCapture.capture_date, SlotCapture.found, SlotCapture.ad_count)
        .join(PageCapture, SlotCapture.capture_id == PageCapture.id)
        .where(
            SlotCapture.slot_id == slot_id,
            PageCapture.capture_date <= day,
            PageCapture.capture_date > day - dt.timedelta(days=HISTORY_DAYS + 1),
            PageCapture.status == CaptureStatus.OK,
            PageCapture.of_record,
        )
        .order_by(PageCapture.capture_date)
    ).all()
    return [SlotDay(capture_date, found, ad_count) for capture_date, found, ad_count in rows]


def _page_health(session: Session, site: Site, page: Page, day: dt.date) -> tuple[PageHealth, list[Alert]]:
    capture = session.scalars(
        select(PageCapture).where(
            PageCapture.page_id == page.id, PageCapture.capture_date == day, PageCapture.of_record
        )
    ).one_or_none()
    alerts: list[Alert] = []
    if capture is None:
        alerts.append(Alert(site.name, page.key, None, day, "page_failed", "not captured"))
    elif capture.status != CaptureStatus.OK:
        detail = f"{capture.status.value}" + (f" ({capture.http_status})" if capture.http_status else "")
        alerts.append(Alert(site.name, page.key, None, day, "page_failed", detail))
    slots: list[SlotHealth] = []
    for slot in session.scalars(select(Slot).where(Slot.page_id == page.id, Slot.active)).all():
        history = _slot_history(session, slot.id, day)
        today = next((entry for entry in history if entry.day == day), None)
        earlier = [entry.ad_count for entry in history if entry.found and entry.day < day]
        median = statistics.median(earlier) if earlier else None
        alert = assess_slot(site.name, page.key, slot.name, today, history) if today else None
        if alert:
            alerts.append(alert)
        slots.append(SlotHealth(site.name, page.key, slot.name, today, median, alert))
    status = capture.status if capture else None
    error = capture.error if capture else None
    return PageHealth(site.name, page.key, page.url, status, error, slots), alerts


def load_health(session: Session, day: dt.date, sites: Sequence[str] | None = None) -> HealthReport:
    """The health of every active page and slot on `day`, with the alerts it raises."""
    query = select(Site).where(Site.active).order_by(Site.name)
    if sites:
        query = query.where(Site.name.in_(list(sites)))
    pages: list[PageHealth] = []
    alerts: list[Alert] = []
    for site in session.scalars(query).all():
        for page in site.pages:
            if not page.active:
                continue
            health, page_alerts = _page_health(session, site, page, day)
            pages.append(health)
            alerts.extend(page_alerts)
    runs = load_runs(session, day)
    alerts.extend(
        Alert("crawl", f"run {run.id}", None, day, f"run_{run.status.value}", run.note or run.status.value)
        for run in runs
        if run.status in (RunStatus.FAILED, RunStatus.STOPPED, RunStatus.ABANDONED)
    )
    return HealthReport(day=day, pages=pages, alerts=alerts, runs=runs)


def load_runs(session: Session, day: dt.date) -> list[RunHealth]:
    """The day's crawl runs; one still `running` whose owner is gone (this host, no such pid) is shown
    abandoned, whether or not anything has marked it so yet."""
    runs = session.scalars(select(CrawlRun).where(CrawlRun.crawl_date == day).order_by(CrawlRun.id))
    found = []
    for run in runs:
        status, note = run.status, run.end_note
        if status is RunStatus.RUNNING and owner_gone(run):
            status, note = RunStatus.ABANDONED, f"abandoned: process {run.pid} on {run.host} is gone"
        found.append(RunHealth(run.id, status, run.pid, run.host, note))
    return found


def mail_alerts(settings: Settings, report: HealthReport) -> bool:
    """Mail the report's alerts to `crawl.alert_recipients`; False when there was nothing to send."""
    recipients = settings.crawl.alert_recipients
    if not report.alerts or not recipients:
        return False
    subject = f"[Rivalwatch] {len(report.alerts)} crawl alert(s) on {report.day}"
    body = "\n".join(alert.line() for alert in report.alerts)
    try:
        send_messages(settings.smtp, [plain_message(settings.smtp.sender, recipients, subject, body)])
    except (OSError, smtplib.SMTPException) as exc:
        where = f"{settings.smtp.host}:{settings.smtp.port}"
        reason = str(exc).strip() or type(exc).__name__
        raise MailFailed(f"cannot mail the crawl alerts via {where}: {reason}") from exc
    return True
