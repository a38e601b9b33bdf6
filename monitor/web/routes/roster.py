"""The roster for the office: each active rep's load against the cap, and transfers between reps (划转).

Loads come from `monitor.roster.transfers.rep_loads` and transfers go through `transfer_customer`, the same
functions the `transfer` and `roster` commands call; a transfer over the cap needs the office's override,
which is recorded on the new assignment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from sqlalchemy.orm import Session

from monitor.roster.transfers import TransferError, rep_loads, transfer_customer
from monitor.web.context import (
    DbSession,
    OfficeUser,
    flash,
    form_day,
    now_utc,
    redirect,
    render,
    settings_of,
    translations,
)
from monitor.web.office import CustomerChoice, search_customers

router = APIRouter()


@dataclass(frozen=True)
class TransferForm:
    """What the office typed, shown again when a transfer is refused."""

    customer: str = ""
    to_rep: str = ""
    effective: str = ""
    reason: str = ""
    override: bool = False
    query: str = ""  # the customer search the choice came from


def customer_choices(session: Session, form: TransferForm, today: dt.date) -> list[CustomerChoice]:
    """The customers offered in the form: the search's matches, and the one chosen before if it is not
    among them (so a refused transfer shows its choice again)."""
    found = search_customers(session, form.query, today)
    if form.customer and form.customer not in {choice.code for choice in found}:
        found = [*search_customers(session, form.customer, today, limit=1), *found]
    return found


def roster_page(
    request: Request, session: Session, form: TransferForm, problem: str | None = None, status: int = 200
) -> Response:
    settings = settings_of(request)
    today = settings.today(now_utc())
    cap = settings.accountability.rep_customer_cap
    context = {
        "loads": rep_loads(session, today, cap),
        "cap": cap,
        "form": form,
        "problem": problem,
        "customers": customer_choices(session, form, today),
    }
    return render(request, "roster.html", context, status)


@router.get("/office/roster")
def roster(
    request: Request,
    user: OfficeUser,
    session: DbSession,
    q: Annotated[str, Query(max_length=200)] = "",
    customer: Annotated[str, Query(max_length=50)] = "",
) -> Response:
    """The loads and the transfer form; `q` searches the customers to transfer (server side)."""
    today = settings_of(request).today(now_utc())
    form = TransferForm(customer=customer.strip(), effective=today.isoformat(), query=q.strip())
    return roster_page(request, session, form)


@router.post("/office/roster/transfer")
def transfer(
    request: Request,
    user: OfficeUser,
    session: DbSession,
    customer: Annotated[str, Form()] = "",
    to_rep: Annotated[str, Form()] = "",
    effective: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    override: Annotated[str, Form()] = "",
    q: Annotated[str, Form()] = "",
) -> Response:
    form = TransferForm(
        customer.strip(),
        to_rep.strip(),
        effective.strip(),
        reason.strip()[:2000],
        bool(override),
        q.strip()[:200],
    )
    _ = translations(request).gettext
    try:
        day = form_day(form.effective)
    except ValueError:
        return roster_page(request, session, form, _("Enter the effective date as YYYY-MM-DD."), 400)
    settings = settings_of(request)
    try:
        result = transfer_customer(
            session,
            form.customer,
            form.to_rep,
            effective=day,
            reason=form.reason,
            registered_by=user.username,
            now=now_utc(),
            cap=settings.accountability.rep_customer_cap,
            override=form.override,
        )
    except TransferError as exc:
        session.rollback()
        problem = _("The transfer was refused: %(reason)s") % {"reason": exc.translated(_)}
        return roster_page(request, session, form, problem, 409)
    session.commit()
    values = {
        "customer": result.customer_code,
        "from": result.from_rep or _("nobody"),
        "to": result.to_rep,
        "day": result.effective.isoformat(),
    }
    flash(request, _("Customer %(customer)s moves from %(from)s to %(to)s on %(day)s.") % values)
    if result.cap_override:
        flash(
            request,
            _("%(rep)s now owns %(load)d customers, over the cap of %(cap)d: the override is recorded.")
            % {"rep": result.to_rep, "load": result.load_after, "cap": result.cap},
        )
    return redirect("/office/roster")
