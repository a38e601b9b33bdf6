"""The office waives an item (豁免) with a reason, or undoes a waiver, from the item page.

See monitor.accountability.waivers: every decision is kept with who, when and why.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session

from models import User
from monitor.accountability.waivers import WaiveError, unwaive, waive
from monitor.accounts.scope import readable_item
from monitor.web.context import DbSession, OfficeUser, RowId, flash, now_utc, redirect, translations
from monitor.web.routes.items import item_page

router = APIRouter()


@router.post("/items/{item_id}/waive")
def waive_route(
    request: Request,
    item_id: RowId,
    user: OfficeUser,
    session: DbSession,
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _decide(request, item_id, user, session, reason, unwaiving=False)


@router.post("/items/{item_id}/unwaive")
def unwaive_route(
    request: Request,
    item_id: RowId,
    user: OfficeUser,
    session: DbSession,
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _decide(request, item_id, user, session, reason, unwaiving=True)


def _decide(
    request: Request, item_id: int, user: User, session: Session, reason: str, *, unwaiving: bool
) -> Response:
    item = readable_item(session, user, item_id)
    _ = translations(request).gettext
    reason = reason.strip()[:2000]
    if not reason:
        problem = _("Write the reason for the waiver.")
        return item_page(request, session, user, item, problem=problem, status_code=400)
    try:
        (unwaive if unwaiving else waive)(session, item, reason, user.username, now_utc())
    except WaiveError as exc:
        session.rollback()
        problem = _("The item could not be waived: %(error)s") % {"error": exc.translated(_)}
        return item_page(request, session, user, item, problem=problem, status_code=409, waive_reason=reason)
    session.commit()
    flash(request, _("The waiver is undone.") if unwaiving else _("The item is waived."))
    return redirect(f"/items/{item.id}")
