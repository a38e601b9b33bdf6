"""Same-day alerts: a customer that started advertising with a competitor, and the messages about it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.roster import Customer, Rep, Team
from models.sites import Site, Slot


class AdAlert(Base):
    """A customer seen on a competitor's site on `day` and not in the `gap_days` before: a start.

    One row per (day, customer, site), written once by `monitor.accountability.alerts`; the owning rep and
    team are those of that day, so a later transfer does not move an alert already sent.
    """

    __tablename__ = "ad_alert"
    __table_args__ = (UniqueConstraint("day", "customer_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"))  # the first slot it was seen in that day
    sighting_id: Mapped[int | None] = mapped_column(ForeignKey("sighting.id", ondelete="SET NULL"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("rep.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    # first: never seen on that site in the look-back; back: seen before, then not for `gap_days`.
    reason: Mapped[str] = mapped_column(String(10))
    last_seen_before: Mapped[dt.date | None]  # the last sighting before the gap (reason back)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()
    site: Mapped[Site] = relationship()
    slot: Mapped[Slot] = relationship()
    rep: Mapped[Rep | None] = relationship()
    team: Mapped[Team | None] = relationship()


class AlertMessage(Base):
    """One message of a day's alerts to one channel (a mail address or a chat robot), one part of it.

    Queued with its text, claimed by one sender with a conditional UPDATE, sent outside any transaction,
    then `sent` or `failed` with the error; a failed one is sent again by the next run, a sent one never.
    `channel` is a mail address or a robot's redacted URL; `channel_key` finds the robot's full URL
    (with its token and secret) in the current settings, so no secret is stored here.
    """

    __tablename__ = "alert_message"
    __table_args__ = (
        UniqueConstraint("day", "audience", "target", "channel_key", "round", "part"),
        Index("ix_alert_message_status_day", "status", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date]
    audience: Mapped[str] = mapped_column(String(10))  # rep or team
    target: Mapped[str] = mapped_column(String(50))  # the rep's or the team's code
    channel_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(320))  # shown to the office: address or redacted URL
    # A later run the same day sends only the alerts not sent yet to this channel: the next round.
    round: Mapped[int] = mapped_column(default=1)
    last_alert_id: Mapped[int] = mapped_column(default=0)  # the newest alert this round lists
    part: Mapped[int] = mapped_column(default=1)
    parts: Mapped[int] = mapped_column(default=1)
    alerts: Mapped[int] = mapped_column(default=0)  # how many alerts the message lists
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)  # the rendered text while not yet sent
    # Evidence sha256s of the thumbnails a mail carries inline, space-separated (chat: links in the text).
    thumbnails: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    queued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
