"""Crawl health for the office, for a chosen day: each page's status, each slot's yield against its usual
median, and the alerts (`monitor.capture.health.load_health`, the same as `rivalwatch health`); for a day
crawled on workers, its pages by status and which worker holds what (`monitor.capture.distributed`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from monitor.capture.distributed import day_progress
from monitor.capture.health import load_health
from monitor.web.context import DbSession, OfficeUser, QueryDay, now_utc, render, settings_of

router = APIRouter()


@router.get("/office/crawl")
def crawl_status(request: Request, user: OfficeUser, session: DbSession, day: QueryDay = None) -> Response:
    chosen = day or settings_of(request).today(now_utc())
    report = load_health(session, chosen)
    alerted_pages = {(alert.site, alert.page) for alert in report.alerts}
    context = {
        "report": report,
        "day": chosen,
        "alerted_pages": alerted_pages,
        # A day crawled on the Celery workers: its pages by status, and which worker holds what.
        "progress": day_progress(session, chosen),
    }
    return render(request, "crawl.html", context)
