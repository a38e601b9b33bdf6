"""Crawl health for the office, for a chosen day: each page's status, each slot's yield against its usual
median, and the alerts (`monitor.capture.health.load_health`, the same as `rivalwatch health`); for a day
crawled on workers, its pages by status and which worker holds what (`monitor.capture.distributed`). Without
a day it opens on the latest day with a capture."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from monitor.capture.distributed import day_progress
from monitor.capture.health import load_health
from monitor.web.context import DbSession, OfficeUser, QueryDay, now_utc, render, settings_of
from monitor.web.office import latest_capture_day

router = APIRouter()


@router.get("/office/crawl")
def crawl_status(request: Request, user: OfficeUser, session: DbSession, day: QueryDay = None) -> Response:
    today = settings_of(request).today(now_utc())
    # Before today's crawl ran, today has nothing to show: open on the latest day a crawl captured.
    chosen = day or latest_capture_day(session, today) or today
    report = load_health(session, chosen)
    alerted_pages = {(alert.site, alert.page) for alert in report.alerts}
    # An alert names its page by key: its address gives the unlabelled page's fallback name.
    urls = {(page.site, page.page): page.url for page in report.pages}
    context = {
        "report": report,
        "day": chosen,
        "alerted_pages": alerted_pages,
        "urls": urls,
        # A day crawled on the Celery workers: its pages by status, and which worker holds what.
        "progress": day_progress(session, chosen),
    }
    return render(request, "crawl.html", context)
