"""Single-use sign-in links for report mails, and the only paths a sign-in may lead to."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import LoginToken, User
from monitor.core.settings import Settings

# Long enough to cover a report's form deadline; the link still works only once.
LOGIN_LINK_LIFETIME = dt.timedelta(days=7)
_LINK_SALT = "rivalwatch.login-link"


def safe_next_path(value: str | None) -> str:
    """`value` if it is a path on this site, else `/` (never an open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _nonce_digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _link_serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=_LINK_SALT)


def make_login_link(
    settings: Settings,
    session: Session,
    user: User,
    next_path: str = "/",
    *,
    now: dt.datetime | None = None,
    lifetime: dt.timedelta = LOGIN_LINK_LIFETIME,
) -> str:
    """An absolute URL that signs `user` in once, then opens `next_path`. The caller commits."""
    issued = now or dt.datetime.now(dt.UTC)
    nonce = secrets.token_urlsafe(24)
    session.add(
        LoginToken(
            nonce_sha256=_nonce_digest(nonce),
            user_id=user.id,
            next_path=safe_next_path(next_path),
            created_at=issued,
            expires_at=issued + lifetime,
        )
    )
    session.flush()
    token = _link_serializer(settings).dumps(nonce)
    return f"{settings.base_url.rstrip('/')}/login/link?{urlencode({'token': token})}"


class LinkProblem(StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class LinkCheck:
    token: LoginToken | None
    problem: LinkProblem | None


def check_login_link(settings: Settings, session: Session, token: str, now: dt.datetime) -> LinkCheck:
    """The recorded token behind a link, or why it cannot be used."""
    try:
        nonce = _link_serializer(settings).loads(token)
    except BadSignature:
        return LinkCheck(None, LinkProblem.INVALID)
    if not isinstance(nonce, str):
        return LinkCheck(None, LinkProblem.INVALID)
    record = session.scalars(
        select(LoginToken).where(LoginToken.nonce_sha256 == _nonce_digest(nonce))
    ).one_or_none()
    if record is None:
        return LinkCheck(None, LinkProblem.INVALID)
    if record.used_at is not None:
        return LinkCheck(record, LinkProblem.USED)
    if record.expires_at <= now:
        return LinkCheck(record, LinkProblem.EXPIRED)
    return LinkCheck(record, None)


def consume_login_link(settings: Settings, session: Session, token: str, now: dt.datetime) -> LinkCheck:
    """Mark the link used; of two concurrent uses only one wins (a conditional UPDATE)."""
    check = check_login_link(settings, session, token, now)
    if check.problem is not None or check.token is None:
        return check
    claimed = session.execute(
        update(LoginToken)
        .where(LoginToken.id == check.token.id, LoginToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return LinkCheck(check.token, LinkProblem.USED)
    return check
