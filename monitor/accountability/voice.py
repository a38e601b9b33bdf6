"""Share of voice: of the ad placements on each competitor's pages, how many our customers hold.

A placement is one sighting (an ad in a slot on a day; the competitor's own ads left out). Per period,
competitor site and page kind (homepage, city section, industry section, other section), the placements
are counted as held by our customers (matched automatically or confirmed by a person), by the customers
accountable in that period (an open item), by leads (advertisers that are none of our customers), and the
rest (matches waiting for review). One grouped query per period, bounded by its days, with no join: the
sightings' (day, slot, advertiser, house ad, creative) index covers it; a caller that has already summed a
period's placements (the report, for its creatives) passes them in instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
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


# A period's sightings counted per (slot, advertiser): slot id, advertiser id (None: unmatched), count.
# A (slot, advertiser) may come more than once (once per creative): the counts add up.
Counts = Iterable[tuple[int, int | None, int]]


def share_of_voice(
    session: Session,
    periods: Sequence[tuple[dt.date, dt.date]],
    counted: Mapping[tuple[dt.date, dt.date], Counts] | None = None,
) -> list[VoiceRow]:
    """The rows of each period (oldest first), per competitor and page kind.

    `counted` holds the counts of periods the caller has already read (the report's intel reads its own
    period once for the gallery and for this); the other periods are counted here.
    """
    counted = counted or {}
    places = _places(session)
    matches = session.execute(
        select(AdvertiserMatch.advertiser_id, AdvertiserMatch.customer_id, AdvertiserMatch.decision)
    ).all()
    rows: list[VoiceRow] = []
    for start, end in sorted(periods):
        counts = list(counted[start, end]) if (start, end) in counted else _counts(session, start, end)
        holders = _holders(session, matches, {advertiser for _, advertiser, _ in counts}, start)
        rows.extend(_period(start, end, counts, places, holders))
    return rows


def _counts(session: Session, start: dt.date, end: dt.date) -> list[tuple[int, int | None, int]]:
    """Counted per (slot, advertiser) in SQL with no join, index only (`ix_sighting_day_placement`)."""
    statement = (
        select(Sighting.slot_id, Sighting.advertiser_id, func.count())
        .where(Sighting.seen_date.between(start, end), Sighting.is_house_ad.is_(False))
        .group_by(Sighting.slot_id, Sighting.advertiser_id)
    )
    rows = session.connection().execute(statement).all()  # Core rows: no ORM row processing
    return [(slot, advertiser, count) for slot, advertiser, count in rows]


def _places(session: Session) -> dict[int, tuple[str, str]]:
    """Slot -> (its site's display name, its page kind)."""
    return {
        slot_id: (site, page_kind(kind, section))
        for slot_id, site, kind, section in session.execute(
            select(Slot.id, Site.display_name, Page.kind, Page.section)
            .join(Page, Page.id == Slot.page_id)
            .join(Site, Site.id == Page.site_id)
        )
    }


def _period(
    start: dt.date,
    end: dt.date,
    counts: Counts,
    places: dict[int, tuple[str, str]],
    holders: dict[int | None, tuple[str, bool]],
) -> list[VoiceRow]:
    """Each slot placed on its site and page kind and each advertiser on its holder."""
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for slot_id, advertiser_id, count in counts:
        held_by, accountable = holders.get(advertiser_id, (LEAD, False))
        tally = totals.setdefault(places[slot_id], {"all": 0, OURS: 0, LEAD: 0, PENDING: 0, "acc": 0})
        tally["all"] += count
        tally[held_by] += count
        tally["acc"] += count if accountable else 0
    return [
        VoiceRow(start, end, site, kind, c["all"], c[OURS], c["acc"], c[LEAD])
        for (site, kind), c in sorted(totals.items(), key=lambda e: (e[0][0], PAGE_KINDS.index(e[0][1])))
    ]


def _holders(
    session: Session, matches: Sequence[Any], advertisers: set[int | None], start: dt.date
) -> dict[int | None, tuple[str, bool]]:
    """Advertiser -> (ours, pending or lead; whether its customer is accountable in the period starting on
    `start`), from the advertisers' `matches` (advertiser, customer, decision)."""
    accountable = set(
        session.scalars(
            select(AccountabilityItem.customer_id)
            .join(AccountabilityPeriod, AccountabilityPeriod.id == AccountabilityItem.period_id)
            .where(AccountabilityPeriod.start_date == start, AccountabilityItem.status == ItemStatus.OPEN)
        )
    )
    found: dict[int | None, tuple[str, bool]] = {}
    for advertiser_id, customer_id, decision in matches:
        if advertiser_id not in advertisers:
            continue
        if customer_id is not None and decision in (MatchDecision.AUTO, MatchDecision.CONFIRMED):
            found[advertiser_id] = (OURS, customer_id in accountable)
        elif decision == MatchDecision.REVIEW:
            found[advertiser_id] = (PENDING, False)
    return found


def periods_back(start: dt.date, length_days: int, count: int) -> list[tuple[dt.date, dt.date]]:
    """The period starting on `start` and the `count - 1` before it, each `length_days` long, oldest first."""
    step = dt.timedelta(days=length_days)
    firsts = [start - step * n for n in range(count - 1, -1, -1)]
    return [(first, first + step - dt.timedelta(days=1)) for first in firsts]
