"""Biweekly periods, one accountability item per (period, customer), its evidence and the rep's answer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.capture import Sighting
from models.enums import ExplanationStatus, ItemStatus, ReviewDecision, enum_column
from models.roster import Customer, Rep


class AccountabilityPeriod(Base):
    __tablename__ = "accountability_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    start_date: Mapped[dt.date] = mapped_column(unique=True)
    end_date: Mapped[dt.date]
    form_deadline: Mapped[dt.date]
    generated_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]

    items: Mapped[list[AccountabilityItem]] = relationship(
        back_populates="period", order_by="AccountabilityItem.id"
    )

    @property
    def label(self) -> str:
        return f"{self.start_date:%Y-%m-%d}~{self.end_date:%Y-%m-%d}"


class AccountabilityItem(Base):
    """A customer that advertised with a competitor in the period while owned by a rep and without a deal.

    `rep_id` is the owner on the last accountable day; each evidence row keeps the owner of its own day.
    """

    __tablename__ = "accountability_item"
    __table_args__ = (UniqueConstraint("period_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("accountability_period.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("rep.id"), index=True)
    status: Mapped[ItemStatus] = mapped_column(enum_column(ItemStatus), default=ItemStatus.OPEN)
    status_reason: Mapped[str | None] = mapped_column(Text)  # why waived or withdrawn
    status_changed_by: Mapped[str | None] = mapped_column(String(200))
    days_seen: Mapped[int] = mapped_column(default=0)
    days_unknown: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[dt.date | None]
    last_seen: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    period: Mapped[AccountabilityPeriod] = relationship(back_populates="items")
    customer: Mapped[Customer] = relationship()
    rep: Mapped[Rep] = relationship()
    evidence: Mapped[list[ItemEvidence]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemEvidence.id"
    )
    explanation: Mapped[Explanation | None] = relationship(back_populates="item", uselist=False)
    waivers: Mapped[list[ItemWaiver]] = relationship(order_by="ItemWaiver.id")


class ItemEvidence(Base):
    __tablename__ = "item_evidence"
    __table_args__ = (UniqueConstraint("item_id", "sighting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("accountability_item.id", ondelete="CASCADE"))
    sighting_id: Mapped[int] = mapped_column(ForeignKey("sighting.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("rep.id"))  # the owner on the sighting day

    item: Mapped[AccountabilityItem] = relationship(back_populates="evidence")
    sighting: Mapped[Sighting] = relationship()


class Explanation(Base):
    """The rep's explanation form (问责客户说明表) for one item."""

    __tablename__ = "explanation"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("accountability_item.id"), unique=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The rep who wrote it: the form stays theirs when the customer is transferred (划转) afterwards.
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("rep.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(50))
    text: Mapped[str | None] = mapped_column(Text)
    funnel_stage: Mapped[int | None]  # 10, 30, 50, 70 or 100 (%)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_step_date: Mapped[dt.date | None]
    status: Mapped[ExplanationStatus] = mapped_column(
        enum_column(ExplanationStatus), default=ExplanationStatus.DRAFT
    )
    submitted_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    escalated_at: Mapped[dt.datetime | None]

    item: Mapped[AccountabilityItem] = relationship(back_populates="explanation")
    reviews: Mapped[list[Review]] = relationship(back_populates="explanation", order_by="Review.id")


class Review(Base):
    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    explanation_id: Mapped[int] = mapped_column(ForeignKey("explanation.id"), index=True)
    reviewer_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decision: Mapped[ReviewDecision] = mapped_column(enum_column(ReviewDecision))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    explanation: Mapped[Explanation] = relationship(back_populates="reviews")


class ItemWaiver(Base):
    """One waiver (豁免) decision or its undoing, kept for the record: who, when, why."""

    __tablename__ = "item_waiver"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("accountability_item.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # waive or unwaive
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PublishedMail(Base):
    """One mail of a period to one address: queued (rendered), then sent once, or failed with the reason.

    The unique key keeps two publishers from queueing the same mail; the conditional claim of a queued
    row (`reports.publish`) keeps them from sending it twice. The rendered message is dropped once sent.
    """

    __tablename__ = "published_mail"
    __table_args__ = (UniqueConstraint("period_id", "kind", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("accountability_period.id"))
    kind: Mapped[str] = mapped_column(String(30))  # rep, manager, escalation
    recipient: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20), default="sent", server_default="sent")
    message: Mapped[bytes | None] = mapped_column(LargeBinary)  # the rendered mail while not yet sent
    size_bytes: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)  # why the last attempt failed
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    queued_at: Mapped[dt.datetime | None]
    claimed_at: Mapped[dt.datetime | None]  # when a publisher took it for sending
    sent_at: Mapped[dt.datetime | None]
