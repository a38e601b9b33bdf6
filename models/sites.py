"""Competitor sites, their pages and the ad slots on each page (mirrors config/sites/*.yaml)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.enums import PageKind, SlotKind, enum_column


class Site(Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(1000))
    active: Mapped[bool] = mapped_column(default=True)

    pages: Mapped[list[Page]] = relationship(back_populates="site", order_by="Page.id")


class Page(Base):
    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("site_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[PageKind] = mapped_column(enum_column(PageKind))
    # What a section page covers (city, industry, campus), from the site config: share of voice groups by it.
    section: Mapped[str | None] = mapped_column(String(20))
    needs_browser: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    site: Mapped[Site] = relationship(back_populates="pages")
    slots: Mapped[list[Slot]] = relationship(back_populates="page", order_by="Slot.id")


class Slot(Base):
    __tablename__ = "slot"
    __table_args__ = (UniqueConstraint("page_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[SlotKind] = mapped_column(enum_column(SlotKind))
    # The slot's price list from the site config (`monitor.core.siteconfig.RateCard.model_dump`), if any.
    rate_card: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)

    page: Mapped[Page] = relationship(back_populates="slots")
