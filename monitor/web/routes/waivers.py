"""The office waives an item (豁免) with a reason, from the item page; see monitor.accountability.waivers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from monitor.accountability.waivers import WaiveError, waive_item
from monitor.accounts.scope import readable_item
from monitor.web.context import DbSession, OfficeUser, RowId, flash, now_utc, redirect, translations
from monitor.web.routes.items import item_page

router = APIRouter()


@router.post("/items/{item_id}/waive")
def waive(
    request: Request,
    item_id: RowId,
    user: OfficeUser,
    session: DbSession,
    reason: Annotated[str, Form()] = "",
) -> Response:
    item = readable_item(session, user, item_id)
    _ = translations(request).gettext
    reason = reason.strip()[:2000]
    if not reason:
        problem = _("Write the reason for the waiver.")
        return item_page(request, session, user, item, problem=problem, status_code=400)
    try:
        waive_item(session, item.period.start_date, item.customer.code, reason, user.username, now_utc())
    except WaiveError as exc:
        session.rollback()
        problem = _("The item could not be waived: %(error)s") % {"error": str(exc)}
        return item_page(request, session, user, item, problem=problem, status_code=409, waive_reason=reason)
    session.commit()
    flash(request, _("The item is waived."))
    return redirect(f"/items/{item.id}")
