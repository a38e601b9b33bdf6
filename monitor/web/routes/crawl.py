"""Crawl health for the office: each page's latest capture and the slots it did not find."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from monitor.web.context import DbSession, OfficeUser, render
from monitor.web.office import crawl_health

router = APIRouter()


@router.get("/office/crawl")
def crawl_status(request: Request, user: OfficeUser, session: DbSession) -> Response:
    return render(request, "crawl.html", {"pages": crawl_health(session)})
