"""What the daily crawl saw: runs, one capture per page per day, and every ad sighting in it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.enums import CaptureStatus, RunStatus, enum_column
from models.sites import Page, Slot


class CrawlRun(Base):
    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The users' calendar day this run captures: today (or the demo's and tests' simulated day).
    crawl_date: Mapped[dt.date] = mapped_column(index=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus), default=RunStatus.RUNNING)
    site_filter: Mapped[str | None] = mapped_column(String(100))
    pages_ok: Mapped[int] = mapped_column(default=0)
    pages_failed: Mapped[int] = mapped_column(default=0)
    # The process that owns the run while it is `running`: a run whose process is gone (same host, no
    # such pid) was abandoned, and is marked so at once.
    pid: Mapped[int | None]
    host: Mapped[str | None] = mapped_column(String(255))
    # Why a run ended other than `finished` (the signal that stopped it, the process found gone).
    end_note: Mapped[str | None] = mapped_column(Text)


class PageCapture(Base):
    """One attempt at capturing a page on a day. Status other than ok means the attempt saw nothing.

    A day may have several attempts (a re-run adds one, never replaces one). Exactly one of them is the
    day's capture *of record*, the one the rule, health and the reports read: the first `ok` attempt,
    or while there is none, the latest attempt (the day is then unknown). Only the capture of record
    has sightings; the other attempts keep their page, screenshot, status and slot results as evidence.
    """

    __tablename__ = "page_capture"
    __table_args__ = (
        UniqueConstraint("page_id", "capture_date", "attempt"),
        Index(
            "uq_page_capture_of_record",
            "page_id",
            "capture_date",
            unique=True,
            sqlite_where=text("of_record"),
            postgresql_where=text("of_record"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"))
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    capture_date: Mapped[dt.date] = mapped_column(index=True)
    # 1 for the day's first attempt at this page, 2 for the next, ...
    attempt: Mapped[int] = mapped_column(default=1, server_default="1")
    of_record: Mapped[bool] = mapped_column(default=True, server_default=true())
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[CaptureStatus] = mapped_column(enum_column(CaptureStatus))
    http_status: Mapped[int | None]
    url: Mapped[str] = mapped_column(String(2000))
    error: Mapped[str | None] = mapped_column(Text)
    # Evidence files, content-addressed in the evidence store (sha256 hex).
    html_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    screenshot_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # The HTTP response as received from the network (status line, headers, body), when the page was
    # rendered in a browser and `html_sha256` is the rendered DOM instead (see docs/capture.md).
    response_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # Retention has looked at this old capture's files once (pruned or kept them): never again.
    retention_checked: Mapped[bool] = mapped_column(default=False, server_default=false())

    page: Mapped[Page] = relationship()
    sightings: Mapped[list[Sighting]] = relationship(
        back_populates="capture", cascade="all, delete-orphan", order_by="Sighting.id"
    )
    slot_results: Mapped[list[SlotCapture]] = relationship(
        back_populates="capture", cascade="all, delete-orphan"
    )


class SlotCapture(Base):
    """Per slot and capture: did the slot render, and how many ads did it yield."""

    __tablename__ = "slot_capture"
    __table_args__ = (UniqueConstraint("capture_id", "slot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("page_capture.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"), index=True)
    found: Mapped[bool] = mapped_column(default=True)
    ad_count: Mapped[int] = mapped_column(Integer, default=0)

    capture: Mapped[PageCapture] = relationship(back_populates="slot_results")
    slot: Mapped[Slot] = relationship()


class Creative(Base):
    """A distinct creative image, stored once by content hash however often it is seen."""

    __tablename__ = "creative"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    phash: Mapped[str | None] = mapped_column(String(32), index=True)
    mime_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int | None]
    height: Mapped[int | None]
    size_bytes: Mapped[int]
    first_url: Mapped[str] = mapped_column(String(2000))
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # What OCR read on the image (monitor.capture.logos), read once when a sighting's text was generic.
    ocr_read: Mapped[bool] = mapped_column(default=False, server_default=false())
    ocr_text: Mapped[str | None] = mapped_column(Text)
    ocr_confidence: Mapped[float | None]


class Sighting(Base):
    """One ad in one slot on one page on one day: logged every day, not only when it changes."""

    __tablename__ = "sighting"
    __table_args__ = (
        UniqueConstraint("capture_id", "slot_id", "position"),
        # Covers the leads and the review queue: an advertiser's sightings in a window, with slot and flag.
        Index("ix_sighting_advertiser_day_slot", "advertiser_id", "seen_date", "slot_id", "is_house_ad"),
        # Covers share of voice and the creative gallery: a range of days summed per placement, index only.
        Index(
            "ix_sighting_day_placement", "seen_date", "slot_id", "advertiser_id", "is_house_ad", "creative_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("page_capture.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"), index=True)
    seen_date: Mapped[dt.date] = mapped_column(index=True)
    position: Mapped[int]
    raw_text: Mapped[str] = mapped_column(Text)  # advertiser text exactly as on the page
    advertiser_text: Mapped[str] = mapped_column(Text)  # after the site's cleanup rules, or as OCR read it
    # Where advertiser_text comes from: None for the page's own text, "ocr" when the page only showed a
    # logo with a generic or empty alt/title and the name was read off the creative (ocr_confidence 0..1).
    advertiser_source: Mapped[str | None] = mapped_column(String(10))
    ocr_confidence: Mapped[float | None]
    link: Mapped[str | None] = mapped_column(String(2000))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    competitor_company_id: Mapped[str | None] = mapped_column(String(200))
    is_house_ad: Mapped[bool] = mapped_column(default=False)
    advertiser_id: Mapped[int | None] = mapped_column(ForeignKey("advertiser.id"))
    creative_id: Mapped[int | None] = mapped_column(ForeignKey("creative.id"))
    element_screenshot_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # Where the ad was on the full-page screenshot (CSS pixels), so a reviewer sees it outlined.
    box_x: Mapped[int | None]
    box_y: Mapped[int | None]
    box_width: Mapped[int | None]
    box_height: Mapped[int | None]

    capture: Mapped[PageCapture] = relationship(back_populates="sightings")
    slot: Mapped[Slot] = relationship()
    creative: Mapped[Creative | None] = relationship()
