"""The creative gallery: each distinct creative seen in a date range, near-duplicates grouped together.

A creative is an image stored once by its content hash (`Creative.sha256`); the same ad re-encoded or
resized gets another hash but nearly the same perceptual hash (`Creative.phash`, 64 bits), so one
advertiser's creatives within `PHASH_DISTANCE` bits of each other are shown as one entry with its variants
(two advertisers' look-alike logos, plain text on a coloured ground, stay apart). Each entry has its
first and last day seen in the range, the days it ran, the sites and slots, and the customers (matched
automatically or by a person) or, unmatched, the advertiser texts. The query is bounded by the range and
summed in SQL per (creative, slot, advertiser) with no join: it reads the range's sightings once through
the `seen_date` index and returns a row per distinct placement, not per sighting.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Advertiser, AdvertiserMatch, Creative, Customer, Sighting
from models.enums import MatchDecision
from models.sites import Page, Site, Slot
from monitor.core.siteconfig import PlaceNames

PHASH_DISTANCE = 6  # bits out of 64: near-duplicates (re-encoded, resized) fall well within this
GALLERY_LIMIT = 300
_MATCHED = (MatchDecision.AUTO, MatchDecision.CONFIRMED)


@dataclass(frozen=True)
class GalleryFilter:
    first: dt.date
    last: dt.date
    customer_id: int | None = None
    site_id: int | None = None


@dataclass
class CreativeEntry:
    """One creative (with its near-duplicate variants) as the gallery shows it."""

    creative_id: int  # the variant seen on most days: the one shown
    sighting_id: int  # a sighting of it, for the image route
    variants: list[int] = field(default_factory=list)
    first_seen: dt.date = dt.date.max
    last_seen: dt.date = dt.date.min
    days_seen: int = 0
    places: set[str] = field(default_factory=set)  # place labels: competitor · page · slot
    sites: set[str] = field(default_factory=set)
    customers: dict[int, str] = field(default_factory=dict)  # customer id -> name
    advertisers: set[str] = field(default_factory=set)  # unmatched advertiser texts

    @property
    def days_running(self) -> int:
        return (self.last_seen - self.first_seen).days + 1


def phash_groups(hashes: dict[int, str | None], distance: int = PHASH_DISTANCE) -> dict[int, int]:
    """Creative id -> the id of its group's first member, for hashes within `distance` bits (transitively)."""
    parent = {key: key for key in hashes}

    def root(key: int) -> int:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    known = sorted((key, int(value, 16)) for key, value in hashes.items() if value)
    for index, (key, bits) in enumerate(known):
        for other, other_bits in known[index + 1 :]:
            if (bits ^ other_bits).bit_count() <= distance:
                parent[root(other)] = root(key)
    return {key: root(key) for key in hashes}


class PlacementSum(NamedTuple):
    """One creative (None: an ad without an image) in one slot by one advertiser over a range of days."""

    creative_id: int | None
    slot_id: int
    advertiser_id: int | None
    sightings: int
    first: dt.date
    last: dt.date
    days: int  # the distinct days it was seen
    sighting_id: int  # its newest sighting


def placement_sums(
    session: Session, wanted: GalleryFilter, creatives_only: bool = True
) -> list[PlacementSum]:
    """The filter's sightings (house ads left out) summed per (creative, slot, advertiser) in SQL with no
    join: one read of the range through the `seen_date` index, a row per distinct placement.

    With `creatives_only` off, the ads without an image are summed too: share of voice counts them, and
    the report's intel reads its period once for both (`reports.intel`).
    """
    statement = select(
        Sighting.creative_id,
        Sighting.slot_id,
        Sighting.advertiser_id,
        func.count(),
        func.min(Sighting.seen_date),
        func.max(Sighting.seen_date),
        func.count(func.distinct(Sighting.seen_date)),
        func.max(Sighting.id),
    ).where(Sighting.seen_date.between(wanted.first, wanted.last), Sighting.is_house_ad.is_(False))
    if creatives_only:
        statement = statement.where(Sighting.creative_id.is_not(None))
    if wanted.customer_id is not None:
        statement = statement.where(
            Sighting.advertiser_id.in_(
                select(AdvertiserMatch.advertiser_id).where(
                    AdvertiserMatch.customer_id == wanted.customer_id, AdvertiserMatch.decision.in_(_MATCHED)
                )
            )
        )
    if wanted.site_id is not None:
        statement = statement.where(
            Sighting.slot_id.in_(
                select(Slot.id).join(Page, Page.id == Slot.page_id).where(Page.site_id == wanted.site_id)
            )
        )
    grouped = statement.group_by(Sighting.creative_id, Sighting.slot_id, Sighting.advertiser_id)
    return [PlacementSum(*row) for row in session.connection().execute(grouped).all()]  # Core rows


