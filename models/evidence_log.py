"""The tamper-evident evidence log: one sealed manifest per crawl day (and per late re-run of it).

Each manifest is a file in the evidence store (named by its SHA-256) listing every evidence file of the
day; it carries the hash of the manifest sealed before it, so the manifests form one hash chain. A row
here is the chain's index: rows are only ever added, never changed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class EvidenceManifest(Base):
    __tablename__ = "evidence_manifest"
    __table_args__ = (UniqueConstraint("day", "version"),)

    # The order of sealing is the chain's order: each row's `previous_sha256` is the row before's hash.
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(index=True)  # the crawl day whose evidence it lists
    version: Mapped[int] = mapped_column(default=1)  # 2, 3, ...: a late re-run of the same day
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # the manifest file in the evidence store
    previous_sha256: Mapped[str | None] = mapped_column(String(64))  # None only for the first manifest
    file_count: Mapped[int] = mapped_column(default=0)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"))
    sealed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
