"""Passwords (argon2) and password sign-in, throttled (`monitor.accounts.throttle`) without an oracle.

Every attempt that is not refused for its network runs exactly one argon2 verification and gets one of two
answers, OK or REFUSED, whether the name is unknown, the account disabled or paused, or the password wrong:
neither the answer nor its timing says which.
"""

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
from models.enums import AttemptOutcome
from monitor.accounts.errors import UserError
from monitor.accounts.throttle import (
    TrustedDevice,
    client_network,
    device_paused,
    name_key,
    name_paused_until,
    network_paused,
    record_attempt,
)
from monitor.core.i18n import N_

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200

_hasher = PasswordHasher()
# Verified against when there is no hash to check (unknown name, no password yet), at the same cost.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_new_password(password: str) -> None:
    """Refuse a new password that is too short (or absurdly long)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(N_("the password must have at least %(num)d characters"), num=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(N_("the password must have at most %(num)d characters"), num=MAX_PASSWORD_LENGTH)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; always one argon2 verification, even without a hash."""
    try:
        _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


class SignIn(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # wrong, unknown, disabled or paused: one answer for all
    THROTTLED = "throttled"  # too many failures from this network, whatever the name


@dataclass(frozen=True)
class Attempt:
    username: str
    password: str
    client_address: str | None = None
    device: TrustedDevice | None = None  # from a verified trusted-device cookie, if the browser sent one


@dataclass(frozen=True)
class SignInResult:
    outcome: SignIn
    user: User | None = None


def authenticate(session: Session, attempt: Attempt, now: dt.datetime) -> SignInResult:
    """Check a password sign-in and count it. The caller commits."""
    name, network = name_key(attempt.username), client_network(attempt.client_address)
    user = session.scalars(select(User).where(User.username == attempt.username.strip())).one_or_none()
    device = attempt.device.digest if attempt.device and user and attempt.device.user_id == user.id else None
    if device is None and network_paused(session, network, now):
        return SignInResult(SignIn.THROTTLED)  # no verification: this answer does not depend on the name
    if device is not None:
        paused = device_paused(session, name, device, now)
    else:
        paused = name_paused_until(session, name, now) is not None
    matches = password_matches(user.password_hash if user else None, attempt.password)
    if matches and not paused and user is not None and user.enabled:
        record_attempt(session, name, network, AttemptOutcome.SUCCESS, now, device)
        if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(attempt.password)
        return SignInResult(SignIn.OK, user)
    record_attempt(session, name, network, AttemptOutcome.FAILURE, now, device)
    return SignInResult(SignIn.REFUSED)
