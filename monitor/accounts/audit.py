"""The audit log of account management: who did what to which account, when, from where.

Every change to an account (`monitor.accounts.manage`, `monitor.accounts.resets`) writes one event in the
same transaction as the change, so there is no change without its event. Events are only ever added.
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, User
from models.enums import AuditAction

PAGE_SIZE = 100


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user (with their address) or an operator on the command line."""

    name: str
    user_id: int | None = None
    client_address: str | None = None

    @classmethod
    def signed_in(cls, user: User, client_address: str | None) -> Actor:
        return cls(user.username, user.id, client_address)

    @classmethod
    def command_line(cls) -> Actor:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (a container)
            who = "unknown"
        return cls(f"cli:{who}")


def record_event(
    session: Session,
    actor: Actor,
    action: AuditAction,
    now: dt.datetime,
    target: User | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add one event. The caller commits (with the change it records)."""
    event = AuditEvent(
        at=now,
        actor=actor.name[:120],
        action=action,
        target=target.username if target is not None else None,
        target_user_id=target.id if target is not None else None,
        detail=detail[:500],
        client_address=(actor.client_address or "")[:64] or None,
    )
    session.add(event)
    session.flush()
    return event


def audit_events(
    session: Session, *, before: int | None = None, user_id: int | None = None, limit: int = PAGE_SIZE
) -> list[AuditEvent]:
    """The newest events first, older than event id `before` if given, about `user_id` if given."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    if user_id is not None:
        query = query.where(AuditEvent.target_user_id == user_id)
    return list(session.scalars(query))
