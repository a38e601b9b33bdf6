"""Each advertiser's activity per day (`AdvertiserDay`), summed from the sightings a day at a time.

Lists over weeks of sightings (the office's leads) read these few rows per advertiser and day instead of
every sighting. A day is summed again when its captures changed since it was last summed: their number
or their newest fetch time (a re-crawl of the day refreshes both), kept in `AdvertiserDaySource`. The
daily job sums the new day after each crawl; a reader calls `refresh_days` first, which sums only the
days that changed (normally none). The caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from models import AdvertiserDay, AdvertiserDaySource, Page, PageCapture, Sighting, Slot
from models.enums import SlotKind


@dataclass
class _Day:
    sightings: int = 0
    banner: bool = False
    logo: bool = False
    sites: set[int] = field(default_factory=set)


def _fingerprints(
    session: Session, first: dt.date, last: dt.date
) -> dict[dt.date, tuple[int, dt.datetime | None]]:
    rows = session.execute(
        select(PageCapture.capture_date, func.count(PageCapture.id), func.max(PageCapture.fetched_at))
        .where(PageCapture.capture_date.between(first, last))
        .group_by(PageCapture.capture_date)
    )
    return {day: (count, fetched) for day, count, fetched in rows}


def stale_days(session: Session, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days from `first` to `last` whose captures changed since their activity was summed."""
    now = _fingerprints(session, first, last)
    summed = {
        row.day: (row.captures, row.last_fetched_at)
        for row in session.scalars(
            select(AdvertiserDaySource).where(AdvertiserDaySource.day.between(first, last))
        )
    }
    days = set(now) | set(summed)
    return sorted(day for day in days if now.get(day) != summed.get(day))


def refresh_days(session: Session, first: dt.date, last: dt.date, now: dt.datetime | None = None) -> int:
    """Sum again every day from `first` to `last` whose captures changed; how many days were summed."""
    days = stale_days(session, first, last)
    fingerprints = _fingerprints(session, first, last)
    for day in days:
        sum_day(session, day)
        session.execute(delete(AdvertiserDaySource).where(AdvertiserDaySource.day == day))
        if day in fingerprints:
            captures, fetched = fingerprints[day]
            session.add(
                AdvertiserDaySource(
                    day=day,
                    captures=captures,
                    last_fetched_at=fetched,
                    summed_at=now or dt.datetime.now(dt.UTC),
                )
            )
    session.flush()
    return len(days)


def sum_day(session: Session, day: dt.date) -> None:
    """Replace the day's activity rows with a sum of its sightings (house ads and blank texts left out)."""
    session.execute(delete(AdvertiserDay).where(AdvertiserDay.day == day))
    seen = (Sighting.seen_date == day) & Sighting.is_house_ad.is_(False) & Sighting.advertiser_id.is_not(None)
    activity: dict[int, _Day] = defaultdict(_Day)
    rows = session.execute(
        select(Sighting.advertiser_id, Page.site_id, Slot.kind, func.count(Sighting.id))
        .join(Slot, Slot.id == Sighting.slot_id)
        .join(Page, Page.id == Slot.page_id)
        .where(seen)
        .group_by(Sighting.advertiser_id, Page.site_id, Slot.kind)
    )
    for advertiser_id, site_id, kind, count in rows:
        assert advertiser_id is not None  # filtered on above
        entry = activity[advertiser_id]
        entry.sightings += count
        entry.sites.add(site_id)
        entry.banner |= kind == SlotKind.BANNER
        entry.logo |= kind == SlotKind.LOGO
    last_ids = (
        select(func.max(Sighting.id)).where(seen, Sighting.link.is_not(None)).group_by(Sighting.advertiser_id)
    )
    links = dict(
        session.execute(select(Sighting.advertiser_id, Sighting.link).where(Sighting.id.in_(last_ids))).all()
    )
    values = [
        {
            "day": day,
            "advertiser_id": advertiser_id,
            "sightings": entry.sightings,
            "banner": entry.banner,
            "logo": entry.logo,
            "sites": ",".join(str(site) for site in sorted(entry.sites)),
            "link": (links.get(advertiser_id) or None) and str(links[advertiser_id])[:2000],
        }
        for advertiser_id, entry in activity.items()
    ]
    for start in range(0, len(values), 2_000):
        session.execute(insert(AdvertiserDay), values[start : start + 2_000])
