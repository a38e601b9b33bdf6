"""One router per resource; `ROUTERS` is what the app includes."""

from __future__ import annotations

from fastapi import APIRouter

from monitor.web.routes import (
    accounts,
    auth,
    crawl,
    evidence,
    explanations,
    intel,
    items,
    leads,
    matches,
    overdue,
    periods,
    reviews,
    roster,
    waivers,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    items.router,
    explanations.router,
    reviews.router,
    overdue.router,
    evidence.router,
    periods.router,
    matches.router,
    crawl.router,
    roster.router,
    leads.router,
    waivers.router,
    accounts.router,
    intel.router,
]
