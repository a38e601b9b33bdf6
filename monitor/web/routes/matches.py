"""The office's match review queue: confirm or reject what the matcher was unsure about."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from monitor.accounts.scope import NotInScope
from monitor.web.context import DbSession, OfficeUser, RowId, flash, now_utc, redirect, render, translations
from monitor.web.office import MatchNotReviewable, confirm_match, pending_match, reject_match, review_queue

router = APIRouter()


@router.get("/office/matches")
def match_queue(request: Request, user: OfficeUser, session: DbSession) -> Response:
    return render(request, "matches.html", {"rows": review_queue(session)})


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
