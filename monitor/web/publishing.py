"""Publishing a period from the web without holding the request: the run goes on after the answer, and the
mails page shows its progress (each mail's status from the queue) until it is done.

A run is kept in this process only (one per period at a time): it is what the office just started here. What
was mailed is in the mail queue (`PublishedMail`), whichever process sent it.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from monitor.core.settings import Settings
from reports.build import build_period_report
from reports.publish import PublishResult, publish_period

log = logging.getLogger(__name__)


@dataclass
class PublishRun:
    """One publish of a period started from the web: running until `done`, then its result or error."""

    period_id: int
    started_at: dt.datetime
    done: bool = False
    result: PublishResult | None = None
    mail_error: str | None = None  # the mail server could not be reached: publish again to send the rest
    crashed: bool = False


class PublishRuns:
    """The publish runs of this process, by period; at most one running per period."""

    def __init__(self) -> None:
        self._runs: dict[int, PublishRun] = {}
        self._lock = threading.Lock()

    def start(self, period_id: int, now: dt.datetime) -> PublishRun | None:
        """A new run for the period, or None when one is still running (a second click changes nothing)."""
        with self._lock:
            current = self._runs.get(period_id)
            if current is not None and not current.done:
                return None
            run = self._runs[period_id] = PublishRun(period_id, now)
            return run

    def get(self, period_id: int) -> PublishRun | None:
        with self._lock:
            return self._runs.get(period_id)


def run_publish(run: PublishRun, sessions: sessionmaker[Session], settings: Settings, start: dt.date) -> None:
    """Archive the report and workbook, then mail each rep and manager (mails sent before are skipped);
    the outcome lands on `run`, which is done whatever happens."""
    try:
        now = dt.datetime.now(dt.UTC)
        built = build_period_report(sessions, settings, start, now, generate=False)
        with sessions() as session:
            run.result = publish_period(session, settings, start, now, context=built.context)
    except (OSError, smtplib.SMTPException) as exc:
        run.mail_error = str(exc)
    except Exception:  # noqa: BLE001 - the run must end; the log has the traceback
        log.exception("publishing the period starting %s failed", start)
        run.crashed = True
    finally:
        run.done = True
