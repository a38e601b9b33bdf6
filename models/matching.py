"""Advertisers (distinct cleaned ad texts) and what they were matched to, by machine or by a person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.enums import MatchDecision, enum_column
from models.roster import Customer
from models.sites import Site


class Advertiser(Base):
    __tablename__ = "advertiser"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(500), unique=True)  # cleaned advertiser text
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # None: seen as text on a page. A number: only ever read off a logo by OCR, at this best confidence;
    # matching trusts it less (never auto below matching.ocr_auto_confidence).
    ocr_confidence: Mapped[float | None]

    match: Mapped[AdvertiserMatch | None] = relationship(back_populates="advertiser", uselist=False)


class AdvertiserMatch(Base):
    """The current decision for an advertiser; a person's decision is never overwritten by a re-match."""

    __tablename__ = "advertiser_match"

    id: Mapped[int] = mapped_column(primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(ForeignKey("advertiser.id"), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    score: Mapped[float] = mapped_column(default=0.0)
    decision: Mapped[MatchDecision] = mapped_column(enum_column(MatchDecision))
    reason: Mapped[str | None] = mapped_column(Text)
    # The matcher's explanation (monitor.matching.Explanation.as_dict): parts compared, the deciding rule.
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_by: Mapped[str | None] = mapped_column(String(200))  # None: the matcher
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    advertiser: Mapped[Advertiser] = relationship(back_populates="match")
    customer: Mapped[Customer | None] = relationship()


class MatchRejection(Base):
    """A person said this advertiser is not this customer: never auto-match the pair again."""

    __tablename__ = "match_rejection"
    __table_args__ = (UniqueConstraint("advertiser_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(ForeignKey("advertiser.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    rejected_by: Mapped[str | None] = mapped_column(String(200))
    rejected_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CompetitorCompanyId(Base):
    """A competitor's own id for a company (`cid=…`, `/gongsi/ID.html`), learned from confirmations."""

    __tablename__ = "competitor_company_id"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    learned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()


class AdvertiserDay(Base):
    """One advertiser on one day, summed from its sightings (house ads left out): what leads rank by.

    Kept by `monitor.matching.activity`, a day at a time, and summed again whenever that day's captures
    change (`AdvertiserDaySource`), so a list over weeks reads a few rows per advertiser and day.
    """

    __tablename__ = "advertiser_day"
    __table_args__ = (UniqueConstraint("day", "advertiser_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date]
    advertiser_id: Mapped[int] = mapped_column(ForeignKey("advertiser.id"), index=True)
    sightings: Mapped[int]
    banner: Mapped[bool]  # seen in a banner slot that day
    logo: Mapped[bool]  # seen in a logo slot that day
    sites: Mapped[str] = mapped_column(String(500))  # ids of the sites it was seen on, comma-separated
    link: Mapped[str | None] = mapped_column(String(2000))  # the day's last link (untrusted)


class AdvertiserDaySource(Base):
    """What a day's `AdvertiserDay` rows were summed from: that day's captures, counted and last fetched."""

    __tablename__ = "advertiser_day_source"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    captures: Mapped[int]
    last_fetched_at: Mapped[dt.datetime | None]
    summed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
