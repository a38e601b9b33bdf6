"""The roster for the office: every rep with today's customer count against the cap."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from monitor.web.context import DbSession, OfficeUser, now_utc, render, settings_of
from monitor.web.office import roster_load

router = APIRouter()


@router.get("/office/roster")
def roster(request: Request, user: OfficeUser, session: DbSession) -> Response:
    settings = settings_of(request)
    loads = roster_load(session, settings.today(now_utc()))
    return render(request, "roster.html", {"loads": loads, "cap": settings.accountability.rep_customer_cap})
