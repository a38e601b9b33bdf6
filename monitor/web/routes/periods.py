"""The office's list of periods, with a button that generates one when the generator is installed."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from monitor.settings import Settings
from monitor.web.context import DbSession, OfficeUser, flash, now_utc, redirect, render, settings_of
from monitor.web.office import period_rows

router = APIRouter()

GENERATOR_MODULE = "monitor.accountability_db"


def generator_available() -> bool:
    # Written in parallel with the web app; the button appears once the module exists.
    return importlib.util.find_spec(GENERATOR_MODULE) is not None


def last_complete_period_start(settings: Settings, today: dt.date) -> dt.date:
    """The start of the newest period that has ended before `today`."""
    config = settings.accountability
    periods_since_anchor = (today - config.period_anchor).days // config.period_days
    return config.period_anchor + dt.timedelta(days=(periods_since_anchor - 1) * config.period_days)


@router.get("/office/periods")
def period_list(request: Request, user: OfficeUser, session: DbSession) -> Response:
    settings = settings_of(request)
    context = {
        "rows": period_rows(session),
        "can_generate": generator_available(),
        "default_start": last_complete_period_start(settings, settings.today(now_utc())),
    }
    return render(request, "periods.html", context)


@router.post("/office/periods/generate")
def generate(
    request: Request, user: OfficeUser, session: DbSession, start_date: Annotated[str, Form()] = ""
) -> Response:
    if not generator_available():
        flash(request, "Generating periods is not available yet.")
        return redirect("/office/periods")
    generate_period = importlib.import_module(GENERATOR_MODULE).generate_period
    try:
        generate_period(session, settings_of(request), dt.date.fromisoformat(start_date), now_utc())
    except ValueError as exc:
        session.rollback()
        flash(request, str(exc))
        return redirect("/office/periods")
    session.commit()
    flash(request, "Period generated.")
    return redirect("/office/periods")
