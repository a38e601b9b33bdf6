"""Passwords (argon2) and sign-in with a lockout after repeated failures."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import User

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


class LoginOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    locked_until: dt.datetime | None = None


def authenticate(session: Session, username: str, password: str, now: dt.datetime) -> LoginResult:
    """Check a password, counting failures: the 5th in a row locks the account for 15 minutes."""
    user = session.scalars(select(User).where(User.username == username.strip())).one_or_none()
    if user is None:
        password_matches(None, password)
        return LoginResult(LoginOutcome.WRONG)
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(LoginOutcome.LOCKED, locked_until=user.locked_until)
    if not password_matches(user.password_hash, password):
        return _record_failure(user, now)
    user.failed_logins = 0
    user.locked_until = None
    if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(LoginOutcome.OK, user=user)


def _record_failure(user: User, now: dt.datetime) -> LoginResult:
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins < MAX_FAILED_LOGINS:
        return LoginResult(LoginOutcome.WRONG)
    user.failed_logins = 0
    user.locked_until = now + LOCKOUT
    return LoginResult(LoginOutcome.LOCKED, locked_until=user.locked_until)
