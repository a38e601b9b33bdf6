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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Advertiser, AdvertiserDay, AdvertiserMatch, PageCapture, Site
from models.enums import MatchDecision
from monitor.core.i18n import DEFAULT_LANGUAGE, N_, translator
from monitor.core.labels import MATCH_DECISION
from monitor.matching.activity import refresh_days

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
    """Advertisers matched to no customer, seen (not as house ads) on or after `since`, best first.

    Reads each advertiser's activity per day (monitor.matching.activity), summing first the days whose
    captures changed since they were last summed; the caller commits (those sums are kept).
    """
    last = session.scalar(select(func.max(PageCapture.capture_date)).where(PageCapture.capture_date >= since))
    if last is None:
        return []
    refresh_days(session, since, last)
    rows = session.connection().execute(  # Core rows: tens of thousands of advertiser days
        select(
            AdvertiserDay.advertiser_id,
            AdvertiserDay.day,
            AdvertiserDay.sightings,
            AdvertiserDay.banner,
            AdvertiserDay.logo,
            AdvertiserDay.sites,
            AdvertiserDay.link,
        )
        .join(AdvertiserMatch, AdvertiserMatch.advertiser_id == AdvertiserDay.advertiser_id)
        .where(AdvertiserDay.day >= since, AdvertiserMatch.decision.in_(LEAD_DECISIONS))
        .order_by(AdvertiserDay.day)
    )
    totals: dict[int, _Lead] = {}
    for advertiser_id, day, sightings, banner, logo, sites, link in rows:
        lead = totals.setdefault(advertiser_id, _Lead(first=day))
        lead.add(day, sightings, banner, logo, sites, link)
    heads = _heads(session, list(totals))
    ranked = sorted(
        (advertiser_id for advertiser_id in totals if heads.get(advertiser_id, ("", ""))[0]),
        key=lambda key: (*totals[key].rank(), heads[key][0]),
    )
    names = dict(session.execute(select(Site.id, Site.display_name)).all())
    return [totals[key].row(key, *heads[key], names) for key in ranked[:limit]]


@dataclass
class _Lead:
    """One advertiser's activity summed over the days asked for."""

    first: dt.date
    last: dt.date | None = None
    days: int = 0
    sightings: int = 0
    banner_days: int = 0
    logo_days: int = 0
    sites: set[int] = dataclasses.field(default_factory=set)
    link: str | None = None

    def add(
        self, day: dt.date, sightings: int, banner: bool, logo: bool, sites: str, link: str | None
    ) -> None:
        self.last = day
        self.days += 1
        self.sightings += sightings
        self.banner_days += int(banner)
        self.logo_days += int(logo)
        self.sites.update(int(site) for site in sites.split(",") if site)
        self.link = link or self.link  # rows come oldest first: the newest link wins

    def rank(self) -> tuple[int, int, int, int]:
        """Most days, then most competitors, banner days and sightings first."""
        return (-self.days, -len(self.sites), -self.banner_days, -self.sightings)

    def row(self, advertiser_id: int, text: str, decision: str, names: dict[int, str]) -> LeadRow:
        return LeadRow(
            advertiser_id,
            text,
            decision,
            self.days,
            self.sightings,
            len(self.sites),
            self.banner_days,
            self.logo_days,
            self.first,
            self.last or self.first,
            tuple(sorted(names[site] for site in self.sites if site in names)),
            self.link,
        )


def _heads(session: Session, advertiser_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Text and match decision of each advertiser."""
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(advertiser_ids), 1_000):
        batch = advertiser_ids[start : start + 1_000]
        rows = session.execute(
            select(Advertiser.id, Advertiser.text, AdvertiserMatch.decision)
            .join(AdvertiserMatch, AdvertiserMatch.advertiser_id == Advertiser.id)
            .where(Advertiser.id.in_(batch))
        )
        found.update({advertiser_id: (text, str(decision)) for advertiser_id, text, decision in rows})
    return found


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
