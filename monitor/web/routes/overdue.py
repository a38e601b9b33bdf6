"""Forms past their deadline, for managers (their team) and the office (everyone)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from monitor.accountability.items import overdue_items
from monitor.web.context import DbSession, StaffUser, now_utc, render, settings_of

router = APIRouter()


@router.get("/overdue")
def overdue_list(request: Request, user: StaffUser, session: DbSession) -> Response:
    today = settings_of(request).today(now_utc())
    return render(request, "overdue.html", {"items": overdue_items(session, user, today)})
