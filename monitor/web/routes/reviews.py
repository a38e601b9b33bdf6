"""A manager's decision on a submitted form: accept, or send back with a comment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from models.enums import ReviewDecision
from monitor.accountability.explanations import FormRefused, review
from monitor.accounts.scope import reviewable_item
from monitor.web.context import (
    CurrentUser,
    DbSession,
    RowId,
    flash,
    now_utc,
    redirect,
    settings_of,
    translations,
)
from monitor.web.routes.items import item_page

router = APIRouter()


@router.post("/items/{item_id}/review")
def review_item(
    request: Request,
    item_id: RowId,
    user: CurrentUser,
    session: DbSession,
    decision: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    item = reviewable_item(session, user, item_id)
    _ = translations(request).gettext
    if decision not in {choice.value for choice in ReviewDecision}:
        problem = _("Choose accept or send back.")
        return item_page(request, session, user, item, problem=problem, status_code=400)
    chosen = ReviewDecision(decision)
    try:
        review(item, user, chosen, comment.strip()[:5000] or None, settings_of(request), now_utc())
    except FormRefused as refused:
        session.rollback()
        return item_page(request, session, user, item, problem=_(str(refused)), status_code=409)
    session.commit()
    flash(request, _("Accepted.") if chosen == ReviewDecision.ACCEPT else _("Sent back."))
    return redirect(f"/items/{item.id}")
