"""Leads for the office (竞标 customer bidding pool): advertisers on competitor sites who are none of ours.

An advertiser is a lead when its match decision is `none` (matches no customer) or `rejected` (a person
said it is not the proposed customer and nothing else matched). House ads never count. Leads are ranked
by how much they advertise: distinct days seen, then number of competitors, then banner days (a banner
costs more than a logo), then sightings.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models import Advertiser, AdvertiserMatch, Page, Sighting, Site, Slot
from models.enums import MatchDecision, SlotKind
from monitor.core.i18n import DEFAULT_LANGUAGE, N_, translator
from monitor.core.labels import MATCH_DECISION

LEAD_DECISIONS = (MatchDecision.NONE, MatchDecision.REJECTED)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class LeadRow:
    advertiser_id: int
    advertiser_text: str  # untrusted: the cleaned text from a competitor's page
    decision: str
    days_seen: int
    sightings: int
    competitors: int
    banner_days: int
    logo_days: int
    first_seen: dt.date
    last_seen: dt.date
    competitor_names: tuple[str, ...] = ()
    sample_link: str | None = None  # untrusted


def leads_since(session: Session, since: dt.date, limit: int = 100) -> list[LeadRow]:
    """Advertisers matched to no customer, seen (not as house ads) on or after `since`, best first."""
    banner = case((Slot.kind == SlotKind.BANNER, Sighting.seen_date))
    logo = case((Slot.kind == SlotKind.LOGO, Sighting.seen_date))
    days = func.count(Sighting.seen_date.distinct())
    sites = func.count(Page.site_id.distinct())
    banner_days = func.count(banner.distinct())
    sightings = func.count(Sighting.id)
    stmt = (
        select(
            Advertiser.id,
            Advertiser.text,
            AdvertiserMatch.decision,
            days,
            sightings,
            sites,
            banner_days,
            func.count(logo.distinct()),
            func.min(Sighting.seen_date),
            func.max(Sighting.seen_date),
        )
        .join(AdvertiserMatch, AdvertiserMatch.advertiser_id == Advertiser.id)
        .join(Sighting, Sighting.advertiser_id == Advertiser.id)
        .join(Slot, Slot.id == Sighting.slot_id)
        .join(Page, Page.id == Slot.page_id)
        .where(
            AdvertiserMatch.decision.in_(LEAD_DECISIONS),
            Sighting.is_house_ad.is_(False),
            Sighting.seen_date >= since,
            Advertiser.text != "",
        )
        .group_by(Advertiser.id, Advertiser.text, AdvertiserMatch.decision)
        .order_by(days.desc(), sites.desc(), banner_days.desc(), sightings.desc(), Advertiser.text)
        .limit(limit)
    )
    rows = [LeadRow(row[0], row[1], str(row[2]), *row[3:]) for row in session.execute(stmt)]
    return _with_details(session, rows, since)


def _with_details(session: Session, rows: list[LeadRow], since: dt.date) -> list[LeadRow]:
    """Add each lead's competitor names and newest link."""
    ids = [row.advertiser_id for row in rows]
    if not ids:
        return rows
    stmt = (
        select(Sighting.advertiser_id, Site.display_name, Sighting.link)
        .join(Slot, Slot.id == Sighting.slot_id)
        .join(Page, Page.id == Slot.page_id)
        .join(Site, Site.id == Page.site_id)
        .where(Sighting.advertiser_id.in_(ids), Sighting.is_house_ad.is_(False), Sighting.seen_date >= since)
        .order_by(Sighting.seen_date, Sighting.id)
    )
    names: dict[int, set[str]] = defaultdict(set)
    links: dict[int, str] = {}
    for advertiser_id, site, link in session.execute(stmt):
        assert advertiser_id is not None  # filtered on above
        names[advertiser_id].add(site)
        if link:
            links[advertiser_id] = link
    return [
        dataclasses.replace(
            row,
            competitor_names=tuple(sorted(names[row.advertiser_id])),
            sample_link=links.get(row.advertiser_id),
        )
        for row in rows
    ]


CSV_HEADERS = (
    N_("Rank"),
    N_("Advertiser"),
    N_("Days seen"),
    N_("Sightings"),
    N_("Number of competitors"),
    N_("Banner days"),
    N_("Logo days"),
    N_("First"),
    N_("Last"),
    N_("Competitor sites"),
    N_("Link"),
    N_("Match"),
)


def write_leads_csv(path: Path, rows: Sequence[LeadRow], language: str = DEFAULT_LANGUAGE) -> None:
    """The leads as a CSV Excel opens correctly (UTF-8 with BOM); no cell can start a formula."""
    _ = translator(language).gettext
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_(header) for header in CSV_HEADERS])
        for rank, row in enumerate(rows, start=1):
            writer.writerow(
                [
                    rank,
                    _text_cell(row.advertiser_text),
                    row.days_seen,
                    row.sightings,
                    row.competitors,
                    row.banner_days,
                    row.logo_days,
                    row.first_seen.isoformat(),
                    row.last_seen.isoformat(),
                    "、".join(row.competitor_names),
                    _text_cell(row.sample_link or ""),
                    _(MATCH_DECISION[row.decision]) if row.decision in MATCH_DECISION else row.decision,
                ]
            )


def _text_cell(text: str) -> str:
    """Competitor text for a spreadsheet: a leading formula character is neutralised with an apostrophe."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
