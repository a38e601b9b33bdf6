"""Acting before the report: the day's alerts, the creative gallery and share of voice for the office, and
the link an alert carries (`/alerts/ID`: the customer's item page once the period has one)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from models import AccountabilityItem, AccountabilityPeriod, AdAlert, Customer, Site
from models.enums import Role
from monitor.accountability.alerts import alert_rows, message_rows
from monitor.accountability.creatives import GalleryFilter, gallery
from monitor.accountability.items import choose_period, periods_newest_first
from monitor.accountability.periods import PeriodCalendar
from monitor.accountability.voice import periods_back, share_of_voice
from monitor.accounts.scope import NotInScope, restrict_items, visible_rep_ids
from monitor.web.context import (
    CurrentUser,
    DbSession,
    OfficeUser,
    QueryDay,
    QueryRowId,
    RowId,
    now_utc,
    place_names_of,
    redirect,
    render,
    settings_of,
    translations,
)
from reports.intel import TREND_PERIODS, page_kind_labels, voice_chart

router = APIRouter()

DEFAULT_DAYS = 30
MAX_DAYS = 366  # a range longer than this is cut: every query here is bounded by its days
QueryCode = Annotated[str | None, Query(max_length=50)]


def day_range(
    request: Request, first: dt.date | None, last: dt.date | None, days: int
) -> tuple[dt.date, dt.date]:
    """The filter's days: `last` (default today) and `first` (default `days` before), at most a year."""
    end = last or settings_of(request).today(now_utc())
    start = first or end - dt.timedelta(days=days - 1)
    if start > end:
        start, end = end, start
    return max(start, end - dt.timedelta(days=MAX_DAYS - 1)), end


@router.get("/alerts/{alert_id}")
def alert_link(request: Request, alert_id: RowId, user: CurrentUser, session: DbSession) -> Response:
    """Where an alert's link leads: the customer's item of the period, once generated and readable."""
    alert = session.get(AdAlert, alert_id)
    reps = visible_rep_ids(session, user)
    if alert is None or (reps is not None and alert.rep_id not in reps):
        raise NotInScope(alert_id)
    # The stored period holding the day (not the calendar's: a period generated under another anchor,
    # as the demo's is, is found all the same).
    statement = restrict_items(
        select(AccountabilityItem.id)
        .join(AccountabilityPeriod, AccountabilityPeriod.id == AccountabilityItem.period_id)
        .where(
            AccountabilityPeriod.start_date <= alert.day,
            AccountabilityPeriod.end_date >= alert.day,
            AccountabilityItem.customer_id == alert.customer_id,
        ),
        session,
        user,
    )
    item_id = session.scalar(statement)
    if item_id is not None:
        return redirect(f"/items/{item_id}")
    if user.role in (Role.OFFICE, Role.ADMIN):
        customer = session.get(Customer, alert.customer_id)
        code = customer.code if customer else ""
        return redirect(
            f"/office/gallery?customer={code}&first={alert.day.isoformat()}&last={alert.day.isoformat()}"
        )
    return redirect("/items")


@router.get("/office/alerts")
def alert_list(
    request: Request, user: OfficeUser, session: DbSession, first: QueryDay = None, last: QueryDay = None
) -> Response:
    start, end = day_range(request, first, last, 7)
    context = {
        "alerts": sorted(
            alert_rows(session, start, end, names=place_names_of(request)),
            key=lambda row: -row.day.toordinal(),
        ),  # newest day first
        "messages": message_rows(session, start, end),
        "first": start,
        "last": end,
    }
    return render(request, "alerts.html", context)


@router.get("/office/gallery")
def creative_gallery(
    request: Request,
    user: OfficeUser,
    session: DbSession,
    customer: QueryCode = None,
    site: QueryRowId = None,
    first: QueryDay = None,
    last: QueryDay = None,
) -> Response:
    start, end = day_range(request, first, last, DEFAULT_DAYS)
    customer_row = (
        session.scalar(select(Customer).where(Customer.code == customer.strip())) if customer else None
    )
    problem = None
    if customer and customer_row is None:
        problem = translations(request).gettext("No customer has the ID %(code)s.") % {"code": customer}
    wanted = GalleryFilter(start, end, customer_row.id if customer_row else None, site)
    entries = [] if problem else gallery(session, wanted, names=place_names_of(request))
    sites = session.execute(select(Site.id, Site.display_name).order_by(Site.display_name)).all()
    context = {
        "entries": entries,
        "sites": sites,
        "site": site,
        "customer": customer or "",
        "customer_row": customer_row,
        "first": start,
        "last": end,
        "problem": problem,
    }
    return render(request, "gallery.html", context)


@router.get("/office/voice")
def voice(request: Request, user: OfficeUser, session: DbSession, period: QueryRowId = None) -> Response:
    settings = settings_of(request)
    periods = periods_newest_first(session)
    chosen = choose_period(periods, period)
    if chosen is not None:
        start = chosen.start_date
    else:
        start = PeriodCalendar.of(settings.accountability).containing(settings.today(now_utc())).start
    rows = share_of_voice(session, periods_back(start, settings.accountability.period_days, TREND_PERIODS))
    context = {
        "periods": periods,
        "period": chosen,
        "start": start,
        "rows": sorted(rows, key=lambda row: -row.start.toordinal()),  # newest period first, sites in order
        "current": [row for row in rows if row.start == start],
        "chart": voice_chart(rows, translations(request).gettext),
        "page_kinds": page_kind_labels(),
    }
    return render(request, "voice.html", context)


@router.get("/office/periods/{period_id}/{folder}/intel.html")
def archived_intel_page(
    request: Request, period_id: RowId, folder: str, user: OfficeUser, session: DbSession
) -> Response:
    """The archived report's market intelligence page (the company page links it relatively)."""
    from fastapi.responses import FileResponse

    from monitor.web.routes.periods import REPORT_CSP, generated_period
    from reports.html import INTEL_PAGE, report_folder

    archive = report_folder(settings_of(request), generated_period(session, period_id).start_date)
    path = archive / INTEL_PAGE
    if folder != archive.name or not path.is_file():
        raise NotInScope(folder)
    return FileResponse(
        path, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": REPORT_CSP}
    )
