"""Single-use links sent by mail (sign-in links in report mails, password-reset links), and the only paths a
sign-in may lead to.

A link carries a nonce signed for its purpose (a sign-in link is no reset link, and the other way round);
the database keeps the nonce's SHA-256, the purpose, the expiry and when it was used.
"""

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
from models.enums import TokenPurpose
from monitor.core.settings import Settings

# Long enough to cover a report's form deadline; the link still works only once.
LOGIN_LINK_LIFETIME = dt.timedelta(days=7)
RESET_LINK_LIFETIME = dt.timedelta(days=3)
LINK_PATHS = {TokenPurpose.SIGN_IN: "/login/link", TokenPurpose.PASSWORD_RESET: "/password/reset"}


def safe_next_path(value: str | None) -> str:
    """`value` if it is a path on this site, else `/` (never an open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _nonce_digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _link_serializer(settings: Settings, purpose: TokenPurpose) -> URLSafeSerializer:
    salt = "rivalwatch.login-link" if purpose == TokenPurpose.SIGN_IN else f"rivalwatch.{purpose.value}"
    return URLSafeSerializer(settings.signing_secret(), salt=salt)


def issue_link(
    settings: Settings,
    session: Session,
    user: User,
    purpose: TokenPurpose,
    next_path: str = "/",
    *,
    now: dt.datetime | None = None,
    lifetime: dt.timedelta,
) -> str:
    """An absolute single-use URL for `purpose`. The caller commits."""
    issued = now or dt.datetime.now(dt.UTC)
    nonce = secrets.token_urlsafe(24)
    session.add(
        LoginToken(
            nonce_sha256=_nonce_digest(nonce),
            user_id=user.id,
            purpose=purpose,
            next_path=safe_next_path(next_path),
            created_at=issued,
            expires_at=issued + lifetime,
        )
    )
    session.flush()
    token = _link_serializer(settings, purpose).dumps(nonce)
    return f"{settings.base_url.rstrip('/')}{LINK_PATHS[purpose]}?{urlencode({'token': token})}"


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
    return issue_link(settings, session, user, TokenPurpose.SIGN_IN, next_path, now=now, lifetime=lifetime)


class LinkProblem(StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class LinkCheck:
    token: LoginToken | None
    problem: LinkProblem | None


def check_login_link(
    settings: Settings,
    session: Session,
    token: str,
    now: dt.datetime,
    purpose: TokenPurpose = TokenPurpose.SIGN_IN,
) -> LinkCheck:
    """The recorded token behind a link for `purpose`, or why it cannot be used. A disabled account's links
    are invalid."""
    try:
        nonce = _link_serializer(settings, purpose).loads(token)
    except BadSignature:
        return LinkCheck(None, LinkProblem.INVALID)
    if not isinstance(nonce, str):
        return LinkCheck(None, LinkProblem.INVALID)
    record = session.scalars(
        select(LoginToken).where(
            LoginToken.nonce_sha256 == _nonce_digest(nonce), LoginToken.purpose == purpose
        )
    ).one_or_none()
    user = session.get(User, record.user_id) if record is not None else None
    if record is None or user is None or not user.enabled:
        return LinkCheck(None, LinkProblem.INVALID)
    if record.used_at is not None:
        return LinkCheck(record, LinkProblem.USED)
    if record.expires_at <= now:
        return LinkCheck(record, LinkProblem.EXPIRED)
    return LinkCheck(record, None)


def consume_login_link(
    settings: Settings,
    session: Session,
    token: str,
    now: dt.datetime,
    purpose: TokenPurpose = TokenPurpose.SIGN_IN,
) -> LinkCheck:
    """Mark the link used; of two concurrent uses only one wins (a conditional UPDATE)."""
    check = check_login_link(settings, session, token, now, purpose)
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


def cancel_links(session: Session, user: User, purpose: TokenPurpose, now: dt.datetime) -> None:
    """Spend every unused link of `user` for `purpose` (an older reset link dies when a new one is sent)."""
    session.execute(
        update(LoginToken)
        .where(LoginToken.user_id == user.id, LoginToken.purpose == purpose, LoginToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