def gallery(
    session: Session,
    wanted: GalleryFilter,
    limit: int = GALLERY_LIMIT,
    names: PlaceNames | None = None,
    sums: Sequence[PlacementSum] | None = None,
) -> list[CreativeEntry]:
    """The creatives seen in the filter's range, most days seen first, at most `limit`.

    Summed in SQL (`placement_sums`, or `sums` when the caller has them for the same filter); slots and
    advertisers are named after.
    """
    if sums is None:
        sums = placement_sums(session, wanted)
    sums = [row for row in sums if row.creative_id is not None]
    labels = names or PlaceNames()
    places = {
        slot_id: (labels.site(site, display), labels.page_and_slot(site, page, slot, kind.value, url))
        for slot_id, site, display, page, slot, kind, url in session.execute(
            select(Slot.id, Site.name, Site.display_name, Page.key, Slot.name, Slot.kind, Page.url)
            .join(Page, Page.id == Slot.page_id)
            .join(Site, Site.id == Page.site_id)
        )
    }
    advertisers = _advertisers(session, {row.advertiser_id for row in sums if row.advertiser_id is not None})
    rows = []
    for row in sums:
        customer_id, decision, text = advertisers.get(row.advertiser_id, (None, None, None))
        site, where = places[row.slot_id]
        rows.append(
            _Placement(
                int(row.creative_id or 0),
                site,
                where,
                customer_id,
                decision,
                text,
                row.first,
                row.last,
                row.days,
                row.sighting_id,
            )
        )
    creative_ids = {row.creative_id for row in rows}
    hashes = dict(
        session.execute(select(Creative.id, Creative.phash).where(Creative.id.in_(creative_ids))).all()
    )
    customers = _customer_names(
        session, {row.customer_id for row in rows if row.customer_id is not None and row.decision in _MATCHED}
    )
    return _entries(rows, phash_groups(hashes), customers)[:limit]


def _advertisers(
    session: Session, ids: set[int]
) -> dict[int | None, tuple[int | None, MatchDecision | None, str | None]]:
    """Advertiser id -> (its matched customer, the decision, its text)."""
    found: dict[int | None, tuple[int | None, MatchDecision | None, str | None]] = {}
    rows = session.execute(
        select(
            Advertiser.id, AdvertiserMatch.customer_id, AdvertiserMatch.decision, Advertiser.text
        ).outerjoin(AdvertiserMatch, AdvertiserMatch.advertiser_id == Advertiser.id)
    )
    for advertiser_id, customer_id, decision, text in rows:
        if advertiser_id in ids:
            found[advertiser_id] = (customer_id, decision, text)
    return found


def _customer_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(ids)
    if not wanted:
        return {}
    return dict(session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(wanted))).all())


@dataclass(frozen=True)
class _Placement:
    creative_id: int
    site: str  # display name
    where: str  # the page and the slot, by their display names
    customer_id: int | None
    decision: MatchDecision | None
    text: str | None
    first: dt.date
    last: dt.date
    days: int
    sighting_id: int


def _entries(
    rows: Sequence[_Placement], groups: dict[int, int], names: dict[int, str]
) -> list[CreativeEntry]:
    days_by_creative: dict[int, int] = defaultdict(int)
    for row in rows:
        days_by_creative[row.creative_id] = max(days_by_creative[row.creative_id], row.days)
    entries: dict[tuple[int, object], CreativeEntry] = {}
    for row in rows:
        matched = row.customer_id is not None and row.decision in _MATCHED
        # Near-duplicates of one advertiser are one entry; another advertiser's look-alike is its own.
        group = (groups[row.creative_id], row.customer_id if matched else row.text)
        entry = entries.get(group)
        if entry is None:
            entry = entries[group] = CreativeEntry(creative_id=row.creative_id, sighting_id=row.sighting_id)
        if row.creative_id not in entry.variants:
            entry.variants.append(row.creative_id)
        if days_by_creative[row.creative_id] > days_by_creative[entry.creative_id]:
            entry.creative_id, entry.sighting_id = row.creative_id, row.sighting_id
        entry.first_seen = min(entry.first_seen, row.first)
        entry.last_seen = max(entry.last_seen, row.last)
        entry.days_seen = max(entry.days_seen, row.days)
        entry.places.add(f"{row.site} · {row.where}")
        entry.sites.add(row.site)
        if matched and row.customer_id is not None:
            entry.customers[row.customer_id] = names.get(row.customer_id, "")
        elif row.text:
            entry.advertisers.add(row.text)
    return sorted(entries.values(), key=lambda e: (-e.days_seen, -e.last_seen.toordinal(), e.creative_id))
