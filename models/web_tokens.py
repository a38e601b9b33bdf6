"""Links sent by email (sign-in, password reset): each is recorded when issued so that it works only once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.enums import TokenPurpose, enum_column


class LoginToken(Base):
    """One emailed link. The link carries a signed nonce; only its SHA-256 is stored."""

    __tablename__ = "login_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(
        enum_column(TokenPurpose), default=TokenPurpose.SIGN_IN, server_default=TokenPurpose.SIGN_IN.value
    )
    next_path: Mapped[str] = mapped_column(String(500), default="/")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
