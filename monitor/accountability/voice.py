"""Share of voice: of the ad placements on each competitor's pages, how many our customers hold.

A placement is one sighting (an ad in a slot on a day; the competitor's own ads left out). Per period,
competitor site and page kind (homepage, city section, industry section, other section), the placements
are counted as held by our customers (matched automatically or confirmed by a person), by the customers
accountable in that period (an open item), by leads (advertisers that are none of our customers), and the
rest (matches waiting for review). One grouped query per period, bounded by its days through the
`seen_date` index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models import AccountabilityItem, AccountabilityPeriod, AdvertiserMatch, Sighting
from models.enums import ItemStatus, MatchDecision, PageKind
from models.sites import Page, Site, Slot

HOMEPAGE, CITY, INDUSTRY, SECTION = "homepage", "city", "industry", "section"
PAGE_KINDS = (HOMEPAGE, CITY, INDUSTRY, SECTION)
OURS, LEAD, PENDING = "ours", "lead", "pending"


@dataclass(frozen=True)
class VoiceRow:
    """One period, competitor and page kind."""

    start: dt.date
    end: dt.date
    site: str  # the competitor's display name
    page_kind: str  # one of PAGE_KINDS
    placements: int
    ours: int
    accountable: int
    leads: int

    def share(self, count: int) -> float:
        return count / self.placements if self.placements else 0.0

    @property
    def ours_share(self) -> float:
        return self.share(self.ours)

    @property
    def accountable_share(self) -> float:
        return self.share(self.accountable)

    @property
    def leads_share(self) -> float:
        return self.share(self.leads)


def page_kind(kind: PageKind | str, section: str | None) -> str:
    """homepage, city, industry or (any other section) section."""
    if kind == PageKind.HOMEPAGE:
        return HOMEPAGE
    return section if section in (CITY, INDUSTRY) else SECTION


def share_of_voice(session: Session, periods: Sequence[tuple[dt.date, dt.date]]) -> list[VoiceRow]:
    """The rows of each period (oldest first), per competitor and page kind."""
    rows: list[VoiceRow] = []
    for start, end in sorted(periods):
        rows.extend(_period(session, start, end))
    return rows


def _period(session: Session, start: dt.date, end: dt.date) -> list[VoiceRow]:
    matched = AdvertiserMatch.decision.in_((MatchDecision.AUTO, MatchDecision.CONFIRMED)) & (
        AdvertiserMatch.customer_id.is_not(None)
    )
    holder = case(
        (matched, OURS),
        (AdvertiserMatch.decision == MatchDecision.REVIEW, PENDING),
        else_=LEAD,
    )
    accountable_customers = (
        select(AccountabilityItem.customer_id)
        .join(AccountabilityPeriod, AccountabilityPeriod.id == AccountabilityItem.period_id)
        .where(AccountabilityPeriod.start_date == start, AccountabilityItem.status == ItemStatus.OPEN)
    )
    accountable = case((matched & AdvertiserMatch.customer_id.in_(accountable_customers), 1), else_=0)
    statement = (
        select(
            Site.display_name,
            Page.kind,
            Page.section,
            holder,
            func.count(),
            func.sum(accountable),
        )
        .select_from(Sighting)
        .join(Slot, Slot.id == Sighting.slot_id)
        .join(Page, Page.id == Slot.page_id)
        .join(Site, Site.id == Page.site_id)
        .outerjoin(AdvertiserMatch, AdvertiserMatch.advertiser_id == Sighting.advertiser_id)
        .where(Sighting.seen_date.between(start, end), Sighting.is_house_ad.is_(False))
        .group_by(Site.display_name, Page.kind, Page.section, holder)
    )
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for site, kind, section, held_by, count, in_items in session.execute(statement):
        counts = totals.setdefault((site, page_kind(kind, section)), {"all": 0, OURS: 0, LEAD: 0, "acc": 0})
        counts["all"] += count
        counts[held_by] = counts.get(held_by, 0) + count
        counts["acc"] += int(in_items or 0)
    return [
        VoiceRow(start, end, site, kind, c["all"], c[OURS], c["acc"], c[LEAD])
        for (site, kind), c in sorted(totals.items(), key=lambda e: (e[0][0], PAGE_KINDS.index(e[0][1])))
    ]


def periods_back(start: dt.date, length_days: int, count: int) -> list[tuple[dt.date, dt.date]]:
    """The period starting on `start` and the `count - 1` before it, each `length_days` long, oldest first."""
    step = dt.timedelta(days=length_days)
    firsts = [start - step * n for n in range(count - 1, -1, -1)]
    return [(first, first + step - dt.timedelta(days=1)) for first in firsts]
