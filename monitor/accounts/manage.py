"""Managing accounts: what the `users` commands and the accounts page call, each change with its audit event.

Every function takes the acting `Actor`, changes the account, writes one `AuditEvent` and leaves the commit
to the caller. Changes that would leave nobody able to manage accounts (no enabled admin) are refused, and
an admin cannot disable their own account. Password links live in `monitor.accounts.resets`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Rep, Team, User
from models.enums import AttemptOutcome, AuditAction, Role, SessionEnd
from monitor.accounts.audit import Actor, record_event
from monitor.accounts.errors import UserError
from monitor.accounts.sessions import end_user_sessions, last_sign_ins, live_session_counts
from monitor.accounts.throttle import client_network, name_key, paused_names, record_attempt
from monitor.accounts.users import check_scope, create_user, roster_rep, roster_team
from monitor.core.i18n import N_


def find_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise UserError(N_("no account named %(username)s"), username=repr(username))
    return user


@dataclass(frozen=True)
class AccountRow:
    """One account as the accounts page and `users list` show it."""

    user: User
    rep: Rep | None
    team: Team | None
    live_sessions: int
    last_sign_in: dt.datetime | None
    paused_until: dt.datetime | None  # password sign-in paused for browsers it does not know


def account_rows(session: Session, now: dt.datetime) -> list[AccountRow]:
    """Every account, by role then username, with what an admin needs to see about it."""
    users = list(session.scalars(select(User).order_by(User.role, User.username)))
    reps = {rep.id: rep for rep in session.scalars(select(Rep).where(Rep.id.in_([u.rep_id for u in users])))}
    teams = {
        team.id: team for team in session.scalars(select(Team).where(Team.id.in_([u.team_id for u in users])))
    }
    counts, last = live_session_counts(session, now), last_sign_ins(session)
    paused = paused_names(session, [user.username for user in users], now)
    return [
        AccountRow(
            user,
            reps.get(user.rep_id) if user.rep_id else None,
            teams.get(user.team_id) if user.team_id else None,
            counts.get(user.id, 0),
            last.get(user.id),
            paused.get(name_key(user.username)),
        )
        for user in users
    ]


def add_account(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    username: str,
    role: Role,
    *,
    password: str | None = None,
    rep_code: str | None = None,
    team_code: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """Create an account (without a password, its owner sets one through a mailed link)."""
    user = create_user(
        session,
        username,
        role,
        password,
        rep_code=rep_code,
        team_code=team_code,
        display_name=display_name,
        email=email,
    )
    record_event(session, actor, AuditAction.ACCOUNT_CREATED, now, user, _role_text(session, user))
    return user


def _enabled_admins_besides(session: Session, user: User) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.disabled_at.is_(None), User.id != user.id)
        )
        or 0
    )


def _keep_an_admin(session: Session, user: User) -> None:
    if user.role == Role.ADMIN and user.enabled and _enabled_admins_besides(session, user) == 0:
        raise UserError(
            N_("%(username)s is the last enabled admin; make another admin first"), username=user.username
        )


def disable_account(session: Session, actor: Actor, user: User, now: dt.datetime) -> None:
    """Disable `user`: every session ends at once, no password or link signs them in any more."""
    if actor.user_id == user.id:
        raise UserError(N_("you cannot disable your own account"))
    if not user.enabled:
        return
    _keep_an_admin(session, user)
    user.disabled_at = now
    ended = end_user_sessions(session, user, now, SessionEnd.DISABLED)
    record_event(session, actor, AuditAction.ACCOUNT_DISABLED, now, user, f"sessions ended: {ended}")


def enable_account(session: Session, actor: Actor, user: User, now: dt.datetime) -> None:
    if user.enabled:
        return
    user.disabled_at = None
    record_event(session, actor, AuditAction.ACCOUNT_ENABLED, now, user)


def unlock_account(session: Session, actor: Actor, user: User, now: dt.datetime) -> None:
    """Let everyone try `user`'s password again at once (failures before now stop counting)."""
    network = client_network(actor.client_address) if actor.client_address else "admin"
    record_attempt(session, name_key(user.username), network, AttemptOutcome.UNLOCK, now)
    record_event(session, actor, AuditAction.ACCOUNT_UNLOCKED, now, user)


def sign_out_everywhere(session: Session, actor: Actor, user: User, now: dt.datetime) -> int:
    """End every session of `user`; returns how many were live."""
    ended = end_user_sessions(session, user, now, SessionEnd.EVERYWHERE)
    record_event(session, actor, AuditAction.SIGNED_OUT_EVERYWHERE, now, user, f"sessions ended: {ended}")
    return ended


def change_role(
    session: Session,
    actor: Actor,
    user: User,
    role: Role,
    now: dt.datetime,
    *,
    rep_code: str | None = None,
    team_code: str | None = None,
) -> None:
    """Give `user` another role (a rep needs its rep, a manager its team). Takes effect at their next page."""
    rep, team = roster_rep(session, rep_code), roster_team(session, team_code)
    if role == Role.REP and rep is None and user.role == Role.REP:
        rep = session.get(Rep, user.rep_id) if user.rep_id else None
    if role == Role.MANAGER and team is None and user.role == Role.MANAGER:
        team = session.get(Team, user.team_id) if user.team_id else None
    check_scope(session, role, rep, team, user)
    if role != Role.ADMIN:
        _keep_an_admin(session, user)
    before = _role_text(session, user)
    user.role = role
    user.rep_id = rep.id if rep is not None and role == Role.REP else None
    user.team_id = team.id if team is not None and role == Role.MANAGER else None
    session.flush()
    after = _role_text(session, user)
    if before != after:
        record_event(session, actor, AuditAction.ROLE_CHANGED, now, user, f"{before} → {after}")


def set_team(session: Session, actor: Actor, user: User, team_code: str, now: dt.datetime) -> None:
    """Change the team a manager account oversees."""
    if user.role != Role.MANAGER:
        raise UserError(
            N_("only a manager account has a team; %(username)s is not a manager"), username=user.username
        )
    team = roster_team(session, team_code)
    before = _role_text(session, user)
    user.team_id = team.id if team is not None else None
    session.flush()
    after = _role_text(session, user)
    if before != after:
        record_event(session, actor, AuditAction.TEAM_CHANGED, now, user, f"{before} → {after}")


def _role_text(session: Session, user: User) -> str:
    """`rep R001` / `manager BJ` / `office`: an account's role and scope as the audit log writes them."""
    rep = session.get(Rep, user.rep_id) if user.rep_id is not None else None
    team = session.get(Team, user.team_id) if user.team_id is not None else None
    scope = rep.code if rep else team.code if team else ""
    return f"{user.role.value} {scope}".strip()
