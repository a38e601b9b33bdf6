"""Sign-in state kept on the server: sessions, sign-in attempts (for throttling) and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.enums import AttemptOutcome, AuditAction, SessionEnd, enum_column


class WebSession(Base):
    """One signed-in browser. The cookie carries a random token; only its SHA-256 is stored, so a copy of
    the database signs nobody in. Ending the row ends the session at once."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[SessionEnd | None] = mapped_column(enum_column(SessionEnd))
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class LoginAttempt(Base):
    """A password sign-in that failed or succeeded, or an admin's unlock: what throttling counts.

    `username` is the name as typed (trimmed, case-folded), so unknown names are counted like real ones;
    `network` is the client's IPv4 address or IPv6 /64; `device` is the SHA-256 of a trusted-device
    cookie's nonce when the attempt came with one for that account.
    """

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_network_at", "network", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(100))
    network: Mapped[str] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[AttemptOutcome] = mapped_column(enum_column(AttemptOutcome))


class AuditEvent(Base):
    """Who did what to which account, when and from where. Written once, never changed."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120))  # a username, or "cli:<os user>" for the command line
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction, length=30))
    # The account's name at the time, kept even if the account goes; the id links to it while it exists.
    target: Mapped[str | None] = mapped_column(String(100))
    target_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[str] = mapped_column(String(500), default="")
    client_address: Mapped[str | None] = mapped_column(String(64))
