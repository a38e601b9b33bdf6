"""The rep's explanation form: save a draft or submit. Only the owning rep may write it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from monitor.accountability.explanations import (
    FormRefused,
    missing_for_submit,
    parse_explanation,
    save_draft,
    submit,
)
from monitor.accounts.scope import writable_item
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


@router.post("/items/{item_id}/explanation")
def save_explanation(
    request: Request,
    item_id: RowId,
    user: CurrentUser,
    session: DbSession,
    action: Annotated[str, Form()] = "draft",
    reason: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    funnel_stage: Annotated[str, Form()] = "",
    next_step: Annotated[str, Form()] = "",
    next_step_date: Annotated[str, Form()] = "",
) -> Response:
    # The item comes from the URL and is checked against the signed-in rep; other form fields
    # (a rep_id or item_id someone adds) are never read.
    item = writable_item(session, user, item_id)
    fields = {"reason": reason, "text": text, "funnel_stage": funnel_stage, "next_step": next_step}
    data = parse_explanation({**fields, "next_step_date": next_step_date})
    if action == "submit":
        data.errors = {**missing_for_submit(data), **data.errors}
    _ = translations(request).gettext
    if data.errors:
        return item_page(request, session, user, item, data, _("Please fix the fields marked below."), 400)
    try:
        if action == "submit":
            submit(item, user, data, settings_of(request), now_utc())
        else:
            save_draft(item, user, data, settings_of(request), now_utc())
    except FormRefused as refused:
        session.rollback()
        return item_page(request, session, user, item, data, _(str(refused)), 409)
    session.commit()
    flash(request, _("Submitted.") if action == "submit" else _("Saved as draft."))
    return redirect(f"/items/{item.id}")
