"""Leads for the office: advertisers on competitor sites that are none of our customers."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from monitor.web.context import DbSession, OfficeUser, render
from monitor.web.office import leads

router = APIRouter()


@router.get("/office/leads")
def lead_list(request: Request, user: OfficeUser, session: DbSession) -> Response:
    return render(request, "leads.html", {"leads": leads(session)})
