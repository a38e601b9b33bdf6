"""Our side: teams (branches), reps, KA customers with aliases, assignment history and orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class Team(Base):
    """A branch (分公司) or a team within one; `parent_id` makes teams belong to branches."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    manager_email: Mapped[str | None] = mapped_column(String(320))

    parent: Mapped[Team | None] = relationship(remote_side="Team.id")


class Rep(Base):
    __tablename__ = "rep"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)  # the roster's rep_id
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team | None] = relationship()


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)  # the roster's customer_id
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(200))
    english_name: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(500))
    is_ka: Mapped[bool] = mapped_column(default=True)

    aliases: Mapped[list[CustomerAlias]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerAlias.id"
    )


class CustomerAlias(Base):
    __tablename__ = "customer_alias"
    __table_args__ = (UniqueConstraint("customer_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(300))
    # roster: from the roster file; confirmed: learned from a match confirmation.
    source: Mapped[str] = mapped_column(String(20), default="roster")

    customer: Mapped[Customer] = relationship(back_populates="aliases")


class Assignment(Base):
    """Customer -> rep from `start_date` to `end_date` inclusive (open-ended when None)."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("customer_id", "start_date"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("rep.id"), index=True)
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    reason: Mapped[str | None] = mapped_column(Text)
    # 备案: who registered the transfer with the office, when, and whether the cap was overridden.
    registered_by: Mapped[str | None] = mapped_column(String(200))
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    cap_override: Mapped[bool] = mapped_column(default=False)

    customer: Mapped[Customer] = relationship()
    rep: Mapped[Rep] = relationship()


class Order(Base):
    """A deal with us. It covers the sighting days within its contract period."""

    __tablename__ = "customer_order"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)  # the roster's order_id
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    signed_date: Mapped[dt.date]
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    product: Mapped[str | None] = mapped_column(String(200))

    customer: Mapped[Customer] = relationship()


class ListedCompany(Base):
    """A company the office knows is not our customer (an imported company list: 非客户名单).

    Matching treats each as a competitor of the customers (the open world): an ad text that names a listed
    company better than any customer is not applied to a customer.
    """

    __tablename__ = "listed_company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    list_name: Mapped[str | None] = mapped_column(String(100))  # which list it came from, as the file says
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
