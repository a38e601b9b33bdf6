"""People who sign in to the web app."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.enums import Role, enum_column


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    # None: no password (a new account before its owner sets one, or after an admin's reset).
    password_hash: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("rep.id"), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))  # a manager's team
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[dt.datetime | None]  # a disabled account signs in nowhere, by any means

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None
