"""Server-side sessions: a signed-in browser is a `WebSession` row, so ending the row signs it out at once.

The browser holds only a random token (in the app's signed cookie); the row holds its SHA-256, the user,
the expiry and, once ended, when and why. Logout ends one session; a password change or reset, disabling
the account and an admin's "sign out everywhere" end all of a user's sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from models import User, WebSession
from models.enums import SessionEnd

SESSION_LIFETIME = dt.timedelta(hours=12)
# Ended and expired sessions stay this long (who was signed in from where), then go.
SESSION_HISTORY = dt.timedelta(days=30)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session,
    user: User,
    now: dt.datetime,
    *,
    client_address: str | None = None,
    user_agent: str | None = None,
) -> str:
    """A new session for `user`; returns the token for the browser. The caller commits."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_sha256=_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            client_address=(client_address or "")[:64] or None,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    session.execute(delete(WebSession).where(WebSession.expires_at < now - SESSION_HISTORY))
    session.flush()
    return token


def session_user(session: Session, token: object, now: dt.datetime) -> User | None:
    """The enabled user of a live session with this token, or None."""
    if not isinstance(token, str) or not token:
        return None
    return session.scalars(
        select(User)
        .join(WebSession, WebSession.user_id == User.id)
        .where(
            WebSession.token_sha256 == _digest(token),
            WebSession.ended_at.is_(None),
            WebSession.expires_at > now,
            User.disabled_at.is_(None),
        )
    ).one_or_none()


def end_session(session: Session, token: object, now: dt.datetime, reason: SessionEnd) -> None:
    """End the session with this token (nothing happens for an unknown or ended one). The caller commits."""
    if isinstance(token, str) and token:
        session.execute(
            update(WebSession)
            .where(WebSession.token_sha256 == _digest(token), WebSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
            .execution_options(synchronize_session=False)
        )


def end_user_sessions(
    session: Session, user: User, now: dt.datetime, reason: SessionEnd, *, keep: str | None = None
) -> int:
    """End every live session of `user` except the one with token `keep`; returns how many. The caller
    commits."""
    condition = (
        (WebSession.user_id == user.id) & WebSession.ended_at.is_(None) & (WebSession.expires_at > now)
    )
    if keep:
        condition &= WebSession.token_sha256 != _digest(keep)
    result = session.execute(
        update(WebSession)
        .where(condition)
        .values(ended_at=now, end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def live_session_counts(session: Session, now: dt.datetime) -> dict[int, int]:
    """user id -> number of live sessions (for the accounts page)."""
    rows = session.execute(
        select(WebSession.user_id, func.count())
        .where(WebSession.ended_at.is_(None), WebSession.expires_at > now)
        .group_by(WebSession.user_id)
    )
    return {user_id: count for user_id, count in rows}


def last_sign_ins(session: Session) -> dict[int, dt.datetime]:
    """user id -> when their newest session began (kept for SESSION_HISTORY)."""
    rows = session.execute(
        select(WebSession.user_id, func.max(WebSession.created_at)).group_by(WebSession.user_id)
    )
    return {user_id: at for user_id, at in rows}
