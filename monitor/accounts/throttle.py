"""Throttling password sign-in by account, by client network and by trusted device.

What is counted are failed attempts in the last WINDOW (rows of `login_attempt`), since the name's last
success or an admin's unlock:
- a name (as typed, so unknown names behave exactly like real ones) with NAME_LIMIT failures is paused for
  clients without a trusted-device cookie for that account;
- a browser holding such a cookie (given at a successful sign-in) is paused only after DEVICE_LIMIT failures
  of its own, so that strangers failing on purpose cannot lock the owner out of their usual browser;
- a network (IPv4 address, IPv6 /64) with NETWORK_LIMIT failures is paused for every name it tries, except
  on accounts whose trusted-device cookie it presents.
A pause lifts by itself as its failures age out of the window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import LoginAttempt, User
from models.enums import AttemptOutcome
from monitor.core.settings import Settings

WINDOW = dt.timedelta(minutes=15)
NAME_LIMIT = 5
DEVICE_LIMIT = 5
NETWORK_LIMIT = 20
ATTEMPT_HISTORY = dt.timedelta(days=7)
DEVICE_LIFETIME = dt.timedelta(days=365)
_DEVICE_SALT = "rivalwatch.trusted-device"


def name_key(username: str) -> str:
    """The name an attempt is counted under: trimmed and case-folded, so `Admin ` counts as `admin`."""
    return username.strip().casefold()[:100]


def client_network(address: str | None) -> str:
    """The unit a client address is counted in: the IPv4 address, or the IPv6 /64 (one subscriber)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(getattr(ip, "ipv4_mapped", None) or ip)


# --- trusted devices -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedDevice:
    """A browser that once signed in to `user_id`, known by its cookie's nonce (kept only as SHA-256)."""

    user_id: int
    digest: str


def _device_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_secret(), salt=_DEVICE_SALT)


def device_cookie(settings: Settings, user: User) -> str:
    """A new trusted-device cookie value for `user` (signed; the nonce makes each browser its own)."""
    return str(_device_serializer(settings).dumps({"user": user.id, "nonce": secrets.token_urlsafe(16)}))


def trusted_device(settings: Settings, value: str | None) -> TrustedDevice | None:
    """The device a cookie value stands for, or None when it is missing, forged or too old."""
    if not value:
        return None
    try:
        claim = _device_serializer(settings).loads(value, max_age=int(DEVICE_LIFETIME.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(claim, dict) or not isinstance(claim.get("user"), int):
        return None
    nonce = claim.get("nonce")
    if not isinstance(nonce, str):
        return None
    return TrustedDevice(claim["user"], hashlib.sha256(nonce.encode()).hexdigest())


# --- counting ------------------------------------------------------------------------------------------


def record_attempt(
    session: Session,
    name: str,
    network: str,
    outcome: AttemptOutcome,
    now: dt.datetime,
    device: str | None = None,
) -> None:
    """Count one attempt (and forget those older than ATTEMPT_HISTORY). The caller commits."""
    session.add(LoginAttempt(at=now, username=name, network=network, device=device, outcome=outcome))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - ATTEMPT_HISTORY))


def _counted_since(session: Session, name: str, now: dt.datetime) -> dt.datetime:
    """Failures count from the later of the window's start and the name's last success or unlock."""
    reset = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == name, LoginAttempt.outcome != AttemptOutcome.FAILURE
        )
    )
    return max(now - WINDOW, reset) if reset is not None else now - WINDOW


def _failures(session: Session, condition: object, since: dt.datetime) -> list[dt.datetime]:
    return list(
        session.scalars(
            select(LoginAttempt.at)
            .where(condition, LoginAttempt.outcome == AttemptOutcome.FAILURE, LoginAttempt.at > since)  # type: ignore[arg-type]
            .order_by(LoginAttempt.at.desc())
        )
    )


def _until(failures: list[dt.datetime], limit: int) -> dt.datetime | None:
    return failures[limit - 1] + WINDOW if len(failures) >= limit else None


def name_paused_until(session: Session, name: str, now: dt.datetime) -> dt.datetime | None:
    """Until when clients without a trusted device may not try `name` (None: they may)."""
    condition = (LoginAttempt.username == name) & LoginAttempt.device.is_(None)
    return _until(_failures(session, condition, _counted_since(session, name, now)), NAME_LIMIT)


def device_paused(session: Session, name: str, device: str, now: dt.datetime) -> bool:
    since = _counted_since(session, name, now)
    return _until(_failures(session, LoginAttempt.device == device, since), DEVICE_LIMIT) is not None


def network_paused(session: Session, network: str, now: dt.datetime) -> bool:
    condition = (LoginAttempt.network == network) & LoginAttempt.device.is_(None)
    return _until(_failures(session, condition, now - WINDOW), NETWORK_LIMIT) is not None


def paused_names(session: Session, names: list[str], now: dt.datetime) -> dict[str, dt.datetime]:
    """name -> until when it is paused, for those of `names` that are (the accounts page)."""
    keys = {name_key(name) for name in names}
    rows = session.execute(
        select(LoginAttempt.username, LoginAttempt.at, LoginAttempt.outcome, LoginAttempt.device)
        .where(LoginAttempt.at > now - WINDOW, LoginAttempt.username.in_(keys))
        .order_by(LoginAttempt.at.desc())
    )
    failures: dict[str, list[dt.datetime]] = {}
    reset: set[str] = set()
    for name, at, outcome, device in rows:
        if outcome != AttemptOutcome.FAILURE:
            reset.add(name)  # newest first: failures before a success or unlock no longer count
        elif name not in reset and device is None:
            failures.setdefault(name, []).append(at)
    paused = {name: _until(times, NAME_LIMIT) for name, times in failures.items()}
    return {name: until for name, until in paused.items() if until is not None}
