"""Forms past their deadline, for managers (their team) and the office (everyone)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from monitor.accountability.items import overdue_count, overdue_items
from monitor.web.context import DbSession, StaffUser, now_utc, render, settings_of

router = APIRouter()

PAGE_SIZE = 100


@router.get("/overdue")
def overdue_list(
    request: Request, user: StaffUser, session: DbSession, page: int = Query(1, ge=1, le=100_000)
) -> Response:
    """Overdue forms, a page at a time (oldest deadline first): the list grows with unanswered history."""
    today = settings_of(request).today(now_utc())
    items = overdue_items(session, user, today, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    total = overdue_count(session, user, today)
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "overdue.html", {"items": items, "page": page, "pages": pages, "total": total})
