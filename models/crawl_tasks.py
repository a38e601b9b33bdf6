"""The pages of a day's distributed crawl: one row per (day, page), leased to one worker at a time.

PostgreSQL is the one source of truth: a worker claims open rows (`UPDATE ... RETURNING`), the crawl
process marks a row done in the same transaction that stores the page's capture (only while it still
holds the lease), and a sweeper reopens rows whose lease expired. So a page is captured once, and a page
whose worker died is crawled again by another. The logic is in `monitor.capture.distributed`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.enums import PageTaskStatus, enum_column
from models.sites import Page


class CrawlPageTask(Base):
    __tablename__ = "crawl_page_task"
    __table_args__ = (
        UniqueConstraint("crawl_date", "page_id"),
        Index("ix_crawl_page_task_day_status", "crawl_date", "status"),
        Index("ix_crawl_page_task_day_batch", "crawl_date", "batch"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_date: Mapped[dt.date]
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"))
    # One batch is one task on the queue: pages of one site only, so a site is never hit from many
    # machines at once and its politeness settings hold.
    batch: Mapped[int]
    status: Mapped[PageTaskStatus] = mapped_column(enum_column(PageTaskStatus), default=PageTaskStatus.OPEN)
    # Who holds the page ("host:pid:token") and until when; the crawl renews the lease while it runs.
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # The run whose process stored the page's capture (set in the capture's own transaction).
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    page: Mapped[Page] = relationship()
