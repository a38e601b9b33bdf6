"""Creating sign-in accounts: one at a time (the CLI) or a demo set for every team and rep."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Rep, Team, User
from models.enums import Role
from models.lookup import UnknownCode, by_code
from monitor.accounts.passwords import hash_password


class UserError(ValueError):
    """A user that cannot be created as asked; the message says why."""


def create_user(
    session: Session,
    username: str,
    role: Role,
    password: str,
    *,
    rep_code: str | None = None,
    team_code: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """Add a user; a rep needs their roster rep, a manager their team. The caller commits."""
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    try:
        rep = by_code(session, Rep, rep_code) if rep_code else None
        team = by_code(session, Team, team_code) if team_code else None
    except UnknownCode as missing:  # reps and teams come from the roster import
        raise UserError(f"{missing} in the roster") from None
    if role == Role.REP and rep is None:
        raise UserError("a rep account needs --rep CODE")
    if role == Role.MANAGER and team is None:
        raise UserError("a manager account needs --team CODE")
    user = User(
        username=username,
        display_name=display_name or (rep.name if rep else username),
        email=email or (rep.email if rep else None),
        password_hash=hash_password(password),
        role=role,
        rep_id=rep.id if rep else None,
        team_id=team.id if team else None,
    )
    session.add(user)
    session.flush()
    return user


def seed_demo_users(session: Session, password: str) -> list[User]:
    """Demo accounts, all with `password`: `office`, `admin`, `manager-<team code>` per team, and the
    rep code for each rep. Existing usernames are kept as they are; returns every demo account."""
    # One hash for all: argon2 is deliberately slow and demo accounts share the password anyway.
    password_hash = hash_password(password)
    wanted = [
        User(username="office", display_name="KA销售管理部", role=Role.OFFICE),
        User(username="admin", display_name="Administrator", role=Role.ADMIN),
    ]
    for team in session.scalars(select(Team).order_by(Team.code)):
        wanted.append(
            User(
                username=f"manager-{team.code}",
                display_name=f"{team.name} 经理",
                email=team.manager_email,
                role=Role.MANAGER,
                team_id=team.id,
            )
        )
    for rep in session.scalars(select(Rep).order_by(Rep.code)):
        wanted.append(
            User(username=rep.code, display_name=rep.name, email=rep.email, role=Role.REP, rep_id=rep.id)
        )
    return [_existing_or_added(session, user, password_hash) for user in wanted]


def _existing_or_added(session: Session, user: User, password_hash: str) -> User:
    same = User.username == user.username
    if user.rep_id is not None:
        same = same | (User.rep_id == user.rep_id)
    existing = session.scalars(select(User).where(same)).first()
    if existing is not None:
        return existing
    user.password_hash = password_hash
    session.add(user)
    session.flush()
    return user
