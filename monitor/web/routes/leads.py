"""Leads for the office (竞标): advertisers on competitor sites that are none of our customers, and a CSV.

Both come from `reports.leads` (`leads_since`, `write_leads_csv`), the same functions as `rivalwatch leads`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request, Response

from monitor.core.settings import Settings
from monitor.web.context import (
    DbSession,
    OfficeUser,
    QueryDay,
    now_utc,
    render,
    request_language,
    settings_of,
)
from reports.leads import leads_since, write_leads_csv

router = APIRouter()

LEADS_LIMIT = 500


def first_day(settings: Settings, since: dt.date | None) -> dt.date:
    """`since`, or by default two periods before today (as the `leads` command counts)."""
    return since or settings.today(now_utc()) - dt.timedelta(days=2 * settings.accountability.period_days)


@router.get("/office/leads")
def lead_list(request: Request, user: OfficeUser, session: DbSession, since: QueryDay = None) -> Response:
    day = first_day(settings_of(request), since)
    rows = leads_since(session, day, LEADS_LIMIT)
    session.commit()  # keep the days' activity summed on the way (normally none needed summing)
    return render(request, "leads.html", {"leads": rows, "since": day})


@router.get("/office/leads.csv")
def lead_csv(request: Request, user: OfficeUser, session: DbSession, since: QueryDay = None) -> Response:
    day = first_day(settings_of(request), since)
    rows = leads_since(session, day, LEADS_LIMIT)
    session.commit()
    with tempfile.TemporaryDirectory(prefix="rivalwatch-leads-") as folder:
        path = Path(folder) / "leads.csv"
        write_leads_csv(path, rows, request_language(request))
        data = path.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="leads-since-{day.isoformat()}.csv"'}
    return Response(data, media_type="text/csv; charset=utf-8", headers=headers)
