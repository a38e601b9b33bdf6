"""The office's match review queue: confirm or reject what the matcher was unsure about."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request, Response

from monitor.accounts.scope import NotInScope
from monitor.web.context import (
    DbSession,
    OfficeUser,
    RowId,
    flash,
    now_utc,
    redirect,
    render,
    settings_of,
    translations,
)
from monitor.web.office import (
    LIST_LIMIT,
    MatchNotReviewable,
    confirm_match,
    pending_match,
    reject_match,
    review_queue,
)

router = APIRouter()


@router.get("/office/matches")
def match_queue(
    request: Request, user: OfficeUser, session: DbSession, page: int = Query(1, ge=1, le=10_000)
) -> Response:
    """The queue, one page at a time, most seen in the last two periods first (counted from the index)."""
    settings = settings_of(request)
    since = settings.today(now_utc()) - dt.timedelta(days=2 * settings.accountability.period_days)
    rows, total = review_queue(session, since, page)
    pages = max(1, -(-total // LIST_LIMIT))
    context = {"rows": rows, "since": since, "page": page, "pages": pages, "total": total}
    return render(request, "matches.html", context)


@router.post("/office/matches/{match_id}/confirm")
def confirm(request: Request, match_id: RowId, user: OfficeUser, session: DbSession) -> Response:
    try:
        confirm_match(session, pending_match(session, match_id), user, now_utc())
    except MatchNotReviewable as exc:
        raise NotInScope(match_id) from exc
    session.commit()
    flash(request, translations(request).gettext("Match confirmed."))
    return redirect("/office/matches")


@router.post("/office/matches/{match_id}/reject")
def reject(request: Request, match_id: RowId, user: OfficeUser, session: DbSession) -> Response:
    try:
        reject_match(session, pending_match(session, match_id), user, now_utc())
    except MatchNotReviewable as exc:
        raise NotInScope(match_id) from exc
    session.commit()
    flash(request, translations(request).gettext("Match rejected."))
    return redirect("/office/matches")
